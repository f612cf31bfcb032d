import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { parseDaemonAddress } from '../config/daemon-address';
import { DAEMON_HEADER } from '../wire';

/** What `otel-xray listen` was asked for. */
export interface ListenOptions {
  /** `host:port` to listen on (the daemon's UDP address). Default 127.0.0.1:2000. */
  readonly address: string;
  /** Print each document's whole JSON after its summary line. */
  readonly json: boolean;
  readonly write: (line: string) => void;
}

interface Entity {
  name?: string;
  id?: string;
  trace_id?: string;
  parent_id?: string;
  type?: string;
  start_time?: number;
  end_time?: number;
  in_progress?: boolean;
  fault?: boolean;
  error?: boolean;
  http?: { request?: { method?: string; url?: string }; response?: { status?: number } };
  subsegments?: Entity[];
}

/**
 * A stand-in X-Ray daemon for trying otel-xray locally: listens where the daemon would, and prints one line per
 * document received (what it is, its trace, request and timing), and the JSON with `--json`. Nothing is
 * forwarded anywhere. Resolves with the socket once listening.
 */
export function listen(options: ListenOptions): Promise<Socket> {
  const parsed = parseDaemonAddress(options.address);
  if (typeof parsed === 'string') return Promise.reject(new Error(`"${options.address}" is not an address: ${parsed}`));
  const { host, port } = parsed.udp;
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (message) => {
    const text = message.toString('utf8');
    if (!text.startsWith(DAEMON_HEADER)) {
      options.write(`(a ${message.length}-byte datagram without the daemon's header line, ignored)`);
      return;
    }
    const json = text.slice(DAEMON_HEADER.length);
    let document: Entity;
    try {
      document = JSON.parse(json) as Entity;
    } catch {
      options.write(`(a ${message.length}-byte datagram that is not JSON, ignored)`);
      return;
    }
    options.write(summarize(document, message.length));
    if (options.json) options.write(json);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      options.write(`listening on udp ${host.includes(':') ? `[${host}]` : host}:${port} as a stand-in X-Ray daemon: one line per document (Ctrl-C stops)`);
      resolve(socket);
    });
  });
}

/** `segment shop 1-… GET http://… 200 12.3 ms, 4 subsegments (1,200 bytes)`. */
export function summarize(document: Entity, bytes: number): string {
  const kind = document.type === 'subsegment' ? 'subsegment' : 'segment';
  const parts = [kind, JSON.stringify(document.name ?? '?'), document.trace_id ?? '?'];
  const request = document.http?.request;
  if (request?.method !== undefined || request?.url !== undefined) parts.push(`${request.method ?? ''} ${request.url ?? ''}`.trim());
  const status = document.http?.response?.status;
  if (status !== undefined) parts.push(String(status));
  if (document.in_progress === true) parts.push('in progress');
  else if (typeof document.start_time === 'number' && typeof document.end_time === 'number') {
    parts.push(`${((document.end_time - document.start_time) * 1000).toFixed(1)} ms`);
  }
  if (document.fault === true) parts.push('fault');
  else if (document.error === true) parts.push('error');
  const count = countSubsegments(document);
  if (count > 0) parts.push(`${count} subsegment${count === 1 ? '' : 's'}`);
  return `${parts.join(' ')} (${bytes} bytes)`;
}

function countSubsegments(entity: Entity): number {
  let count = 0;
  const stack = [...(entity.subsegments ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as Entity;
    count++;
    stack.push(...(next.subsegments ?? []));
  }
  return count;
}
