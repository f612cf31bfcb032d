import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { context, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { XRaySpanProcessor } from '../../src/index';
import type { IndependentSubsegment, Segment, SegmentDocument, Subsegment } from '../../src/index';
import { MAX_DATAGRAM_BYTES } from '../helpers/assert-document';
import { captureProblems } from '../helpers/capture-problems';
import { collectIds } from '../helpers/collect-ids';
import { stopTracedHttp } from '../helpers/traced-http';
import { UdpSink } from '../helpers/udp-sink';

type Http = typeof import('node:http');

/** A request from outside the traced app (untraced itself, so only our headers reach the app). */
function get(http: Http, port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  type Reply = { status: number; body: string };
  return context.with(suppressTracing(context.active()), () =>
    new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    }),
  );
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('XRaySpanProcessor end to end: instrumentation-http, a real app, a real UDP socket', function () {
  this.timeout(30_000);
  const sink = new UdpSink();
  // Made in before(): an instrumentation patches http as soon as it is constructed.
  let instrumentation: HttpInstrumentation;
  const { problems } = captureProblems();
  let processor: XRaySpanProcessor;
  let provider: NodeTracerProvider;
  let http: Http;
  let backend: Server;
  let app: Server;
  let appPort = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    const daemonPort = await sink.start();
    processor = new XRaySpanProcessor({ daemonAddress: `127.0.0.1:${daemonPort}`, env: {}, problems });
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'orders-api' }),
      idGenerator: new AWSXRayIdGenerator(),
      spanProcessors: [processor],
    });
    provider.register({ propagator: new AWSXRayPropagator() });
    instrumentation = new HttpInstrumentation({ enabled: false });
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
    http = require('node:http') as Http;
    backend = http.createServer((_req, res) => res.end('stock'));
    const backendPort = await listen(backend);
    app = http.createServer((req: IncomingMessage, res: ServerResponse) => {
      const tracer = trace.getTracer('app');
      if (req.url?.startsWith('/many') === true) {
        // A 5,000-span request.
        for (let i = 0; i < 4999; i++) tracer.startSpan(`step ${i}`).end();
        res.end('many');
        return;
      }
      if (req.url?.startsWith('/huge') === true) {
        tracer.startSpan('huge', { attributes: { blob: 'b'.repeat(2 * 1024 * 1024) } }).end();
        res.end('huge');
        return;
      }
      http.get({ host: '127.0.0.1', port: backendPort, path: '/stock', agent: false }, (r) => {
        r.resume();
        r.on('end', () => res.end('ok'));
      });
    });
    appPort = await listen(app);
  });

  beforeEach(() => sink.clear());

  after(async () => {
    await stopTracedHttp({ instrumentation, servers: [app, backend], provider, sink });
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
  });

  it('continues an incoming X-Ray trace: one document per service, ids linked, the call nested and timed inside', async () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const response = await get(http, appPort, '/orders?id=7', { 'X-Amzn-Trace-Id': header });
    assert.equal(response.body, 'ok');
    await sink.waitFor(2);
    const docs = sink.documents as Segment[];
    assert.ok(docs.every((d) => d.trace_id === '1-5759e988-bd862e3fe1be46a994272793'));
    const appSegment = docs.find((d) => d.parent_id === '53995c3f42cd8ad8')!;
    assert.equal(appSegment.name, 'orders-api');
    assert.equal(appSegment.http?.request?.url, `http://127.0.0.1:${appPort}/orders?id=7`);
    assert.equal(appSegment.http?.response?.status, 200);
    assert.equal(appSegment.subsegments?.length, 1);
    const call = appSegment.subsegments![0] as Subsegment;
    assert.equal(call.name, '127.0.0.1');
    assert.equal(call.namespace, 'remote');
    assert.equal(call.http?.response?.status, 200);
    assert.ok(call.start_time >= appSegment.start_time && (call.end_time as number) <= (appSegment.end_time as number));
    const backendSegment = docs.find((d) => d.parent_id === call.id);
    assert.ok(backendSegment, 'the backend segment names the call as its parent');
    assert.equal(docs.length, 2);
  });

  it('starts a new trace for a request without a trace header', async () => {
    await get(http, appPort, '/orders');
    await sink.waitFor(2);
    const docs = sink.documents as Segment[];
    const appSegment = docs.find((d) => d.parent_id === undefined)!;
    assert.match(appSegment.trace_id, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    // The X-Ray id generator puts the epoch seconds first.
    const epoch = Number.parseInt(appSegment.trace_id.slice(2, 10), 16);
    assert.ok(Math.abs(epoch - Date.now() / 1000) < 600);
  });

  it('sends no document for a request its caller did not sample (Sampled=0)', async () => {
    const before = processor.stats().spansEnded;
    await get(http, appPort, '/orders', { 'X-Amzn-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272794;Parent=53995c3f42cd8ad8;Sampled=0' });
    await processor.forceFlush();
    assert.equal(processor.stats().spansEnded, before);
    assert.equal(sink.documents.length, 0);
  });

  it('delivers every span of a 5,000-span request, no datagram over 64 KB', async () => {
    await get(http, appPort, '/many');
    await processor.forceFlush();
    await sink.until((docs) => collectIds(docs).size >= 5000);
    assert.equal(collectIds(sink.documents).size, 5000);
    assert.ok(sink.datagramSizes.every((size) => size <= MAX_DATAGRAM_BYTES));
  });

  it('delivers a span with a 2 MB attribute, cut to fit', async () => {
    await get(http, appPort, '/huge');
    await processor.forceFlush();
    await sink.waitFor(1);
    assert.equal(collectIds(sink.documents).size, 2);
    assert.ok(sink.datagramSizes.every((size) => size <= MAX_DATAGRAM_BYTES));
  });

  it('serves 500 concurrent requests and delivers all of their segments', async () => {
    const responses = await Promise.all(Array.from({ length: 500 }, (_, i) => get(http, appPort, `/orders?n=${i}`)));
    assert.ok(responses.every((r) => r.body === 'ok'));
    await processor.forceFlush();
    // Each request: the app's segment (with its call) and the backend's segment.
    await sink.waitFor(1000, 10_000);
    const appSegments = sink.documents.filter((d) => d.name === 'orders-api' && (d.subsegments?.length ?? 0) === 1);
    assert.equal(new Set(appSegments.map((d) => d.http?.request?.url)).size, 500);
    assert.ok(sink.datagramSizes.every((size) => size <= MAX_DATAGRAM_BYTES));
  });

  it('links documents by ids only: every independent subsegment and child segment names a parent that was sent', async () => {
    await get(http, appPort, '/orders?check=links');
    await sink.waitFor(2);
    const ids = collectIds(sink.documents);
    for (const doc of sink.documents as Array<SegmentDocument & Partial<IndependentSubsegment>>) {
      if ((doc as Segment).parent_id !== undefined && doc.type === 'subsegment') assert.ok(ids.has(doc.parent_id as string));
    }
  });
});
