import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IndependentSubsegment, SegmentDocument, Subsegment } from '../../src/index';
import { LAMBDA_HANDLERS, startLambda, traceHeader } from '../helpers/lambda-runtime';
import type { LambdaOptions, LambdaProcess } from '../helpers/lambda-runtime';
import { UdpSink } from '../helpers/udp-sink';

/**
 * otel-xray in the Lambda runtime stand-in (test/fixtures/lambda/runtime.cjs), under the preload or start() in
 * the handler's module. The process is frozen from the moment an invocation settles: the documents checked after
 * invoke() resolves are those handed to the socket before the handler returned; anything later is lost.
 */

/** Time for datagrams already in the kernel to reach the listener; the child is frozen meanwhile. */
const DELIVERY_MILLIS = 150;

function delay(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

function walk(entity: Subsegment, visit: (entity: Subsegment, depth: number) => void, depth = 0): void {
  visit(entity, depth);
  for (const child of entity.subsegments ?? []) walk(child, visit, depth + 1);
}

function names(documents: readonly SegmentDocument[]): string[] {
  const out: string[] = [];
  for (const doc of documents) walk(doc, (entity) => out.push(entity.name));
  return out.sort();
}

/** Every document is a subsegment of the trace's Lambda function segment (or of one of its own subsegments). */
function assertUnder(documents: readonly SegmentDocument[], root: string, parent: string): void {
  assert.ok(documents.length > 0, 'no documents arrived');
  const ids = new Set<string>();
  for (const doc of documents) walk(doc, (entity) => ids.add(entity.id));
  for (const doc of documents) {
    const sub = doc as IndependentSubsegment;
    assert.equal(sub.type, 'subsegment', `a segment of our own was sent: ${JSON.stringify(doc).slice(0, 200)}`);
    assert.equal(sub.trace_id, root);
    assert.ok(sub.parent_id === parent || ids.has(sub.parent_id), `parent_id ${sub.parent_id} is neither Lambda's ${parent} nor one of ours`);
    assert.equal((doc as { origin?: string }).origin, undefined);
  }
}

function byName(documents: readonly SegmentDocument[], name: string): Subsegment | undefined {
  let found: Subsegment | undefined;
  for (const doc of documents) walk(doc, (entity) => (found ??= entity.name === name ? entity : undefined));
  return found;
}

describe('otel-xray in AWS Lambda', function () {
  this.timeout(60000);

  let server: Server;
  let url: string;
  /** The X-Amzn-Trace-Id each request to the local server carried. */
  const headersSeen: Array<string | undefined> = [];
  let sink: UdpSink;
  let daemon: string;
  const running: LambdaProcess[] = [];

  before(async () => {
    server = createServer((req, res) => {
      headersSeen.push(req.headers['x-amzn-trace-id'] as string | undefined);
      res.end('hello from the server');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders?token=s3cret`;
    sink = new UdpSink();
    daemon = `127.0.0.1:${await sink.start()}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sink.close();
  });
  beforeEach(() => {
    sink.clear();
    headersSeen.length = 0;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((lambda) => lambda.exit()));
  });

  const start = async (handler: string, options: Partial<LambdaOptions> = {}): Promise<LambdaProcess> => {
    const lambda = await startLambda({
      taskRoot: LAMBDA_HANDLERS,
      handler,
      ...options,
      env: { AWS_XRAY_DAEMON_ADDRESS: daemon, ...options.env },
    });
    running.push(lambda);
    return lambda;
  };

  /** The documents that arrived for one invocation, the child frozen since it settled. */
  const arrived = async (): Promise<SegmentDocument[]> => {
    await delay(DELIVERY_MILLIS);
    const documents = [...sink.documents];
    sink.clear();
    return documents;
  };

  for (const ric of ['legacy', 'current'] as const) {
    it(`${ric} runtime: the handler and its calls are subsegments of Lambda's segment, sent before it returns`, async () => {
      const lambda = await start('async-http.handler', { ric });
      for (let i = 0; i < 3; i++) {
        const { header, root, parent } = traceHeader({ sampled: '1' });
        const settled = await lambda.invoke({ traceHeader: header, requestId: `req-${i}`, event: { url } });
        assert.equal(settled.results[0]?.ok, true);
        const documents = await arrived();
        assertUnder(documents, root, parent);
        const handler = byName(documents, 'my-function') as Subsegment;
        assert.ok(handler !== undefined, `no handler subsegment among ${names(documents).join(', ')}`);
        assert.equal((documents.find((d) => d.id === handler.id) as IndependentSubsegment).parent_id, parent);
        assert.equal(handler.aws?.request_id, `req-${i}`);
        assert.equal(handler.aws?.account_id, '123456789012');
        assert.equal(handler.aws?.region, 'us-east-1');
        assert.equal(handler.metadata?.default?.['faas.coldstart'], i === 0);
        const call = handler.subsegments?.find((s) => s.namespace === 'remote');
        assert.ok(call !== undefined, 'the http call is not embedded under the handler');
        assert.equal(call.http?.request?.url, url.replace('s3cret', 'REDACTED'));
        // The callee got the invocation's trace, with our subsegment as its parent.
        assert.equal(headersSeen.at(-1), `Root=${root};Parent=${call.id};Sampled=1`);
      }
    });
  }

  it('an API Gateway event: the request and the status on the handler subsegment, url annotations (URLS_AS_ANNOTATION=LAMBDA)', async () => {
    const lambda = await start('async-http.handler');
    const { header, root, parent } = traceHeader({ sampled: '1' });
    const event = {
      httpMethod: 'POST',
      path: '/orders',
      queryStringParameters: { page: '2', api_key: 'k3y' },
      headers: { Host: 'api.example.com', 'X-Forwarded-Proto': 'https', 'User-Agent': 'curl/8.5' },
      requestContext: { domainName: 'api.example.com', identity: { sourceIp: '198.51.100.7', userAgent: 'curl/8.5' } },
    };
    await lambda.invoke({ traceHeader: header, event });
    const documents = await arrived();
    assertUnder(documents, root, parent);
    const handler = byName(documents, 'my-function') as Subsegment;
    assert.deepEqual(handler.http, {
      request: { method: 'POST', url: 'https://api.example.com/orders?page=2&api_key=REDACTED', user_agent: 'curl/8.5', client_ip: '198.51.100.7' },
      response: { status: 200 },
    });
    assert.deepEqual(handler.annotations, { http_url: 'https://api.example.com/orders?page=2&api_key=REDACTED', http_method: 'POST', http_status: 200 });
    assert.equal(handler.metadata?.default?.['faas.trigger'], 'http');
    assert.equal(handler.metadata?.default?.['aws.lambda.event_source'], 'aws:apigateway');
  });

  it('Sampled=0: nothing is sent, and the decision travels on', async () => {
    const lambda = await start('async-http.handler');
    const { header, root } = traceHeader({ sampled: '0' });
    await lambda.invoke({ traceHeader: header, event: { url } });
    assert.deepEqual(await arrived(), []);
    assert.match(headersSeen.at(-1) ?? '', new RegExp(`^Root=${root};Parent=[0-9a-f]{16};Sampled=0$`));
  });

  it('PassThrough (a Root only): nothing is sent, the trace id is carried on', async () => {
    const lambda = await start('async-http.handler');
    const { header, root } = traceHeader({ sampled: null, parent: null });
    assert.equal(header, `Root=${root}`);
    await lambda.invoke({ traceHeader: header, event: { url } });
    assert.deepEqual(await arrived(), []);
    assert.match(headersSeen.at(-1) ?? '', new RegExp(`^Root=${root};Parent=[0-9a-f]{16};Sampled=0$`));
  });

  it('no trace header at all: nothing is sent, one warning', async () => {
    const lambda = await start('async-http.handler');
    await lambda.invoke({ traceHeader: null, event: { url } });
    await lambda.invoke({ traceHeader: null, event: { url } });
    assert.deepEqual(await arrived(), []);
    assert.equal(lambda.output().match(/no X-Ray trace header/g)?.length, 1, lambda.output());
  });

  it('concurrent invocations (AWS_LAMBDA_MAX_CONCURRENCY): each one in its own trace, from InvokeStore and context', async () => {
    const lambda = await start('async-http.handler', { env: { AWS_LAMBDA_MAX_CONCURRENCY: '4' } });
    for (let round = 0; round < 3; round++) {
      const headers = [0, 1, 2, 3].map(() => traceHeader({ sampled: '1' }));
      const settled = await lambda.invoke(...headers.map((h, i) => ({ traceHeader: h.header, requestId: `r${round}-${i}`, event: { url } })));
      assert.ok(settled.results.every((r) => r.ok));
      const documents = await arrived();
      for (const [i, h] of headers.entries()) {
        const own = documents.filter((d) => (d as IndependentSubsegment).trace_id === h.root);
        assertUnder(own, h.root, h.parent);
        const handler = byName(own, 'my-function') as Subsegment;
        assert.equal(handler.aws?.request_id, `r${round}-${i}`);
        const call = handler.subsegments?.find((s) => s.namespace === 'remote') as Subsegment;
        assert.ok(headersSeen.includes(`Root=${h.root};Parent=${call.id};Sampled=1`), 'a callee saw another invocation\'s trace');
      }
      assert.equal(documents.filter((d) => !headers.some((h) => (d as IndependentSubsegment).trace_id === h.root)).length, 0);
    }
  });

  it('a handler that throws: the cause with its stack and fault on the handler subsegment; the error reaches the runtime unchanged', async () => {
    const lambda = await start('async-http.handler');
    const { header, root, parent } = traceHeader({ sampled: '1' });
    const settled = await lambda.invoke({ traceHeader: header, event: { url, fail: 'out of stock' } });
    assert.deepEqual(settled.results[0]?.error, { name: 'Error', message: 'out of stock' });
    const documents = await arrived();
    assertUnder(documents, root, parent);
    const handler = byName(documents, 'my-function') as Subsegment;
    assert.equal(handler.fault, true);
    const exception = handler.cause?.exceptions?.[0];
    assert.equal(exception?.message, 'out of stock');
    assert.ok((exception?.stack ?? []).some((frame) => String(frame.path).endsWith('async-http.js')), JSON.stringify(exception?.stack));
  });

  it('a handler that throws synchronously: recorded as a fault, the error unchanged', async () => {
    const lambda = await start('sync-throw.handler');
    const { header, root, parent } = traceHeader({ sampled: '1' });
    const settled = await lambda.invoke({ traceHeader: header, event: {} });
    assert.equal(settled.results[0]?.error?.message, 'sync boom');
    const documents = await arrived();
    assertUnder(documents, root, parent);
    assert.equal(byName(documents, 'my-function')?.fault, true);
  });

  const kinds: Array<[string, string, Partial<LambdaOptions>]> = [
    ['a callback handler', 'callback.handler', {}],
    ['a response-streaming handler', 'streaming.handler', {}],
    ['an ES module handler under --import', 'esm.handler', { preload: 'import' }],
  ];
  for (const [title, handlerName, options] of kinds) {
    it(`${title}: the handler subsegment and its call arrive before the invocation returns`, async () => {
      const lambda = await start(handlerName, options);
      for (let i = 0; i < 2; i++) {
        const { header, root, parent } = traceHeader({ sampled: '1' });
        const settled = await lambda.invoke({ traceHeader: header, event: { url } });
        assert.equal(settled.results[0]?.ok, true, JSON.stringify(settled.results[0]));
        const documents = await arrived();
        assertUnder(documents, root, parent);
        const handler = byName(documents, 'my-function');
        assert.ok(handler !== undefined, `no handler subsegment among ${names(documents).join(', ')}\n${lambda.output()}`);
        assert.ok(handler.subsegments?.some((s) => s.namespace === 'remote'), 'the call is not under the handler');
      }
    });
  }

  it('an ES module handler under --require: one warning saying to use --import', async () => {
    const lambda = await start('esm.handler', { preload: 'require' });
    const settled = await lambda.invoke({ traceHeader: traceHeader({ sampled: '1' }).header, event: { url } });
    assert.equal(settled.results[0]?.ok, true);
    assert.equal(lambda.output().match(/is an ES module, which the runtime loads with import\(\): under --require it is not wrapped.*NODE_OPTIONS=--import otel-xray\/register/g)?.length, 1, lambda.output());
  });

  it('an SQS batch: the processing subsegment links to each message\'s trace', async () => {
    const lambda = await start('async-http.handler');
    const { header, root, parent } = traceHeader({ sampled: '1' });
    const message = traceHeader({ sampled: '1' });
    const event = {
      Records: [
        { messageId: 'm-1', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders', attributes: { AWSTraceHeader: message.header }, body: '{}' },
        { messageId: 'm-2', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders', attributes: {}, body: '{}' },
      ],
    };
    await lambda.invoke({ traceHeader: header, event });
    const documents = await arrived();
    assertUnder(documents, root, parent);
    const processing = byName(documents, 'process orders');
    assert.ok(processing !== undefined, names(documents).join(', '));
    assert.deepEqual(processing.links, [{ trace_id: message.root, id: message.parent, attributes: { 'messaging.message.id': 'm-1' } }]);
    assert.equal(byName(documents, 'my-function')?.metadata?.default?.['faas.trigger'], 'pubsub');
  });

  it('init-time work goes under the first invocation when it is sampled; the recorder at init logs no error', async () => {
    const lambda = await start('init-work.handler', { env: { INIT_URL: url } });
    const { header, root, parent } = traceHeader({ sampled: '1' });
    await lambda.invoke({ traceHeader: header, event: { url } });
    const documents = await arrived();
    assertUnder(documents, root, parent);
    const tops = documents.filter((d) => (d as IndependentSubsegment).parent_id === parent).map((d) => d.name).sort();
    // The GET made while the module loaded, and the handler.
    assert.deepEqual(tops, ['127.0.0.1', 'my-function']);
    assert.equal(headersSeen.length, 2);
    assert.doesNotMatch(lambda.output(), /outside any trace|context/i);
  });

  it('init-time work is left out when the first invocation is not sampled', async () => {
    const lambda = await start('init-work.handler', { env: { INIT_URL: url, AWS_XRAY_LOG_LEVEL: 'debug' } });
    await lambda.invoke({ traceHeader: traceHeader({ sampled: '0' }).header, event: { url } });
    assert.deepEqual(await arrived(), []);
    const { header, root, parent } = traceHeader({ sampled: '1' });
    await lambda.invoke({ traceHeader: header, event: { url } });
    const documents = await arrived();
    assertUnder(documents, root, parent);
    assert.deepEqual(documents.filter((d) => (d as IndependentSubsegment).parent_id === parent).map((d) => d.name), ['my-function']);
    assert.match(lambda.output(), /init-time work were left out: the first invocation was not sampled/);
  });

  it('the recorder API in a handler: its subsegment under the handler, with its annotation', async () => {
    const lambda = await start('recorder.handler');
    const { header, root, parent } = traceHeader({ sampled: '1' });
    await lambda.invoke({ traceHeader: header, event: { url } });
    const documents = await arrived();
    assertUnder(documents, root, parent);
    const subsegment = byName(documents, 'load-order');
    assert.deepEqual(subsegment?.annotations, { order: 42 });
    assert.ok(byName(documents, 'my-function')?.subsegments?.some((s) => s.name === 'load-order'));
    assert.doesNotMatch(lambda.output(), /outside any trace/);
  });

  it('start() in the handler module with lambdaHandler(): the handler subsegment, sent before each invocation returns', async () => {
    const lambda = await start('start-in-module.handler', { preload: null });
    for (let i = 0; i < 2; i++) {
      const { header, root, parent } = traceHeader({ sampled: '1' });
      await lambda.invoke({ traceHeader: header, requestId: `in-module-${i}`, event: { url } });
      const documents = await arrived();
      assertUnder(documents, root, parent);
      const handler = byName(documents, 'my-function');
      assert.equal(handler?.aws?.request_id, `in-module-${i}`);
      assert.ok(handler?.subsegments?.some((s) => s.namespace === 'remote'));
    }
  });

  it('start() in the handler module without a wrapper: the calls are subsegments of Lambda\'s segment', async () => {
    const lambda = await start('start-no-wrap.handler', { preload: null, ric: 'legacy' });
    const { header, root, parent } = traceHeader({ sampled: '1' });
    await lambda.invoke({ traceHeader: header, event: { url } });
    const documents = await arrived();
    assertUnder(documents, root, parent);
    assert.deepEqual(documents.map((d) => [d.name, (d as IndependentSubsegment).parent_id]), [['127.0.0.1', parent]]);
  });

  it('100 invocations in a row: every one delivered, no growth in memory or pending handles', async () => {
    const lambda = await start('async-http.handler');
    let firstHandles: string[] = [];
    let heapAt20 = 0;
    let heapAt100 = 0;
    for (let i = 1; i <= 100; i++) {
      const { header, root } = traceHeader({ sampled: '1' });
      const settled = await lambda.invoke({ traceHeader: header, event: { url } });
      await delay(5);
      const documents = sink.documents.filter((d) => (d as IndependentSubsegment).trace_id === root);
      assert.ok(documents.some((d) => d.name === 'my-function'), `invocation ${i}: the handler subsegment did not arrive`);
      sink.clear();
      if (i === 20) {
        firstHandles = settled.activeResources;
        heapAt20 = settled.heapUsed;
      }
      if (i === 100) heapAt100 = settled.heapUsed;
      if (i > 20) assert.deepEqual(settled.activeResources.sort(), [...firstHandles].sort(), `invocation ${i}`);
    }
    // After a garbage collection: what 80 invocations left behind, far below a leak of one span per invocation.
    assert.ok(heapAt100 - heapAt20 < 2 * 1024 * 1024, `heap grew by ${heapAt100 - heapAt20} bytes`);
  });
});
