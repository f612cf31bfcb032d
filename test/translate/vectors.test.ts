/**
 * The translation vectors of test/fixtures/translation-vectors.json, taken from the OTel collector's X-Ray exporter
 * tests, run through otel-xray's translator with real spans. Where otel-xray deliberately differs (spec section 6
 * and the decisions in docs/translation.md), DEVIATIONS below states our expected value and why; every other
 * expectation of a vector must hold as written.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Link, Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProblemCounter, SegmentTranslator } from '../../src/index';
import type { SegmentDocument } from '../../src/index';
import { assertValidDocument } from '../helpers/assert-document';
import { recordSpans, resourceFromAttributes, TraceIdPrefixGenerator, under } from '../helpers/make-spans';
import { DEVIATIONS, NOT_APPLICABLE, NOT_WRITTEN_HERE } from './vector-deviations';
import type { Expectation } from './vector-deviations';

interface Vector {
  name: string;
  span: {
    name: string;
    kind: keyof typeof SpanKind;
    hasParent: boolean;
    status: { code: 'UNSET' | 'OK' | 'ERROR'; message?: string };
    attributes: Record<string, unknown>;
    resource: Record<string, unknown>;
    events: Array<{ name: string; attributes?: Record<string, unknown>; timeUnixMicro?: number }>;
    links?: Array<{ traceId: string; spanId: string; attributes?: Record<string, unknown> }>;
    /** A description of a forced trace id ("11<random 15 bytes as hex>"). */
    traceId?: string;
  };
  config?: { indexedAttributes?: string[]; indexAllAttributes?: boolean; allowDot?: boolean; logGroupNames?: string[] };
  expect?: Record<string, Expectation>;
  absent?: string[];
  derived?: Record<string, Expectation>;
  expectDocuments?: Array<Record<string, Expectation>>;
  absentPerDocument?: string[][];
  derivedPerDocument?: Array<Record<string, Expectation>>;
}

const VECTORS_PATH = resolve(__dirname, '../../../test/fixtures/translation-vectors.json');
const vectors = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as Vector[];

/** The ids a vector's `$span` / `$link` references point at. */
interface Ids {
  spanId: string;
  parentSpanId: string;
  xrayTraceId: string;
  links: Array<{ spanId: string; xrayTraceId: string }>;
}

