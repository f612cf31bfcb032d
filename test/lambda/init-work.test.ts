import * as assert from 'node:assert/strict';
import { SpanKind, TraceFlags } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SegmentTranslator } from '../../src/index';
import type { IndependentSubsegment } from '../../src/index';
import { InitWork, MAX_INIT_SPANS } from '../../src/lambda/init-work';
import { assertValidDocuments } from '../helpers/assert-document';
import { captureProblems } from '../helpers/capture-problems';
import { recordSpans, under } from '../helpers/make-spans';

const PARENT: SpanContext = { traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', traceFlags: TraceFlags.SAMPLED, isRemote: true };
const UNSAMPLED: SpanContext = { ...PARENT, traceFlags: TraceFlags.NONE };

/** Init-time work as the SDK records it: a top span with no parent and two nested children (ended first). */
function initSpans(): ReadableSpan[] {
  return recordSpans((tracer) => {
    const root = tracer.startSpan('load config');
    const fetch = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'url.full': 'https://config.example.com/app' } }, under(root));
    const parse = tracer.startSpan('parse', {}, under(fetch));
    parse.end();
    fetch.end();
    root.end();
  });
}

function setup() {
  const sent: ReadableSpan[][] = [];
  const notes: Array<{ kind: string; detail: string }> = [];
  const work = new InitWork(
    (spans) => sent.push(spans),
    (kind, detail) => notes.push({ kind, detail }),
  );
  return { work, sent, notes };
}

function snapshot(spans: readonly ReadableSpan[]) {
  return spans.map((s) => ({ context: { ...s.spanContext() }, parent: s.parentSpanContext === undefined ? undefined : { ...s.parentSpanContext } }));
}

