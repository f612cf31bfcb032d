import * as assert from 'node:assert/strict';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { XRaySpanProcessor } from '../../src/index';
import type { Segment } from '../../src/index';
import { captureProblems } from '../helpers/capture-problems';
import { UdpSink } from '../helpers/udp-sink';

describe('XRaySpanProcessor inside NodeSDK, beside another processor', function () {
  this.timeout(10_000);

  it('sends segments while the other processor still gets every span', async () => {
    const sink = new UdpSink();
    const port = await sink.start();
    const other = new InMemorySpanExporter();
    const otherProcessor = new SimpleSpanProcessor(other);
    const sdk = new NodeSDK({
      resource: resourceFromAttributes({ 'service.name': 'sdk-app' }),
      idGenerator: new AWSXRayIdGenerator(),
      textMapPropagator: new AWSXRayPropagator(),
      spanProcessors: [
        new XRaySpanProcessor({ daemonAddress: `127.0.0.1:${port}`, env: {}, problems: captureProblems().problems }),
        otherProcessor,
      ],
      instrumentations: [],
    });
    sdk.start();
    try {
      const tracer = trace.getTracer('sdk-test');
      const server = tracer.startSpan('GET /health', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } });
      tracer.startSpan('check db', {}, trace.setSpan(ROOT_CONTEXT, server)).end();
      server.end();
      // The X-Ray propagator is the global one: a child context injects an X-Amzn-Trace-Id header.
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), server), carrier);
      assert.match(carrier['x-amzn-trace-id'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
      await sink.waitFor(1);
      const segment = sink.documents[0] as Segment;
      assert.equal(segment.name, 'sdk-app');
      assert.equal(segment.subsegments?.[0]?.name, 'check db');
      await otherProcessor.forceFlush();
      assert.equal(other.getFinishedSpans().length, 2);
    } finally {
      await sdk.shutdown();
      await sink.close();
    }
  });
});
