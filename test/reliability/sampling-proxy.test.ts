// The X-Ray daemon's sampling proxy (its TCP address) misbehaving: HTTP 500, malformed JSON, JSON of the wrong
// shape, no answer for 10 s, a 20 MB body. The app must not notice: it starts at once, answers every request,
// and samples by the fallback rules (X-Ray's default rule: the first request of a second, then 5%), saying what
// is wrong in one line per kind of failure.
import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { UdpSink } from '../helpers/udp-sink';
import { assertChildHealthy, ECHO_APP, otelXrayLines, rawGet, segmentsOf, shorten, sleep, XRAY_TRACE_ID } from './harness';

/** How a misbehaving proxy answers the sampler's POST /GetSamplingRules and /SamplingTargets. */
type Misbehaviour = (req: IncomingMessage, res: ServerResponse) => void;

const MISBEHAVIOURS: Record<string, Misbehaviour> = {
  'answers HTTP 500': (_req, res) => {
    res.statusCode = 500;
    res.end('{"message":"internal error"}');
  },
  'answers malformed JSON': (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"SamplingRuleRecords":[{"SamplingRule":{"RuleName":"Default",');
  },
  'answers JSON of the wrong shape': (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ SamplingRuleRecords: 'none', SamplingTargetDocuments: { not: 'a list' } }));
  },
  'stalls 10 s without answering': (_req, res) => {
    // Headers never come; the connection is dropped when the proxy closes (or after 10 s).
    setTimeout(() => res.destroy(), 10_000).unref();
  },
  'answers a 20 MB body': (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.write('{"SamplingRuleRecords":[');
    const record = JSON.stringify({ SamplingRule: { RuleName: 'r', Priority: 1, FixedRate: 0, ReservoirSize: 0, Version: 1 } });
    const chunk = Buffer.from(`${record},`.repeat(Math.ceil(65_536 / (record.length + 1))));
    let sent = 0;
    // Written as fast as the client reads: a client that stops reading (as it should, past its limit) stops it.
    const more = (): void => {
      while (sent < 20 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end(`${record}]}`);
    };
    more();
  },
};

/** A real node:http server standing in for the daemon's sampling proxy, recording what the sampler asked. */
async function misbehavingProxy(misbehave: Misbehaviour): Promise<{ port: number; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.on('error', () => undefined); // the sampler hanging up mid-body is expected
    req.resume();
    misbehave(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('reliability: the daemon\'s sampling proxy misbehaves', function () {
  this.timeout(20_000);
  const sink = new UdpSink();
  let udpPort = 0;

  before(async () => {
    udpPort = await sink.start();
  });
  after(() => sink.close());

  for (const [title, misbehave] of Object.entries(MISBEHAVIOURS)) {
    describe(`the proxy ${title}`, () => {
      let proxy: Awaited<ReturnType<typeof misbehavingProxy>>;
      let app: RunningApp;
      let startMillis = 0;

      before(async () => {
        sink.clear();
        proxy = await misbehavingProxy(misbehave);
        const started = Date.now();
        app = await startApp(ECHO_APP, {
          AWS_XRAY_DAEMON_ADDRESS: `tcp:127.0.0.1:${proxy.port} udp:127.0.0.1:${udpPort}`,
          AWS_XRAY_TRACING_NAME: 'proxy-fault',
        });
        startMillis = Date.now() - started;
      });
      after(async () => {
        await app?.stop();
        await proxy?.close();
      });

      it('starts at once (spawn to listening under 5 s)', () => {
        assert.ok(startMillis < 5000, `${startMillis} ms from spawn to listening`);
      });

      it('samples the first request by the default rule, and its segment arrives', async () => {
        const first = await rawGet(app.port, '/first', [['Host', `127.0.0.1:${app.port}`]]);
        assert.equal(first.status, 200);
        assert.ok(first.millis < 1000, `${first.millis.toFixed(0)} ms to answer`);
        assert.match(first.headers['x-amzn-trace-id'] ?? '', /Sampled=1/, 'the default rule samples one request a second');
        await sink.waitFor(1, 3000);
        const segment = segmentsOf(sink).find((s) => s.http?.request?.url?.endsWith('/first'));
        assert.ok(segment, 'the first request\'s segment');
        assert.match(segment.trace_id, XRAY_TRACE_ID);
      });

      it('answers every request at once while the sampler keeps failing in the background', async () => {
        // Spread over ~2.5 s, across the sampler's 2 s request timeout and its retries.
        let slowest = 0;
        for (let i = 0; i < 25; i++) {
          const reply = await rawGet(app.port, `/r${i}`, [['Host', 'shop.example.com']]);
          assert.equal(reply.status, 200, `request ${i}`);
          slowest = Math.max(slowest, reply.millis);
          await sleep(100);
        }
        assert.ok(slowest < 1000, `slowest request: ${slowest.toFixed(0)} ms`);
        // The default rule: about one a second plus 5% of the rest; never all of them.
        const sampled = segmentsOf(sink).filter((s) => /\/r\d+$/.test(s.http?.request?.url ?? '')).length;
        assert.ok(sampled >= 1 && sampled <= 12, `${sampled} of 25 requests over ~2.5 s sampled`);
      });

      it('asked the proxy for rules, and keeps running with one line per kind of warning', async () => {
        assert.ok(proxy.requests.some((r) => r === 'POST /GetSamplingRules'), `the proxy saw: ${proxy.requests.join(', ') || 'nothing'}`);
        await assertChildHealthy(app, title);
        const lines = otelXrayLines(app.stderr());
        assert.ok(lines.length <= 3, `${lines.length} warning lines:\n${lines.map((l) => shorten(l)).join('\n')}`);
      });
    });
  }
});