describe('InitWork: init-time spans wait for the first invocation', () => {
  it('holds spans until settle()', () => {
    const { work, sent, notes } = setup();
    work.take(initSpans());
    work.take(initSpans());
    assert.equal(sent.length, 0);
    assert.equal(notes.length, 0);
    assert.deepEqual(work.counts, { held: 6, sent: 0, notSampled: 0, overflow: 0 });
  });

  it('settled with a sampled parent, sends them under it: same span ids, the parent\'s trace id, the top span re-parented', () => {
    const { work, sent, notes } = setup();
    const spans = initSpans();
    const before = snapshot(spans);
    const [parse, fetch, root] = spans as [ReadableSpan, ReadableSpan, ReadableSpan];
    assert.equal(root.parentSpanContext, undefined, 'the top span has no parent to begin with');
    work.take(spans);
    work.settle(PARENT, true);

    assert.equal(sent.length, 1);
    const adopted = sent[0]!;
    assert.equal(adopted.length, 3);
    assert.deepEqual(work.counts, { held: 3, sent: 3, notSampled: 0, overflow: 0 });
    assert.equal(notes.length, 0);

    const [aParse, aFetch, aRoot] = adopted as [ReadableSpan, ReadableSpan, ReadableSpan];
    for (const [a, original] of [[aParse, parse], [aFetch, fetch], [aRoot, root]] as const) {
      assert.equal(a.spanContext().traceId, PARENT.traceId);
      assert.equal(a.spanContext().spanId, original.spanContext().spanId);
      assert.equal(a.spanContext().traceFlags, original.spanContext().traceFlags);
      assert.equal(a.name, original.name, 'the span\'s data is read through');
      assert.deepEqual(a.attributes, original.attributes);
      assert.deepEqual(a.startTime, original.startTime);
      assert.deepEqual(a.endTime, original.endTime);
    }
    assert.deepEqual(aRoot.parentSpanContext, PARENT, 'the top span hangs under the invocation\'s parent');
    assert.deepEqual(aFetch.parentSpanContext, { ...fetch.parentSpanContext, traceId: PARENT.traceId });
    assert.equal(aFetch.parentSpanContext?.spanId, root.spanContext().spanId);
    assert.equal(aParse.parentSpanContext?.spanId, fetch.spanContext().spanId);
    assert.equal(aParse.parentSpanContext?.traceId, PARENT.traceId);

    assert.deepEqual(snapshot(spans), before, 'the original spans are untouched');
    assert.notEqual(root.spanContext().traceId, PARENT.traceId);
  });

  it('the adopted spans translate (in Lambda mode) to one subsegment of the invocation\'s parent', () => {
    const { work, sent } = setup();
    const spans = initSpans();
    work.take(spans);
    work.settle(PARENT, true);
    const { problems } = captureProblems();
    const docs = assertValidDocuments(new SegmentTranslator({ lambda: true, problems }).translate(sent[0]!));
    assert.equal(docs.length, 1);
    const doc = docs[0] as IndependentSubsegment;
    assert.equal(doc.type, 'subsegment');
    assert.equal(doc.trace_id, '1-5759e988-bd862e3fe1be46a994272793');
    assert.equal(doc.parent_id, PARENT.spanId);
    assert.equal(doc.id, spans[2]!.spanContext().spanId);
    assert.equal(doc.subsegments?.[0]?.id, spans[1]!.spanContext().spanId);
    assert.equal(doc.subsegments?.[0]?.subsegments?.[0]?.id, spans[0]!.spanContext().spanId);
    assert.deepEqual(problems.counts(), {});
  });

  for (const [title, parent, sampled] of [
    ['no parent (no trace header)', undefined, false],
    ['an unsampled parent', UNSAMPLED, false],
    ['a parent given as not sampled', PARENT, false],
  ] as const) {
    it(`settled with ${title}, drops them, counts them as notSampled and notes it`, () => {
      const { work, sent, notes } = setup();
      work.take(initSpans());
      work.take(initSpans().slice(0, 2));
      work.settle(parent, sampled);
      assert.equal(sent.length, 0);
      assert.deepEqual(work.counts, { held: 5, sent: 0, notSampled: 5, overflow: 0 });
      assert.ok(notes.length >= 1);
      assert.ok(notes.every((n) => n.kind === 'not-sampled'), JSON.stringify(notes));
    });
  }

  it('settle() with nothing held sends nothing and notes nothing', () => {
    const { work, sent, notes } = setup();
    work.settle(PARENT, true);
    assert.equal(sent.length, 0);
    assert.equal(notes.length, 0);
    assert.deepEqual(work.counts, { held: 0, sent: 0, notSampled: 0, overflow: 0 });
  });

  it(`holds at most ${MAX_INIT_SPANS} spans: the rest are counted as overflow and noted`, () => {
    const { work, sent, notes } = setup();
    const many = recordSpans((tracer) => {
      for (let i = 0; i < MAX_INIT_SPANS + 3; i++) tracer.startSpan(`init ${i}`).end();
    });
    work.take(many.slice(0, MAX_INIT_SPANS - 1));
    work.take(many.slice(MAX_INIT_SPANS - 1, MAX_INIT_SPANS));
    assert.equal(notes.length, 0, 'exactly the cap is held without a note');
    work.take(many.slice(MAX_INIT_SPANS, MAX_INIT_SPANS + 3));
    assert.deepEqual(work.counts, { held: MAX_INIT_SPANS, sent: 0, notSampled: 0, overflow: 3 });
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.kind, 'overflow');
    work.settle(PARENT, true);
    assert.equal(sent.flat().length, MAX_INIT_SPANS);
    assert.equal(work.counts.sent, MAX_INIT_SPANS);
  });

  it('a batch that would pass the cap is left out whole', () => {
    const { work, notes } = setup();
    const many = recordSpans((tracer) => {
      for (let i = 0; i < MAX_INIT_SPANS + 1; i++) tracer.startSpan(`init ${i}`).end();
    });
    work.take(many);
    assert.deepEqual(work.counts, { held: 0, sent: 0, notSampled: 0, overflow: MAX_INIT_SPANS + 1 });
    assert.equal(notes[0]?.kind, 'overflow');
  });

  it('after a sampled settle, take() sends at once, under the parent', () => {
    const { work, sent } = setup();
    work.settle(PARENT, true);
    const spans = initSpans();
    work.take(spans);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.length, 3);
    assert.deepEqual(sent[0]![2]!.parentSpanContext, PARENT);
    assert.ok(sent[0]!.every((s) => s.spanContext().traceId === PARENT.traceId));
    assert.deepEqual(work.counts, { held: 0, sent: 3, notSampled: 0, overflow: 0 });
  });

  it('after an unsampled settle, take() drops at once and notes it', () => {
    const { work, sent, notes } = setup();
    work.settle(undefined, false);
    work.take(initSpans());
    assert.equal(sent.length, 0);
    assert.deepEqual(work.counts, { held: 0, sent: 0, notSampled: 3, overflow: 0 });
    assert.deepEqual(notes.map((n) => n.kind), ['not-sampled']);
  });

  it('only the first settle() decides', () => {
    const { work, sent } = setup();
    work.take(initSpans());
    work.settle(undefined, false);
    work.settle(PARENT, true);
    work.take(initSpans());
    assert.equal(sent.length, 0);
    assert.deepEqual(work.counts, { held: 3, sent: 0, notSampled: 6, overflow: 0 });

    const second = setup();
    second.work.settle(PARENT, true);
    second.work.settle(undefined, false);
    second.work.take(initSpans());
    assert.equal(second.sent.length, 1);
  });
});
