import * as assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import type { Attributes, SpanContext } from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AlwaysOnSampler, BasicTracerProvider, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemoryEmitter, SegmentTranslator, XRaySpanProcessor } from '../../src/index';
import type { IndependentSubsegment, SegmentDocument, Subsegment, TranslateOptions } from '../../src/index';
import { assertValidDocument, assertValidDocuments } from '../helpers/assert-document';
import { captureProblems } from '../helpers/capture-problems';
import { recordSpans, resourceFromAttributes, under, underRemote } from '../helpers/make-spans';

const LAMBDA_PARENT: SpanContext = { traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', traceFlags: TraceFlags.SAMPLED, isRemote: true };
const XRAY_TRACE_ID = '1-5759e988-bd862e3fe1be46a994272793';

const RESOURCE = resourceFromAttributes({
  'service.name': 'orders-fn',
  'cloud.provider': 'aws',
  'cloud.platform': 'aws_lambda',
  'cloud.region': 'eu-west-1',
  'faas.name': 'orders-fn',
});

const INVOCATION: Attributes = {
  'faas.invocation_id': 'f0e1d2c3-0000-4000-8000-123456789abc',
  'cloud.account.id': '123456789012',
  'faas.coldstart': true,
};

const HTTP_REQUEST: Attributes = {
  'faas.trigger': 'http',
  'http.request.method': 'GET',
  'url.scheme': 'https',
  'server.address': 'api.example.com',
  'url.path': '/orders',
  'http.response.status_code': 200,
};

function translate(spans: readonly ReadableSpan[], options: TranslateOptions = {}) {
  const { problems } = captureProblems();
  const documents = assertValidDocuments(new SegmentTranslator({ lambda: true, problems, ...options }).translate(spans));
  return { documents, problems };
}

/** The handler's span under Lambda's function segment, with an outgoing call inside it. */
function handlerWithCall(attributes: Attributes = INVOCATION): ReadableSpan[] {
  return recordSpans(
    (tracer) => {
      const handler = tracer.startSpan('orders-fn', { kind: SpanKind.SERVER, attributes }, underRemote(LAMBDA_PARENT));
      tracer
        .startSpan('GET', {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': 'GET', 'url.full': 'https://inventory.example.com/stock', 'server.address': 'inventory.example.com', 'http.response.status_code': 200 },
        }, under(handler))
        .end();
      handler.end();
    },
    { resource: RESOURCE },
  );
}

describe('SegmentTranslator in Lambda mode', () => {
  it('makes the handler\'s span one independent subsegment of Lambda\'s function segment, with the invocation\'s aws block', () => {
    const spans = handlerWithCall();
    const { documents, problems } = translate(spans);
    assert.equal(documents.length, 1, 'one document: the call is embedded');
    const doc = documents[0] as IndependentSubsegment;
    const handler = spans[1]!;
    assert.equal(doc.type, 'subsegment', 'never a segment');
    assert.equal(doc.id, handler.spanContext().spanId);
    assert.equal(doc.trace_id, XRAY_TRACE_ID);
    assert.equal(doc.parent_id, LAMBDA_PARENT.spanId);
    assert.equal(doc.name, 'orders-fn');
    assert.equal((doc as { origin?: unknown }).origin, undefined, 'no origin: Lambda writes the segment');
    assert.equal((doc as { service?: unknown }).service, undefined);
    assert.deepEqual(doc.aws, { account_id: '123456789012', region: 'eu-west-1', request_id: 'f0e1d2c3-0000-4000-8000-123456789abc' });
    const metadata = doc.metadata?.default ?? {};
    assert.equal(metadata['faas.coldstart'], true);
    assert.equal('faas.invocation_id' in metadata, false, 'not repeated as metadata');
    assert.equal('cloud.account.id' in metadata, false, 'not repeated as metadata');
    assert.equal(doc.annotations, undefined, 'url annotations only when asked for');

    const call = doc.subsegments?.[0] as Subsegment;
    assert.equal(doc.subsegments?.length, 1);
    assert.equal(call.id, spans[0]!.spanContext().spanId);
    assert.equal(call.namespace, 'remote');
    assert.equal(call.name, 'inventory.example.com');
    assert.equal((call as IndependentSubsegment).type, undefined);
    assert.equal((call as IndependentSubsegment).parent_id, undefined);
    assert.deepEqual(problems.counts(), {});
  });

  it('drops the invocation metadata namespace altogether when those were its only keys', () => {
    const spans = handlerWithCall({ 'faas.invocation_id': 'req-9', 'cloud.account.id': '123456789012' });
    const doc = translate(spans).documents[0] as IndependentSubsegment;
    assert.deepEqual(doc.aws, { account_id: '123456789012', region: 'eu-west-1', request_id: 'req-9' });
    assert.equal(doc.metadata, undefined);
  });

  it('with urlsAsAnnotations and http attributes: http_url, http_method and http_status annotations', () => {
    const spans = handlerWithCall({ ...INVOCATION, ...HTTP_REQUEST });
    const doc = translate(spans, { urlsAsAnnotations: true }).documents[0] as IndependentSubsegment;
    assert.deepEqual(doc.annotations, { http_url: 'https://api.example.com/orders', http_method: 'GET', http_status: 200 });
    assert.equal(doc.http?.request?.method, 'GET');
    assert.equal(doc.http?.response?.status, 200);
    assert.equal(doc.subsegments?.[0]?.annotations, undefined, 'the embedded call gets none');
    const without = translate(handlerWithCall({ ...INVOCATION, ...HTTP_REQUEST })).documents[0] as IndependentSubsegment;
    assert.equal(without.annotations, undefined);
  });

  it('leaves out a span with no parent at all, counting lambda-no-parent, and keeps the rest of the batch', () => {
    const spans = [
      ...handlerWithCall(),
      ...recordSpans((tracer) => tracer.startSpan('timer work').end(), { resource: RESOURCE }),
    ];
    const { documents, problems } = translate(spans);
    assert.equal(documents.length, 1);
    assert.equal((documents[0] as IndependentSubsegment).parent_id, LAMBDA_PARENT.spanId);
    assert.deepEqual(problems.counts(), { 'lambda-no-parent': 1 });

    const alone = translate(recordSpans((tracer) => tracer.startSpan('init', { kind: SpanKind.SERVER }).end(), { resource: RESOURCE }));
    assert.deepEqual(alone.documents, []);
    assert.deepEqual(alone.problems.counts(), { 'lambda-no-parent': 1 });
  });

  it('leaves out the descendants of a span with no parent too, in any order in the batch', () => {
    const spans = recordSpans(
      (tracer) => {
        const root = tracer.startSpan('init work');
        const child = tracer.startSpan('child', { kind: SpanKind.CLIENT }, under(root));
        tracer.startSpan('grandchild', {}, under(child)).end();
        child.end();
        root.end();
      },
      { resource: RESOURCE },
    );
    for (const batch of [spans, [...spans].reverse()]) {
      const { documents, problems } = translate([...batch, ...handlerWithCall()]);
      assert.deepEqual(documents.map((d) => d.name), ['orders-fn']);
      assert.deepEqual(problems.counts(), { 'lambda-no-parent': 1 });
    }
  });

  it('a SERVER span under the remote parent without faas.invocation_id gets no aws block', () => {
    const spans = recordSpans(
      (tracer) => tracer.startSpan('handler', { kind: SpanKind.SERVER, attributes: { 'cloud.account.id': '123456789012', 'faas.coldstart': false } }, underRemote(LAMBDA_PARENT)).end(),
      { resource: RESOURCE },
    );
    const { documents } = translate(spans);
    assert.equal(documents.length, 1);
    const doc = documents[0] as IndependentSubsegment;
    assert.equal(doc.type, 'subsegment');
    assert.equal(doc.parent_id, LAMBDA_PARENT.spanId);
    assert.equal(doc.aws, undefined);
    assert.equal(doc.metadata?.default?.['cloud.account.id'], '123456789012', 'kept as metadata when no aws block carries it');
  });

  it('a CONSUMER span under the handler (SQS "process") is embedded, not a segment', () => {
    const spans = recordSpans(
      (tracer) => {
        const handler = tracer.startSpan('orders-fn', { kind: SpanKind.SERVER, attributes: INVOCATION }, underRemote(LAMBDA_PARENT));
        const process = tracer.startSpan('orders process', { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'aws_sqs', 'messaging.operation': 'process' } }, under(handler));
        tracer.startSpan('save', {}, under(process)).end();
        process.end();
        handler.end();
      },
      { resource: RESOURCE },
    );
    const { documents } = translate(spans);
    assert.equal(documents.length, 1);
    const doc = documents[0] as IndependentSubsegment;
    assert.equal(doc.type, 'subsegment');
    assert.equal(doc.id, spans[2]!.spanContext().spanId);
    const process = doc.subsegments?.[0] as IndependentSubsegment;
    assert.equal(process.id, spans[1]!.spanContext().spanId);
    assert.equal(process.type, undefined);
    assert.equal(process.trace_id, undefined);
    assert.equal(process.subsegments?.[0]?.id, spans[0]!.spanContext().spanId);
    // Outside Lambda the same CONSUMER span would be a segment of its own: the Lambda rule is what embeds it.
    const { problems } = captureProblems();
    assert.equal(assertValidDocuments(new SegmentTranslator({ problems }).translate(spans)).length, 2);
  });

  it('a span with a local parent missing from the batch goes as an independent subsegment of that parent', () => {
    let handlerId = '';
    const spans = recordSpans(
      (tracer) => {
        const handler = tracer.startSpan('orders-fn', { kind: SpanKind.SERVER, attributes: INVOCATION }, underRemote(LAMBDA_PARENT));
        handlerId = handler.spanContext().spanId;
        tracer.startSpan('late', {}, under(handler)).end();
      },
      { resource: RESOURCE },
    );
    const { documents } = translate(spans);
    assert.equal(documents.length, 1);
    const doc = documents[0] as IndependentSubsegment;
    assert.equal(doc.type, 'subsegment');
    assert.equal(doc.parent_id, handlerId);
    assert.equal(doc.trace_id, XRAY_TRACE_ID);
    assert.equal(doc.aws, undefined, 'only the handler\'s span carries the invocation');
  });
});

