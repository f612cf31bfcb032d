import * as assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { DOCUMENT_BUDGET_BYTES, Packer, SegmentTranslator } from '../../src/index';
import type { SegmentDocument } from '../../src/index';
import { assertValidDocument } from '../helpers/assert-document';
import { captureProblems } from '../helpers/capture-problems';
import { collectIds } from '../helpers/collect-ids';
import { recordSpans, resourceFromAttributes, under } from '../helpers/make-spans';

function packAll(documents: SegmentDocument[]) {
  const { problems, warnings } = captureProblems();
  const packer = new Packer(problems);
  const texts: string[] = [];
  for (const doc of documents) packer.pack(doc, texts);
  for (const text of texts) assert.ok(Buffer.byteLength(text) <= DOCUMENT_BUDGET_BYTES, `a text of ${Buffer.byteLength(text)} bytes`);
  const parsed = texts.map((t) => assertValidDocument(JSON.parse(t)));
  return { parsed, packer, problems, warnings };
}

describe('Packer: every document within 64 KB, nothing dropped silently', () => {
  it('passes a small document through as it is', () => {
    const spans = recordSpans((t) => t.startSpan('r', { kind: SpanKind.SERVER }).end());
    const docs = new SegmentTranslator().translate(spans);
    const expected = JSON.stringify(docs[0]);
    const { parsed, packer } = packAll(docs);
    assert.equal(parsed.length, 1);
    assert.equal(JSON.stringify(parsed[0]), expected);
    assert.deepEqual(packer.counts, { documents: 1, datagrams: 1, split: 0, streamedSubsegments: 0, truncated: 0 });
  });

  it('streams out the subsegments of a segment too large for one datagram, keeping as many embedded as fit', () => {
    const spans = recordSpans((tracer) => {
      const server = tracer.startSpan('big', { kind: SpanKind.SERVER });
      for (let i = 0; i < 2000; i++) tracer.startSpan(`step ${i}`, { attributes: { i, note: 'n'.repeat(50) } }, under(server)).end();
      server.end();
    });
    const docs = new SegmentTranslator().translate(spans);
    assert.equal(docs.length, 1);
    const { parsed, packer, warnings } = packAll(docs);
    assert.ok(parsed.length > 1);
    assert.equal(packer.counts.split, 1);
    const segment = parsed.find((d) => (d as { type?: string }).type === undefined)!;
    assert.ok((segment.subsegments?.length ?? 0) > 50, 'the segment keeps the subsegments that fit');
    for (const doc of parsed.filter((d) => d !== segment)) {
      assert.equal((doc as { parent_id?: string }).parent_id, segment.id);
      assert.equal((doc as { trace_id?: string }).trace_id, segment.trace_id);
    }
    assert.deepEqual(collectIds(parsed), new Set(spans.map((s) => s.spanContext().spanId)));
    assert.equal(packer.counts.streamedSubsegments, parsed.length - 1);
    assert.equal(warnings.length, 1);
  });

  it('splits a deep chain level by level without losing a span', () => {
    const spans = recordSpans((tracer) => {
      let parent = tracer.startSpan('root', { kind: SpanKind.SERVER });
      const all = [parent];
      for (let i = 0; i < 1500; i++) {
        const child = tracer.startSpan(`level ${i}`, { attributes: { pad: 'p'.repeat(40) } }, trace.setSpan(ROOT_CONTEXT, parent));
        all.push(child);
        parent = child;
      }
      for (const span of all.reverse()) span.end();
    });
    const { parsed } = packAll(new SegmentTranslator().translate(spans));
    assert.deepEqual(collectIds(parsed), new Set(spans.map((s) => s.spanContext().spanId)));
  });

  it('cuts a single oversized span: metadata first (with a marker), and counts it', () => {
    const spans = recordSpans((t) => t.startSpan('r', { kind: SpanKind.SERVER, attributes: { a: 'x'.repeat(8000), b: 'y'.repeat(8000), c: 'z'.repeat(8000), d: 'w'.repeat(8000), e: 'v'.repeat(8000), f: 'u'.repeat(8000), g: 't'.repeat(8000), h: 's'.repeat(8000), i: 'r'.repeat(8000) } }).end());
    const { parsed, packer, problems } = packAll(new SegmentTranslator().translate(spans));
    assert.equal(parsed.length, 1);
    assert.equal(packer.counts.truncated, 1);
    assert.deepEqual(parsed[0]!.metadata, { default: { 'otel-xray.truncated': 'otel-xray: removed to keep this document within the 64 KB datagram limit' } });
    assert.equal(problems.count('truncated-metadata'), 1);
    assert.equal(parsed[0]!.id, spans[0]!.spanContext().spanId);
  });

  it('sends the children of an entity too large on its own as independent subsegments, then cuts the entity', () => {
    const spans = recordSpans((tracer) => {
      const attributes = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`blob${i}`, String(i).repeat(8000)]));
      const server = tracer.startSpan('req', { kind: SpanKind.SERVER, attributes });
      for (let i = 0; i < 3; i++) tracer.startSpan(`child ${i}`, {}, under(server)).end();
      server.end();
    });
    const { parsed, packer } = packAll(new SegmentTranslator().translate(spans));
    assert.equal(parsed.length, 4);
    assert.equal(packer.counts.streamedSubsegments, 3);
    assert.equal(packer.counts.truncated, 1);
    assert.deepEqual(collectIds(parsed), new Set(spans.map((s) => s.spanContext().spanId)));
  });

  it('never cuts the resource blocks that documents of one resource share', () => {
    const resource = resourceFromAttributes({
      'service.name': 'svc', 'service.version': 'v'.repeat(2000), 'cloud.provider': 'aws',
      'aws.log.group.arns': `arn:aws:logs:us-east-1:123456789012:log-group:${'g'.repeat(1500)}`,
    });
    // 50 annotations of 1,000 characters and 10 long exceptions: only cutting strings makes this fit.
    const attributes = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`a${i}`, String(i % 10).repeat(1000)]));
    const spans = recordSpans((tracer) => {
      const big = tracer.startSpan('big', { kind: SpanKind.SERVER, attributes });
      for (let i = 0; i < 12; i++) big.recordException(new Error('e'.repeat(6000)));
      big.end();
      tracer.startSpan('small', { kind: SpanKind.SERVER }).end();
    }, { resource });
    const translator = new SegmentTranslator({ indexedAttributes: Object.keys(attributes) });
    const { parsed, problems } = packAll(translator.translate([spans[0]!]));
    assert.equal(problems.count('truncated-long-strings-1024'), 1);
    assert.equal(parsed[0]!.aws?.cloudwatch_logs?.[0]?.arn?.length, 1024);
    const [small] = translator.translate([spans[1]!]);
    assert.equal((small as { service?: { version?: string } }).service?.version, 'v'.repeat(2000));
    assert.equal(small!.aws?.cloudwatch_logs?.[0]?.log_group, 'g'.repeat(1500));
  });

  it('then drops stack frames (counting them) and cuts long strings', () => {
    const doc = {
      name: 'svc', id: '0123456789abcdef', trace_id: '1-5759e988-bd862e3fe1be46a994272793', start_time: 1, end_time: 2,
      annotations: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'a'.repeat(1000)])),
      cause: { exceptions: [{ id: 'aaaaaaaaaaaaaaaa', message: 'm'.repeat(30000), stack: Array.from({ length: 50 }, () => ({ path: 'p'.repeat(200), line: 1, label: 'l' })) }] },
    } as SegmentDocument;
    const { parsed, problems } = packAll([doc]);
    const exception = parsed[0]!.cause!.exceptions[0]!;
    assert.equal(exception.stack, undefined);
    assert.equal(exception.truncated, 50);
    assert.equal(problems.count('truncated-stack-frames'), 1);
    assert.ok(problems.count('truncated-long-strings-1024') + problems.count('truncated-long-strings-128') >= 1);
  });
});
