import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { ProblemCounter } from '../diag';
import type { Emitter } from './emitter';

/** The daemon's protocol: this line, then one document, in each datagram. */
export const DAEMON_HEADER = '{"format":"json","version":1}\n';
/** The daemon reads at most 64 KB per datagram, header included. */
export const MAX_DATAGRAM_BYTES = 64 * 1024;

export interface UdpEmitterOptions {
  host: string;
  port: number;
  problems: ProblemCounter;
}

/**
 * Sends documents to the X-Ray daemon over UDP: one unref'd socket (it never keeps the process alive), created on
 * the first send, header + document per datagram. Send errors (ECONNREFUSED, EMSGSIZE, DNS failures) are counted
 * and warned about once per kind; nothing is thrown into the application.
 */
export class UdpEmitter implements Emitter {
  private _socket: Socket | undefined;
  private _pending = 0;
  private _idle: Array<() => void> = [];
  private _closed = false;
  sent = 0;

  constructor(private readonly _options: UdpEmitterOptions) {}

  send(document: string): void {
    if (this._closed) return;
    const datagram = Buffer.from(DAEMON_HEADER + document, 'utf8');
    if (datagram.length > MAX_DATAGRAM_BYTES) {
      this._options.problems.report(
        'oversized-document',
        `a segment document of ${datagram.length} bytes is over the daemon's ${MAX_DATAGRAM_BYTES}-byte limit and was not sent`,
      );
      return;
    }
    try {
      const socket = this._ensureSocket();
      this._pending++;
      socket.send(datagram, this._options.port, this._options.host, (err) => {
        if (err) this._options.problems.report(`udp-${(err as NodeJS.ErrnoException).code ?? 'error'}`, `sending to the X-Ray daemon at ${this._options.host}:${this._options.port} failed: ${err.message}`);
        else this.sent++;
        if (--this._pending === 0) for (const resolve of this._idle.splice(0)) resolve();
      });
    } catch (err) {
      this._options.problems.report('udp-send', `sending to the X-Ray daemon failed: ${String(err)}`);
    }
  }

  flush(): Promise<void> {
    return this._pending === 0 ? Promise.resolve() : new Promise((resolve) => this._idle.push(resolve));
  }

  async shutdown(): Promise<void> {
    if (this._closed) return;
    await this.flush();
    this._closed = true;
    const socket = this._socket;
    this._socket = undefined;
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private _ensureSocket(): Socket {
    if (this._socket === undefined) {
      const socket = createSocket(isIP(this._options.host) === 6 ? 'udp6' : 'udp4');
      socket.on('error', (err) => this._options.problems.report('udp-socket', `the UDP socket failed: ${err.message}`));
      socket.unref();
      this._socket = socket;
    }
    return this._socket;
  }
}
