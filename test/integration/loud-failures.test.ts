import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { httpGet, ROOT, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { UdpSink } from '../helpers/udp-sink';

/** otel-xray's warning lines on an app's stderr. */
const warnings = (app: RunningApp): string[] => app.stderr().split('\n').filter((line) => line.startsWith('otel-xray warning: '));

describe('what silently fails says so, in one line', function () {
  this.timeout(20_000);
  const sink = new UdpSink();
  let daemon = '';
  const apps: RunningApp[] = [];
  const run = async (app: string, preload: '--require' | '--import', extraArgs: string[] = []): Promise<RunningApp> => {
    const running = await startApp(app, { AWS_XRAY_DAEMON_ADDRESS: daemon, AWS_XRAY_SAMPLING: 'false' }, preload, extraArgs);
    apps.push(running);
    return running;
  };
  before(async () => {
    daemon = `127.0.0.1:${await sink.start()}`;
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await sink.close();
  });

  it('an ES module app started with --require is told to use --import; with --import it is not', async () => {
    const required = await run('esm-app.mjs', '--require');
    assert.deepEqual(warnings(required), [
      'otel-xray warning: esm-app.mjs is an ES module: under --require, the libraries it loads with import (express, koa, fastify …) are not instrumented; start it with node --import otel-xray/register',
    ]);
    const imported = await run('esm-app.mjs', '--import');
    assert.deepEqual(warnings(imported), []);
    const commonJs = await run('plain-http.js', '--require');
    assert.deepEqual(warnings(commonJs), []);
  });

  it('the preload run twice (two copies of otel-xray in one app) says so once, and starts once', () => {
    // A second copy's preload finds the first one's mark; here the same entry is called a second time.
    const script = "require('./build/bundle/otel-xray.js').registerPreload(); console.log(process.listenerCount('SIGTERM'))";
    const result = spawnSync(process.execPath, ['--require', './register.js', '-e', script], {
      cwd: ROOT, env: { PATH: process.env.PATH ?? '', AWS_XRAY_DAEMON_ADDRESS: daemon }, encoding: 'utf8',
    });
    assert.equal(result.stdout.trim(), '1', 'one instance: one signal listener');
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^otel-xray warning: the otel-xray preload was loaded twice .*; the first one keeps tracing$/);
  });

  it('another tracer provider registered over ours says so, and ours keeps tracing', async () => {
    const app = await run('second-provider.js', '--require');
    assert.equal(warnings(app).length, 1, app.stderr());
    assert.match(warnings(app)[0]!, /another tracer provider is being registered while otel-xray runs/);
    sink.clear();
    assert.equal((await httpGet(app.port, '/x')).body, 'accepted false');
    await sink.waitFor(1);
  });
});
