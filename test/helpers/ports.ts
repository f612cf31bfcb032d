import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A UDP port on 127.0.0.1 that nothing listens on (for now): bound, noted, closed. */
export async function unusedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * A port free on 127.0.0.1 for both UDP and TCP (for now), for a stand-in daemon that serves the sampling API on
 * TCP at its UDP port. A port free for UDP may still be taken for TCP (an outgoing connection's local port): such
 * ports are skipped.
 */
export async function unusedUdpAndTcpPort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await unusedUdpPort();
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
    if (attempt === 20) throw new Error('no port free for both UDP and TCP on 127.0.0.1 in 20 tries');
  }
}
