import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAMBDA_HANDLERS, startLambda, traceHeader } from '../helpers/lambda-runtime';
import type { LambdaOptions, LambdaProcess } from '../helpers/lambda-runtime';

/**
 * The Lambda runtime stand-in itself, without otel-xray (preload null): how handlers of each kind are called and
 * settle, how the trace header reaches them on the legacy and the current runtime (one and several invocations at
 * once), and that the process really is frozen between invocations.
 */

interface Seen {
  env: string | null;
  context: string | null;
  store: string | null;
  storeAfter: string | null;
  requestId: string;
  peakInFlight: number;
}

describe('lambda runtime stand-in (no tracer)', function () {
  this.timeout(30000);

  let server: Server;
  let baseUrl: string;
  const hits: string[] = [];
  const running: LambdaProcess[] = [];

  before(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    hits.length = 0;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((lambda) => lambda.exit()));
  });

  const start = async (handler: string, options: Partial<LambdaOptions> = {}): Promise<LambdaProcess> => {
    const lambda = await startLambda({ taskRoot: LAMBDA_HANDLERS, handler, preload: null, ...options });
    running.push(lambda);
    return lambda;
  };

  describe('trace header delivery', () => {
    it('legacy runtime: only process.env._X_AMZN_TRACE_ID, set per invocation and deleted when there is none', async () => {
      const lambda = await start('echo-header.handler', { ric: 'legacy' });
      const { header } = traceHeader();
      const first = await lambda.invoke({ traceHeader: header });
      assert.equal(first.results[0]!.ok, true);
      const seen = first.results[0]!.value as Seen;
      assert.equal(seen.env, header);
      assert.equal(seen.context, null);
      assert.equal(seen.store, null);

      const second = await lambda.invoke({ traceHeader: null });
      const seenWithout = second.results[0]!.value as Seen;
      assert.equal(seenWithout.env, null);
      assert.equal(seenWithout.context, null);
    });

    it('current runtime: env, context.xRayTraceId and InvokeStore, all absent for an invocation without header', async () => {
      const lambda = await start('echo-header.handler', { ric: 'current' });
      const { header } = traceHeader();
      const requestId = 'req-with-header';
      const first = await lambda.invoke({ traceHeader: header, requestId });
      assert.equal(first.results[0]!.requestId, requestId);
      assert.deepEqual(first.results[0]!.value, {
        env: header,
        context: header,
        store: header,
        storeAfter: header,
        requestId,
        peakInFlight: 1,
      });

      const second = await lambda.invoke({ traceHeader: null });
      const seen = second.results[0]!.value as Seen;
      assert.equal(seen.env, null);
      assert.equal(seen.context, null);
      assert.equal(seen.store, null);
    });

    it('AWS_LAMBDA_MAX_CONCURRENCY=4: four invocations at once, each sees its own header, the env var never', async () => {
      const lambda = await start('echo-header.handler', { ric: 'current', env: { AWS_LAMBDA_MAX_CONCURRENCY: '4' } });
      for (let round = 0; round < 3; round += 1) {
        const headers = [traceHeader().header, traceHeader().header, null, traceHeader({ sampled: '0' }).header];
        const settled = await lambda.invoke(
          ...headers.map((header, i) => ({ traceHeader: header, requestId: `r${round}-${i}`, event: { delay: true } })),
        );
        assert.equal(settled.results.length, 4);
        settled.results.forEach((result, i) => {
          assert.equal(result.ok, true, JSON.stringify(result));
          assert.equal(result.requestId, `r${round}-${i}`);
          const seen = result.value as Seen;
          assert.equal(seen.requestId, `r${round}-${i}`);
          assert.equal(seen.env, null);
          assert.equal(seen.context, headers[i]);
          assert.equal(seen.store, headers[i]);
          assert.equal(seen.storeAfter, headers[i]);
          assert.equal(seen.peakInFlight, 4, 'all four invocations were in flight at once');
        });
      }
    });

    it('refuses several invocations at once without AWS_LAMBDA_MAX_CONCURRENCY, and keeps working', async () => {
      const lambda = await start('echo-header.handler');
      await assert.rejects(lambda.invoke({}, {}), /AWS_LAMBDA_MAX_CONCURRENCY/);
      const settled = await lambda.invoke({});
      assert.equal(settled.results[0]!.ok, true);
    });
  });

  describe('handler kinds', () => {
    it('async handler: value, http GET, thrown error', async () => {
      const lambda = await start('async-http.handler');
      const plain = await lambda.invoke({ event: {} });
      assert.deepEqual(plain.results[0], { requestId: plain.results[0]!.requestId, ok: true, value: { statusCode: 200, body: 'ok' } });
      const fetched = await lambda.invoke({ event: { url: `${baseUrl}/async` } });
      assert.deepEqual(fetched.results[0]!.value, { statusCode: 200, body: 'hello'.length });
      assert.deepEqual(hits, ['/async']);
      const failed = await lambda.invoke({ event: { url: `${baseUrl}/async-fail`, fail: 'async boom' } });
      assert.equal(failed.results[0]!.ok, false);
      assert.deepEqual(failed.results[0]!.error, { name: 'Error', message: 'async boom' });
      assert.deepEqual(hits, ['/async', '/async-fail']);
    });

    it('callback handler: callback(null, value) and callback(error)', async () => {
      const lambda = await start('callback.handler');
      const ok = await lambda.invoke({ event: { url: `${baseUrl}/callback` } });
      assert.equal(ok.results[0]!.ok, true);
      assert.deepEqual(ok.results[0]!.value, { statusCode: 200 });
      assert.deepEqual(hits, ['/callback']);
      const failed = await lambda.invoke({ event: { fail: 'callback boom' } });
      assert.equal(failed.results[0]!.ok, false);
      assert.deepEqual(failed.results[0]!.error, { name: 'Error', message: 'callback boom' });
    });

    it('streaming handler: the result is what was written to the response stream', async () => {
      const lambda = await start('streaming.handler');
      const settled = await lambda.invoke({ event: { url: `${baseUrl}/stream` } });
      assert.equal(settled.results[0]!.ok, true);
      assert.equal(settled.results[0]!.value, 'hello world');
      assert.deepEqual(hits, ['/stream']);
    });

    it('ES module handler (.mjs, loaded with import()): value and thrown error', async () => {
      const lambda = await start('esm.handler');
      const fetched = await lambda.invoke({ event: { url: `${baseUrl}/esm` } });
      assert.deepEqual(fetched.results[0]!.value, { statusCode: 200, body: 'hello'.length });
      assert.deepEqual(hits, ['/esm']);
      const failed = await lambda.invoke({ event: { fail: 'esm boom' } });
      assert.deepEqual(failed.results[0]!.error, { name: 'Error', message: 'esm boom' });
    });

    it('synchronous throw settles as an error', async () => {
      const lambda = await start('sync-throw.handler');
      const settled = await lambda.invoke({});
      assert.equal(settled.results[0]!.ok, false);
      assert.deepEqual(settled.results[0]!.error, { name: 'Error', message: 'sync boom' });
    });

    it('work started at init completes during the first invocation', async () => {
      const lambda = await start('init-work.handler', { env: { INIT_URL: `${baseUrl}/init` } });
      const settled = await lambda.invoke({ event: { url: `${baseUrl}/invoke` } });
      assert.deepEqual(settled.results[0]!.value, { statusCode: 200, body: 'hello'.length });
      assert.deepEqual(hits, ['/init', '/invoke']);
    });
  });

  describe('process', () => {
    it('ready reports the init time; settled reports active resources and the heap after gc', async () => {
      const lambda = await start('async-http.handler');
      assert.ok(lambda.ready.initMillis > 0, `initMillis ${lambda.ready.initMillis}`);
      assert.ok(lambda.ready.sinceProcessStartMillis >= lambda.ready.initMillis);
      const settled = await lambda.invoke({});
      assert.ok(Array.isArray(settled.activeResources));
      assert.ok(settled.heapUsed > 0);
    });

    it('is frozen after an invocation settled: a 0 ms timer runs only with the next invocation', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lambda-freeze-'));
      try {
        const marker = join(dir, 'marker');
        const lambda = await start('timer-after.handler');
        const settled = await lambda.invoke({ event: { marker } });
        assert.equal(settled.results[0]!.value, 'scheduled');
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(existsSync(marker), false, 'the timer ran while the process was frozen');
        await lambda.invoke({ event: { marker: join(dir, 'second') } });
        assert.equal(existsSync(marker), true, 'the timer did not run once the process thawed');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('startLambda rejects on an init error: missing module, missing export', async () => {
      await assert.rejects(start('does-not-exist.handler'), /Runtime\.ImportModuleError/);
      await assert.rejects(start('async-http.nope'), /Runtime\.HandlerNotFound/);
    });

    it('invoke rejects with the output when the process dies', async () => {
      const lambda = await start('crash.handler');
      await assert.rejects(lambda.invoke({}), (err: Error) => {
        assert.match(err.message, /code 7/);
        assert.match(err.message, /crashing on purpose/);
        return true;
      });
      assert.equal(await lambda.exit(), 7);
    });
  });

  describe('traceHeader()', () => {
    it('makes fresh X-Ray headers with the parts asked for', () => {
      const a = traceHeader();
      const b = traceHeader();
      assert.match(a.header, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
      assert.equal(a.header, `Root=${a.root};Parent=${a.parent};Sampled=1`);
      assert.notEqual(a.root, b.root);
      assert.equal(traceHeader({ sampled: null, parent: null }).header.includes(';'), false);
      assert.match(traceHeader({ sampled: '0', parent: '0123456789abcdef' }).header, /;Parent=0123456789abcdef;Sampled=0$/);
    });
  });
});
