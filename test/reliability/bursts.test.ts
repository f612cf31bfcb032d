import * as assert from 'node:assert/strict';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { collectIds } from '../helpers/collect-ids';
import { UdpSink } from '../helpers/udp-sink';
import { MAX_DATAGRAM_BYTES } from '../helpers/assert-document';
import { assertChildHealthy } from './harness';

/**
 * Wide traces: one request makes thousands of spans that end within milliseconds. Past the streaming threshold
 * they leave as independent subsegments, one datagram each, so a single trace is a burst of thousands of
 * datagrams. Every entity must arrive, in datagrams the daemon accepts, whether the burst is the process's very
 * first work (the socket just opened) or comes later.
 */
describe('reliability: bursts of wide traces reach the daemon whole', function () {
  this.timeout(60_000);
  const sink = new UdpSink();
  let app: RunningApp;

  before(async () => {
    const daemon = `127.0.0.1:${await sink.start()}`;
    app = await startApp('reliability/burst-app.js', { AWS_XRAY_DAEMON_ADDRESS: daemon, AWS_XRAY_TRACING_NAME: 'batch', AWS_XRAY_SAMPLING: 'false' });
  });
  after(async () => {
    await app.stop();
    await sink.close();
  });

  /** Sends /burst?n=`n` and waits until every entity of its trace (the request and its n spans) has arrived. */
  async function burst(n: number): Promise<{ datagrams: number; largest: number; traceId: string }> {
    sink.clear();
    const reply = await httpGet(app.port, `/burst?n=${n}`);
    assert.equal(reply.body, String(n));
    const traceId = /Root=([^;]+)/.exec(String(reply.headers['x-amzn-trace-id']))?.[1] ?? '';
    const entities = (): number => collectIds(sink.documents.filter((d) => d.trace_id === traceId)).size;
    await sink.until(() => entities() >= n + 1, 20_000).catch(() => undefined);
    assert.equal(entities(), n + 1, `entities of the ${n}-span trace that arrived (in ${sink.documents.length} datagrams)`);
    const largest = Math.max(...sink.datagramSizes);
    assert.ok(largest <= MAX_DATAGRAM_BYTES, `a ${largest}-byte datagram`);
    return { datagrams: sink.datagramSizes.length, largest, traceId };
  }

  it('a 5,000-span trace as the very first request: all 5,001 entities arrive', async () => {
    const result = await burst(5000);
    console.log(`      5,000-span trace first: ${result.datagrams} datagrams received, largest ${result.largest} bytes`);
  });

  it('a 20,000-span trace later: all 20,001 entities arrive', async () => {
    const result = await burst(20_000);
    console.log(`      20,000-span trace later: ${result.datagrams} datagrams received, largest ${result.largest} bytes`);
    await assertChildHealthy(app);
  });
});
