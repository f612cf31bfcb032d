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

// With BENCH_VANILLA_DAEMON (host:port), the least an X-Ray exporter can do instead: for each span whose parent is
// not in this process (a request's root), one datagram to the daemon holding a bare segment (name, ids, times:
// no http block, no subsegments, no resource). What the daemon protocol costs on top of vanilla, and no more.
const daemon = process.env.BENCH_VANILLA_DAEMON;
let exporter = noopExporter;
if (daemon) {
  const socket = require('node:dgram').createSocket('udp4');
  const [host, port] = daemon.split(':');
  socket.connect(Number(port), host);
  const seconds = ([s, ns]) => s + ns / 1e9;
  exporter = {
    ...noopExporter,
    export(spans, done) {
      exported += spans.length;
      for (const span of spans) {
        if (span.parentSpanContext !== undefined && !span.parentSpanContext.isRemote) continue;
        const { traceId, spanId } = span.spanContext();
        const segment = { name: 'bench-app', id: spanId, trace_id: `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`, start_time: seconds(span.startTime), end_time: seconds(span.endTime) };
        socket.send(`{"format":"json","version":1}\n${JSON.stringify(segment)}`);
      }
      done({ code: 0 });
    },
  };
}

new NodeSDK({
  serviceName: 'bench-app',
  traceExporter: exporter,
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()],
}).start();

// The bench asks over IPC how many spans were exported.
process.on('message', (message) => {
  if (message === 'bench:spans') process.send({ spans: exported });
});
if (process.channel) process.channel.unref();
