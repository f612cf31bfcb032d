import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { udpDrops } from '../../src/local/socket-drops';

/**
 * For a test receiver's failure message: how many datagrams the system discarded for `socket` (its receive buffer
 * full), so that a short count says where the missing ones went. Empty where the system does not tell, or once the
 * socket is closed (a late timeout must not throw from a timer).
 */
export function systemDropsNote(socket: Socket): string {
  try {
    const dropped = udpDrops(socket.address().port, 'udp4');
    return dropped === undefined ? '' : ` (the system dropped ${dropped} for a full receive buffer of ${socket.getRecvBufferSize()} bytes)`;
  } catch {
    return '';
  }
}

/**
 * Sends `count` copies of `datagram` to 127.0.0.1:`port` in one synchronous loop, so that a receiver that is not
 * reading (busy, or stopped) overflows its buffer; resolves once the last has left this process.
 */
export async function sendBurst(port: number, datagram: Buffer, count: number): Promise<void> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => {
      let left = count;
      for (let i = 0; i < count; i++) socket.send(datagram, () => --left === 0 && resolve());
    });
  } finally {
    socket.close();
  }
}
