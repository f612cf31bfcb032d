'use strict';
// A plain node:http app configured for X-Ray by environment variables alone (see env.json beside it):
// fixed and dynamic naming, URLs as annotations, every request recorded.
const http = require('node:http');

const server = http.createServer((req, res) => {
  if (req.url === '/fail') {
    res.statusCode = 503;
    res.end('try later');
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ path: req.url }));
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
