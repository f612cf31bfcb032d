import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Endpoint } from '../config/daemon-address';
import { formatEndpoint } from '../config/daemon-address';
import { documentPreview } from '../diag';
import type { ProblemCounter } from '../diag';
import type { Emitter } from './emitter';
import { DAEMON_HEADER, MAX_DATAGRAM_BYTES } from '../wire';

export { DAEMON_HEADER, MAX_DATAGRAM_BYTES };

export interface UdpEmitterOptions {
  readonly endpoint: Endpoint;
  readonly problems: ProblemCounter;
  /**
   * Bytes of datagrams kept while the socket connects (the address may need a DNS lookup) or while sending is
   * paused after ECONNREFUSED. Bounded by bytes, not by count: one wide trace streams thousands of small
   * datagrams, and all of them must fit. Default 4 MiB.
   */
  readonly maxQueuedBytes?: number;
  /** Wait after a failed connect (DNS failure) before trying again. Default 5000. */
  readonly reconnectDelayMillis?: number;
  /**
   * After the daemon refuses a datagram (ECONNREFUSED: nothing listens on its port), documents are queued (within
   * `maxQueuedBytes`) for this long, then sent. Default 1000. Each refused send costs an exception object in
   * Node; pausing keeps a dead daemon from taxing every request, and queueing keeps what a restarting daemon
   * would otherwise miss in its first second back.
   */
  readonly refusedPauseMillis?: number;
  /** Debug mode: one line per document as it is handed over, with what becomes of it. */
  readonly debug?: (line: string) => void;
}

/** What the emitter did, counted since it was made. */
export interface EmitterCounts {
  datagramsSent: number;
  bytesSent: number;
  /** Datagrams the socket or the network refused (ECONNREFUSED, EMSGSIZE …), or dropped while unconnected. */
  datagramsFailed: number;
}

/** How long a probe datagram sent after a pause waits for a refusal before the queue follows it. */
const PROBE_MILLIS = 20;

const enum State {
  Idle,
  Connecting,
  Connected,
  Failed,
  Closed,
}

/**
 * Sends documents to the X-Ray daemon over UDP: one socket, unref'd so it never keeps the process alive,
 * connected to the daemon (one DNS lookup, and ICMP errors such as ECONNREFUSED are reported instead of lost).
 * The socket starts connecting when the emitter is made, so it is ready before the first document; until then,
 * and for a moment after the daemon refuses a datagram, datagrams wait in a queue bounded by bytes. Once
 * connected, a datagram is handed to the kernel inside `send()`: an explicit `process.exit()` right after loses
 * nothing. Errors are counted and warned about once per kind. Nothing is thrown into the application, and
 * nothing here is traced.
 */
export class UdpEmitter implements Emitter {
  readonly counts: EmitterCounts = { datagramsSent: 0, bytesSent: 0, datagramsFailed: 0 };
  private _socket: Socket | undefined;
  private _state = State.Idle;
  private _queue: Buffer[] = [];
  private _queuedBytes = 0;
  private _inFlight = 0;
  private _waiters: Array<() => void> = [];
  private _retryAt = 0;
  /** True while datagrams are queued after ECONNREFUSED. */
  private _paused = false;
  /** A probe datagram has been sent at the end of a pause; the queue follows if it is not refused. */
  private _probing = false;
  private _pauseTimer: NodeJS.Timeout | undefined;
  private readonly _maxQueuedBytes: number;
  private readonly _reconnectDelayMillis: number;
  private readonly _refusedPauseMillis: number;
  /** One callback for every send (dgram hands it the byte count), so sending allocates no closure. */
  private readonly _afterSend = (err: Error | null, bytes: number): void => {
    this._inFlight--;
    if (err) {
      this.counts.datagramsFailed++;
      this._sendFailed(err);
    } else {
      this.counts.datagramsSent++;
      this.counts.bytesSent += bytes;
    }
    if (this._inFlight === 0) this._wakeIfIdle();
  };

  constructor(private readonly _options: UdpEmitterOptions) {
    this._maxQueuedBytes = _options.maxQueuedBytes ?? 4 * 1024 * 1024;
    this._reconnectDelayMillis = _options.reconnectDelayMillis ?? 5000;
    this._refusedPauseMillis = _options.refusedPauseMillis ?? 1000;
    // Connect now, not on the first document: a process's first burst (a wide trace streams thousands of
    // datagrams within milliseconds) then finds the socket ready. Nothing waits for it.
    this._connect();
  }

