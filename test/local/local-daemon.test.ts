import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAEMON_HEADER } from '../../src/index';
import { startLocal } from '../../src/local/server';
import { udpDrops } from '../../src/local/socket-drops';
import type { LocalDaemon } from '../../src/local/server';
import { assertValidDocument } from '../helpers/assert-document';
import { httpGet, ROOT } from '../helpers/child-app';
import { sendBurst } from '../helpers/udp-drops';
import { UdpSink } from '../helpers/udp-sink';

/**
 * `otel-xray local` with real traced apps (the demo's shop and inventory services under the preload) sending to
 * it: the assembled traces, the filter API, the service map, the sampling API, bad datagrams, save/load, forward.
 */

interface Json {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function call(port: number, method: string, path: string, body?: unknown): Promise<Json> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function sendDatagrams(port: number, datagrams: Array<string | Buffer>): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    let left = datagrams.length;
    for (const datagram of datagrams) socket.send(datagram, port, '127.0.0.1', () => --left === 0 && (socket.close(), resolve()));
  });
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const TRACE = '1-6b0c5600-23c49ee94252deedbae28f2c';
const segment = (fields: Record<string, unknown>): string =>
  DAEMON_HEADER + JSON.stringify({ name: 'svc', id: '1111111111111111', trace_id: TRACE, start_time: 1795970000, end_time: 1795970001, ...fields });

