'use strict';
// The second local process behind /call: a keep-alive server answering a small JSON body, untraced.
const http = require('node:http');

const body = JSON.stringify({ id: 123, name: 'widget', stock: 7 });
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
