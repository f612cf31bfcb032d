import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { DAEMON_HEADER } from '../../src/index';
import type { SegmentDocument } from '../../src/index';
import { assertValidDocument } from './assert-document';

/** A real UDP listener on 127.0.0.1 that checks the daemon header and keeps the (schema-validated) documents. */
export class UdpSink {
  readonly documents: SegmentDocument[] = [];
  readonly datagramSizes: number[] = [];
  private readonly _socket: Socket = createSocket('udp4');
  private _waiters: Array<{ count: number; resolve: () => void }> = [];

  async start(): Promise<number> {
    this._socket.on('message', (message) => {
      this.datagramSizes.push(message.length);
      const text = message.toString('utf8');
      if (!text.startsWith(DAEMON_HEADER)) throw new Error(`datagram without the daemon header: ${text.slice(0, 80)}`);
      this.documents.push(assertValidDocument(JSON.parse(text.slice(DAEMON_HEADER.length))));
      this._waiters = this._waiters.filter((w) => (this.documents.length >= w.count ? (w.resolve(), false) : true));
    });
    await new Promise<void>((resolve) => this._socket.bind(0, '127.0.0.1', resolve));
    return this._socket.address().port;
  }

  /** Resolves once `count` documents have arrived. */
  waitFor(count: number): Promise<void> {
    if (this.documents.length >= count) return Promise.resolve();
    return new Promise((resolve) => this._waiters.push({ count, resolve }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this._socket.close(() => resolve()));
  }
}
