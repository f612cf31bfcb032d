'use strict';
// Requests per second through span creation → onEnd → assemble → translate → pack → emit, with an emitter
// that only counts bytes, against the same spans with OTel's NoopSpanProcessor and with a BatchSpanProcessor
// around an exporter that does nothing. A "request" is a SERVER span with three children (an HTTP call, a SQL
// query, an internal step) carrying the attributes OTel instrumentations set.
const { ROOT_CONTEXT, SpanKind, trace } = require('@opentelemetry/api');
const { AWSXRayIdGenerator } = require('@opentelemetry/id-generator-aws-xray');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor, NoopSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { XRaySpanProcessor } = require('../build/src');

class CountingEmitter {
  constructor() {
    this.datagrams = 0;
    this.bytes = 0;
  }
  send(text) {
    this.datagrams++;
    this.bytes += Buffer.byteLength(text) + 30; // + the header line
  }
  async flush() {}
  async shutdown() {}
}

const { CLIENT, SERVER, SQL } = require('./request-attributes');

function run(label, processor, emitter) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench', 'telemetry.sdk.language': 'nodejs' }),
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('bench');
  const request = () => {
    const server = tracer.startSpan('GET /api/orders/:id', { kind: SpanKind.SERVER, attributes: SERVER });
    const parent = trace.setSpan(ROOT_CONTEXT, server);
    tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: CLIENT }, parent).end();
    tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: SQL }, parent).end();
    tracer.startSpan('render', {}, parent).end();
    server.end();
  };
  return (async () => {
    for (let i = 0; i < 5000; i++) request(); // warm up
    await processor.forceFlush();
    if (emitter) emitter.bytes = emitter.datagrams = 0;
    let requests = 0;
    const start = process.hrtime.bigint();
    const deadline = start + 2_000_000_000n;
    while (process.hrtime.bigint() < deadline) {
      for (let i = 0; i < 500; i++) request();
      requests += 500;
      await new Promise((resolve) => setImmediate(resolve)); // let processors do their deferred work
    }
    await processor.forceFlush();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    await provider.shutdown();
    return {
      case: label,
      requestsPerSecond: Math.round(requests / seconds),
      spansPerSecond: Math.round((requests * 4) / seconds),
      bytesPerRequest: emitter ? Math.round(emitter.bytes / requests) : undefined,
      datagramsPerRequest: emitter ? +(emitter.datagrams / requests).toFixed(2) : undefined,
    };
  })();
}

const only = process.argv[2]; // run one case: noop | batch | xray
if (!only) {
  // Each case in a fresh process, so one case's heap and JIT state cannot tilt the next.
  const { execFileSync } = require('node:child_process');
  const results = ['noop', 'batch', 'xray'].map((name) => JSON.parse(execFileSync(process.execPath, [__filename, name], { encoding: 'utf8' })).results[0]);
  console.log(JSON.stringify({ bench: 'processor', node: process.version, results }));
  return;
}
(async () => {
  const results = [];
  if (only === 'noop') results.push(await run('OTel NoopSpanProcessor (span creation only)', new NoopSpanProcessor()));
  const noopExporter = { export: (spans, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
  if (only === 'batch') results.push(await run('OTel BatchSpanProcessor + no-op exporter', new BatchSpanProcessor(noopExporter, { maxQueueSize: 100_000, maxExportBatchSize: 512 })));
  const emitter = new CountingEmitter();
  if (only === 'xray') results.push(await run('otel-xray XRaySpanProcessor (translate + pack, counting emitter)', new XRaySpanProcessor({ emitter, env: {} }), emitter));
  console.log(JSON.stringify({ bench: 'processor', node: process.version, results }));
})();
