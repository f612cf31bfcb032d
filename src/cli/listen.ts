import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { parseDaemonAddress } from '../config/daemon-address';
import { DAEMON_HEADER } from '../wire';
import { samplingRule } from '../local/sampling-api';

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
 * document received (what it is, its trace, request and timing), and the JSON with `--json`. On the same address
 * over TCP it answers the daemon's sampling API with one rule that samples every request, so an app run with its
 * defaults records what it serves. Nothing is forwarded anywhere. Resolves with the UDP socket once listening.
 */
export async function listen(options: ListenOptions): Promise<Socket> {
  const parsed = parseDaemonAddress(options.address);
  if (typeof parsed === 'string') throw new Error(`"${options.address}" is not an address: ${parsed}`);
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
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const shown = `${host.includes(':') ? `[${host}]` : host}`;
  options.write(`listening on udp ${shown}:${port} as a stand-in X-Ray daemon: one line per document (Ctrl-C stops)`);
  const sampling = await serveSamplingApi(parsed.tcp.host, parsed.tcp.port);
  options.write(
    sampling === undefined
      ? `(tcp ${parsed.tcp.host}:${parsed.tcp.port} is taken: the sampling API is not served, apps sample by their local rules)`
      : `sampling API on tcp ${parsed.tcp.host}:${parsed.tcp.port}: one rule, every request sampled`,
  );
  return socket;
}

/** One rule for every request: what a developer trying otel-xray wants to see. */
const SAMPLE_EVERYTHING = { SamplingRule: samplingRule('otel-xray-listen', 1, { rate: 1, fixedTarget: 1 }) };

/** The daemon's sampling proxy (GetSamplingRules, SamplingTargets) on TCP; undefined when the port is taken. */
function serveSamplingApi(host: string, port: number): Promise<Server | undefined> {
  const server = createServer((req, res) => {
    req.resume();
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url === '/GetSamplingRules') res.end(JSON.stringify({ SamplingRuleRecords: [SAMPLE_EVERYTHING] }));
    else if (req.method === 'POST' && req.url === '/SamplingTargets') res.end(JSON.stringify({ SamplingTargetDocuments: [], UnprocessedStatistics: [] }));
    else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => resolve(server));
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
