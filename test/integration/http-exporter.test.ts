import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { context, SpanKind } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { XRaySpanExporter } from '../../src/index';
import type { Segment, Subsegment } from '../../src/index';
import { captureProblems } from '../helpers/capture-problems';
import { stopTracedHttp } from '../helpers/traced-http';
import { UdpSink } from '../helpers/udp-sink';

/** A request from outside the traced app: its own client call is not traced, so our trace header reaches the app. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<string> {
  return context.with(suppressTracing(context.active()), () => send(port, path, headers));
}

function send(port: number, path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('XRaySpanExporter with instrumentation-http, a real server and a real UDP daemon socket', () => {
  const sink = new UdpSink();
  // Made in before(): an instrumentation patches http as soon as it is constructed.
  let instrumentation: HttpInstrumentation;
  let provider: NodeTracerProvider;
  let exporter: XRaySpanExporter;
  let backend: Server;
  let app: Server;
  let appPort = 0;

  before(async () => {
    const daemonPort = await sink.start();
    exporter = new XRaySpanExporter({ daemonAddress: `127.0.0.1:${daemonPort}`, env: {}, problems: captureProblems().problems });
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'orders-api' }),
      idGenerator: new AWSXRayIdGenerator(),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    provider.register({ propagator: new AWSXRayPropagator() });
    instrumentation = new HttpInstrumentation({ enabled: false });
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
    // Modules are loaded after enable() so the instrumentation wraps them.
    const http = require('node:http') as typeof import('node:http');
    backend = http.createServer((_req, res) => res.end('stock'));
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const backendPort = (backend.address() as AddressInfo).port;
    app = http.createServer((_req, res) => {
      http.get({ host: '127.0.0.1', port: backendPort, path: '/stock' }, (r) => {
        r.resume();
        r.on('end', () => res.end('ok'));
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appPort = (app.address() as AddressInfo).port;
  });

  after(async () => {
    await stopTracedHttp({ instrumentation, servers: [app, backend], provider, sink });
  });

  it('sends the incoming request, its outgoing call and the backend\'s own segment, linked by ids', async () => {
    const traceHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const body = await get(appPort, '/orders?id=7', { 'X-Amzn-Trace-Id': traceHeader, 'X-Forwarded-For': '203.0.113.50' });
    assert.equal(body, 'ok');
    await exporter.forceFlush();
    // The backend's server span, the app's client span (independent: its parent has not ended yet when it is
    // exported one by one), and the app's server span.
    await sink.waitFor(3);
    const docs = sink.documents;
    assert.ok(docs.every((d) => d.trace_id === '1-5759e988-bd862e3fe1be46a994272793'));
    const appSegment = docs.find((d) => (d as Segment).parent_id === '53995c3f42cd8ad8') as Segment;
    assert.equal(appSegment.name, 'orders-api');
    assert.equal(appSegment.http?.request?.method, 'GET');
    assert.equal(appSegment.http?.request?.url, `http://127.0.0.1:${appPort}/orders?id=7`);
    assert.equal(appSegment.http?.request?.client_ip, '203.0.113.50');
    assert.equal(appSegment.http?.request?.x_forwarded_for, true);
    assert.equal(appSegment.http?.response?.status, 200);
    const call = docs.find((d) => (d as Subsegment & { type?: string }).type === 'subsegment') as Subsegment & { parent_id: string };
    assert.equal(call.parent_id, appSegment.id);
    assert.equal(call.name, '127.0.0.1');
    assert.equal(call.namespace, 'remote');
    const backendSegment = docs.find((d) => (d as Segment).parent_id === call.id) as Segment;
    assert.ok(backendSegment, 'the backend segment names the call as its parent');
    assert.equal(backendSegment.http?.request?.url?.endsWith('/stock'), true);
  });

  it('keeps serving and counts the failure when nothing listens on the daemon port', async () => {
    const { problems } = captureProblems();
    const dead = new XRaySpanExporter({ daemonAddress: '127.0.0.1:9', env: {}, problems });
    const tracer = provider.getTracer('dead');
    const span = tracer.startSpan('x', { kind: SpanKind.SERVER });
    span.end();
    await new Promise<void>((resolve, reject) =>
      dead.export([span as unknown as import('@opentelemetry/sdk-trace-base').ReadableSpan], (r) => (r.code === 0 ? resolve() : reject(r.error))),
    );
    await dead.forceFlush();
    await dead.shutdown();
    // After shutdown, export fails cleanly instead of throwing.
    const result = await new Promise<number>((resolve) => dead.export([], (r) => resolve(r.code)));
    assert.equal(result, 1);
    const response = await get(appPort, '/still-up');
    assert.equal(response, 'ok');
  });
});