describe('otel-xray local: the local daemon and its API', function () {
  this.timeout(60000);
  const lines: string[] = [];
  let local: LocalDaemon;
  const apps: ChildProcess[] = [];
  let shopPort = 0;

  const startApp = (role: string, extra: Record<string, string> = {}): Promise<number> => {
    const child = spawn(process.execPath, ['--require', join(ROOT, 'register.js'), join(ROOT, 'samples/demo/app.js')], {
      env: {
        PATH: process.env.PATH,
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${local.daemon.port}`,
        AWS_XRAY_TRACING_NAME: role,
        AWS_XRAY_SAMPLING: 'false',
        DEMO_ROLE: role,
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    apps.push(child);
    return new Promise((resolve) => {
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        const match = /listening (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
    });
  };

  before(async () => {
    local = await startLocal({ address: '127.0.0.1:0', ui: '127.0.0.1:0', write: (line) => lines.push(line) });
    const inventoryPort = await startApp('inventory');
    shopPort = await startApp('shop', { INVENTORY_PORT: String(inventoryPort) });
    for (const path of ['/orders/42', '/checkout', '/missing', '/fail']) await httpGet(shopPort, path);
    await until(() => call(local.viewer.port, 'GET', '/api/traces'), (r) => r.body.traces.length >= 4, 'four traces');
    await new Promise((resolve) => setTimeout(resolve, 300));
  });
  after(async () => {
    for (const app of apps) app.kill('SIGTERM');
    await local.close();
  });

  it('prints one line with the daemon address and the viewer URL', () => {
    assert.deepEqual(lines, [
      `otel-xray local: X-Ray daemon on udp 127.0.0.1:${local.daemon.port} (sampling on tcp), viewer at http://127.0.0.1:${local.viewer.port}`,
    ]);
  });

  it('joins the documents of two services into one trace, and lists traces newest first', async () => {
    const { body } = await call(local.viewer.port, 'GET', '/api/traces');
    assert.equal(body.traces.length, 4);
    const starts = body.traces.map((t: { start_time: number }) => t.start_time);
    assert.deepEqual(starts, [...starts].sort((a: number, b: number) => b - a));
    const checkout = body.traces.find((t: { http: { request?: { url?: string } } }) => t.http.request?.url?.endsWith('/checkout'));
    const { body: detail } = await call(local.viewer.port, 'GET', `/api/traces/${checkout.id}`);
    for (const document of detail.documents) assertValidDocument(document);
    const services = [...new Set(detail.entities.filter((e: { kind: string }) => e.kind === 'segment').map((e: { service: string }) => e.service))].sort();
    assert.deepEqual(services, ['inventory', 'shop']);
    // Tree order: the root segment first, every entity after its parent.
    assert.equal(detail.entities[0].name, 'shop');
    assert.equal(detail.entities[0].depth, 0);
    const seen = new Set<string>();
    for (const entity of detail.entities) {
      if (entity.depth > 0) assert.ok(seen.has(entity.parent_id), `${entity.name} comes before its parent`);
      seen.add(entity.id);
    }
    assert.ok(detail.entities.some((e: { name: string }) => e.name === 'render invoice in a worker'), 'the worker thread\'s subsegment');
    assert.ok(detail.entities.some((e: { name: string; service: string }) => e.name === 'inventory@db.internal' && e.service === 'inventory'), 'the inventory query');
    assert.ok(checkout.duration > 0);
  });

  const filters: Array<[string, (t: { http: { request?: { url?: string; method?: string }; response?: { status?: number } } }) => boolean]> = [
    ['http.status = 500', (t) => t.http.response?.status === 500],
    ['http.status = 404', (t) => t.http.response?.status === 404],
    ['http.url CONTAINS "orders"', (t) => t.http.request?.url?.includes('orders') === true],
    ['fault', (t) => t.http.response?.status === 500],
    ['error', (t) => t.http.response?.status === 404],
    ['ok', (t) => (t.http.response?.status ?? 0) < 400],
    ['!fault AND !error', (t) => (t.http.response?.status ?? 0) < 400],
    ['annotation.customer = "alice"', (t) => t.http.request?.url?.endsWith('/orders/42') === true],
    ['annotation.total > 40', (t) => t.http.request?.url?.endsWith('/orders/42') === true],
    ['user = "alice"', (t) => t.http.request?.url?.endsWith('/orders/42') === true],
    ['service("inventory")', (t) => t.http.request?.url?.endsWith('/checkout') === true],
    ['service("shop") { fault }', (t) => t.http.response?.status === 500],
    ['http.method = "GET" AND (fault OR error)', (t) => (t.http.response?.status ?? 0) >= 400],
  ];
  for (const [filter, expected] of filters) {
    it(`filters by ${filter}`, async () => {
      const all = (await call(local.viewer.port, 'GET', '/api/traces')).body.traces;
      const { status, body } = await call(local.viewer.port, 'GET', `/api/traces?filter=${encodeURIComponent(filter)}`);
      assert.equal(status, 200);
      const want = all.filter(expected).map((t: { id: string }) => t.id).sort();
      assert.ok(want.length > 0, 'the case selects something');
      assert.deepEqual(body.traces.map((t: { id: string }) => t.id).sort(), want);
    });
  }

  it('a filter it cannot parse is a 400 with the error and its position', async () => {
    const { status, body } = await call(local.viewer.port, 'GET', `/api/traces?filter=${encodeURIComponent('http.status = ')}`);
    assert.equal(status, 400);
    assert.equal(typeof body.error, 'string');
    assert.equal(body.position, 14);
  });

  it('limits the list (limit, at most 1,000)', async () => {
    assert.equal((await call(local.viewer.port, 'GET', '/api/traces?limit=2')).body.traces.length, 2);
    assert.equal((await call(local.viewer.port, 'GET', '/api/traces?limit=5000')).body.traces.length, 4);
  });

  it('draws the service map: shop → inventory, the database calls, with counts', async () => {
    const { body } = await call(local.viewer.port, 'GET', '/api/service-map');
    const shop = body.nodes.find((n: { name: string }) => n.name === 'shop');
    assert.equal(shop.requests, 4);
    assert.equal(shop.faults, 1);
    assert.equal(shop.errors, 1);
    assert.equal(body.nodes.find((n: { name: string }) => n.name === 'inventory').requests, 1);
    const edges = body.edges.map((e: { source: string; target: string; requests: number }) => `${e.source}→${e.target}:${e.requests}`).sort();
    assert.ok(edges.includes('shop→inventory:1'), edges.join(' '));
    assert.ok(edges.includes('shop→shop@db.internal:1') && edges.includes('inventory→inventory@db.internal:1'), edges.join(' '));
  });

  it('answers the sampling API on the daemon port over TCP: the default rule, and targets', async () => {
    const rules = await call(local.daemon.port, 'POST', '/GetSamplingRules', {});
    assert.deepEqual(rules.body.SamplingRuleRecords.map((r: { SamplingRule: { RuleName: string; FixedRate: number; ReservoirSize: number } }) => [r.SamplingRule.RuleName, r.SamplingRule.FixedRate, r.SamplingRule.ReservoirSize]), [['Default', 0.05, 1]]);
    const targets = await call(local.daemon.port, 'POST', '/SamplingTargets', { SamplingStatisticsDocuments: [{ RuleName: 'Default', RequestCount: 3, SampledCount: 1, BorrowCount: 0 }] });
    assert.equal(targets.body.SamplingTargetDocuments[0].RuleName, 'Default');
    assert.equal(targets.body.SamplingTargetDocuments[0].ReservoirQuota, 1);
  });

  it('counts bad datagrams by reason, of any size, and keeps running', async () => {
    const before = { ...local.stats, rejected: { ...local.stats.rejected } };
    await sendDatagrams(local.daemon.port, [
      'no header here',
      Buffer.alloc(65507, 0x41),
      `${DAEMON_HEADER}{not json`,
      `${DAEMON_HEADER}${'x'.repeat(65507 - DAEMON_HEADER.length)}`,
      `${DAEMON_HEADER}{"name":"no ids"}`,
      `${DAEMON_HEADER}[1,2,3]`,
      `${DAEMON_HEADER}{"name":"s","id":"1111111111111111","trace_id":"1-6b0c5600-23c49ee94252deedbae28f2c","start_time":1,"type":"subsegment","end_time":2}`,
    ]);
    const { body } = await until(
      () => call(local.viewer.port, 'GET', '/api/stats'),
      (r) => r.body.received === before.received + 7,
      'seven datagrams',
    );
    assert.deepEqual(body.rejected, {
      'no-header': before.rejected['no-header'] + 2,
      'not-json': before.rejected['not-json'] + 2,
      'not-a-segment': before.rejected['not-a-segment'] + 3,
    });
    assert.equal(body.accepted, before.accepted);
    assert.equal((await call(local.viewer.port, 'GET', '/api/traces')).body.traces.length, 4, 'nothing of them became a trace');
  });
});

