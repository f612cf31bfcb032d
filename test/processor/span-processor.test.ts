import * as assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, BasicTracerProvider, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { InMemoryEmitter, XRaySpanProcessor } from '../../src/index';
import type { SegmentDocument, XRaySpanProcessorOptions } from '../../src/index';
import { assertValidDocument } from '../helpers/assert-document';
import { captureProblems } from '../helpers/capture-problems';
import { collectIds } from '../helpers/collect-ids';

function setup(options: XRaySpanProcessorOptions = {}, sampler?: Sampler) {
  const emitter = new InMemoryEmitter();
  const { problems, warnings } = captureProblems();
  const processor = new XRaySpanProcessor({ emitter, problems, env: {}, ...options });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders' }),
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [processor],
    ...(sampler === undefined ? {} : { sampler }),
  });
  const tracer = provider.getTracer('test');
  const documents = (): SegmentDocument[] => emitter.documents.map((text) => assertValidDocument(JSON.parse(text)));
  return { emitter, processor, provider, tracer, documents, problems, warnings };
}

const child = (tracer: Tracer, name: string, parent: Span, kind = SpanKind.INTERNAL): Span =>
  tracer.startSpan(name, { kind }, trace.setSpan(ROOT_CONTEXT, parent));

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('XRaySpanProcessor when the process stops', () => {
  it('after expectExit(), a trace is sent inside the span.end() that completes it, late children included', () => {
    const { tracer, processor, emitter, documents } = setup();
    const waiting = tracer.startSpan('GET /a', { kind: SpanKind.SERVER });
    const handler = child(tracer, 'handler', waiting);
    waiting.end(); // its handler span is still open: normally the segment waits a moment for it
    assert.equal(emitter.documents.length, 0);
    processor.expectExit();
    assert.equal(emitter.documents.length, 1, 'the waiting segment leaves at once');
    handler.end();
    assert.equal(emitter.documents.length, 2, 'the late child is sent as it ends');
    const server = tracer.startSpan('GET /b', { kind: SpanKind.SERVER });
    child(tracer, 'work', server).end();
    server.end();
    assert.equal(emitter.documents.length, 3, 'a new trace is sent inside span.end()');
    const docs = documents();
    assert.equal(docs[2]!.subsegments?.[0]?.name, 'work');
    assert.equal((docs[1] as { parent_id?: string }).parent_id, docs[0]!.id);
  });

  it('flushSync() hands every ended span to the emitter at once, those of open segments too', () => {
    const { tracer, processor, emitter, documents } = setup();
    const open = tracer.startSpan('GET /open', { kind: SpanKind.SERVER });
    child(tracer, 'done-already', open).end();
    const ended = tracer.startSpan('GET /ended', { kind: SpanKind.SERVER });
    ended.end();
    processor.flushSync();
    const names = documents().map((d) => d.name).sort();
    assert.deepEqual(names, ['done-already', 'orders']);
    assert.equal(emitter.documents.length, 2);
  });
});

