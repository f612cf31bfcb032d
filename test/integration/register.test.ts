import * as assert from 'node:assert/strict';
import type { IndependentSubsegment, Segment, Subsegment } from '../../src/index';
import { collectIds } from '../helpers/collect-ids';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { ecsRoutes, imdsRoutes, metadataServer } from '../helpers/metadata-server';
import { UdpSink } from '../helpers/udp-sink';

const ROOT_ID = '1-5759e988-bd862e3fe1be46a994272793';

describe('zero-code setup: node --require ./register, configured by environment variables only', function () {
  this.timeout(20_000);
  const sink = new UdpSink();
  let daemon = '';
  const apps: RunningApp[] = [];
  const run = async (app: string, env: Record<string, string>, preload?: '--require' | '--import', extraArgs?: string[]): Promise<RunningApp> => {
    const running = await startApp(app, { AWS_XRAY_DAEMON_ADDRESS: daemon, AWS_XRAY_TRACING_NAME: 'shop', ...env }, preload, extraArgs);
    apps.push(running);
    return running;
  };
  const segments = (): Segment[] => sink.documents.filter((d) => (d as { type?: string }).type === undefined) as Segment[];

  before(async () => {
    daemon = `127.0.0.1:${await sink.start()}`;
  });
  beforeEach(() => sink.clear());
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await sink.close();
  });

  describe('plain node:http app', () => {
    let app: RunningApp;
    before(async () => {
      app = await run('plain-http.js', { AWS_XRAY_SAMPLING: 'false', AWS_XRAY_URLS_AS_ANNOTATION: 'ALL' });
    });

    it('sends a segment named by AWS_XRAY_TRACING_NAME and answers with the trace header', async () => {
      const reply = await httpGet(app.port, '/hello?x=1');
      assert.equal(reply.body, 'hello');
      await sink.waitFor(1);
      const segment = segments()[0]!;
      assert.equal(segment.name, 'shop');
      assert.equal(segment.http?.request?.method, 'GET');
      assert.equal(segment.http?.request?.url, `http://127.0.0.1:${app.port}/hello?x=1`);
      assert.equal(segment.http?.response?.status, 200);
      // Node wrote the Content-Length itself (res.end('hello')): it is recorded all the same.
      assert.equal(segment.http?.response?.content_length, 5);
      assert.equal(reply.headers['x-amzn-trace-id'], `Root=${segment.trace_id};Sampled=1`);
      assert.deepEqual(segment.annotations, { http_url: segment.http?.request?.url, http_method: 'GET', http_status: 200 });
    });

    it('traces an outgoing call as a remote subsegment, and the called service links to it', async () => {
      await httpGet(app.port, '/call');
      await sink.waitFor(2);
      const caller = segments().find((s) => s.subsegments !== undefined)!;
      const call = caller.subsegments![0] as Subsegment;
      assert.equal(call.namespace, 'remote');
      assert.equal(call.http?.response?.content_length, 'stock'.length);
      assert.equal(call.name, '127.0.0.1');
      const callee = segments().find((s) => s.parent_id === call.id);
      assert.ok(callee, 'the called server\'s segment has the call as its parent');
      assert.equal(callee.trace_id, caller.trace_id);
    });

    it('continues the caller\'s trace (Root, Parent, Sampled=1)', async () => {
      await httpGet(app.port, '/x', { 'X-Amzn-Trace-Id': `Root=${ROOT_ID};Parent=53995c3f42cd8ad8;Sampled=1` });
      await sink.waitFor(1);
      assert.equal(segments()[0]!.trace_id, ROOT_ID);
      assert.equal(segments()[0]!.parent_id, '53995c3f42cd8ad8');
    });

    it('continues a load balancer\'s Root-only header: same trace, no parent_id', async () => {
      const reply = await httpGet(app.port, '/x', { 'X-Amzn-Trace-Id': `Root=${ROOT_ID}` });
      await sink.waitFor(1);
      assert.equal(segments()[0]!.trace_id, ROOT_ID);
      assert.equal(segments()[0]!.parent_id, undefined);
      assert.equal(reply.headers['x-amzn-trace-id'], `Root=${ROOT_ID};Sampled=1`);
    });

    it('decides for Sampled=? and tells the caller', async () => {
      const reply = await httpGet(app.port, '/x', { 'X-Amzn-Trace-Id': `Root=${ROOT_ID};Parent=53995c3f42cd8ad8;Sampled=?` });
      await sink.waitFor(1);
      assert.equal(segments()[0]!.parent_id, '53995c3f42cd8ad8');
      assert.equal(reply.headers['x-amzn-trace-id'], `Root=${ROOT_ID};Sampled=1`);
    });

    it('honours Sampled=0 whatever the ids (X-Ray SDKs send no-op ids): nothing is sent, at this hop or the next', async () => {
      const cases = [
        // A caller on the X-Ray SDK for Node (real ids): the response answers with its Root.
        { header: `Root=${ROOT_ID};Parent=53995c3f42cd8ad8;Sampled=0`, answer: `Root=${ROOT_ID};Sampled=0` },
        // A caller on the X-Ray SDK for Python (no-op ids), and a bare decision: the no-op Root.
        { header: 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0', answer: 'Root=1-00000000-000000000000000000000000;Sampled=0' },
        { header: 'Sampled=0', answer: 'Root=1-00000000-000000000000000000000000;Sampled=0' },
      ];
      for (const { header, answer } of cases) {
        // /call makes an outgoing call to a second traced server: the decision must reach it too.
        const reply = await httpGet(app.port, '/call', { 'X-Amzn-Trace-Id': header });
        assert.equal(reply.body, 'called');
        assert.equal(reply.headers['x-amzn-trace-id'], answer, header);
      }
      await httpGet(app.port, '/marker');
      await sink.waitFor(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(sink.documents.map((d) => (d as Segment).http?.request?.url), [`http://127.0.0.1:${app.port}/marker`]);
    });

    it('records the first X-Forwarded-For entry as client_ip, marked as forwarded', async () => {
      await httpGet(app.port, '/x', { 'X-Forwarded-For': '203.0.113.9, 10.0.0.1' });
      await sink.waitFor(1);
      assert.equal(segments()[0]!.http?.request?.client_ip, '203.0.113.9');
      assert.equal(segments()[0]!.http?.request?.x_forwarded_for, true);
    });
  });

  it('names segments after matching Host headers with AWS_XRAY_DYNAMIC_NAMING, else the fixed name', async () => {
    const app = await run('plain-http.js', { AWS_XRAY_SAMPLING: 'false', AWS_XRAY_DYNAMIC_NAMING: '*.example.com' });
    await httpGet(app.port, '/', { Host: 'shop.example.com:8080' });
    await httpGet(app.port, '/', { Host: 'evil.com' });
    await sink.waitFor(2);
    assert.deepEqual(segments().map((s) => s.name).sort(), ['shop', 'shop.example.com']);
  });

  it('traces an express app: route, middleware subsegments, and a thrown error as a fault with its cause', async () => {
    const app = await run('express-app.js', { AWS_XRAY_SAMPLING: 'false' });
    assert.equal((await httpGet(app.port, '/orders/42')).body, '{"id":"42"}');
    const failed = await httpGet(app.port, '/fail');
    assert.equal(failed.status, 500);
    await sink.waitFor(2);
    const ok = segments().find((s) => s.http?.response?.status === 200)!;
    assert.ok((ok.subsegments?.length ?? 0) > 0, 'express middleware and the route handler are subsegments');
    assert.equal(ok.metadata?.default?.['http.route'], '/orders/:id');
    const fault = segments().find((s) => s.http?.response?.status === 500)!;
    assert.equal(fault.fault, true);
    // The thrown error's stack: the user's frames, none of otel-xray's own (its bundle's instrumentation wrappers
    // sit between express's frames), those counted as left out.
    const withCause: Subsegment[] = [];
    const visit = (entity: Subsegment): void => {
      if (entity.cause !== undefined && typeof entity.cause === 'object') withCause.push(entity);
      for (const child of entity.subsegments ?? []) visit(child);
    };
    visit(fault as unknown as Subsegment);
    const exception = withCause.flatMap((e) => (typeof e.cause === 'object' ? e.cause.exceptions ?? [] : [])).find((x) => x.message === 'order service failed');
    assert.ok(exception?.stack !== undefined, 'the error is recorded with its stack');
    assert.equal(exception.stack[0]?.path, 'test/fixtures/apps/express-app.js');
    const paths = exception.stack.map((frame) => frame.path ?? '');
    assert.deepEqual(paths.filter((path) => path.includes('build/') || path.includes('register.js')), []);
    assert.ok(paths.some((path) => path.includes('node_modules/express/') || path.includes('node_modules/router/')), paths.join(', '));
    assert.ok((exception.truncated ?? 0) > 0, 'the frames left out are counted');
  });

  it('traces a fastify app', async () => {
    const app = await run('fastify-app.js', { AWS_XRAY_SAMPLING: 'false' });
    assert.equal((await httpGet(app.port, '/orders/7')).body, '{"id":"7"}');
    await sink.until((docs) => collectIds(docs).size >= 2);
    const segment = segments()[0]!;
    assert.equal(segment.name, 'shop');
    assert.equal(segment.http?.response?.status, 200);
    assert.ok(collectIds(sink.documents).size >= 2, 'fastify adds its own spans under the request');
  });

  it('traces a koa app', async () => {
    const app = await run('koa-app.js', { AWS_XRAY_SAMPLING: 'false' });
    assert.equal((await httpGet(app.port, '/k')).body, '{"path":"/k"}');
    await sink.waitFor(1);
    const segment = segments()[0]!;
    assert.equal(segment.http?.request?.url, `http://127.0.0.1:${app.port}/k`);
    assert.ok((segment.subsegments?.length ?? 0) > 0, 'koa middleware is a subsegment');
  });

  it('traces an ES module app under --import', async () => {
    const app = await run('esm-app.mjs', { AWS_XRAY_SAMPLING: 'false' }, '--import');
    assert.equal((await httpGet(app.port, '/esm')).body, 'esm');
    await sink.waitFor(1);
    assert.equal(segments()[0]!.http?.request?.url, `http://127.0.0.1:${app.port}/esm`);
  });

  it('fills the aws block and origin from the plugins named in AWS_XRAY_PLUGINS, without delaying start-up', async () => {
    const imds = await metadataServer(imdsRoutes());
    const ecs = await metadataServer(ecsRoutes());
    const app = await run('plain-http.js', {
      AWS_XRAY_SAMPLING: 'false', AWS_XRAY_PLUGINS: 'EC2Plugin,ECSPlugin',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, ECS_CONTAINER_METADATA_URI_V4: `${ecs.url}/v4/abc`,
    });
    // Detection runs in the background: requests are served at once; keep asking until a segment carries its result.
    for (let i = 0; i < 20 && !segments().some((s) => s.origin !== undefined); i++) {
      await httpGet(app.port, '/x');
      await new Promise((r) => setTimeout(r, 100));
    }
    const segment = segments().find((s) => s.origin !== undefined)!;
    assert.equal(segment.origin, 'AWS::ECS::Fargate');
    assert.deepEqual(segment.aws?.ec2, { instance_id: 'i-0123456789abcdef0', availability_zone: 'eu-west-1a', instance_size: 'm5.large', ami_id: 'ami-0abcdef1234567890' });
    assert.equal(segment.aws?.ecs?.task_arn, 'arn:aws:ecs:eu-west-1:123456789012:task/prod/1f7d9a2b3c4d');
    assert.equal(segment.aws?.account_id, '123456789012');
    assert.deepEqual(segment.aws?.cloudwatch_logs, [{ log_group: '/ecs/orders', arn: 'arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/orders' }]);
    await imds.close();
    await ecs.close();
  });

  it('in Lambda, an HTTP app (behind the Lambda Web Adapter): a request is a subsegment of Lambda\'s segment, never a segment', async () => {
    const app = await run('plain-http.js', { AWS_LAMBDA_FUNCTION_NAME: 'orders', AWS_REGION: 'eu-west-1' });
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    await httpGet(app.port, '/first', { 'X-Amzn-Trace-Id': header });
    await sink.waitFor(1);
    const document = sink.documents[0] as IndependentSubsegment;
    assert.equal(document.type, 'subsegment');
    assert.equal(document.trace_id, '1-5759e988-bd862e3fe1be46a994272793');
    assert.equal(document.parent_id, '53995c3f42cd8ad8');
    assert.equal((document as { origin?: string }).origin, undefined);
    assert.equal(document.http?.request?.url, `http://127.0.0.1:${app.port}/first`);
  });

  it('samples by the local rules file named in AWS_XRAY_SAMPLING_RULES', async () => {
    const rules = require('node:path').resolve(__dirname, '../../../test/fixtures/rules/v2.json');
    const app = await run('plain-http.js', { AWS_XRAY_SAMPLING_RULES: rules });
    for (const path of ['/health', '/a', '/health', '/b']) await httpGet(app.port, path);
    await sink.waitFor(2);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(segments().map((s) => new URL(s.http!.request!.url!).pathname).sort(), ['/a', '/b']);
  });

  it('falls back to the default rule, with one warning, when the rules file is broken', async () => {
    const rules = require('node:path').resolve(__dirname, '../../../test/fixtures/rules/broken.json');
    const app = await run('plain-http.js', { AWS_XRAY_SAMPLING_RULES: rules });
    assert.match((await httpGet(app.port, '/first')).headers['x-amzn-trace-id'] as string, /;Sampled=1$/);
    assert.match(app.stderr(), /AWS_XRAY_SAMPLING_RULES=".*broken\.json" is not usable \(.*not valid JSON.*\); using X-Ray's default rule/);
    await sink.waitFor(1);
  });

  it('samples by X-Ray\'s default rule: the first request of a second is traced', async () => {
    const app = await run('plain-http.js', {});
    const reply = await httpGet(app.port, '/first');
    assert.match(String(reply.headers['x-amzn-trace-id']), /;Sampled=1$/);
    await sink.waitFor(1);
  });

  it('an app with no signal handler still exits on SIGTERM, and its last requests arrive', async () => {
    const app = await run('no-signal-handler.js', { AWS_XRAY_SAMPLING: 'false' });
    await httpGet(app.port, '/last');
    const exited = new Promise<NodeJS.Signals | null>((resolve) => app.child.once('exit', (_code, signal) => resolve(signal)));
    app.child.kill('SIGTERM');
    assert.equal(await exited, 'SIGTERM');
    await sink.waitFor(1);
    assert.equal(segments()[0]!.http?.request?.url, `http://127.0.0.1:${app.port}/last`);
  });

  it('lets an app that handles SIGTERM itself (with once) finish its graceful shutdown', async () => {
    const app = await run('graceful-app.js', { AWS_XRAY_SAMPLING: 'false' });
    await httpGet(app.port, '/last');
    let out = '';
    app.child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => app.child.once('exit', (code) => resolve(code)));
    app.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(out, /cleanup started\ncleanup done/);
    await sink.waitFor(1);
  });

  it('runs one instance when the app also calls start(), and still exits on SIGTERM', async () => {
    const app = await run('double-start.js', { AWS_XRAY_SAMPLING: 'false' });
    assert.equal((await httpGet(app.port, '/x')).body, 'true');
    assert.match(app.stderr(), /already started in this process/);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => app.child.once('exit', (_code, signal) => resolve(signal)));
    app.child.kill('SIGTERM');
    assert.equal(await exited, 'SIGTERM');
    await sink.waitFor(1);
  });

  it('instruments a library the app loads by its resolved path', async () => {
    const app = await run('express-by-path.js', { AWS_XRAY_SAMPLING: 'false' });
    await httpGet(app.port, '/by-path');
    await sink.waitFor(1);
    assert.equal(segments()[0]!.metadata?.default?.['http.route'], '/by-path');
    assert.ok((segments()[0]!.subsegments?.length ?? 0) > 0, 'express spans are there');
  });

  it('installs the ES module hook under --import only when tracing is on', async () => {
    const spy = ['--require', require('node:path').resolve(__dirname, '../../../test/fixtures/spy-module-register.js')];
    const off = await run('esm-app.mjs', { AWS_XRAY_SDK_ENABLED: 'false' }, '--import', spy);
    await httpGet(off.port, '/');
    assert.doesNotMatch(off.stderr(), /module\.register/);
    const on = await run('esm-app.mjs', { AWS_XRAY_SAMPLING: 'false' }, '--import', spy);
    await httpGet(on.port, '/');
    assert.match(on.stderr(), /module\.register\(import-in-the-middle\/hook\.mjs\)/);
    await sink.waitFor(1);
  });

  it('installs nothing with AWS_XRAY_SDK_ENABLED=false (or OTEL_SDK_DISABLED=true)', async () => {
    for (const env of [{ AWS_XRAY_SDK_ENABLED: 'false' }, { OTEL_SDK_DISABLED: 'true' }] as Array<Record<string, string>>) {
      const app = await run('plain-http.js', { AWS_XRAY_SAMPLING: 'false', ...env });
      const reply = await httpGet(app.port, '/x');
      assert.equal(reply.body, 'hello');
      assert.equal(reply.headers['x-amzn-trace-id'], undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sink.documents.length, 0);
  });

  it('switches tracing off and on at run time with setSdkEnabled, unless AWS_XRAY_SDK_ENABLED decides', async () => {
    const app = await run('switch-app.js', { AWS_XRAY_SAMPLING: 'false' });
    for (const path of ['/a', '/off', '/b', '/on', '/c']) await httpGet(app.port, path);
    await sink.waitFor(3);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(segments().map((s) => new URL(s.http!.request!.url!).pathname).sort(), ['/a', '/c', '/off']);

    sink.clear();
    const pinned = await run('switch-app.js', { AWS_XRAY_SAMPLING: 'false', AWS_XRAY_SDK_ENABLED: 'true' });
    for (const path of ['/off', '/b']) await httpGet(pinned.port, path);
    await sink.waitFor(2);
    assert.match(pinned.stderr(), /AWS_XRAY_SDK_ENABLED is set, so setSdkEnabled\(false\) is ignored/);
  });

  it('keeps serving with bad variables, each named in one warning', async () => {
    const app = await startApp('plain-http.js', {
      AWS_XRAY_DAEMON_ADDRESS: 'nonsense', AWS_XRAY_CONTEXT_MISSING: 'SOMETIMES', AWS_XRAY_STREAMING_THRESHOLD: 'many',
    });
    apps.push(app);
    assert.equal((await httpGet(app.port, '/x')).body, 'hello');
    const stderr = app.stderr();
    assert.match(stderr, /AWS_XRAY_DAEMON_ADDRESS="nonsense" is not valid .*; using udp 127\.0\.0\.1:2000/);
    assert.match(stderr, /AWS_XRAY_CONTEXT_MISSING="SOMETIMES" is not valid \(expected one of LOG_ERROR, RUNTIME_ERROR, IGNORE_ERROR\); using LOG_ERROR/);
    assert.match(stderr, /AWS_XRAY_STREAMING_THRESHOLD="many" is not valid/);
    assert.equal(stderr.match(/AWS_XRAY_DAEMON_ADDRESS/g)?.length, 1);
  });
});