describe('XRaySpanProcessor in Lambda mode', () => {
  function setup() {
    const emitter = new InMemoryEmitter();
    const { problems } = captureProblems();
    const processor = new XRaySpanProcessor({ lambda: true, emitter, problems, env: {} });
    const provider = new BasicTracerProvider({
      resource: RESOURCE,
      idGenerator: new AWSXRayIdGenerator(),
      sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
      spanProcessors: [processor],
    });
    const tracer = provider.getTracer('test');
    const documents = (): SegmentDocument[] => emitter.documents.map((text) => assertValidDocument(JSON.parse(text)));
    return { emitter, processor, tracer, documents, problems };
  }

  let processors: XRaySpanProcessor[] = [];
  afterEach(async () => {
    for (const processor of processors) await processor.shutdown();
    processors = [];
  });

  it('sends the handler\'s document inside handler.end(), with its child embedded', () => {
    const { emitter, processor, tracer, documents, problems } = setup();
    processors.push(processor);
    const handler = tracer.startSpan('orders-fn', { kind: SpanKind.SERVER, attributes: INVOCATION }, underRemote(LAMBDA_PARENT));
    const child = tracer.startSpan('load order', {}, trace.setSpan(ROOT_CONTEXT, handler));
    child.end();
    assert.equal(emitter.documents.length, 0, 'nothing before the handler ends');
    handler.end();
    assert.equal(emitter.documents.length, 1, 'sent synchronously, before any await');
    const doc = documents()[0] as IndependentSubsegment;
    assert.equal(doc.type, 'subsegment');
    assert.equal(doc.id, handler.spanContext().spanId);
    assert.equal(doc.trace_id, XRAY_TRACE_ID);
    assert.equal(doc.parent_id, LAMBDA_PARENT.spanId);
    assert.equal(doc.aws?.request_id, INVOCATION['faas.invocation_id']);
    assert.equal(doc.subsegments?.length, 1);
    assert.equal(doc.subsegments?.[0]?.id, child.spanContext().spanId);
    assert.deepEqual(problems.counts(), {});
  });

  it('a handler ended with a child open: forceFlush() sends it, the child follows as its own subsegment when it ends', async () => {
    const { emitter, processor, tracer, documents, problems } = setup();
    processors.push(processor);
    const handler = tracer.startSpan('orders-fn', { kind: SpanKind.SERVER, attributes: INVOCATION }, underRemote(LAMBDA_PARENT));
    const child = tracer.startSpan('stream response', {}, trace.setSpan(ROOT_CONTEXT, handler));
    handler.end();
    await processor.forceFlush();
    assert.equal(emitter.documents.length, 1, 'forceFlush sends the handler\'s document');
    const first = documents()[0] as IndependentSubsegment;
    assert.equal(first.id, handler.spanContext().spanId);
    assert.equal(first.parent_id, LAMBDA_PARENT.spanId);
    assert.equal(first.subsegments, undefined);

    child.end();
    assert.equal(emitter.documents.length, 2, 'the late child is sent at once');
    const late = documents()[1] as IndependentSubsegment;
    assert.equal(late.type, 'subsegment');
    assert.equal(late.id, child.spanContext().spanId);
    assert.equal(late.trace_id, XRAY_TRACE_ID);
    assert.equal(late.parent_id, handler.spanContext().spanId);
    assert.deepEqual(problems.counts(), {});
  });
});
