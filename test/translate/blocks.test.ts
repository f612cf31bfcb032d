import * as assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { SegmentTranslator } from '../../src/index';
import type { Segment, Subsegment, TranslateOptions } from '../../src/index';
import { assertValidDocuments } from '../helpers/assert-document';
import { captureProblems } from '../helpers/capture-problems';
import { recordSpans, under } from '../helpers/make-spans';

/** Translates one span (of `kind`, with `attributes`) and returns its entity: the segment, or the subsegment. */
function translateOne(kind: SpanKind, attributes: Attributes, options: TranslateOptions = {}, name = 'op'): Segment & Subsegment {
  const spans = recordSpans((tracer) => {
    if (kind === SpanKind.SERVER || kind === SpanKind.CONSUMER) {
      tracer.startSpan(name, { kind, attributes }).end();
      return;
    }
    const server = tracer.startSpan('request', { kind: SpanKind.SERVER });
    tracer.startSpan(name, { kind, attributes }, under(server)).end();
    server.end();
  });
  const [doc] = assertValidDocuments(new SegmentTranslator(options).translate(spans));
  return (kind === SpanKind.SERVER || kind === SpanKind.CONSUMER ? doc : doc!.subsegments![0]) as Segment & Subsegment;
}

describe('translation: the http block', () => {
  const cases: Array<{ title: string; kind: SpanKind; attributes: Attributes; http: unknown }> = [
    {
      title: 'incoming request, stable attributes, forwarded client',
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'POST', 'url.scheme': 'https', 'server.address': 'shop.example.com', 'server.port': 443,
        'url.path': '/cart', 'url.query': 'item=3', 'client.address': '203.0.113.9', 'network.peer.address': '10.0.0.7',
        'user_agent.original': 'curl/8.5', 'http.response.status_code': 201,
      },
      http: {
        request: { method: 'POST', url: 'https://shop.example.com/cart?item=3', user_agent: 'curl/8.5', client_ip: '203.0.113.9', x_forwarded_for: true },
        response: { status: 201 },
      },
    },
    {
      title: 'incoming request, stable attributes, direct client',
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'url.scheme': 'http', 'server.address': 'localhost', 'server.port': 8080, 'url.path': '/', 'client.address': '127.0.0.1', 'network.peer.address': '127.0.0.1', 'http.response.status_code': 200 },
      http: { request: { method: 'GET', url: 'http://localhost:8080/', client_ip: '127.0.0.1' }, response: { status: 200 } },
    },
    {
      title: 'incoming request, old attributes',
      kind: SpanKind.SERVER,
      attributes: { 'http.method': 'GET', 'http.url': 'http://api.local:3000/a?b=c', 'http.client_ip': '198.51.100.4', 'net.peer.ip': '10.1.1.1', 'http.user_agent': 'ua', 'http.status_code': 404, 'http.response_content_length': 18 },
      http: { request: { method: 'GET', url: 'http://api.local:3000/a?b=c', user_agent: 'ua', client_ip: '198.51.100.4', x_forwarded_for: true }, response: { status: 404, content_length: 18 } },
    },
    {
      title: 'outgoing call: no client_ip, traced only when marked',
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': 'GET', 'url.full': 'http://inventory:8081/stock', 'network.peer.address': '10.0.0.9', 'http.response.status_code': 200, 'aws.xray.traced': true },
      http: { request: { method: 'GET', url: 'http://inventory:8081/stock', traced: true }, response: { status: 200 } },
    },
    {
      title: 'an unknown method is taken from http.request.method_original',
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': '_OTHER', 'http.request.method_original': 'PURGE' },
      http: { request: { method: 'PURGE' } },
    },
    {
      title: 'a forged, non-IP X-Forwarded-For value is not recorded',
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'client.address': '<script>', 'network.peer.address': '10.0.0.1' },
      http: { request: { method: 'GET', client_ip: '10.0.0.1' } },
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      assert.deepEqual(translateOne(c.kind, c.attributes).http, c.http);
    });
  }

  it('never records URL credentials', () => {
    const entity = translateOne(SpanKind.CLIENT, { 'http.request.method': 'GET', 'url.full': 'https://alice:s3cret@api.example.com/x' });
    assert.equal(entity.http?.request?.url, 'https://api.example.com/x');
    assert.equal(entity.name, 'api.example.com');
    assert.doesNotMatch(JSON.stringify(entity), /s3cret/);
  });

  it('names an outgoing HTTP call after the host, never the bare method', () => {
    assert.equal(translateOne(SpanKind.CLIENT, { 'http.method': 'GET', 'http.host': 'svc.internal:8443' }, {}, 'GET').name, 'svc.internal');
    assert.equal(translateOne(SpanKind.CLIENT, { 'http.request.method': 'GET', 'server.address': 'b.example', 'url.full': 'https://b.example/' }, {}, 'GET').name, 'b.example');
  });
});

