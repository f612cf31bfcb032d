import * as assert from 'node:assert/strict';
import { createSocket, Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { DAEMON_HEADER, DOCUMENT_BUDGET_BYTES, UdpEmitter } from '../../src/index';
import { captureProblems } from '../helpers/capture-problems';

/** A raw UDP listener: keeps every datagram's byte length and text. */
async function listener(): Promise<{ port: number; received: string[]; close: () => Promise<void> }> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (message) => received.push(message.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setRecvBufferSize(1024 * 1024);
  return { port: (socket.address() as AddressInfo).port, received, close: () => new Promise((r) => socket.close(() => r())) };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('UdpEmitter', () => {
  it('delivers a document of exactly the budget in one datagram, and refuses one byte more', async () => {
    const sink = await listener();
    const { problems, warnings } = captureProblems();
    const emitter = new UdpEmitter({ endpoint: { host: '127.0.0.1', port: sink.port }, problems });
    const largest = `{"pad":"${'x'.repeat(DOCUMENT_BUDGET_BYTES - 10)}"}`;
    assert.equal(Buffer.byteLength(largest), DOCUMENT_BUDGET_BYTES);
    emitter.send(largest);
    emitter.send(largest.replace('"}', 'x"}'));
    await emitter.flush();
    await until(() => sink.received.length === 1);
    assert.equal(sink.received[0], DAEMON_HEADER + largest);
    assert.deepEqual(emitter.counts, { datagramsSent: 1, bytesSent: 65_507, datagramsFailed: 1 });
    assert.equal(problems.count('oversized'), 1);
    assert.equal(warnings.length, 1);
    await emitter.shutdown();
    await sink.close();
  });

  it('after ECONNREFUSED, queues documents for the pause, probes, and sends the queue once the daemon is back', async () => {
    const probe = await listener();
    const port = probe.port;
    await probe.close(); // nothing listens on `port` now
    const { problems, warnings } = captureProblems();
    const emitter = new UdpEmitter({ endpoint: { host: '127.0.0.1', port }, problems, refusedPauseMillis: 300 });
    // On a connected socket the refusal of one datagram is reported by a later send or on the receive side.
    for (let i = 0; i < 20 && problems.count('udp-ECONNREFUSED') === 0; i++) {
      emitter.send('{}');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(problems.count('udp-ECONNREFUSED'), 1);
    const failedBefore = emitter.counts.datagramsFailed;
    const sentBefore = emitter.counts.datagramsSent;
    for (let i = 0; i < 50; i++) emitter.send(`{"n":${i}}`);
    // Paused: none of the 50 reached the socket, none was lost, and the refusal was not reported again.
    assert.equal(emitter.counts.datagramsFailed, failedBefore);
    assert.equal(emitter.counts.datagramsSent, sentBefore);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /ECONNREFUSED/);

    // The daemon comes back on the same port within the pause: the probe gets through and the queue follows.
    const socket = createSocket('udp4');
    const received: string[] = [];
    socket.on('message', (m) => received.push(m.toString('utf8')));
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
    await until(() => received.length === 50);
    assert.deepEqual(received.map((t) => JSON.parse(t.slice(DAEMON_HEADER.length)).n), [...Array(50).keys()]);
    emitter.send('{"back":true}');
    await emitter.flush();
    await until(() => received.length === 51);
    assert.equal(received[50], `${DAEMON_HEADER}{"back":true}`);
    assert.equal(problems.count('udp-ECONNREFUSED'), 1);
    await emitter.shutdown();
    await new Promise<void>((r) => socket.close(() => r()));
  });

  it('while the daemon stays down, probes after each pause and keeps at most maxQueuedBytes, the oldest dropped first', async () => {
    const probe = await listener();
    const port = probe.port;
    await probe.close();
    const { problems } = captureProblems();
    const emitter = new UdpEmitter({ endpoint: { host: '127.0.0.1', port }, problems, refusedPauseMillis: 50, maxQueuedBytes: 10 * 100 });
    for (let i = 0; i < 20 && problems.count('udp-ECONNREFUSED') === 0; i++) {
      emitter.send('{}');
      await new Promise((r) => setTimeout(r, 5));
    }
    // 100-byte datagrams: the queue holds 10.
    const doc = (n: number): string => {
      const head = `{"n":${n},"pad":"`;
      return `${head}${'x'.repeat(100 - DAEMON_HEADER.length - head.length - 2)}"}`;
    };
    assert.equal(Buffer.byteLength(DAEMON_HEADER + doc(0)), 100);
    assert.equal(Buffer.byteLength(DAEMON_HEADER + doc(24)), 100);
    for (let i = 0; i < 25; i++) emitter.send(doc(i));
    assert.equal(problems.count('queue-full'), 15);
    // Pauses and probes go on while nothing listens: each probe is refused and the pause starts again.
    await new Promise((r) => setTimeout(r, 400));
    const socket = createSocket('udp4');
    const received: number[] = [];
    socket.on('message', (m) => received.push(JSON.parse(m.toString('utf8').slice(DAEMON_HEADER.length)).n));
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
    await until(() => received.length > 0 && emitter.counts.datagramsSent > 0 && received.at(-1) === 24);
    // What arrives is the newest of what waited; probes sent into the void took the oldest.
    assert.ok(received.length >= 1 && received.length <= 10, `received ${received.length}`);
    assert.deepEqual(received, [...Array(received.length).keys()].map((i) => 25 - received.length + i));
    await emitter.shutdown();
    await new Promise<void>((r) => socket.close(() => r()));
  });

  it('resolves a daemon host name once and sends to it', async () => {
    const sink = await listener();
    const emitter = new UdpEmitter({ endpoint: { host: 'localhost', port: sink.port }, problems: captureProblems().problems });
    for (let i = 0; i < 3; i++) emitter.send(`{"n":${i}}`);
    await emitter.flush();
    await until(() => sink.received.length === 3);
    assert.deepEqual(sink.received.map((t) => JSON.parse(t.slice(DAEMON_HEADER.length))), [{ n: 0 }, { n: 1 }, { n: 2 }]);
    await emitter.shutdown();
    await sink.close();
  });

  it('does not hang when the socket cannot bind: flush and shutdown resolve, the loss is counted and warned once', async () => {
    const realBind = Socket.prototype.bind;
    // What a udp6 socket meets with IPv6 switched off: the implicit bind fails and connect() never calls back.
    Socket.prototype.bind = function (this: Socket) {
      return realBind.call(this, { port: 0, address: '203.0.113.7' });
    } as typeof Socket.prototype.bind;
    try {
      const { problems, warnings } = captureProblems();
      const emitter = new UdpEmitter({ endpoint: { host: '127.0.0.1', port: 2000 }, problems });
      for (let i = 0; i < 5; i++) emitter.send('{}');
      await emitter.flush();
      await emitter.shutdown();
      assert.equal(emitter.counts.datagramsFailed, 5);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /cannot reach the X-Ray daemon at 127\.0\.0\.1:2000/);
    } finally {
      Socket.prototype.bind = realBind;
    }
  });
});
