'use strict';
// The main job for now: a small traced "app" (an incoming request with a database query, an outgoing HTTP call
// and a failure) whose spans are translated into X-Ray segment documents and printed, as the daemon would receive them.
const { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } = require('@opentelemetry/api');
const { AWSXRayIdGenerator } = require('@opentelemetry/id-generator-aws-xray');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { DAEMON_HEADER, toSegmentDocuments } = require('../..'); // the package (its bundled entry)

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.4.0', 'cloud.provider': 'aws', 'cloud.platform': 'aws_ec2', 'host.id': 'i-0abc1234def567890', 'cloud.availability_zone': 'eu-west-1a' }),
  idGenerator: new AWSXRayIdGenerator(),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const tracer = provider.getTracer('sample');

const request = tracer.startSpan('POST /orders', {
  kind: SpanKind.SERVER,
  attributes: {
    'http.request.method': 'POST', 'url.scheme': 'https', 'server.address': 'shop.example.com', 'url.path': '/orders',
    'client.address': '203.0.113.9', 'network.peer.address': '10.0.0.12', 'user_agent.original': 'curl/8.5.0',
    'http.response.status_code': 502, 'order.id': 'o-1001', 'aws.xray.annotations': ['order.id'],
  },
});
const inside = trace.setSpan(ROOT_CONTEXT, request);
tracer.startSpan('INSERT orders', {
  kind: SpanKind.CLIENT,
  attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'server.address': 'db.internal', 'server.port': 5432, 'db.query.text': 'INSERT INTO orders VALUES ($1, $2)' },
}, inside).end();
const payment = tracer.startSpan('POST', {
  kind: SpanKind.CLIENT,
  attributes: { 'http.request.method': 'POST', 'url.full': 'https://payments.example.com/charge', 'server.address': 'payments.example.com', 'http.response.status_code': 503 },
}, inside);
payment.recordException(new Error('payment service unavailable'));
payment.setStatus({ code: SpanStatusCode.ERROR });
payment.end();
request.end();

for (const document of toSegmentDocuments(exporter.getFinishedSpans())) {
  const datagram = DAEMON_HEADER + JSON.stringify(document);
  console.log(`--- one UDP datagram, ${Buffer.byteLength(datagram)} bytes ---`);
  console.log(DAEMON_HEADER.trim());
  console.log(JSON.stringify(document, null, 2));
}
