import { readFileSync } from 'node:fs';

/**
 * How many datagrams the system discarded for the UDP socket bound to this local port because its receive buffer
 * was full: the `drops` column of Linux's /proc/net/udp (or udp6). A burst faster than the daemon reads loses
 * datagrams there, before any code of ours sees them; this count lets the daemon say so instead of losing them
 * silently. `undefined` where the system does not tell (not Linux, or the socket is not listed).
 *
 * Matched by local port. Another program may hold the same port on another local address (127.0.0.2, say): then
 * which socket is ours is not known from the port, and the answer is `undefined` rather than someone else's count.
 */
export function udpDrops(port: number, family: 'udp4' | 'udp6'): number | undefined {
  let table: string;
  try {
    table = readFileSync(family === 'udp4' ? '/proc/net/udp' : '/proc/net/udp6', 'latin1');
  } catch {
    return undefined;
  }
  const wanted = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let drops: number | undefined;
  let found = 0;
  for (const line of table.split('\n')) {
    const columns = line.trim().split(/\s+/);
    // sl, local_address, rem_address, st, tx:rx queue, tr:when, retrnsmt, uid, timeout, inode, ref, pointer, drops
    if (columns.length < 13 || !columns[1]!.endsWith(wanted)) continue;
    found++;
    drops = Number(columns[12]);
  }
  return found === 1 && Number.isSafeInteger(drops) ? drops : undefined;
}