  send(document: string): void {
    if (this._options.debug !== undefined) this._debugSend(document);
    if (this._state === State.Closed) return;
    const datagram = Buffer.from(DAEMON_HEADER + document, 'utf8');
    if (datagram.length > MAX_DATAGRAM_BYTES) {
      this._fail('oversized', `a ${datagram.length}-byte datagram is over the daemon's 64 KB limit and was not sent`);
      return;
    }
    if (this._state === State.Connected) {
      if (this._paused) this._enqueue(datagram); // the pause's timer sends the queue
      else this._transmit(datagram);
      return;
    }
    if (this._state === State.Failed && Date.now() >= this._retryAt) this._state = State.Idle;
    if (this._state === State.Failed) {
      this._fail('unconnected', `the X-Ray daemon at ${this._address()} could not be reached; documents are dropped until it can`);
      return;
    }
    this._enqueue(datagram);
    if (this._state === State.Idle) this._connect();
  }

  private _debugSend(document: string): void {
    const fate =
      this._state === State.Closed ? 'dropped: the emitter is shut down'
      : this._state === State.Connected && !this._paused ? `sending to ${this._address()}`
      : this._state === State.Failed ? `the daemon at ${this._address()} cannot be reached`
      : this._paused ? 'queued: the daemon refused the last datagram'
      : 'queued: the socket is connecting';
    (this._options.debug as (line: string) => void)(`document (${Buffer.byteLength(document)} bytes, ${fate}): ${documentPreview(document)}`);
  }

  /**
   * Hands every queued datagram to the socket now, if it is connected (even during a pause after ECONNREFUSED:
   * the daemon may be back). For an exit that cannot wait.
   */
  sendQueuedNow(): void {
    if (this._state === State.Connected && this._queue.length > 0) this._resume();
  }

  hasQueued(): boolean {
    return this._queue.length > 0;
  }

  flush(): Promise<void> {
    this.sendQueuedNow();
    if (this._inFlight === 0 && (this._queue.length === 0 || this._state !== State.Connecting)) return Promise.resolve();
    return new Promise((resolve) => this._waiters.push(resolve));
  }

