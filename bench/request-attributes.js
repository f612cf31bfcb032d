'use strict';
// The attributes OTel's instrumentations put on the spans of one request (an incoming HTTP request, an outgoing
// HTTP call, a SQL query): shared by the benches that model a request.
exports.SERVER = {
  'http.request.method': 'GET', 'url.scheme': 'http', 'server.address': 'shop.example.com', 'server.port': 8080,
  'url.path': '/api/orders/123', 'client.address': '203.0.113.7', 'network.peer.address': '10.0.1.2',
  'network.peer.port': 51234, 'user_agent.original': 'Mozilla/5.0', 'http.response.status_code': 200,
  'http.route': '/api/orders/:id', 'network.protocol.version': '1.1',
};
exports.CLIENT = {
  'http.request.method': 'GET', 'url.full': 'http://inventory.internal:8081/stock/123', 'server.address': 'inventory.internal',
  'server.port': 8081, 'http.response.status_code': 200, 'network.peer.address': '10.0.2.3', 'network.peer.port': 8081,
};
exports.SQL = {
  'db.system.name': 'postgresql', 'db.namespace': 'orders', 'server.address': 'db.internal', 'server.port': 5432,
  'db.query.text': 'SELECT id, total FROM orders WHERE id = $1', 'db.operation.name': 'SELECT',
};
