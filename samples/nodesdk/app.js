'use strict';
// otel-xray's parts inside OTel's NodeSDK, configured in code. Run: node samples/nodesdk/app.js
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { AWSXRayIdGenerator } = require('@opentelemetry/id-generator-aws-xray');
const { AlwaysOnSampler } = require('@opentelemetry/sdk-trace-base');
const { XRayPropagator, XRaySampler, XRaySpanProcessor } = require('../..'); // the package (its bundled entry)

const sdk = new NodeSDK({
  serviceName: 'nodesdk-shop',
  idGenerator: new AWSXRayIdGenerator(),
  textMapPropagator: new XRayPropagator(),
  // Callers' decisions are kept; new traces are all recorded here (the default root is X-Ray's default rule).
  sampler: new XRaySampler({ root: new AlwaysOnSampler() }),
  spanProcessors: [new XRaySpanProcessor({ daemonAddress: process.env.AWS_XRAY_DAEMON_ADDRESS ?? '127.0.0.1:2000' })],
  instrumentations: [new HttpInstrumentation()],
});
sdk.start();

const http = require('node:http');
const server = http.createServer((req, res) => res.end('traced by NodeSDK + otel-xray'));
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.once('SIGTERM', () => sdk.shutdown().finally(() => process.exit(0)));