  async shutdown(): Promise<void> {
    if (this._state === State.Closed) return;
    await this.flush();
    this._state = State.Closed;
    if (this._pauseTimer !== undefined) clearTimeout(this._pauseTimer);
    this._dropQueue();
    const socket = this._socket;
    this._socket = undefined;
    if (socket !== undefined) {
      await new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve(); // already closed
        }
      });
    }
  }

  /** Queues a datagram; past the byte bound the oldest leave first, so what comes after an outage is kept. */
  private _enqueue(datagram: Buffer): void {
    this._queue.push(datagram);
    this._queuedBytes += datagram.length;
    while (this._queuedBytes > this._maxQueuedBytes && this._queue.length > 0) {
      this._queuedBytes -= (this._queue.shift() as Buffer).length;
      this._fail(
        'queue-full',
        `more than ${this._maxQueuedBytes} bytes of documents waited for the X-Ray daemon's socket at ${this._address()}; the oldest were dropped`,
      );
    }
  }

  private _takeQueue(): Buffer[] {
    const queued = this._queue;
    this._queue = [];
    this._queuedBytes = 0;
    return queued;
  }

  /** Ends a pause after ECONNREFUSED: the queued datagrams go first, in order. */
  private _resume(): void {
    this._paused = false;
    this._probing = false;
    if (this._pauseTimer !== undefined) clearTimeout(this._pauseTimer);
    this._pauseTimer = undefined;
    for (const datagram of this._takeQueue()) this._transmit(datagram);
  }

  private _connect(): void {
    this._state = State.Connecting;
    const { host } = this._options.endpoint;
    // No instrumentation may trace our own traffic (a dgram or dns instrumentation would otherwise loop).
    context.with(suppressTracing(ROOT_CONTEXT), () => {
      if (isIP(host) !== 0) {
        this._open(host, isIP(host));
        return;
      }
      // A name: look it up once, and open a socket of the family it resolves to (IPv6-only daemons too).
      lookup(host, (err, address, family) => {
        if (err) this._onConnect(undefined, err);
        else this._open(address, family);
      });
    });
  }

  private _open(address: string, family: number): void {
    if (this._state !== State.Connecting) return; // shut down meanwhile
    let socket: Socket | undefined;
    try {
      socket = createSocket(family === 6 ? 'udp6' : 'udp4');
      socket.unref();
      const opened = socket;
      opened.on('error', (err) => {
        // A failed implicit bind (no IPv6, no such local address) arrives here, and connect's callback never runs.
        if (this._state === State.Connecting && this._socket === opened) this._onConnect(opened, err);
        // Linux reports the ICMP "port unreachable" of an earlier datagram on the socket's receive side.
        else if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') this._sendFailed(err);
        else this._problem('udp-socket', `the UDP socket to the X-Ray daemon failed: ${err.message}`);
      });
      this._socket = opened;
      opened.connect(this._options.endpoint.port, address, () => this._onConnect(opened, undefined));
    } catch (err) {
      this._onConnect(socket, err as Error);
    }
  }

  private _onConnect(socket: Socket | undefined, err: Error | undefined): void {
    if (this._state !== State.Connecting) return;
    if (err !== undefined && err !== null) {
      this._problem(`udp-connect-${(err as NodeJS.ErrnoException).code ?? 'error'}`, `cannot reach the X-Ray daemon at ${this._address()}: ${err.message}; retrying in ${this._reconnectDelayMillis} ms`);
      this._state = State.Failed;
      this._retryAt = Date.now() + this._reconnectDelayMillis;
      this._socket = undefined;
      try {
        socket?.close();
      } catch {
        // already closed
      }
      this._dropQueue();
      this._wakeIfIdle();
      return;
    }
    this._state = State.Connected;
    for (const datagram of this._takeQueue()) this._transmit(datagram);
    this._wakeIfIdle();
  }

  private _transmit(datagram: Buffer): void {
    const socket = this._socket;
    if (socket === undefined) return;
    this._inFlight++;
    try {
      socket.send(datagram, this._afterSend);
    } catch (err) {
      this._inFlight--;
      this._fail('udp-send', `sending to the X-Ray daemon failed: ${String(err)}`);
    }
  }

  private _sendFailed(err: Error): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' && this._state === State.Connected && (!this._paused || this._probing)) this._pause();
    this._problem(`udp-${code ?? 'send'}`, `sending to the X-Ray daemon at ${this._address()} failed: ${err.message}`);
  }

  /**
   * Nothing listens on the daemon's port: queue for a while instead of sending into the void (each refusal costs
   * an exception object). Then one datagram goes as a probe; if no refusal comes back within PROBE_MILLIS, the
   * daemon is back and the queue follows, else the pause starts again.
   */
  private _pause(): void {
    this._probing = false;
    this._paused = true;
    this._schedule(this._refusedPauseMillis, () => this._probe());
  }

  private _probe(): void {
    if (this._state !== State.Connected) return;
    const probe = this._queue.shift();
    if (probe === undefined) {
      this._resume();
      return;
    }
    this._queuedBytes -= probe.length;
    this._probing = true;
    this._transmit(probe);
    this._schedule(PROBE_MILLIS, () => {
      if (this._probing && this._state === State.Connected) this._resume();
    });
  }

  private _schedule(millis: number, run: () => void): void {
    if (this._pauseTimer !== undefined) clearTimeout(this._pauseTimer);
    this._pauseTimer = context.with(ROOT_CONTEXT, () =>
      setTimeout(() => {
        this._pauseTimer = undefined;
        run();
      }, millis),
    );
    this._pauseTimer.unref();
  }

  private _dropQueue(): void {
    if (this._queue.length === 0) return;
    this.counts.datagramsFailed += this._queue.length;
    this._takeQueue();
  }

  private _fail(kind: string, detail: string): void {
    this.counts.datagramsFailed++;
    this._problem(kind, detail);
  }

  private _problem(kind: string, detail: string): void {
    this._options.problems.report(kind, detail);
  }

  private _wakeIfIdle(): void {
    if (this._inFlight !== 0 || (this._state === State.Connecting && this._queue.length > 0)) return;
    for (const resolve of this._waiters.splice(0)) resolve();
  }

  private _address(): string {
    return formatEndpoint(this._options.endpoint);
  }
}
