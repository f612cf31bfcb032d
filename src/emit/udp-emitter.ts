import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Endpoint } from '../config/daemon-address';
import { formatEndpoint } from '../config/daemon-address';
import type { ProblemCounter } from '../diag';
import type { Emitter } from './emitter';
import { DAEMON_HEADER, MAX_DATAGRAM_BYTES } from '../wire';

export { DAEMON_HEADER, MAX_DATAGRAM_BYTES };

export interface UdpEmitterOptions {
  readonly endpoint: Endpoint;
  readonly problems: ProblemCounter;
  /** Datagrams kept while the socket connects (the address may need a DNS lookup). Default 1000. */
  readonly maxQueuedDatagrams?: number;
  /** Wait after a failed connect (DNS failure) before trying again. Default 5000. */
  readonly reconnectDelayMillis?: number;
  /**
   * After the daemon refuses a datagram (ECONNREFUSED: nothing listens on its port), documents are dropped and
   * counted for this long before sending again. Default 1000. Each refused send costs an exception object in
   * Node; pausing keeps a dead daemon from taxing every request.
   */
  readonly refusedPauseMillis?: number;
}

/** What the emitter did, counted since it was made. */
export interface EmitterCounts {
  datagramsSent: number;
  bytesSent: number;
  /** Datagrams the socket or the network refused (ECONNREFUSED, EMSGSIZE …), or dropped while unconnected. */
  datagramsFailed: number;
}

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
 * Datagrams wait in a bounded queue while the socket connects. Errors are counted and warned about once per
 * kind; after ECONNREFUSED, documents are dropped (and counted) for a moment instead of being refused one by one.
 * Nothing is thrown into the application, and nothing here is traced.
 */
export class UdpEmitter implements Emitter {
  readonly counts: EmitterCounts = { datagramsSent: 0, bytesSent: 0, datagramsFailed: 0 };
  private _socket: Socket | undefined;
  private _state = State.Idle;
  private _queue: Buffer[] = [];
  private _inFlight = 0;
  private _waiters: Array<() => void> = [];
  private _retryAt = 0;
  /** Date.now() until which sends are skipped after ECONNREFUSED; 0 when sending. */
  private _pausedUntil = 0;
  private readonly _maxQueued: number;
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
    this._maxQueued = _options.maxQueuedDatagrams ?? 1000;
    this._reconnectDelayMillis = _options.reconnectDelayMillis ?? 5000;
    this._refusedPauseMillis = _options.refusedPauseMillis ?? 1000;
  }

  send(document: string): void {
    if (this._state === State.Closed) return;
    const datagram = Buffer.from(DAEMON_HEADER + document, 'utf8');
    if (datagram.length > MAX_DATAGRAM_BYTES) {
      this._fail('oversized', `a ${datagram.length}-byte datagram is over the daemon's 64 KB limit and was not sent`);
      return;
    }
    if (this._state === State.Connected) {
      if (this._pausedUntil !== 0) {
        if (Date.now() < this._pausedUntil) {
          this.counts.datagramsFailed++;
          return;
        }
        this._pausedUntil = 0;
      }
      this._transmit(datagram);
      return;
    }
    if (this._state === State.Failed && Date.now() >= this._retryAt) this._state = State.Idle;
    if (this._state === State.Failed) {
      this._fail('unconnected', `the X-Ray daemon at ${this._address()} could not be reached; documents are dropped until it can`);
      return;
    }
    if (this._queue.length >= this._maxQueued) {
      this._fail('queue-full', `more than ${this._maxQueued} documents waited for the socket to connect; the newest were dropped`);
      return;
    }
    this._queue.push(datagram);
    if (this._state === State.Idle) this._connect();
  }

  flush(): Promise<void> {
    if (this._inFlight === 0 && (this._queue.length === 0 || this._state !== State.Connecting)) return Promise.resolve();
    return new Promise((resolve) => this._waiters.push(resolve));
  }

  async shutdown(): Promise<void> {
    if (this._state === State.Closed) return;
    await this.flush();
    this._state = State.Closed;
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
    const queued = this._queue;
    this._queue = [];
    for (const datagram of queued) this._transmit(datagram);
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
    if (code === 'ECONNREFUSED') this._pausedUntil = Date.now() + this._refusedPauseMillis;
    this._problem(`udp-${code ?? 'send'}`, `sending to the X-Ray daemon at ${this._address()} failed: ${err.message}`);
  }

  private _dropQueue(): void {
    if (this._queue.length === 0) return;
    this.counts.datagramsFailed += this._queue.length;
    this._queue = [];
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
