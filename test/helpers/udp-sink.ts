import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { DAEMON_HEADER } from '../../src/index';
import type { SegmentDocument } from '../../src/index';
import { assertValidDocument } from './assert-document';
import { systemDropsNote } from './udp-drops';

/**
 * A real UDP listener on 127.0.0.1 that checks the daemon header and keeps the (schema-validated) documents.
 * Datagrams are only stored as they arrive and parsed when the documents are read: a burst of thousands must
 * not overflow the socket's buffer while this process validates the first ones (the real daemon reads fast too).
 */
export class UdpSink {
  readonly datagramSizes: number[] = [];
  private readonly _documents: SegmentDocument[] = [];
  private _pending: Buffer[] = [];
  private _drainScheduled = false;
  private readonly _socket: Socket = createSocket('udp4');
  private _waiters: Array<{ count: number; resolve: () => void }> = [];

  /** Every document received so far, each checked for the daemon header and validated against the schema. */
  get documents(): SegmentDocument[] {
    if (this._pending.length > 0) {
      const pending = this._pending;
      this._pending = [];
      for (const message of pending) {
        const text = message.toString('utf8');
        if (!text.startsWith(DAEMON_HEADER)) throw new Error(`datagram without the daemon header: ${text.slice(0, 80)}`);
        this._documents.push(assertValidDocument(JSON.parse(text.slice(DAEMON_HEADER.length))));
      }
    }
    return this._documents;
  }

  async start(): Promise<number> {
    this._socket.on('message', (message) => {
      this.datagramSizes.push(message.length);
      this._pending.push(message);
      if (this._waiters.length > 0 && !this._drainScheduled) {
        this._drainScheduled = true;
        setImmediate(() => this._wakeWaiters());
      }
    });
    await new Promise<void>((resolve) => this._socket.bind(0, '127.0.0.1', resolve));
    // Bursts of thousands of datagrams arrive while this process is busy: a roomy buffer keeps them.
    this._socket.setRecvBufferSize(8 * 1024 * 1024);
    return this._socket.address().port;
  }

  private _wakeWaiters(): void {
    this._drainScheduled = false;
    const count = this.documents.length;
    this._waiters = this._waiters.filter((w) => (count >= w.count ? (w.resolve(), false) : true));
  }

  /** Resolves once `count` documents have arrived; rejects after `timeoutMillis` saying how many did. */
  waitFor(count: number, timeoutMillis = 5000): Promise<void> {
    if (this.documents.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.documents.length} of ${count} documents arrived${systemDropsNote(this._socket)}`)), timeoutMillis);
      this._waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Resolves once `predicate` holds for the documents received, polling as datagrams arrive. */
  async until(predicate: (documents: SegmentDocument[]) => boolean, timeoutMillis = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    while (!predicate(this.documents)) {
      if (Date.now() > deadline) throw new Error(`condition not met with ${this.documents.length} documents${systemDropsNote(this._socket)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  clear(): void {
    this._pending = [];
    this._documents.length = 0;
    this.datagramSizes.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this._socket.close(() => resolve()));
  }
}
