'use strict';
// The recorder API, as X-Ray SDK users write it, in an express app under `--require otel-xray/register`:
// subsegments, capture, annotations and metadata, the user, an error, a worker thread continuing the trace,
// module patching, an ignored health check, and the SQS sampling helper.
//   node samples/run.js recorder
const { isMainThread, parentPort, Worker, workerData } = require('node:worker_threads');
const xray = require('../..'); // in an app: require('otel-xray')

if (!isMainThread) {
  // The worker continues the request's trace from the carrier it was given, as a subsegment of the request.
  xray.withTraceCarrier(workerData.carrier, () =>
    xray.inSubsegment('render invoice in a worker', (sub) => sub.putAnnotation('pages', 3)));
  xray.forceFlush().then(() => parentPort.postMessage('rendered'));
  return;
}

const http = require('node:http');
const express = require('express');

// `patch(('inventory',))`: every exported function of ./lib/inventory becomes a subsegment.
xray.patchModules([require.resolve('./lib/inventory')]);
const inventory = require('./lib/inventory');
// `add_ignored(urls=['/health'])`: calls to a health endpoint are not traced.
xray.ignoreOutgoing({ urls: ['/health'] });

// `@xray_recorder.capture('price lookup')`
const priceOf = xray.capture('price lookup', async (sku) => {
  xray.putAnnotation('sku', sku);
  return 19.99;
});

const app = express();
app.get('/orders/:id', async (req, res) => {
  xray.setUser('customer-7');
  const price = await priceOf(req.params.id);
  // `with xray_recorder.in_subsegment('load order') as sub:`
  const order = await xray.inSubsegment('load order', async (sub) => {
    sub.putAnnotation('order_id', req.params.id);
    sub.putMetadata('pricing', { price, currency: 'EUR' }, 'orders');
    return { id: req.params.id, price, stock: await inventory.reserve(req.params.id, 1) };
  });
  // A message from SQS: was its trace sampled? (`SqsMessageHelper.isSampled`)
  const message = { Attributes: { AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' } };
  res.json({ ...order, messageSampled: xray.isSampled(message) });
});

app.get('/checkout', (req, res) => {
  const worker = new Worker(__filename, { workerData: { carrier: xray.traceCarrier() } });
  worker.once('message', (status) => res.json({ invoice: status }));
  // The health check the ignore rule covers: a real call, untraced.
  http.get({ host: '127.0.0.1', port: server.address().port, path: '/health' }, (r) => r.resume());
});

app.get('/health', (req, res) => res.end('ok'));

app.get('/fail', async (req, res) => {
  try {
    await xray.inSubsegment('charge card', async () => {
      throw new Error('card declined');
    });
  } catch (err) {
    res.status(402).json({ error: err.message });
  }
});

const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
