import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createWriteStream, readFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatEndpoint, parseDaemonAddress } from '../config/daemon-address';
import type { DaemonAddress, Endpoint } from '../config/daemon-address';
import { DAEMON_HEADER } from '../wire';
import { parseFilter } from './filter';
import type { AssembledTrace, RawEntity } from './model';
import { DEFAULT_RULES, rulesFromFile, samplingTargets } from './sampling-api';
import type { SamplingRuleRecord } from './sampling-api';
import { buildServiceMap } from './service-map';
import { udpDrops } from './socket-drops';
import { isSegmentDocument, TraceStore } from './trace-store';
import { formatTrace } from './trace-tree';
import { viewerPage } from './ui/page';

/** What `otel-xray local` was asked for. */
export interface LocalOptions {
  /** The daemon's address: UDP documents, and the sampling API over TCP on the same port. Port 0: any free one. */
  readonly address: string;
  /** The viewer's address (HTTP). */
  readonly ui: string;
  /** A local sampling rules file (X-Ray SDK format) the sampling API answers from, instead of the default rule. */
  readonly samplingRules?: string;
  /** Print each finished trace as a tree. */
  readonly tail?: boolean;
  /** Relay every valid datagram to a real daemon at this `host:port` too. */
  readonly forward?: string;
  /** Traces held at most (the oldest dropped first). Default 1,000. */
  readonly maxTraces?: number;
  /** Append every valid document to this file, one JSON document a line. */
  readonly save?: string;
  /** Open these saved files (one JSON document a line) at start. */
  readonly load?: readonly string[];
  readonly write: (line: string) => void;
}

/** Datagrams received since start, by what became of them. */
export interface LocalStats {
  received: number;
  accepted: number;
  rejected: { 'no-header': number; 'not-json': number; 'not-a-segment': number };
  /**
   * Datagrams the system discarded before the daemon could read them (its receive buffer was full), where the
   * system tells (Linux). Read when asked for; absent elsewhere.
   */
  dropped?: number;
}

export interface LocalDaemon {
  readonly daemon: Endpoint;
  readonly viewer: Endpoint;
  readonly store: TraceStore;
  readonly stats: LocalStats;
  close(): Promise<void>;
}

/** Traces listed at most per API call, and by default. */
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
/** A trace is printed by --tail once no document has come for it for this long and nothing is in progress. */
const TAIL_QUIET_MILLIS = 300;

/**
 * Starts the local X-Ray daemon and viewer in this process: UDP documents in (the daemon's framing), the sampling
 * API on the same port over TCP, traces assembled in memory, and the viewer and its JSON API over HTTP.
 */