const xray = (traceId: string): string => `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;

function runVector(vector: Vector): { docs: SegmentDocument[]; ids: Ids } {
  const v = vector.span;
  const resource = resourceFromAttributes(v.resource as Attributes);
  let target: Span | undefined;
  let parent: Span | undefined;
  const linkIds: Array<{ spanId: string; traceId: string }> = [];
  const spans = recordSpans(
    (tracer) => {
      const links: Link[] = [];
      for (const link of v.links ?? []) {
        const other = tracer.startSpan('linked');
        const context = other.spanContext();
        linkIds.push({ spanId: context.spanId, traceId: context.traceId });
        links.push({ context, attributes: link.attributes as Attributes });
      }
      // The parent is a local span that is not part of the batch (it has not ended), as when a child ends first.
      if (v.hasParent) parent = tracer.startSpan('parent');
      target = tracer.startSpan(
        v.name,
        { kind: SpanKind[v.kind], attributes: primitiveAttributes(v.attributes), links },
        parent === undefined ? undefined : under(parent),
      );
      for (const event of v.events) {
        const time = event.timeUnixMicro === undefined ? undefined : event.timeUnixMicro / 1000;
        target.addEvent(event.name, event.attributes as Attributes, time);
      }
      target.setStatus({
        code: SpanStatusCode[v.status.code],
        ...(v.status.message === undefined ? {} : { message: v.status.message }),
      });
      target.end();
    },
    { resource, ...(v.traceId?.startsWith('11') === true ? { idGenerator: new TraceIdPrefixGenerator('11') } : {}) },
  );
  const span = spans.find((s) => s.name === v.name) as ReadableSpan;
  // Map-valued attributes are valid in the collector's data model but rejected by the OTel JS API: set them the
  // way another producer's span would carry them.
  for (const [key, value] of Object.entries(v.attributes)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) (span.attributes as Record<string, unknown>)[key] = value;
  }
  const config = vector.config ?? {};
  const translator = new SegmentTranslator({
    ...(config.indexedAttributes === undefined ? {} : { indexedAttributes: config.indexedAttributes }),
    indexAllAttributes: config.indexAllAttributes === true,
    allowDotInAnnotationKeys: config.allowDot === true,
    ...(config.logGroupNames === undefined ? {} : { logGroupNames: config.logGroupNames }),
    // The collector always records query text and resource attributes; otel-xray does so only when asked.
    recordSql: true,
    resourceAttributesInMetadata: true,
    problems: new ProblemCounter({ error() {}, warn() {}, info() {}, debug() {}, verbose() {} }),
  });
  const docs = translator.translate([span]).map((d) => assertValidDocument(d));
  const context = (target as Span).spanContext();
  return {
    docs,
    ids: {
      spanId: context.spanId,
      parentSpanId: parent?.spanContext().spanId ?? '',
      xrayTraceId: xray(context.traceId),
      links: linkIds.map((l) => ({ spanId: l.spanId, xrayTraceId: xray(l.traceId) })),
    },
  };
}

function primitiveAttributes(attrs: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) out[key] = value as Attributes[string];
  }
  return out;
}

const ABSENT = Symbol('absent');

function lookup(doc: unknown, pointer: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in (node as object))) return ABSENT;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function check(docs: SegmentDocument[], docIndex: number, pointer: string, expected: Expectation, ids: Ids): void {
  const doc = docs[docIndex];
  const actual = lookup(doc, pointer);
  const where = `doc ${docIndex} ${pointer}`;
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    const matcher = expected as Record<string, unknown>;
    if ('$absent' in matcher) return assert.equal(actual, ABSENT, `${where} should be absent`);
    if ('$present' in matcher) return assert.notEqual(actual, ABSENT, `${where} should be present`);
    if ('$len' in matcher) {
      const size = Array.isArray(actual) ? actual.length : actual !== null && typeof actual === 'object' ? Object.keys(actual).length : -1;
      return assert.equal(size, matcher.$len, `${where} length`);
    }
    if ('$regex' in matcher) return assert.match(String(actual), new RegExp(matcher.$regex as string), where);
    if ('$span' in matcher) return assert.equal(actual, ids[matcher.$span as 'spanId' | 'parentSpanId' | 'xrayTraceId'], where);
    if ('$link' in matcher) {
      const [i, field] = matcher.$link as [number, 'spanId' | 'xrayTraceId'];
      return assert.equal(actual, ids.links[i]?.[field], where);
    }
    if ('$ref' in matcher) return assert.equal(actual, lookup(doc, matcher.$ref as string), where);
    if ('$refDoc' in matcher) {
      const [i, p] = matcher.$refDoc as [number, string];
      return assert.equal(actual, lookup(docs[i], p), where);
    }
  }
  // otel-xray writes error / fault / throttle only when true.
  if (expected === false && /^\/(error|fault|throttle)$/.test(pointer) && actual === ABSENT) return;
  assert.deepEqual(actual, expected, where);
}

describe('translation vectors (test/fixtures/translation-vectors.json)', () => {
  it('has vectors to run', () => {
    assert.ok(vectors.length >= 80, `expected the full vector file, found ${vectors.length}`);
  });

  vectors.forEach((vector, index) => {
    const title = `#${index} ${vector.name}`;
    const notApplicable = NOT_APPLICABLE[index];
    if (notApplicable !== undefined) {
      it(`${title}: not applicable to otel-xray (${notApplicable.slice(0, 60)}…)`, () => {
        // The vector tests a collector feature otel-xray does not have; the translation must still be valid.
        const { docs } = runVector(vector);
        assert.ok(docs.length >= 1);
      });
      return;
    }
    it(title, () => {
      const { docs, ids } = runVector(vector);
      const deviation = DEVIATIONS[index];
      const docCount = deviation?.documents ?? vector.expectDocuments?.length ?? 1;
      assert.equal(docs.length, docCount, 'document count');
      const rewrite = deviation?.rewrite ?? ((docIndex: number, pointer: string) => [docIndex, pointer] as const);
      const expectations: Array<[number, string, Expectation]> = [];
      const add = (docIndex: number, pointer: string, value: Expectation): void => {
        if (deviation?.checkDocuments !== undefined && !deviation.checkDocuments.includes(docIndex)) return;
        const override = deviation?.fields?.[`${docIndex}${pointer}`];
        if (override === NOT_WRITTEN_HERE) return;
        const [d, p] = rewrite(docIndex, pointer);
        expectations.push([d, p, override === undefined ? value : override]);
      };
      const perDoc = vector.expectDocuments ?? [{ ...vector.expect, ...vector.derived }];
      perDoc.forEach((fields, i) => {
        for (const [p, value] of Object.entries(fields)) add(i, p, value);
        for (const [p, value] of Object.entries(vector.derivedPerDocument?.[i] ?? {})) add(i, p, value);
        const absent = vector.expectDocuments === undefined ? vector.absent ?? [] : vector.absentPerDocument?.[i] ?? [];
        for (const p of absent) add(i, p, { $absent: true });
      });
      assert.ok(expectations.length > 0, 'a vector must check something');
      for (const [d, p, value] of expectations) check(docs, d, p, value, ids);
    });
  });
});
