import { createSocket } from 'node:dgram';

/** A UDP port on 127.0.0.1 that nothing listens on (for now): bound, noted, closed. */
export async function unusedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
