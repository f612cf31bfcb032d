'use strict';
// Spans translated per second on one core: a small span, an http server span with 20 attributes, a SQL span.
// Runs against build/ (npm run bench builds first). Prints figures only; no assertions.
const { SpanKind } = require('@opentelemetry/api');
const { AWSXRayIdGenerator } = require('@opentelemetry/id-generator-aws-xray');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { SegmentTranslator } = require('../build/src');

const { ROOT_CONTEXT, trace } = require('@opentelemetry/api');

/** `count` spans; CLIENT spans are made children of one (unexported) request span, as in a real app. */
function makeSpans(count, kind, attributes) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench', 'telemetry.sdk.language': 'nodejs', 'cloud.provider': 'aws', 'cloud.platform': 'aws_ec2', 'host.id': 'i-0123456789abcdef0' }),
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench');
  const parent = kind === SpanKind.CLIENT ? trace.setSpan(ROOT_CONTEXT, tracer.startSpan('request', { kind: SpanKind.SERVER })) : undefined;
  for (let i = 0; i < count; i++) tracer.startSpan('work', { kind, attributes }, parent).end();
  return exporter.getFinishedSpans();
}

const HTTP_ATTRIBUTES = {
  'http.request.method': 'GET', 'url.scheme': 'https', 'server.address': 'shop.example.com', 'server.port': 443,
  'url.path': '/api/orders/123', 'url.query': 'expand=items', 'client.address': '203.0.113.7', 'network.peer.address': '10.0.1.2',
  'network.peer.port': 51234, 'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)', 'http.response.status_code': 200,
  'http.route': '/api/orders/:id', 'network.protocol.version': '1.1', 'http.request.header.x-request-id': ['abc'],
  'order.id': '123', 'customer.tier': 'gold', 'feature.flag': true, 'cart.items': 4, 'region': 'eu', 'retry': 0,
};
const SQL_ATTRIBUTES = {
  'db.system.name': 'postgresql', 'db.namespace': 'orders', 'server.address': 'db.internal', 'server.port': 5432,
  'db.query.text': 'SELECT id, total FROM orders WHERE customer_id = $1', 'db.operation.name': 'SELECT', 'db.collection.name': 'orders',
};

function measure(label, spans, translator, serialize) {
  const batch = 100;
  // Warm up, then run for about 1.5 s.
  for (let i = 0; i < 2000; i += batch) translator.translate(spans.slice(i % spans.length, (i % spans.length) + batch));
  let done = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  const deadline = start + 1_500_000_000n;
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < spans.length; i += batch) {
      const docs = translator.translate(spans.slice(i, i + batch));
      if (serialize) for (const d of docs) bytes += JSON.stringify(d).length;
      done += batch;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { case: label, spansPerSecond: Math.round(done / seconds), bytesPerSpan: serialize ? Math.round(bytes / done) : undefined };
}

const translator = new SegmentTranslator();
const cases = [
  ['small span (SERVER, no attributes)', makeSpans(10_000, SpanKind.SERVER, {})],
  ['http server span, 20 attributes', makeSpans(10_000, SpanKind.SERVER, HTTP_ATTRIBUTES)],
  ['SQL client span (subsegment)', makeSpans(10_000, SpanKind.CLIENT, SQL_ATTRIBUTES)],
];
const results = [];
for (const [label, spans] of cases) {
  results.push(measure(label + ': translate', spans, translator, false));
  results.push(measure(label + ': translate + JSON', spans, translator, true));
}
console.log(JSON.stringify({ bench: 'translate', node: process.version, results }));
