import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { DAEMON_HEADER } from '../../src/index';
import { ROOT } from '../helpers/child-app';

/**
 * `otel-xray local` under load with the viewer open: 5,000 datagrams a second for 10 seconds, while the list and
 * the stats are fetched every half second as the page does. Every datagram is counted, as received or as dropped by
 * the system, every one received is accepted, the traces held stay within --max-traces, and memory levels off.
 */

function getJson(url: string): Promise<{ traces?: unknown[]; accepted?: number; received?: number; dropped?: number }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
}

function rssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024;
}

describe('otel-xray local under load, the viewer open', function () {
  this.timeout(60000);

  it('5,000 datagrams a second for 10 s: every one counted, at most --max-traces held, memory bounded', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/otel-xray.js'), 'local', '--address', '127.0.0.1:0', '--ui', '127.0.0.1:0', '--max-traces', '1000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          if (out.includes('\n')) resolve(out);
        });
      });
      const [, udpPort, viewer] = /udp 127\.0\.0\.1:(\d+) .*viewer at (http:\/\/\S+)/.exec(line) as RegExpExecArray;
      const socket = createSocket('udp4');
      const perTick = 50; // every 10 ms
      const seconds = 10;
      let sent = 0;
      const rss: number[] = [];
      let maxHeld = 0;
      const started = Date.now();
      const poll = setInterval(() => {
        void getJson(`${viewer}/api/traces?limit=100`).then((r) => (maxHeld = Math.max(maxHeld, r.traces?.length ?? 0)));
        void getJson(`${viewer}/api/stats`);
        rss.push(rssMegabytes(child.pid as number));
      }, 500);
      await new Promise<void>((resolve) => {
        const tick = setInterval(() => {
          // One reading of the clock for both the quota and the end: read twice, the last tick could end the run
          // before sending what was due by then (49,995 of 50,000 sent, once).
          const elapsed = Date.now() - started;
          const due = Math.min(seconds * 1000, elapsed) / 10;
          while (sent < due * perTick) {
            const n = sent++;
            const traceId = `1-6b0c5600-${n.toString(16).padStart(24, '0')}`;
            const document = { name: 'load', id: (n + 1).toString(16).padStart(16, '0'), trace_id: traceId, start_time: 1795970000 + n / 1000, end_time: 1795970000.05 + n / 1000, http: { request: { method: 'GET', url: `http://shop/orders/${n}` }, response: { status: 200 } }, annotations: { n } };
            socket.send(DAEMON_HEADER + JSON.stringify(document), Number(udpPort), '127.0.0.1');
          }
          if (elapsed >= seconds * 1000) {
            clearInterval(tick);
            resolve();
          }
        }, 10);
      });
      let stats = await getJson(`${viewer}/api/stats`);
      // A datagram the system dropped (the receive buffer full while the daemon was busy) is counted as dropped.
      const accounted = (): number => (stats.received ?? 0) + (stats.dropped ?? 0);
      for (let i = 0; i < 50 && accounted() !== sent; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        stats = await getJson(`${viewer}/api/stats`);
      }
      clearInterval(poll);
      socket.close();
      const all = await getJson(`${viewer}/api/traces?limit=1000`);
      console.log(`      sent ${sent}, received ${stats.received}, dropped ${stats.dropped}, accepted ${stats.accepted}; traces held ${all.traces?.length}; RSS MB by half-second: ${rss.map((m) => m.toFixed(0)).join(' ')}`);
      assert.equal(sent, 50_000);
      assert.equal(accounted(), sent);
      assert.equal(stats.accepted, stats.received);
      // Kept up with: drops, if any, come from short stalls of a loaded machine, never from steady falling behind.
      assert.ok((stats.dropped ?? 0) < sent / 100, `dropped ${stats.dropped}`);
      assert.equal(all.traces?.length, 1000);
      assert.ok(maxHeld <= 100);
      // Memory levels off once 1,000 traces are held: the second half grows by less than 25 MB.
      const half = rss.slice(Math.floor(rss.length / 2));
      assert.ok(Math.max(...half) - half[0]! < 25, `RSS kept growing: ${half.join(' ')}`);
      assert.ok(Math.max(...rss) < 300, `RSS ${Math.max(...rss)} MB`);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
