import * as assert from 'node:assert/strict';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { lambdaInstrumentationConfig, LAMBDA_ATTR } from '../../src/lambda/handler-hooks';
import { LambdaParentSource } from '../../src/lambda/trace-header';

const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const PARENT = { traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', traceFlags: TraceFlags.SAMPLED, isRemote: true };

/** Attributes the hooks may set, all of which must be absent when an event says nothing. */
const HOOK_KEYS = [
  'faas.trigger', 'aws.lambda.event_source', 'http.request.method', 'client.address', 'network.peer.address',
  'user_agent.original', 'http.client_ip', 'http.response.status_code',
];

function handlerContext(fields: Record<string, unknown> = {}): never {
  return { functionName: 'orders-fn', awsRequestId: 'req-1', ...fields } as never;
}

/** Runs the request hook on a real recording span and returns the span's attributes once ended. */
function requestAttributes(event: unknown, context: Record<string, unknown> = {}): Attributes {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const span = provider.getTracer('test').startSpan('orders-fn');
  assert.equal(span.isRecording(), true);
  const config = lambdaInstrumentationConfig(new LambdaParentSource({}));
  config.requestHook!(span, { event, context: handlerContext(context) });
  span.end();
  const [ended] = exporter.getFinishedSpans();
  return ended!.attributes;
}

function responseAttributes(res: unknown): Attributes {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const span = provider.getTracer('test').startSpan('orders-fn');
  lambdaInstrumentationConfig(new LambdaParentSource({})).responseHook!(span, { err: null, res });
  span.end();
  return exporter.getFinishedSpans()[0]!.attributes;
}

function assertNoHookAttributes(attrs: Attributes, what: string): void {
  for (const key of HOOK_KEYS) assert.equal(attrs[key], undefined, `${what}: ${key} should not be set`);
}

describe('Lambda handler hooks: requestHook', () => {
  it('API Gateway REST (v1): method, client address as the peer, user agent, an http trigger', () => {
    const attrs = requestAttributes({
      resource: '/orders',
      path: '/orders',
      httpMethod: 'GET',
      headers: { 'User-Agent': 'header-ua', 'X-Forwarded-For': '192.0.2.1' },
      requestContext: {
        stage: 'prod',
        domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
        identity: { sourceIp: '198.51.100.7', userAgent: 'curl/8.5' },
      },
    });
    assert.equal(attrs['http.request.method'], 'GET');
    assert.equal(attrs['client.address'], '198.51.100.7');
    assert.equal(attrs['network.peer.address'], '198.51.100.7');
    assert.equal(attrs['user_agent.original'], 'curl/8.5');
    assert.equal(attrs[LAMBDA_ATTR.TRIGGER], 'http');
    assert.equal(attrs[LAMBDA_ATTR.EVENT_SOURCE], 'aws:apigateway');
    assert.equal(attrs['http.client_ip'], undefined, 'the forgeable X-Forwarded-For is not used when AWS gives the address');
  });

  it('API Gateway HTTP API (v2): method, address and user agent from requestContext.http', () => {
    const attrs = requestAttributes({
      version: '2.0',
      routeKey: 'POST /orders',
      rawPath: '/orders',
      headers: { 'user-agent': 'header-ua' },
      requestContext: {
        domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
        http: { method: 'POST', path: '/orders', sourceIp: '203.0.113.5', userAgent: 'okhttp/4.12' },
      },
    });
    assert.equal(attrs['http.request.method'], 'POST');
    assert.equal(attrs['client.address'], '203.0.113.5');
    assert.equal(attrs['network.peer.address'], '203.0.113.5');
    assert.equal(attrs['user_agent.original'], 'okhttp/4.12');
    assert.equal(attrs[LAMBDA_ATTR.TRIGGER], 'http');
    assert.equal(attrs[LAMBDA_ATTR.EVENT_SOURCE], 'aws:apigateway');
  });

  it('function URL: aws:lambda-url, an http trigger, with method and address', () => {
    const attrs = requestAttributes({
      version: '2.0',
      rawPath: '/',
      requestContext: {
        domainName: 'x7kq2abcd.lambda-url.eu-west-1.on.aws',
        http: { method: 'PUT', sourceIp: '192.0.2.44', userAgent: 'fetch' },
      },
    });
    assert.equal(attrs[LAMBDA_ATTR.EVENT_SOURCE], 'aws:lambda-url');
    assert.equal(attrs[LAMBDA_ATTR.TRIGGER], 'http');
    assert.equal(attrs['http.request.method'], 'PUT');
    assert.equal(attrs['client.address'], '192.0.2.44');
    assert.equal(attrs['network.peer.address'], '192.0.2.44');
    assert.equal(attrs['user_agent.original'], 'fetch');
  });

  it('ALB: the first X-Forwarded-For address as http.client_ip, and no client.address', () => {
    const attrs = requestAttributes({
      httpMethod: 'DELETE',
      path: '/orders/7',
      headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1', 'user-agent': 'alb-client/1' },
      requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg/abc' } },
    });
    assert.equal(attrs[LAMBDA_ATTR.EVENT_SOURCE], 'aws:elb');
    assert.equal(attrs[LAMBDA_ATTR.TRIGGER], 'http');
    assert.equal(attrs['http.request.method'], 'DELETE');
    assert.equal(attrs['http.client_ip'], '203.0.113.9');
    assert.equal(attrs['client.address'], undefined);
    assert.equal(attrs['network.peer.address'], undefined);
    assert.equal(attrs['user_agent.original'], 'alb-client/1');
  });

  it('ALB with multi-value headers: the first value of each header', () => {
    const attrs = requestAttributes({
      httpMethod: 'GET',
      multiValueHeaders: { 'x-forwarded-for': ['203.0.113.9, 10.0.0.1', '192.0.2.1'], 'user-agent': ['multi/1'] },
      requestContext: { elb: {} },
    });
    assert.equal(attrs['http.client_ip'], '203.0.113.9');
    assert.equal(attrs['user_agent.original'], 'multi/1');
  });

  it('ALB: header names in any case', () => {
    const attrs = requestAttributes({
      httpMethod: 'GET',
      headers: { 'X-Forwarded-For': '198.51.100.20', 'User-Agent': 'UA' },
      requestContext: { elb: {} },
    });
    assert.equal(attrs['http.client_ip'], '198.51.100.20');
    assert.equal(attrs['user_agent.original'], 'UA');
    assert.equal(attrs['client.address'], undefined);
  });

  const records: Array<[string, Record<string, unknown>, string, string]> = [
    ['SQS', { eventSource: 'aws:sqs', messageId: 'm1', body: '{}' }, 'aws:sqs', 'pubsub'],
    ['SNS', { EventSource: 'aws:sns', Sns: { Message: 'hi' } }, 'aws:sns', 'pubsub'],
    ['S3', { eventSource: 'aws:s3', s3: { bucket: { name: 'b' } } }, 'aws:s3', 'datasource'],
    ['DynamoDB', { eventSource: 'aws:dynamodb', dynamodb: {} }, 'aws:dynamodb', 'datasource'],
  ];
  for (const [title, record, source, trigger] of records) {
    it(`${title} records: ${source}, trigger ${trigger}, no http attributes`, () => {
      const attrs = requestAttributes({ Records: [record, { eventSource: 'aws:other' }] });
      assert.equal(attrs[LAMBDA_ATTR.EVENT_SOURCE], source);
      assert.equal(attrs[LAMBDA_ATTR.TRIGGER], trigger);
      assert.equal(attrs['http.request.method'], undefined);
      assert.equal(attrs['client.address'], undefined);
    });
  }

  it('EventBridge scheduled event: a timer trigger', () => {
    const attrs = requestAttributes({ version: '0', source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    assert.equal(attrs[LAMBDA_ATTR.EVENT_SOURCE], 'aws:events');
    assert.equal(attrs[LAMBDA_ATTR.TRIGGER], 'timer');
  });

  it('other EventBridge events: a pubsub trigger', () => {
    const attrs = requestAttributes({ version: '0', source: 'com.example.orders', 'detail-type': 'OrderPlaced', detail: { id: 7 } });
    assert.equal(attrs[LAMBDA_ATTR.EVENT_SOURCE], 'aws:events');
    assert.equal(attrs[LAMBDA_ATTR.TRIGGER], 'pubsub');
  });

  it('an unknown object, null, a string, a number, an empty Records list: no trigger attributes', () => {
    const events: unknown[] = [{ orderId: 7, action: 'ship' }, null, undefined, 'just a string', 42, { Records: [] }, { requestContext: null }, { requestContext: {} }];
    for (const event of events) assertNoHookAttributes(requestAttributes(event), JSON.stringify(event) ?? String(event));
  });

  it('context.functionVersion becomes faas.version, whatever the event', () => {
    assert.equal(requestAttributes({ orderId: 1 }, { functionVersion: '$LATEST' })[LAMBDA_ATTR.FUNCTION_VERSION], '$LATEST');
    assert.equal(requestAttributes(null, { functionVersion: '12' })[LAMBDA_ATTR.FUNCTION_VERSION], '12');
    assert.equal(requestAttributes({ orderId: 1 }, { functionVersion: '' })[LAMBDA_ATTR.FUNCTION_VERSION], undefined);
    assert.equal(requestAttributes({ orderId: 1 })[LAMBDA_ATTR.FUNCTION_VERSION], undefined);
  });

  it('a span that is not recording is left alone', () => {
    const written: string[] = [];
    // Only what the hooks may call: a write to it is recorded.
    const span = {
      isRecording: () => false,
      setAttribute(key: string) {
        written.push(key);
        return this;
      },
      setAttributes(attrs: Attributes) {
        written.push(...Object.keys(attrs));
        return this;
      },
    } as never;
    const config = lambdaInstrumentationConfig(new LambdaParentSource({}));
    config.requestHook!(span, { event: { httpMethod: 'GET', requestContext: { identity: { sourceIp: '1.2.3.4' } } }, context: handlerContext({ functionVersion: '1' }) });
    config.responseHook!(span, { res: { statusCode: 200 } });
    assert.deepEqual(written, []);
  });
});

describe('Lambda handler hooks: responseHook', () => {
  it('{statusCode: 404} sets http.response.status_code', () => {
    assert.equal(responseAttributes({ statusCode: 404, body: 'not found' })['http.response.status_code'], 404);
  });

  it('the range 100 to 599 is taken, its ends included', () => {
    assert.equal(responseAttributes({ statusCode: 100 })['http.response.status_code'], 100);
    assert.equal(responseAttributes({ statusCode: 599 })['http.response.status_code'], 599);
  });

  it('a non-integer, out-of-range, non-number or missing status sets nothing', () => {
    const results: unknown[] = [
      { statusCode: 200.5 }, { statusCode: '404' }, { statusCode: 99 }, { statusCode: 600 }, { statusCode: -1 },
      { statusCode: Number.NaN }, { statusCode: Number.POSITIVE_INFINITY }, {}, { body: 'ok' }, null, undefined, 'ok', 200,
    ];
    for (const res of results) {
      assert.equal(responseAttributes(res)['http.response.status_code'], undefined, JSON.stringify(res) ?? String(res));
    }
  });
});

describe('Lambda handler hooks: eventContextExtractor', () => {
  it('returns a context whose span context is the parent from the handler context\'s xRayTraceId', () => {
    const parents = new LambdaParentSource({});
    const config = lambdaInstrumentationConfig(parents);
    const extracted = config.eventContextExtractor!({ headers: {} }, handlerContext({ xRayTraceId: HEADER }));
    assert.deepEqual(trace.getSpanContext(extracted), PARENT);
    assert.equal(parents.invoked, true, 'the handler\'s invocation counts as one');
  });

  it('ignores the trace header in the event\'s own headers, which the caller controls', () => {
    const config = lambdaInstrumentationConfig(new LambdaParentSource({}));
    const event = { httpMethod: 'GET', headers: { 'X-Amzn-Trace-Id': 'Root=1-6a0b1c2d-0123456789abcdef01234567;Parent=aaaaaaaaaaaaaaaa;Sampled=1' } };
    assert.deepEqual(trace.getSpanContext(config.eventContextExtractor!(event, handlerContext({ xRayTraceId: HEADER }))), PARENT);
    const none = config.eventContextExtractor!(event, handlerContext());
    assert.equal(trace.getSpanContext(none), undefined);
  });

  it('with no header: a root-like context with no span, and the invocation is still seen', () => {
    const told: unknown[] = [];
    const parents = new LambdaParentSource({}, (parent) => told.push(parent));
    const extracted = lambdaInstrumentationConfig(parents).eventContextExtractor!({}, handlerContext());
    assert.equal(trace.getSpan(extracted), undefined);
    assert.equal(trace.getSpanContext(extracted), undefined);
    assert.equal(extracted, ROOT_CONTEXT);
    assert.equal(parents.invoked, true);
    assert.deepEqual(told, [undefined]);
  });

  it('an unsampled header gives an unsampled parent', () => {
    const config = lambdaInstrumentationConfig(new LambdaParentSource({}));
    const extracted = config.eventContextExtractor!({}, handlerContext({ xRayTraceId: HEADER.replace('Sampled=1', 'Sampled=0') }));
    assert.deepEqual(trace.getSpanContext(extracted), { ...PARENT, traceFlags: TraceFlags.NONE });
  });
});