describe('otel-xray local: assembly, save and load, forward, bounds', function () {
  this.timeout(30000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'otel-xray-local-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces an in-progress segment by its completed document, never the other way round', async () => {
    const local = await startLocal({ address: '127.0.0.1:0', ui: '127.0.0.1:0', write: () => undefined });
    try {
      const inProgress = segment({ in_progress: true, end_time: undefined });
      await sendDatagrams(local.daemon.port, [inProgress]);
      await until(async () => local.stats.accepted, (n) => n === 1, 'the in-progress segment');
      assert.equal((await call(local.viewer.port, 'GET', `/api/traces/${TRACE}`)).body.entities[0].end_time, undefined);
      await sendDatagrams(local.daemon.port, [segment({})]);
      await until(async () => local.stats.accepted, (n) => n === 2, 'the completed segment');
      await sendDatagrams(local.daemon.port, [inProgress]); // late, out of order
      await until(async () => local.stats.accepted, (n) => n === 3, 'the late copy');
      const { body } = await call(local.viewer.port, 'GET', `/api/traces/${TRACE}`);
      assert.equal(body.documents.length, 1);
      assert.equal(body.entities[0].end_time, 1795970001);
    } finally {
      await local.close();
    }
  });

  it('an independent subsegment joins its segment\'s tree, under its parent', async () => {
    const local = await startLocal({ address: '127.0.0.1:0', ui: '127.0.0.1:0', write: () => undefined });
    try {
      await sendDatagrams(local.daemon.port, [
        DAEMON_HEADER + JSON.stringify({ name: 'late call', id: '3333333333333333', type: 'subsegment', trace_id: TRACE, parent_id: '2222222222222222', start_time: 1795970000.5, end_time: 1795970000.9 }),
        segment({ subsegments: [{ name: 'handler', id: '2222222222222222', start_time: 1795970000.1, end_time: 1795970000.95 }] }),
      ]);
      await until(async () => local.stats.accepted, (n) => n === 2, 'both documents');
      const { body } = await call(local.viewer.port, 'GET', `/api/traces/${TRACE}`);
      assert.deepEqual(body.entities.map((e: { name: string; depth: number; service: string }) => [e.name, e.depth, e.service]), [['svc', 0, 'svc'], ['handler', 1, 'svc'], ['late call', 2, 'svc']]);
    } finally {
      await local.close();
    }
  });

  it('counts the datagrams the system dropped while the daemon fell behind: received + dropped = sent', async () => {
    const local = await startLocal({ address: '127.0.0.1:0', ui: '127.0.0.1:0', write: () => undefined });
    try {
      // 40 MB sent while this thread, which is also the daemon's, reads nothing: more than any receive buffer holds.
      const sent = 40_000;
      await sendBurst(local.daemon.port, Buffer.alloc(1000, 0x41), sent);
      const { body } = await until(
        () => call(local.viewer.port, 'GET', '/api/stats'),
        (r) => r.body.received + (r.body.dropped ?? 0) === sent,
        'every datagram received or dropped',
      );
      assert.ok(body.dropped > 0, `dropped ${body.dropped}`);
      assert.equal(body.rejected['no-header'], body.received);
    } finally {
      await local.close();
    }
  });

  it('reads the drop count of its own socket only: none for a port two sockets share, or one nobody holds', async () => {
    const bind = (host: string, port: number) =>
      new Promise<ReturnType<typeof createSocket>>((resolve, reject) => {
        const socket = createSocket('udp4');
        socket.once('error', reject);
        socket.bind(port, host, () => resolve(socket));
      });
    const first = await bind('127.0.0.1', 0);
    const port = first.address().port;
    try {
      assert.equal(udpDrops(port, 'udp4'), 0);
      const second = await bind('127.0.0.2', port); // another program on another loopback address, same port
      try {
        assert.equal(udpDrops(port, 'udp4'), undefined);
      } finally {
        await new Promise<void>((resolve) => second.close(resolve));
      }
    } finally {
      await new Promise<void>((resolve) => first.close(resolve));
    }
    assert.equal(udpDrops(port, 'udp4'), undefined, 'a closed socket is not listed');
  });

  it('--save appends every valid document; --load opens them again', async () => {
    const file = join(dir, 'saved.ndjson');
    const first = await startLocal({ address: '127.0.0.1:0', ui: '127.0.0.1:0', save: file, write: () => undefined });
    await sendDatagrams(first.daemon.port, [segment({}), 'junk']);
    await until(async () => first.stats.received, (n) => n === 2, 'two datagrams');
    await first.close();
    const saved = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(saved.length, 1);
    assert.equal(JSON.parse(saved[0] as string).trace_id, TRACE);
    writeFileSync(file, `${saved[0]}\nnot json\n`);
    const lines: string[] = [];
    const second = await startLocal({ address: '127.0.0.1:0', ui: '127.0.0.1:0', load: [file], write: (line) => lines.push(line) });
    try {
      assert.equal((await call(second.viewer.port, 'GET', '/api/traces')).body.traces[0].id, TRACE);
      assert.match(lines[0] as string, /loaded 1 documents from .*saved\.ndjson \(1 lines were not segment documents\)/);
    } finally {
      await second.close();
    }
  });

  it('--forward relays valid datagrams only, as received', async () => {
    const real = new UdpSink();
    const realPort = await real.start();
    const local = await startLocal({ address: '127.0.0.1:0', ui: '127.0.0.1:0', forward: `127.0.0.1:${realPort}`, write: () => undefined });
    try {
      await sendDatagrams(local.daemon.port, ['junk', segment({})]);
      await real.waitFor(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(real.datagramSizes.length, 1);
      assert.equal(real.documents[0]?.trace_id, TRACE);
    } finally {
      await local.close();
      await real.close();
    }
  });

  it('--tail prints a trace once it is complete and quiet, as a tree, and again when more of it arrives', async () => {
    const lines: string[] = [];
    const local = await startLocal({ address: '127.0.0.1:0', ui: '127.0.0.1:0', tail: true, write: (line) => lines.push(line) });
    try {
      await sendDatagrams(local.daemon.port, [segment({ in_progress: true, end_time: undefined })]);
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.equal(lines.length, 1, 'an in-progress trace is not printed');
      await sendDatagrams(local.daemon.port, [segment({ http: { request: { method: 'GET', url: 'http://shop/orders' }, response: { status: 500 } }, fault: true, subsegments: [{ name: 'db', id: '2222222222222222', namespace: 'remote', start_time: 1795970000.2, end_time: 1795970000.5 }] })]);
      await until(async () => lines.length, (n) => n === 2, 'the tree');
      assert.equal(lines[1], `trace ${TRACE}\n  ■ svc  +0.0 ms  1000.0 ms GET http://shop/orders → 500  !fault\n    └ db [remote]  +200.0 ms  300.0 ms\n`);
      await sendDatagrams(local.daemon.port, [DAEMON_HEADER + JSON.stringify({ name: 'late', id: '4444444444444444', type: 'subsegment', trace_id: TRACE, parent_id: '1111111111111111', start_time: 1795970000.6, end_time: 1795970000.7 })]);
      await until(async () => lines.length, (n) => n === 3, 'the tree again');
      assert.match(lines[2] as string, /└ late  \+600\.0 ms  100\.0 ms\n$/);
    } finally {
      await local.close();
    }
  });

  it('--max-traces: the oldest traces leave first', async () => {
    const local = await startLocal({ address: '127.0.0.1:0', ui: '127.0.0.1:0', maxTraces: 3, write: () => undefined });
    try {
      const ids = [1, 2, 3, 4, 5].map((n) => `1-6b0c5600-${String(n).padStart(24, '0')}`);
      for (const id of ids) await sendDatagrams(local.daemon.port, [segment({ trace_id: id })]);
      await until(async () => local.stats.accepted, (n) => n === 5, 'five documents');
      assert.deepEqual((await call(local.viewer.port, 'GET', '/api/traces')).body.traces.map((t: { id: string }) => t.id).sort(), ids.slice(2));
    } finally {
      await local.close();
    }
  });

  it('answers the sampling API from a rules file', async () => {
    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify({ version: 2, rules: [{ description: 'health checks', host: '*', http_method: 'GET', url_path: '/health', fixed_target: 0, rate: 0 }], default: { fixed_target: 2, rate: 0.1 } }));
    const local = await startLocal({ address: '127.0.0.1:0', ui: '127.0.0.1:0', samplingRules: rules, write: () => undefined });
    try {
      const { body } = await call(local.daemon.port, 'POST', '/GetSamplingRules', {});
      const records = body.SamplingRuleRecords.map((r: { SamplingRule: Record<string, unknown> }) => r.SamplingRule);
      assert.deepEqual(records.map((r: Record<string, unknown>) => [r.RuleName, r.Priority, r.URLPath, r.HTTPMethod, r.FixedRate, r.ReservoirSize]), [
        ['health-checks', 1, '/health', 'GET', 0, 0],
        ['Default', 10000, '*', '*', 0.1, 2],
      ]);
    } finally {
      await local.close();
    }
  });
});
