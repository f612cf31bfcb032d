import * as assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { SegmentTranslator, toSegmentDocuments } from '../../src/index';
import type { IndependentSubsegment, Segment, Subsegment } from '../../src/index';
import { assertValidDocuments } from '../helpers/assert-document';
import { recordSpans, resourceFromAttributes, under, underRemote } from '../helpers/make-spans';

const REMOTE_PARENT = { traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', traceFlags: 1 };

describe('toSegmentDocuments: segments, subsegments and documents', () => {
  it('embeds a request\'s child spans, nested as they ran, in one segment document', () => {
    const spans = recordSpans((tracer) => {
      const server = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: [1700000000, 0] });
      const handler = tracer.startSpan('load orders', { startTime: [1700000000, 1_000_000] }, under(server));
      const query = tracer.startSpan(
        'SELECT',
        { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' }, startTime: [1700000000, 2_000_000] },
        under(handler),
      );
      query.end([1700000000, 3_000_000]);
      handler.end([1700000000, 4_000_000]);
      server.end([1700000000, 5_000_000]);
    });
    const docs = assertValidDocuments(toSegmentDocuments(spans));
    assert.equal(docs.length, 1);
    const segment = docs[0] as Segment;
    const [server, handler, query] = [spans[2], spans[1], spans[0]].map((s) => s!.spanContext());
    assert.equal(segment.id, server!.spanId);
    assert.equal(segment.name, 'test-service');
    assert.equal(segment.trace_id, `1-${server!.traceId.slice(0, 8)}-${server!.traceId.slice(8)}`);
    assert.equal(segment.parent_id, undefined);
    const child = segment.subsegments?.[0] as Subsegment;
    assert.equal(child.id, handler!.spanId);
    assert.equal(child.name, 'load orders');
    assert.equal(child.subsegments?.[0]?.id, query!.spanId);
    for (const embedded of [child, child.subsegments?.[0]]) {
      assert.equal((embedded as IndependentSubsegment).type, undefined, 'embedded subsegments carry no type');
      assert.equal((embedded as IndependentSubsegment).trace_id, undefined);
      assert.equal((embedded as IndependentSubsegment).parent_id, undefined);
    }
    // The times given to the spans, in epoch seconds.
    assert.deepEqual([segment.start_time, segment.end_time], [1700000000, 1700000000.005]);
    assert.deepEqual([child.start_time, child.end_time], [1700000000.001, 1700000000.004]);
  });

  it('pulls sub-millisecond clock overruns of embedded subsegments back inside the parent, and nothing more', () => {
    const spans = recordSpans((tracer) => {
      const server = tracer.startSpan('req', { kind: SpanKind.SERVER, startTime: [1700000000, 500_000_000] });
      tracer.startSpan('slight', { startTime: [1700000000, 499_600_000] }, under(server)).end([1700000000, 900_400_000]);
      tracer.startSpan('real', { startTime: [1700000000, 400_000_000] }, under(server)).end([1700000001, 0]);
      server.end([1700000000, 900_000_000]);
    });
    const [segment] = assertValidDocuments(toSegmentDocuments(spans));
    const [slight, real] = segment!.subsegments!;
    assert.deepEqual([slight!.start_time, slight!.end_time], [1700000000.5, 1700000000.9]);
    assert.deepEqual([real!.start_time, real!.end_time], [1700000000.4, 1700000001]);
  });

  it('makes a span with a remote parent a segment whose parent_id is the caller\'s span', () => {
    const spans = recordSpans((tracer) => {
      tracer.startSpan('handle', { kind: SpanKind.SERVER }, underRemote(REMOTE_PARENT)).end();
    });
    const [segment] = assertValidDocuments(toSegmentDocuments(spans)) as Segment[];
    assert.equal(segment!.trace_id, '1-5759e988-bd862e3fe1be46a994272793');
    assert.equal(segment!.parent_id, REMOTE_PARENT.spanId);
  });

  it('makes SERVER and CONSUMER spans segments even under a local parent, linked by parent_id', () => {
    const spans = recordSpans((tracer) => {
      const outer = tracer.startSpan('outer', { kind: SpanKind.SERVER });
      tracer.startSpan('message', { kind: SpanKind.CONSUMER }, under(outer)).end();
      outer.end();
    });
    const docs = assertValidDocuments(toSegmentDocuments(spans)) as Segment[];
    assert.equal(docs.length, 2);
    const consumer = docs.find((d) => d.id === spans[0]!.spanContext().spanId) as Segment;
    assert.equal(consumer.parent_id, spans[1]!.spanContext().spanId);
    assert.equal(consumer.subsegments, undefined);
  });

  it('sends a subsegment whose parent is not in the batch as an independent subsegment', () => {
    const spans = recordSpans((tracer) => {
      const server = tracer.startSpan('request', { kind: SpanKind.SERVER }); // never ends: not in the batch
      const work = tracer.startSpan('work', {}, under(server));
      tracer.startSpan('step', {}, under(work)).end();
      work.end();
    });
    const docs = assertValidDocuments(toSegmentDocuments(spans));
    assert.equal(docs.length, 1);
    const doc = docs[0] as IndependentSubsegment;
    assert.equal(doc.type, 'subsegment');
    assert.equal(doc.name, 'work');
    assert.match(doc.trace_id, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.equal(doc.parent_id.length, 16);
    assert.equal(doc.subsegments?.[0]?.name, 'step');
  });

  it('wraps a root outgoing call in a service segment, the call embedded as a remote subsegment', () => {
    const spans = recordSpans((tracer) => {
      tracer
        .startSpan('GET', {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': 'GET', 'url.full': 'https://api.example.com/v1/items', 'http.response.status_code': 502 },
        })
        .end();
    });
    const [segment] = assertValidDocuments(toSegmentDocuments(spans)) as Segment[];
    assert.equal(segment!.name, 'test-service');
    assert.notEqual(segment!.id, spans[0]!.spanContext().spanId);
    assert.equal(segment!.fault, true);
    const call = segment!.subsegments?.[0] as Subsegment;
    assert.equal(call.id, spans[0]!.spanContext().spanId);
    assert.equal(call.name, 'api.example.com');
    assert.equal(call.namespace, 'remote');
    assert.equal(call.fault, true);
  });

  it('keeps the traces of one batch apart', () => {
    const spans = recordSpans((tracer) => {
      tracer.startSpan('a', { kind: SpanKind.SERVER }).end();
      tracer.startSpan('b', { kind: SpanKind.SERVER }).end();
    });
    const docs = assertValidDocuments(toSegmentDocuments(spans)) as Segment[];
    assert.equal(docs.length, 2);
    assert.notEqual(docs[0]!.trace_id, docs[1]!.trace_id);
  });

  it('writes times as epoch seconds with microsecond precision, never in_progress for ended spans', () => {
    const spans = recordSpans((tracer) => {
      tracer.startSpan('timed', { kind: SpanKind.SERVER, startTime: [1700000000, 123456789] }).end([1700000001, 5000]);
    });
    const [doc] = assertValidDocuments(toSegmentDocuments(spans));
    assert.equal(doc!.start_time, 1700000000.123457);
    assert.equal(doc!.end_time, 1700000001.000005);
    assert.equal(JSON.stringify(doc!.start_time), '1700000000.123457');
    assert.equal(doc!.in_progress, undefined);
  });

  it('names segments after the sanitized service name, or the fixed segmentName', () => {
    const resource = resourceFromAttributes({ 'service.name': 'checkout<api>!' });
    const spans = recordSpans((tracer) => tracer.startSpan('x', { kind: SpanKind.SERVER }).end(), { resource });
    assert.equal(toSegmentDocuments(spans)[0]!.name, 'checkoutapi');
    const fixed = new SegmentTranslator({ segmentName: 'Checkout Service' }).translate(spans);
    assert.equal(assertValidDocuments(fixed)[0]!.name, 'Checkout Service');
  });

  it('writes the service, origin and aws blocks of the resource on segments only', () => {
    const resource = resourceFromAttributes({
      'service.name': 'svc',
      'service.version': '1.2.3',
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_ecs',
      'aws.ecs.launchtype': 'fargate',
      'aws.ecs.task.arn': 'arn:aws:ecs:us-east-1:123456789012:task/abc',
      'container.id': 'c0ffee',
      'cloud.account.id': '123456789012',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.version': '2.12.0',
    });
    const spans = recordSpans((tracer) => {
      const server = tracer.startSpan('req', { kind: SpanKind.SERVER });
      tracer.startSpan('child', {}, under(server)).end();
      server.end();
    }, { resource });
    const [segment] = assertValidDocuments(toSegmentDocuments(spans)) as Segment[];
    assert.equal(segment!.origin, 'AWS::ECS::Fargate');
    assert.deepEqual(segment!.service, { version: '1.2.3' });
    assert.deepEqual(segment!.aws?.ecs, { container_id: 'c0ffee', task_arn: 'arn:aws:ecs:us-east-1:123456789012:task/abc', launch_type: 'fargate' });
    assert.equal(segment!.aws?.account_id, '123456789012');
    assert.deepEqual(segment!.aws?.xray, { sdk: 'opentelemetry for nodejs', sdk_version: '2.12.0', auto_instrumentation: false });
    assert.equal(segment!.subsegments?.[0]?.aws, undefined);
  });

  it('writes no ec2 block from a machine id (OTel\'s host detector) on ECS, EKS or Lambda', () => {
    const resource = resourceFromAttributes({ 'service.name': 'svc', 'cloud.provider': 'aws', 'cloud.platform': 'aws_ecs', 'host.id': '3d1219c7b0e44d7c9d4a6f2e8b1c0a55' });
    const spans = recordSpans((tracer) => tracer.startSpan('req', { kind: SpanKind.SERVER }).end(), { resource });
    const [segment] = assertValidDocuments(toSegmentDocuments(spans)) as Segment[];
    assert.equal(segment!.aws?.ec2, undefined);
    assert.equal(segment!.origin, 'AWS::ECS::Container');
  });

  it('uses the settled attributes of a resource still detecting, never a lower-priority value in place of a pending one', async () => {
    let settle: (value: string) => void = () => undefined;
    const pending = new Promise<string>((resolve) => (settle = resolve));
    const resource = resourceFromAttributes({ 'service.name': 'svc', 'cloud.provider': 'aws', 'cloud.platform': 'aws_ec2' })
      .merge(resourceFromAttributes({ 'cloud.platform': pending as unknown as string }));
    const translator = new SegmentTranslator();
    // A span that carries the still-detecting resource (exporters would wait; the X-Ray processor does not).
    const [real] = recordSpans((tracer) => tracer.startSpan('req', { kind: SpanKind.SERVER }).end());
    const spans = [Object.create(real!, { resource: { value: resource } }) as typeof real & object];
    const [before] = assertValidDocuments(translator.translate(spans)) as Segment[];
    assert.equal(before!.origin, undefined, 'the pending platform is not replaced by the earlier aws_ec2');
    settle('aws_eks');
    await resource.waitForAsyncAttributes?.();
    const [after] = assertValidDocuments(translator.translate(spans)) as Segment[];
    assert.equal(after!.origin, 'AWS::EKS::Container');
  });

  it('writes the sampling rule that sampled a request as aws.xray.sampling_rule_name, without touching the shared block', () => {
    const resource = resourceFromAttributes({ 'service.name': 'svc', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.language': 'nodejs' });
    const spans = recordSpans((tracer) => {
      tracer.startSpan('ruled', { kind: SpanKind.SERVER, attributes: { 'aws.xray.sampling_rule_name': 'orders' } }).end();
      tracer.startSpan('plain', { kind: SpanKind.SERVER }).end();
    }, { resource });
    const [ruled, plain] = assertValidDocuments(new SegmentTranslator().translate(spans)) as Segment[];
    assert.deepEqual(ruled!.aws?.xray, { sdk: 'opentelemetry for nodejs', auto_instrumentation: false, sampling_rule_name: 'orders' });
    assert.equal(ruled!.metadata, undefined);
    assert.deepEqual(plain!.aws?.xray, { sdk: 'opentelemetry for nodejs', auto_instrumentation: false });
  });

  it('writes no aws block and no origin for a resource on another cloud', () => {
    const resource = resourceFromAttributes({ 'service.name': 'svc', 'cloud.provider': 'gcp', 'cloud.platform': 'gcp_compute_engine' });
    const spans = recordSpans((tracer) => tracer.startSpan('req', { kind: SpanKind.SERVER }).end(), { resource });
    const [segment] = assertValidDocuments(toSegmentDocuments(spans)) as Segment[];
    assert.equal(segment!.aws, undefined);
    assert.equal(segment!.origin, undefined);
  });
});
