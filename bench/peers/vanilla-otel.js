'use strict';
// Vanilla OpenTelemetry as its getting-started guide sets it up: NodeSDK with the http and express
// instrumentations, here with an exporter that drops every span (it only counts them, so the run can check that
// tracing happened). Metrics and logs are off: this is the floor any OTel tracing distro pays.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');

let exported = 0;
const noopExporter = {
  export(spans, done) {
    exported += spans.length;
    done({ code: 0 });
  },
  async shutdown() {},
  async forceFlush() {},
};

new NodeSDK({
  serviceName: 'bench-app',
  traceExporter: noopExporter,
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()],
}).start();

// The bench asks over IPC how many spans were exported.
process.on('message', (message) => {
  if (message === 'bench:spans') process.send({ spans: exported });
});
if (process.channel) process.channel.unref();