export async function startLocal(options: LocalOptions): Promise<LocalDaemon> {
  const daemonAddress = parseDaemonAddress(options.address, { listening: true });
  if (typeof daemonAddress === 'string') throw new Error(`--address "${options.address}" is not an address: ${daemonAddress}`);
  const uiAddress = parseDaemonAddress(options.ui, { listening: true });
  if (typeof uiAddress === 'string') throw new Error(`--ui "${options.ui}" is not an address: ${uiAddress}`);
  let rules: readonly SamplingRuleRecord[] = DEFAULT_RULES;
  if (options.samplingRules !== undefined) {
    const loaded = rulesFromFile(options.samplingRules);
    if (typeof loaded === 'string') throw new Error(`--sampling-rules: ${loaded}`);
    rules = loaded;
  }
  let forwardTo: Endpoint | undefined;
  if (options.forward !== undefined) {
    const parsed = parseDaemonAddress(options.forward);
    if (typeof parsed === 'string') throw new Error(`--forward "${options.forward}" is not an address: ${parsed}`);
    forwardTo = parsed.udp;
  }

  const store = new TraceStore(options.maxTraces ?? 1000);
  const stats: LocalStats = { received: 0, accepted: 0, rejected: { 'no-header': 0, 'not-json': 0, 'not-a-segment': 0 } };
  for (const file of options.load ?? []) loadSaved(file, store, options.write);
  const saving: WriteStream | undefined = options.save === undefined ? undefined : createWriteStream(options.save, { flags: 'a' });
  saving?.on('error', (err) => options.write(`otel-xray local: cannot save to ${options.save}: ${err.message}`));
  const tail = options.tail === true ? new Tail(store, options.write) : undefined;

  const forwarder = forwardTo === undefined ? undefined : createSocket(forwardTo.host.includes(':') ? 'udp6' : 'udp4');
  forwarder?.on('error', () => undefined); // a real daemon that is down must not stop the local one
  const onMessage = (message: Buffer): void => {
    stats.received++;
    const document = readDatagram(message, stats);
    if (document === undefined) return;
    stats.accepted++;
    const traceId = store.add(document.entity);
    saving?.write(`${document.json}\n`);
    if (forwarder !== undefined && forwardTo !== undefined) forwarder.send(message, forwardTo.port, forwardTo.host);
    tail?.touched(traceId);
  };
  const sampling = createServer((req, res) => void answerSampling(req, res, rules));
  const udp = await bindDaemon(daemonAddress, sampling, onMessage);
  const daemon = { host: daemonAddress.udp.host, port: (udp.address() as AddressInfo).port };

  const udpFamily = udp.address().family === 'IPv6' ? 'udp6' : 'udp4';
  const statsNow = (): LocalStats => {
    const dropped = udpDrops(daemon.port, udpFamily);
    return dropped === undefined ? stats : { ...stats, dropped };
  };
  const viewer = createServer((req, res) => answerViewer(req, res, store, statsNow));
  try {
    await listenHttp(viewer, uiAddress.udp.host, uiAddress.udp.port);
  } catch (err) {
    // The viewer's port is taken: close what is open, so the command ends with its error instead of hanging.
    tail?.stop();
    udp.close();
    sampling.close();
    saving?.end();
    forwarder?.close();
    throw err;
  }
  const viewerEndpoint = { host: uiAddress.udp.host, port: (viewer.address() as AddressInfo).port };

  options.write(
    `otel-xray local: X-Ray daemon on udp ${formatEndpoint(daemon)} (sampling on tcp), viewer at http://${formatEndpoint(viewerEndpoint)}`,
  );
  return {
    daemon,
    viewer: viewerEndpoint,
    store,
    stats,
    close: async () => {
      tail?.stop();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => sampling.close(() => resolve())),
        new Promise<void>((resolve) => {
          viewer.closeAllConnections();
          viewer.close(() => resolve());
        }),
        new Promise<void>((resolve) => (saving === undefined ? resolve() : saving.end(() => resolve()))),
      ]);
      forwarder?.close();
    },
  };
}

/** The document a datagram carries, or undefined (counted by reason) when it is not one. */
function readDatagram(message: Buffer, stats: LocalStats): { entity: RawEntity; json: string } | undefined {
  const text = message.toString('utf8');
  if (!text.startsWith(DAEMON_HEADER)) {
    stats.rejected['no-header']++;
    return undefined;
  }
  const json = text.slice(DAEMON_HEADER.length);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    stats.rejected['not-json']++;
    return undefined;
  }
  if (!isSegmentDocument(parsed)) {
    stats.rejected['not-a-segment']++;
    return undefined;
  }
  return { entity: parsed, json: json.trim() };
}

