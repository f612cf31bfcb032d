import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Segment } from '../../src/index';
import { startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { assertStderrClean } from './harness';
import { UdpSink } from '../helpers/udp-sink';

const IN_FLIGHT = 50;

/** GET that resolves with the body, or undefined when the connection ends without an answer. */
function tryGet(port: number, path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

function waitForExit(app: RunningApp): Promise<number | null> {
  return new Promise((resolve) => {
    if (app.child.exitCode !== null || app.child.signalCode !== null) return resolve(app.child.exitCode);
    app.child.once('exit', (code) => resolve(code));
  });
}

/** Resolves once the app has printed `received <count>` (it counts requests that reached its handler). */
function untilReceived(app: RunningApp, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the app did not receive ${count} requests: ${out}`)), 5000);
    const onData = (chunk: Buffer | string): void => {
      out += chunk.toString();
      if (out.includes(`received ${count}\n`)) {
        clearTimeout(timer);
        app.child.stdout?.off('data', onData);
        resolve();
      }
    };
    app.child.stdout?.on('data', onData);
  });
}

describe('graceful stops: every answered request has its document, however the app exits', function () {
  this.timeout(20_000);
  const sink = new UdpSink();
  let daemon = '';
  before(async () => {
    daemon = `127.0.0.1:${await sink.start()}`;
  });
  beforeEach(() => sink.clear());
  after(() => sink.close());

  /**
   * Starts the app, puts IN_FLIGHT requests in flight, stops it with `stop`, and checks that each answered
   * request's path is in a segment that arrived. Returns how many were answered.
   */
  async function stopWithRequestsInFlight(mode: string, stop: (app: RunningApp) => void): Promise<{ answered: number; exitCode: number | null; signal: string | null }> {
    const app = await startApp('reliability/graceful-stop.js', {
      AWS_XRAY_DAEMON_ADDRESS: daemon,
      AWS_XRAY_TRACING_NAME: 'graceful',
      AWS_XRAY_SAMPLING: 'false',
      STOP_MODE: mode,
    });
    const replies = Array.from({ length: IN_FLIGHT }, (_, i) => tryGet(app.port, `/r/${i}`));
    await untilReceived(app, IN_FLIGHT);
    const exited = waitForExit(app);
    stop(app);
    const bodies = await Promise.all(replies);
    const exitCode = await exited;
    // Datagrams handed to the kernel before the exit are in the sink's socket buffer: give the reader a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const urls = new Set((sink.documents as Segment[]).map((d) => d.http?.request?.url));
    const answered = bodies.map((body, i) => (body === `done /r/${i}` ? i : -1)).filter((i) => i >= 0);
    const missing = answered.filter((i) => !urls.has(`http://127.0.0.1:${app.port}/r/${i}`));
    assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered requests have no document`);
    console.log(`      ${mode}: ${IN_FLIGHT} in flight, ${answered.length} answered, ${sink.documents.length} documents received, exit ${exitCode ?? app.child.signalCode}`);
    assertStderrClean(app.stderr(), mode);
    return { answered: answered.length, exitCode, signal: app.child.signalCode };
  }

  it('its own SIGTERM handler calls server.close(() => process.exit(0)) with 50 requests in flight', async () => {
    const result = await stopWithRequestsInFlight('exit-on-sigterm', (app) => app.child.kill('SIGTERM'));
    assert.equal(result.answered, IN_FLIGHT);
    assert.equal(result.exitCode, 0);
  });

  it('its own SIGTERM handler calls server.close() and the process ends by itself', async () => {
    const result = await stopWithRequestsInFlight('close-on-sigterm', (app) => app.child.kill('SIGTERM'));
    assert.equal(result.answered, IN_FLIGHT);
    assert.equal(result.exitCode, 0);
  });

  it('no handler of its own: SIGTERM still ends it by the signal, and whatever was answered has its document', async () => {
    const result = await stopWithRequestsInFlight('no-handler', (app) => app.child.kill('SIGTERM'));
    assert.equal(result.signal, 'SIGTERM');
  });

  it('no signal: a request makes it call server.close(() => process.exit(0)) with 50 requests in flight', async () => {
    const result = await stopWithRequestsInFlight('exit-on-request', (app) => void tryGet(app.port, '/stop'));
    assert.equal(result.answered, IN_FLIGHT);
    assert.equal(result.exitCode, 0);
  });
});
