'use strict';
// The demo's services: the same express app runs as `shop` (the front) and as `inventory` (called by the shop),
// traced with no tracing code of its own beyond a few recorder calls, under `node --require otel-xray/register`.
const http = require('node:http');
const { isMainThread, parentPort, Worker, workerData } = require('node:worker_threads');
const xray = require('../..'); // in an app: require('otel-xray')

if (!isMainThread) {
  // A worker thread continues the request's trace from the carrier it was handed.
  xray.withTraceCarrier(workerData.carrier, () =>
    xray.inSubsegment('render invoice in a worker', (sub) => sub.putAnnotation('pages', 3)));
  xray.forceFlush().then(() => parentPort.postMessage('rendered'));
  return;
}

const express = require('express');
const { trace, SpanKind } = require('@opentelemetry/api');

const tracer = trace.getTracer('demo');
const app = express();

/** A database query as an instrumented driver reports it: a subsegment with its `sql` block. */
function query(database, statement, rows) {
  return tracer.startActiveSpan(`SELECT ${database}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system': 'postgresql', 'db.name': database, 'server.address': 'db.internal', 'db.user': 'app', 'db.statement': statement },
  }, (span) => new Promise((resolve) => setTimeout(() => {
    span.end();
    resolve(rows);
  }, 3)));
}

function get(port, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

if (process.env.DEMO_ROLE === 'inventory') {
  app.get('/stock/:sku', async (req, res) => {
    const [row] = await query('inventory', 'SELECT count FROM stock WHERE sku = $1', [{ count: 3 }]);
    res.json({ sku: req.params.sku, count: row.count });
  });
} else {
  app.get('/orders/:id', async (req, res) => {
    xray.setUser('alice');
    xray.putAnnotation('customer', 'alice');
    const [order] = await query('shop', 'SELECT id, total FROM orders WHERE id = $1', [{ id: req.params.id, total: 42 }]);
    xray.putAnnotation('total', order.total);
    res.json(order);
  });
  app.get('/checkout', async (req, res, next) => {
    try {
      // An outgoing call to the inventory service: an edge shop → inventory on the service map.
      const stock = await get(Number(process.env.INVENTORY_PORT), '/stock/7');
      // A worker thread rendering the invoice, in the request's trace.
      await new Promise((resolve, reject) => {
        const worker = new Worker(__filename, { workerData: { carrier: xray.traceCarrier() } });
        worker.once('message', resolve).once('error', reject);
      });
      res.json({ checkout: 'ok', stock: JSON.parse(stock.body).count });
    } catch (err) {
      next(err);
    }
  });
  // A slow report: a latency outlier on the service map, and a high-latency anomaly where one is configured.
  app.get('/report', async (req, res) => {
    const rows = await query('shop', 'SELECT day, sum(total) FROM orders GROUP BY day', [{ day: 'today', total: 420 }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    res.json(rows);
  });
  app.get('/fail', () => {
    throw new Error('payment declined');
  });
}
// The app's own error handler: the failure is recorded on the trace (fault, with the exception and its stack).
app.use((err, req, res, next) => res.status(500).json({ error: err.message }));
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
