import * as assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SegmentTranslator } from '../../src/index';
import { assertValidDocuments, MAX_DATAGRAM_BYTES } from '../helpers/assert-document';
import { captureProblems } from '../helpers/capture-problems';
import { recordSpans } from '../helpers/make-spans';

/** A real server span, copied into a plain object with some fields replaced: what a buggy producer might hand us. */
function badSpan(overrides: Partial<Record<keyof ReadableSpan, unknown>>, context?: Partial<SpanContext>): ReadableSpan {
  const [span] = recordSpans((tracer) => tracer.startSpan('request', { kind: SpanKind.SERVER, attributes: { ok: 'yes' } }).end());
  const real = span!;
  const spanContext = { ...real.spanContext(), ...context };
  return {
    name: real.name, kind: real.kind, startTime: real.startTime, endTime: real.endTime, status: real.status,
    attributes: { ...real.attributes }, links: real.links, events: real.events, duration: real.duration, ended: true,
    resource: real.resource, instrumentationScope: real.instrumentationScope, droppedAttributesCount: 0,
    droppedEventsCount: 0, droppedLinksCount: 0, parentSpanContext: undefined,
    spanContext: () => spanContext,
    ...overrides,
  } as ReadableSpan;
}

function translateBad(spans: ReadableSpan[]) {
  const { problems, warnings } = captureProblems();
  const docs = assertValidDocuments(new SegmentTranslator({ problems }).translate(spans));
  return { docs, problems, warnings };
}

describe('translation of bad input: always a valid document, never a throw, one warning per kind', () => {
  it('replaces invalid trace and span ids with fresh ones', () => {
    const { docs, problems, warnings } = translateBad([
      badSpan({}, { traceId: 'not-hex' }),
      badSpan({}, { traceId: '00000000000000000000000000000000' }),
      badSpan({}, { spanId: 'zz' }),
      badSpan({}, { spanId: '0000000000000000' }),
    ]);
    assert.equal(docs.length, 4);
    assert.equal(problems.count('invalid-trace-id'), 2);
    assert.equal(problems.count('invalid-span-id'), 2);
    assert.equal(warnings.length, 2);
  });

  it('treats an invalid parent span id as no parent', () => {
    const { docs } = translateBad([badSpan({ kind: SpanKind.INTERNAL, parentSpanContext: { traceId: 'x', spanId: 'bad', traceFlags: 1 } })]);
    assert.equal(docs.length, 1);
    assert.equal((docs[0] as { parent_id?: string }).parent_id, undefined);
  });

  it('repairs NaN, missing and negative times', () => {
    const { docs, problems, warnings } = translateBad([
      badSpan({ startTime: [NaN, 0] }),
      badSpan({ endTime: [Number.NaN, Number.NaN] }),
      badSpan({ startTime: [2000000000, 0], endTime: [1000000000, 0] }),
      badSpan({ startTime: undefined }),
    ]);
    assert.equal(docs.length, 4);
    for (const doc of docs) assert.ok((doc.end_time as number) >= doc.start_time);
    assert.equal(problems.count('invalid-time'), 2);
    assert.equal(problems.count('negative-duration'), 2);
    assert.equal(warnings.length, 2);
  });

  it('ignores symbol attribute keys', () => {
    const attributes: Record<string | symbol, unknown> = { plain: 1 };
    attributes[Symbol('hidden')] = 'x';
    const { docs } = translateBad([badSpan({ attributes })]);
    assert.deepEqual(docs[0]!.metadata, { default: { plain: 1 } });
  });

  it('cuts a 1 MB string, a 100,000-item array and a deeply nested value', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 500; i++) deep = [deep];
    const { docs, problems, warnings } = translateBad([
      badSpan({ attributes: { huge: 'x'.repeat(1024 * 1024), long: new Array(100_000).fill(1), deep } }),
      badSpan({ attributes: { huge2: 'y'.repeat(1024 * 1024) } }),
    ]);
    const metadata = docs[0]!.metadata!.default!;
    assert.equal((metadata.huge as string).length, 8192);
    assert.equal((metadata.long as unknown[]).length, 1000);
    assert.ok(JSON.stringify(metadata.deep).length < 100);
    assert.equal(problems.count('long-string'), 2);
    assert.equal(problems.count('long-array'), 1);
    assert.equal(problems.count('deep-value'), 1);
    assert.equal(warnings.length, 3);
    for (const doc of docs) assert.ok(Buffer.byteLength(JSON.stringify(doc)) < MAX_DATAGRAM_BYTES);
  });

  it('drops binary data, non-finite numbers, functions and bigints', () => {
    const { docs, problems } = translateBad([
      badSpan({
        attributes: {
          buffer: Buffer.from([0, 1, 2]), typed: new Uint8Array(4), nan: NaN, inf: Infinity,
          fn: () => 1, big: BigInt(10), control: '\u0000\u0001\ud800', fine: 'ok',
        },
      }),
    ]);
    assert.deepEqual(docs[0]!.metadata, { default: { control: '\u0000\u0001\ud800', fine: 'ok' } });
    assert.equal(problems.count('binary-value'), 2);
    assert.equal(problems.count('non-finite-number'), 2);
    assert.equal(problems.count('unsupported-value'), 2);
  });

  it('cuts circular values at the repeat', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) wide[`k${i}`] = wide;
    const { docs, problems } = translateBad([badSpan({ attributes: { loop, wide } })]);
    assert.deepEqual(docs[0]!.metadata!.default!.loop, { name: 'loop' });
    assert.ok(problems.count('circular-value') >= 2);
  });

  it('leaves out, with a warning, a span that cannot be read at all', () => {
    const unreadable = badSpan({ spanContext: () => { throw new Error('broken span'); } });
    const { docs, problems, warnings } = translateBad([unreadable, badSpan({})]);
    assert.equal(docs.length, 1);
    assert.equal(problems.count('unreadable-span'), 1);
    assert.match(warnings[0]!, /broken span/);
  });

  it('breaks parent cycles instead of nesting forever', () => {
    const a = badSpan({ kind: SpanKind.INTERNAL }, { spanId: 'aaaaaaaaaaaaaaaa' });
    const b = badSpan({ kind: SpanKind.INTERNAL }, { spanId: 'bbbbbbbbbbbbbbbb', traceId: a.spanContext().traceId });
    const cyclic = [
      { ...a, parentSpanContext: { ...b.spanContext(), isRemote: false } },
      { ...b, parentSpanContext: { ...a.spanContext(), isRemote: false } },
    ] as ReadableSpan[];
    const { docs } = translateBad(cyclic);
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.subsegments?.length, 1);
  });

  it('keeps a 5,000-span trace in one valid structure, every span present', () => {
    const spans = recordSpans((tracer) => {
      const server = tracer.startSpan('big', { kind: SpanKind.SERVER });
      const parentContext = require('@opentelemetry/api').trace.setSpan(require('@opentelemetry/api').ROOT_CONTEXT, server);
      for (let i = 0; i < 4999; i++) tracer.startSpan(`step ${i}`, {}, parentContext).end();
      server.end();
    });
    const { docs } = translateBad(spans);
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.subsegments?.length, 4999);
  });
});
