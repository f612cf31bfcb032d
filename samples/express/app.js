'use strict';
// An ordinary express app: no tracing code. Run it traced with `node --require otel-xray/register app.js`.
const http = require('node:http');
const express = require('express');

const app = express();
app.get('/orders/:id', (req, res) => res.json({ id: req.params.id, status: 'shipped' }));
app.get('/checkout', (req, res, next) => {
  // An outgoing call: it becomes a `remote` subsegment named after the host.
  http.get({ host: '127.0.0.1', port: server.address().port, path: '/orders/7', agent: false }, (reply) => {
    reply.resume();
    reply.on('end', () => res.json({ checkout: 'ok' }));
  }).on('error', next);
});
app.get('/fail', () => {
  throw new Error('payment declined');
});
// The app's own error handler: the failure is recorded on the trace (fault, with the exception as its cause).
app.use((err, req, res, next) => res.status(500).json({ error: err.message }));
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