describe('translation: error, fault, throttle and cause', () => {
  const flags = (e: Segment) => ({ error: e.error === true, throttle: e.throttle === true, fault: e.fault === true });
  it('maps 4xx to error, 429 to throttle + error, 5xx to fault', () => {
    assert.deepEqual(flags(translateOne(SpanKind.SERVER, { 'http.response.status_code': 404 })), { error: true, throttle: false, fault: false });
    assert.deepEqual(flags(translateOne(SpanKind.SERVER, { 'http.response.status_code': 429 })), { error: true, throttle: true, fault: false });
    assert.deepEqual(flags(translateOne(SpanKind.SERVER, { 'http.status_code': 503 })), { error: false, throttle: false, fault: true });
    assert.deepEqual(flags(translateOne(SpanKind.SERVER, { 'http.response.status_code': 200 })), { error: false, throttle: false, fault: false });
  });

  it('records a thrown error as a cause with parsed V8 frames and the working directory', () => {
    const spans = recordSpans((tracer) => {
      const span = tracer.startSpan('job', { kind: SpanKind.SERVER });
      span.recordException(new TypeError('no such order'));
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    const [doc] = assertValidDocuments(new SegmentTranslator({ workingDirectory: '/srv/app' }).translate(spans));
    assert.equal(doc!.fault, true);
    const exception = doc!.cause!.exceptions[0]!;
    assert.equal(exception.type, 'TypeError');
    assert.equal(exception.message, 'no such order');
    assert.match(exception.id, /^[0-9a-f]{16}$/);
    assert.ok((exception.stack?.length ?? 0) > 0);
    assert.ok(exception.stack!.every((f) => typeof f.path === 'string' && (f.line === undefined || Number.isInteger(f.line))));
    assert.equal(doc!.cause!.working_directory, '/srv/app');
  });

  it('parses ESM file URLs and keeps paths relative to the working directory', () => {
    const stack = 'Error: x\n    at handler (file:///srv/app/src/h.mjs:12:5)\n    at /srv/app/lib/a.js:3:1\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)';
    const spans = recordSpans((tracer) => {
      const span = tracer.startSpan('job', { kind: SpanKind.SERVER });
      span.addEvent('exception', { 'exception.type': 'Error', 'exception.message': 'x', 'exception.stacktrace': stack });
      span.end();
    });
    const [doc] = assertValidDocuments(new SegmentTranslator({ workingDirectory: '/srv/app' }).translate(spans));
    assert.deepEqual(doc!.cause!.exceptions[0]!.stack, [
      { label: 'handler', line: 12, path: 'src/h.mjs' },
      { line: 3, path: 'lib/a.js' },
      { label: 'process.processTicksAndRejections', line: 95, path: 'node:internal/process/task_queues' },
    ]);
  });
});

describe('translation: aws and sql blocks', () => {
  it('reads what the OTel AWS SDK instrumentation emits', () => {
    const entity = translateOne(SpanKind.CLIENT, {
      'rpc.system': 'aws-api', 'rpc.service': 'SQS', 'rpc.method': 'SendMessage', 'cloud.region': 'eu-west-1',
      'aws.request.id': 'req-1', 'messaging.url': 'https://sqs.eu-west-1.amazonaws.com/123/q', 'messaging.system': 'aws_sqs',
    }, {}, 'SQS.SendMessage');
    assert.equal(entity.name, 'SQS');
    assert.equal(entity.namespace, 'aws');
    assert.deepEqual(entity.aws, { operation: 'SendMessage', region: 'eu-west-1', request_id: 'req-1', queue_url: 'https://sqs.eu-west-1.amazonaws.com/123/q' });
    assert.deepEqual(entity.metadata, { default: { 'messaging.system': 'aws_sqs' } });
  });

  it('names SQL calls database@host and keeps the query text out unless SQL recording is on', () => {
    const attributes = {
      'db.system.name': 'postgresql', 'db.namespace': 'orders', 'server.address': 'db.internal', 'server.port': 5432,
      'db.query.text': "SELECT * FROM orders WHERE card = '4111111111111111'", 'db.user': 'app',
    };
    const off = translateOne(SpanKind.CLIENT, attributes, {}, 'SELECT orders');
    assert.equal(off.name, 'orders@db.internal');
    assert.equal(off.namespace, 'remote');
    assert.deepEqual(off.sql, { database_type: 'postgresql', url: 'postgresql://db.internal:5432/orders', user: 'app' });
    assert.doesNotMatch(JSON.stringify(off), /4111/);
    const on = translateOne(SpanKind.CLIENT, attributes, { recordSql: true }, 'SELECT orders');
    assert.equal(on.sql?.sanitized_query, attributes['db.query.text']);
  });

  it('removes passwords from connection strings', () => {
    const url = translateOne(SpanKind.CLIENT, { 'db.system': 'mysql', 'db.name': 'app', 'db.connection_string': 'mysql://root:hunter2@db:3306?password=hunter2&ssl=true' });
    assert.doesNotMatch(JSON.stringify(url), /hunter2/);
    const ado = translateOne(SpanKind.CLIENT, { 'db.system': 'mssql', 'db.connection_string': 'Server=db;Database=app;User Id=sa;Password=hunter2;' });
    assert.equal(ado.sql?.connection_string, 'Server=db;Database=app;User Id=sa;');
  });

  it('keeps the query text of non-SQL databases out of metadata unless SQL recording is on', () => {
    const redis = translateOne(SpanKind.CLIENT, { 'db.system': 'redis', 'db.statement': 'AUTH secret', 'net.peer.name': 'cache' }, {}, 'AUTH');
    assert.equal(redis.sql, undefined);
    assert.equal(redis.name, 'cache');
    assert.doesNotMatch(JSON.stringify(redis), /secret/);
  });
});

describe('translation: annotations, metadata and user', () => {
  it('indexes listed attributes with sanitized keys and keeps the rest as metadata', () => {
    const entity = translateOne(SpanKind.SERVER, {
      'order.id': 'o-17', tier: 'gold', 'aws.xray.annotations': ['tier'], 'cart.size': 3, tags: ['a', 'b'],
    }, { indexedAttributes: ['order.id'] });
    assert.deepEqual(entity.annotations, { order_id: 'o-17', tier: 'gold' });
    assert.deepEqual(entity.metadata, { default: { 'cart.size': 3, tags: ['a', 'b'] } });
  });

  it('writes at most 50 annotations per document; the rest become metadata, with one warning', () => {
    const attributes: Attributes = {};
    for (let i = 0; i < 60; i++) attributes[`k${i}`] = i;
    const { problems, warnings } = captureProblems();
    const entity = translateOne(SpanKind.SERVER, attributes, { indexAllAttributes: true, problems });
    // Index-all covers the resource too: service.name takes the first slot.
    assert.equal(Object.keys(entity.annotations ?? {}).length, 50);
    assert.equal(entity.annotations?.otel_resource_service_name, 'test-service');
    assert.equal(Object.keys(entity.metadata?.default ?? {}).length, 11);
    assert.equal(problems.count('annotation-limit'), 11);
    assert.equal(warnings.length, 1);
  });

  it('sets user from enduser.id on segments', () => {
    assert.equal(translateOne(SpanKind.SERVER, { 'enduser.id': 'u-42' }).user, 'u-42');
  });

  it('turns aws.xray.metadata.<namespace> JSON objects into metadata namespaces', () => {
    const entity = translateOne(SpanKind.SERVER, {
      'aws.xray.metadata.debug': '{"cache":{"hit":true}}',
      'aws.xray.metadata.default': '{"merged":1}',
      'aws.xray.metadata.AWS.x': '{"reserved":1}',
      'aws.xray.metadata.broken': '{nope',
    });
    assert.deepEqual(entity.metadata, {
      default: { merged: 1, 'aws.xray.metadata.AWS.x': { reserved: 1 }, 'aws.xray.metadata.broken': '{nope' },
      debug: { cache: { hit: true } },
    });
  });
});

describe('translation: dynamic naming and urls as annotations', () => {
  const named = (host: string | undefined, options: TranslateOptions) =>
    translateOne(SpanKind.SERVER, host === undefined ? { 'http.request.method': 'GET' } : { 'server.address': host, 'http.request.method': 'GET' }, { segmentName: 'fixed', ...options }).name;

  it('names a request segment after a Host that matches the pattern, port removed', () => {
    assert.equal(named('api.example.com', { dynamicNaming: '*.example.com' }), 'api.example.com');
    assert.equal(named('API.Example.com:8443', { dynamicNaming: '*.example.com' }), 'API.Example.com');
    assert.equal(named('a1.example.com', { dynamicNaming: 'a?.example.com' }), 'a1.example.com');
  });

  it('falls back to the fixed name for a Host that does not match, is forged or is absent', () => {
    assert.equal(named('evil.com', { dynamicNaming: '*.example.com' }), 'fixed');
    assert.equal(named('ab1.example.com', { dynamicNaming: 'a?.example.com' }), 'fixed');
    assert.equal(named('x.example.com.evil.com', { dynamicNaming: '*.example.com' }), 'fixed');
    assert.equal(named('<script>.example.com', { dynamicNaming: '*.example.com' }), 'fixed'); // not a host name: never a segment name
    assert.equal(named('a'.repeat(300) + '.example.com', { dynamicNaming: '*.example.com' }), 'fixed');
    assert.equal(named(undefined, { dynamicNaming: '*' }), 'fixed');
  });

  it('copies url, method and status into annotations when asked', () => {
    const entity = translateOne(SpanKind.SERVER, { 'http.request.method': 'POST', 'url.full': 'http://h/p', 'http.response.status_code': 201 }, { urlsAsAnnotations: true });
    assert.deepEqual(entity.annotations, { http_url: 'http://h/p', http_method: 'POST', http_status: 201 });
    assert.equal(translateOne(SpanKind.SERVER, { 'http.request.method': 'POST' }).annotations, undefined);
  });
});

describe('translation: findings of the code review', () => {
  it('never annotates query text when SQL recording is off, even with index-all', () => {
    const entity = translateOne(SpanKind.CLIENT, { 'db.system': 'redis', 'db.statement': 'AUTH hunter2', 'net.peer.name': 'cache' }, { indexAllAttributes: true }, 'AUTH');
    assert.doesNotMatch(JSON.stringify(entity), /hunter2/);
    const listed = translateOne(SpanKind.CLIENT, { 'db.system': 'redis', 'db.statement': 'AUTH hunter2' }, { indexedAttributes: ['db.statement'] }, 'AUTH');
    assert.doesNotMatch(JSON.stringify(listed), /hunter2/);
  });

  it('removes passwords from JDBC connection strings with settings and from Oracle user/password@host', () => {
    const sqlServer = translateOne(SpanKind.CLIENT, { 'db.system': 'mssql', 'db.name': 'app', 'db.connection_string': 'jdbc:sqlserver://db1:1433;databaseName=app;user=sa;password=Secr3t!' });
    assert.equal(sqlServer.sql?.connection_string, 'sqlserver://db1:1433;databaseName=app;user=sa;');
    assert.equal(sqlServer.sql?.url, undefined);
    const oracle = translateOne(SpanKind.CLIENT, { 'db.system': 'oracle', 'db.connection_string': 'jdbc:oracle:thin:scott/tiger@db2:1521/ORCL' });
    assert.equal(oracle.sql?.connection_string, 'oracle:thin:scott@db2:1521/ORCL');
  });

  it('treats an SQS receive (CONSUMER, aws-api) inside a request as an AWS call with its queue URL', () => {
    const entity = translateOne(SpanKind.CONSUMER, {}, {});
    assert.equal(entity.name, 'test-service'); // a plain CONSUMER is incoming work: a segment
    const spans = recordSpans((tracer) => {
      const server = tracer.startSpan('poll', { kind: SpanKind.SERVER });
      tracer.startSpan('SQS.ReceiveMessage', {
        kind: SpanKind.CONSUMER,
        attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'SQS', 'rpc.method': 'ReceiveMessage', 'url.full': 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' },
      }, under(server)).end();
      server.end();
    });
    const [doc] = assertValidDocuments(new SegmentTranslator().translate(spans));
    const call = doc!.subsegments![0]!;
    assert.equal(call.name, 'SQS');
    assert.equal(call.namespace, 'aws');
    assert.equal(call.aws?.queue_url, 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs');
    assert.equal(call.aws?.operation, 'ReceiveMessage');
  });
});
