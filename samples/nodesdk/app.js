'use strict';
// otel-xray's parts inside OTel's NodeSDK, configured in code. Run: node samples/nodesdk/app.js
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { AWSXRayIdGenerator } = require('@opentelemetry/id-generator-aws-xray');
const { AlwaysOnSampler } = require('@opentelemetry/sdk-trace-base');
const { httpInstrumentationConfig, XRayPropagator, XRaySampler, XRaySpanProcessor } = require('../..'); // the package (its bundled entry)

const sdk = new NodeSDK({
  serviceName: 'nodesdk-shop',
  idGenerator: new AWSXRayIdGenerator(),
  textMapPropagator: new XRayPropagator(),
  // Callers' decisions are kept; new traces are all recorded here (the default root is X-Ray's default rule).
  sampler: new XRaySampler({ root: new AlwaysOnSampler() }),
  spanProcessors: [new XRaySpanProcessor({ daemonAddress: process.env.AWS_XRAY_DAEMON_ADDRESS ?? '127.0.0.1:2000' })],
  // What the preload gives the http instrumentation: the response's trace header, content_length, the path as sent.
  instrumentations: [new HttpInstrumentation(httpInstrumentationConfig())],
  // NodeSDK's default OTLP metrics and logs exporters off: nothing listens for them, and shutdown() would wait ~8 s.
  metricReaders: [],
  logRecordProcessors: [],
});
sdk.start();

const http = require('node:http');
const server = http.createServer((req, res) => res.end('traced by NodeSDK + otel-xray'));
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.once('SIGTERM', () => sdk.shutdown().finally(() => process.exit(0)));
