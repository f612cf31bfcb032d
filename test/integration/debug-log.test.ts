import * as assert from 'node:assert/strict';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { UdpSink } from '../helpers/udp-sink';

/** Polls until `check` holds for the app's stderr (bounded). */
async function untilStderr(app: RunningApp, check: (stderr: string) => boolean): Promise<string> {
  for (let i = 0; i < 300 && !check(app.stderr()); i++) await new Promise((r) => setTimeout(r, 10));
  return app.stderr();
}

describe('debug mode (AWS_XRAY_LOG_LEVEL=debug, AWS_XRAY_DEBUG_MODE): why a trace is missing, one line each', function () {
  this.timeout(20_000);
  const sink = new UdpSink();
  let daemon = '';
  const apps: RunningApp[] = [];
  before(async () => {
    daemon = `127.0.0.1:${await sink.start()}`;
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await sink.close();
  });

  const modes: Array<Record<string, string>> = [{ AWS_XRAY_LOG_LEVEL: 'debug' }, { AWS_XRAY_DEBUG_MODE: '1', AWS_XRAY_LOG_LEVEL: 'error' }];
  for (const env of modes) {
    it(`${Object.keys(env)[0]}: each document as it is sent, and each request not sampled with the reason`, async () => {
      const app = await startApp('plain-http.js', { AWS_XRAY_DAEMON_ADDRESS: daemon, AWS_XRAY_TRACING_NAME: 'shop', AWS_XRAY_SAMPLING: 'false', ...env });
      apps.push(app);
      await httpGet(app.port, '/hello?password=hunter2');
      await httpGet(app.port, '/skipped', { 'X-Amzn-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0' });
      const stderr = await untilStderr(app, (text) => text.includes('document (') && text.includes('not sampled'));
      const lines = stderr.split('\n').filter((line) => line !== '');
      const sent = lines.filter((line) => line.startsWith('otel-xray debug: document ('));
      assert.equal(sent.length, 1, stderr);
      assert.match(sent[0]!, new RegExp(`^otel-xray debug: document \\(\\d+ bytes, sending to ${daemon}\\): \\{"name":"shop",.*"url":"http://127\\.0\\.0\\.1:\\d+/hello\\?password=REDACTED"`));
      assert.ok(sent[0]!.length < 420, 'cut to one short line');
      assert.ok(lines.some((line) => line === 'otel-xray debug: not sampled: "GET" (its caller\'s trace header said Sampled=0)'), stderr);
      assert.ok(lines.every((line) => line.startsWith('otel-xray ')), stderr);
    });
  }

  it('says what was dropped and why, for every document, not only the first', async () => {
    const app = await startApp('plain-http.js', { AWS_XRAY_DAEMON_ADDRESS: 'no-such-daemon.invalid:2000', AWS_XRAY_SAMPLING: 'false', AWS_XRAY_LOG_LEVEL: 'debug' });
    apps.push(app);
    for (let i = 0; i < 3; i++) await httpGet(app.port, `/lost/${i}`);
    const stderr = await untilStderr(app, (text) => (text.match(/could not be reached/g) ?? []).length >= 3);
    const lines = stderr.split('\n');
    assert.equal(lines.filter((line) => line.startsWith('otel-xray warning: ') && line.includes('could not be reached')).length, 1, stderr);
    assert.ok(lines.filter((line) => /^otel-xray debug: .*could not be reached; documents are dropped .*\(unconnected, \d+ so far\)$/.test(line)).length >= 1, stderr);
    assert.ok(lines.some((line) => /^otel-xray debug: document \(\d+ bytes, the daemon at no-such-daemon\.invalid:2000 cannot be reached\)/.test(line)), stderr);
  });
});
