import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { DAEMON_HEADER } from '../src/index';
import { unusedUdpAndTcpPort } from './helpers/ports';
import { httpGet, startApp } from './helpers/child-app';
import type { RunningApp } from './helpers/child-app';

const BIN = resolve(__dirname, '../../bin/otel-xray.js');

describe('the otel-xray command', function () {
  this.timeout(10_000);

  it('listen: a stand-in daemon printing one line per document, and its JSON with --json', async () => {
    const port = await unusedUdpAndTcpPort();
    const child = spawn(process.execPath, [BIN, 'listen', '--address', `127.0.0.1:${port}`, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const until = async (text: string): Promise<void> => {
      for (let i = 0; i < 200 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(out.includes(text), `"${text}" not printed: ${out}`);
    };
    try {
      await until('listening on udp 127.0.0.1');
      const document = {
        name: 'shop', id: '53995c3f42cd8ad8', trace_id: '1-5759e988-bd862e3fe1be46a994272793', start_time: 1, end_time: 1.0123,
        http: { request: { method: 'GET', url: 'http://shop/x' }, response: { status: 500 } }, fault: true,
        subsegments: [{ name: 'db', id: 'aaaaaaaaaaaaaaaa', start_time: 1, end_time: 1.001, subsegments: [{ name: 'q', id: 'bbbbbbbbbbbbbbbb', start_time: 1, end_time: 1.0005 }] }],
      };
      const sender = createSocket('udp4');
      const text = DAEMON_HEADER + JSON.stringify(document);
      await new Promise<void>((done) => sender.send(text, port, '127.0.0.1', () => done()));
      await new Promise<void>((done) => sender.send('not a document', port, '127.0.0.1', () => done()));
      sender.close();
      await until('without the daemon');
      assert.match(out, /^segment "shop" 1-5759e988-bd862e3fe1be46a994272793 GET http:\/\/shop\/x 500 12\.3 ms fault 2 subsegments \(\d+ bytes\)$/m);
      assert.ok(out.includes(JSON.stringify(document)), 'the JSON follows with --json');
    } finally {
      child.kill();
    }
  });

  it('listen: answers the sampling API with one rule for everything, so an app with default sampling records each request', async () => {
    const port = await unusedUdpAndTcpPort();
    const child = spawn(process.execPath, [BIN, 'listen', '--address', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const until = async (check: () => boolean, what: string): Promise<void> => {
      for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(check(), `${what}: ${out}`);
    };
    let app: RunningApp | undefined;
    try {
      await until(() => out.includes('sampling API on tcp'), 'the sampling API is served');
      app = await startApp('plain-http.js', { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`, AWS_XRAY_TRACING_NAME: 'shop' });
      // The rules are fetched at start, in the background: give them a moment, as a developer's first request would.
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < 5; i++) await httpGet(app.port, `/hello/${i}`);
      await until(() => (out.match(/^segment "shop" .* GET http:\/\/127\.0\.0\.1:\d+\/hello\/\d/gm) ?? []).length === 5, 'five requests, five segments');
      assert.equal(app.stderr(), '', 'no warning: the proxy answered');
    } finally {
      await app?.stop();
      child.kill();
    }
  });

  it('says how to use it, and fails on what it does not know', async () => {
    const run = (args: string[]): Promise<{ code: number | null; err: string }> =>
      new Promise((done) => {
        const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
        child.on('exit', (code) => done({ code, err }));
      });
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.err, /usage: otel-xray local \[options\]/);
    assert.match(help.err, /otel-xray listen \[options\]/);
    assert.equal((await run(['frobnicate'])).code, 2);
    assert.equal((await run(['listen', '--address', 'not an address'])).code, 1);
    assert.equal((await run(['local', '--bogus'])).code, 2);
    assert.match((await run(['local', '--max-traces', 'many'])).err, /--max-traces takes a whole number above 0, not "many"/);
    assert.equal((await run(['local', '--address', 'not an address'])).code, 1);
    const missingRules = await run(['local', '--address', '127.0.0.1:0', '--ui', '127.0.0.1:0', '--sampling-rules', '/nonexistent/rules.json']);
    assert.equal(missingRules.code, 1);
    assert.match(missingRules.err, /--sampling-rules: cannot read \/nonexistent\/rules\.json/);
    // The viewer's port taken: the error, and the command ends (nothing left open).
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const busy = await run(['local', '--address', '127.0.0.1:0', '--ui', `127.0.0.1:${(taken.address() as AddressInfo).port}`]);
      assert.equal(busy.code, 1);
      assert.match(busy.err, /otel-xray local: listen EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});