function loadSaved(file: string, store: TraceStore, write: (line: string) => void): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--load: cannot read ${file}: ${(err as Error).message}`);
  }
  let loaded = 0;
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const document: unknown = JSON.parse(line);
      if (isSegmentDocument(document)) {
        store.add(document);
        loaded++;
        continue;
      }
    } catch {
      // counted below
    }
    skipped++;
  }
  write(`otel-xray local: loaded ${loaded} documents from ${file}${skipped > 0 ? ` (${skipped} lines were not segment documents)` : ''}`);
}

/**
 * The daemon's two sockets: UDP for documents, and the sampling API over TCP on the same port. With port 0 the
 * system picks the UDP port, which TCP may hold already (another program's connection): then both try again.
 */
async function bindDaemon(address: DaemonAddress, sampling: Server, onMessage: (message: Buffer) => void): Promise<Socket> {
  for (let attempt = 1; ; attempt++) {
    const udp = createSocket(address.udp.host.includes(':') ? 'udp6' : 'udp4');
    udp.on('message', onMessage);
    await bindUdp(udp, address.udp);
    try {
      udp.setRecvBufferSize(8 * 1024 * 1024); // bursts: thousands of datagrams a second
    } catch {
      // the system caps it lower: its own default then
    }
    const port = (udp.address() as AddressInfo).port;
    try {
      await listenHttp(sampling, address.tcp.host, address.tcp.port === 0 ? port : address.tcp.port);
      return udp;
    } catch (err) {
      udp.close();
      if (address.udp.port !== 0 || address.tcp.port !== 0 || attempt === 10) throw err;
    }
  }
}

function bindUdp(socket: Socket, endpoint: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(endpoint.port, endpoint.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

function listenHttp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The daemon's sampling proxy: GetSamplingRules and SamplingTargets, from the default rule or a rules file. */
async function answerSampling(req: IncomingMessage, res: ServerResponse, rules: readonly SamplingRuleRecord[]): Promise<void> {
  const body = await readBody(req, 1024 * 1024);
  res.setHeader('content-type', 'application/json');
  if (req.method === 'POST' && req.url === '/GetSamplingRules') {
    res.end(JSON.stringify({ SamplingRuleRecords: rules.map((rule) => ({ SamplingRule: rule, CreatedAt: 0, ModifiedAt: 0 })) }));
  } else if (req.method === 'POST' && req.url === '/SamplingTargets') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    res.end(JSON.stringify(samplingTargets(rules, parsed)));
  } else {
    res.statusCode = 404;
    res.end('{"message":"not found"}');
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      if (body.length < limit) body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', () => resolve(body));
  });
}

function answerViewer(req: IncomingMessage, res: ServerResponse, store: TraceStore, statsNow: () => LocalStats): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const json = (status: number, value: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(value));
  };
  if (req.method !== 'GET') return json(405, { error: 'GET only' });
  const path = url.pathname;
  if (path === '/' || path === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(viewerPage());
    return;
  }
  if (path === '/api/stats') return json(200, statsNow());
  if (path === '/api/service-map') return json(200, buildServiceMap(store.list()));
  if (path === '/api/traces') {
    const filter = parseFilter(url.searchParams.get('filter') ?? '');
    if (typeof filter !== 'function') return json(400, { error: filter.error, position: filter.position });
    const asked = Number(url.searchParams.get('limit') ?? DEFAULT_LIMIT);
    const limit = Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_LIMIT) : DEFAULT_LIMIT;
    const traces: unknown[] = [];
    for (const trace of store.list()) {
      if (traces.length >= limit) break;
      if (filter(trace)) traces.push(summarize(trace));
    }
    return json(200, { traces });
  }
  if (path.startsWith('/api/traces/')) {
    const trace = store.get(decodeURIComponent(path.slice('/api/traces/'.length)));
    if (trace === undefined) return json(404, { error: 'no such trace' });
    return json(200, {
      id: trace.id,
      documents: trace.documents,
      entities: trace.entities.map(({ id, parent_id, name, namespace, start_time, end_time, kind, service, depth }) => ({
        id, parent_id, name, namespace, start_time, end_time, kind, service, depth,
      })),
    });
  }
  json(404, { error: 'not found' });
}

/** A trace in the list: its root segment's name, request and flags, the trace's duration, every annotation. */
function summarize(trace: AssembledTrace): unknown {
  const root = trace.root ?? trace.entities[0];
  const raw = root?.raw;
  const annotations: Record<string, string | number | boolean> = {};
  for (const entity of trace.entities) {
    for (const [key, value] of Object.entries(entity.raw.annotations ?? {})) if (!(key in annotations)) annotations[key] = value;
  }
  return {
    id: trace.id,
    name: root?.name ?? '',
    start_time: trace.start_time,
    duration: trace.end_time - trace.start_time,
    http: raw?.http ?? {},
    fault: raw?.fault === true,
    error: raw?.error === true,
    throttle: raw?.throttle === true,
    annotations,
  };
}

/** --tail: prints a trace once it is quiet and nothing in it is in progress (again if more arrives later). */
class Tail {
  private readonly _pending = new Map<string, number>();
  private readonly _printed = new Map<string, number>();
  private readonly _timer: NodeJS.Timeout;

  constructor(
    private readonly _store: TraceStore,
    private readonly _write: (line: string) => void,
  ) {
    this._timer = setInterval(() => this._flush(), 100);
    this._timer.unref();
  }

  touched(traceId: string): void {
    this._pending.set(traceId, Date.now());
  }

  stop(): void {
    clearInterval(this._timer);
  }

  private _flush(): void {
    const now = Date.now();
    for (const [traceId, at] of this._pending) {
      if (now - at < TAIL_QUIET_MILLIS) continue;
      this._pending.delete(traceId);
      const trace = this._store.get(traceId);
      if (trace === undefined || trace.entities.some((e) => e.end_time === undefined)) continue;
      if (this._printed.get(traceId) === trace.documents.length) continue;
      this._printed.set(traceId, trace.documents.length);
      if (this._printed.size > this._store.maxTraces) this._printed.delete(this._printed.keys().next().value as string);
      this._write(`${formatTrace(trace).join('\n')}\n`);
    }
  }
}