describe('XRaySpanProcessor', () => {
  it('sends one document per request, when the request\'s root span ends, off the span.end() call', async () => {
    const { tracer, emitter, documents } = setup();
    const server = tracer.startSpan('GET /', { kind: SpanKind.SERVER });
    const a = child(tracer, 'a', server);
    child(tracer, 'a1', a).end();
    a.end();
    child(tracer, 'b', server, SpanKind.CLIENT).end();
    assert.equal(emitter.documents.length, 0, 'nothing is sent before the segment ends');
    server.end();
    assert.equal(emitter.documents.length, 0, 'nothing is done inside span.end()');
    await nextTurn();
    const docs = documents();
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.subsegments?.length, 2);
    assert.equal(docs[0]!.subsegments?.[0]?.subsegments?.[0]?.name, 'a1');
  });

  it('costs nothing for unsampled spans', async () => {
    const { tracer, emitter, processor } = setup({}, new AlwaysOffSampler());
    const server = tracer.startSpan('GET /', { kind: SpanKind.SERVER });
    child(tracer, 'x', server).end();
    server.end();
    await processor.forceFlush();
    assert.equal(emitter.documents.length, 0);
    assert.equal(processor.stats().spansEnded, 0);
  });

  it('sends only sampled traces when some are sampled', async () => {
    const { tracer, documents, processor } = setup({}, new TraceIdRatioBasedSampler(0.5));
    for (let i = 0; i < 200; i++) tracer.startSpan(`r${i}`, { kind: SpanKind.SERVER }).end();
    await processor.forceFlush();
    const count = documents().length;
    assert.equal(count, processor.stats().spansEnded);
    assert.ok(count > 0 && count < 200);
  });

  it('streams ended subsegments ahead past the streaming threshold, and frees them', async () => {
    const { tracer, documents, processor } = setup({ streamingThreshold: 10 });
    const server = tracer.startSpan('long', { kind: SpanKind.SERVER });
    for (let i = 0; i < 25; i++) child(tracer, `step ${i}`, server).end();
    await nextTurn();
    const streamed = documents();
    assert.equal(streamed.length, 22, 'two batches of 11 went ahead, one document each subsegment');
    for (const doc of streamed) {
      assert.equal((doc as { type?: string }).type, 'subsegment');
      assert.equal((doc as { parent_id?: string }).parent_id, server.spanContext().spanId);
    }
    assert.equal(processor.stats().bufferedSpans, 3);
    server.end();
    await nextTurn();
    const all = documents();
    assert.equal(all.length, 23);
    assert.equal(all[22]!.subsegments?.length, 3);
    assert.equal(collectIds(all).size, 26);
    assert.equal(processor.stats().flushes.streaming, 2);
  });

  it('a burst of ended spans is sent at once past 1,000 waiting, so memory stays bounded within one turn', async () => {
    const { tracer, emitter, processor, documents } = setup();
    // 20 requests of 300 spans each, ended in one synchronous burst (as when many are handled in one turn).
    let roots = 0;
    for (let r = 0; r < 20; r++) {
      const server = tracer.startSpan('GET /wide', { kind: SpanKind.SERVER });
      for (let i = 0; i < 300; i++) child(tracer, `step ${i}`, server).end();
      server.end();
      roots++;
    }
    const sentWithinTheTurn = emitter.documents.length;
    assert.ok(sentWithinTheTurn > 0, 'the backlog was sent before the turn ended');
    await nextTurn();
    await processor.forceFlush();
    const docs = documents();
    // Nothing lost: every span arrived, as a segment or a streamed subsegment.
    assert.equal(collectIds(docs).size, roots * 301);
    assert.equal(processor.stats().spansEnded, roots * 301);
  });

  it('with a threshold of 0 sends every subsegment as it ends (Lambda mode)', async () => {
    const { tracer, documents } = setup({ streamingThreshold: 0 });
    const server = tracer.startSpan('invoke', { kind: SpanKind.SERVER });
    child(tracer, 'a', server).end();
    await nextTurn();
    assert.equal(documents().length, 1);
    server.end();
  });

  it('waits a moment for children still open when the root ends, so they ride in its document', async () => {
    const { tracer, documents, processor } = setup();
    const server = tracer.startSpan('req', { kind: SpanKind.SERVER });
    const handler = child(tracer, 'handler', server);
    server.end();
    await nextTurn();
    assert.equal(documents().length, 0, 'the segment waits for its open child');
    assert.equal(processor.stats().bufferedSpans, 1);
    handler.end();
    await nextTurn();
    const docs = documents();
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.subsegments?.[0]?.name, 'handler');
  });

  it('sends the segment after the grace period, and spans that end later as independent subsegments', async () => {
    const { tracer, documents } = setup();
    const server = tracer.startSpan('req', { kind: SpanKind.SERVER });
    const late = child(tracer, 'background', server);
    server.end();
    for (let i = 0; i < 100 && documents().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(documents().length, 1);
    late.end();
    await nextTurn();
    const docs = documents();
    assert.equal(docs.length, 2);
    assert.equal((docs[1] as { parent_id?: string }).parent_id, server.spanContext().spanId);
  });

  it('flushes the oldest segment early when the buffer is full, losing nothing', async () => {
    const { tracer, documents, processor } = setup({ maxBufferedSpans: 5, maxOpenSegments: 2 });
    const roots = [0, 1, 2].map((i) => tracer.startSpan(`r${i}`, { kind: SpanKind.SERVER }));
    for (const root of roots) for (let i = 0; i < 2; i++) child(tracer, 'c', root).end();
    await nextTurn();
    assert.ok(processor.stats().flushes['buffer-full'] >= 1);
    assert.ok(processor.stats().bufferedSpans <= 5);
    assert.ok(processor.stats().activeSegments <= 2);
    for (const root of roots) root.end();
    await processor.forceFlush();
    assert.equal(collectIds(documents()).size, 9);
  });

  it('sends the spans of a segment whose root never ends after the maximum age', async () => {
    const { tracer, documents, processor } = setup({ maxBufferAgeMillis: 1 });
    const leaked = tracer.startSpan('leaked', { kind: SpanKind.SERVER });
    child(tracer, 'done', leaked).end();
    for (let i = 0; i < 100 && documents().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(documents().length, 1);
    assert.equal(processor.stats().flushes['max-age'], 1);
  });

  it('forceFlush sends the ended spans of open segments; shutdown then stops everything, twice safely', async () => {
    const { tracer, documents, processor, emitter } = setup();
    const open = tracer.startSpan('open', { kind: SpanKind.SERVER });
    child(tracer, 'ended', open).end();
    await processor.forceFlush();
    assert.equal(documents().length, 1);
    await processor.shutdown();
    await processor.shutdown();
    open.end();
    tracer.startSpan('after', { kind: SpanKind.SERVER }).end();
    await processor.forceFlush();
    assert.equal(emitter.documents.length, 1);
  });

  it('keeps segments of nested SERVER spans separate', async () => {
    const { tracer, documents } = setup();
    const outer = tracer.startSpan('outer', { kind: SpanKind.SERVER });
    const inner = child(tracer, 'inner', outer, SpanKind.SERVER);
    child(tracer, 'work', inner).end();
    inner.end();
    outer.end();
    await nextTurn();
    const docs = documents();
    assert.equal(docs.length, 2);
    assert.equal(docs[0]!.subsegments?.[0]?.name, 'work');
    assert.equal((docs[0] as { parent_id?: string }).parent_id, outer.spanContext().spanId);
  });
});
