// Shared pieces of the reliability suite: a raw HTTP client (full control over header bytes, per-request
// timing), and the checks every case makes on the child's stderr.
import * as assert from 'node:assert/strict';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Segment } from '../../src/index';
import type { RunningApp } from '../helpers/child-app';
import { httpGet } from '../helpers/child-app';
import type { UdpSink } from '../helpers/udp-sink';

/** The fixture every reliability case runs (relative to test/fixtures/apps). */
export const ECHO_APP = 'reliability/echo-app.js';

export interface RawReply {
  readonly status: number;
  /** Lower-cased header names; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly millis: number;
}

/**
 * One `GET` over a fresh loopback socket, written byte for byte: header values go out as UTF-8 exactly as given,
 * without the checks (and rewrites) of Node's http client. `Connection: close` lets the reply end with the socket.
 * Rejects if no complete reply arrives within `timeoutMillis`.
 */
export function rawGet(port: number, path: string, headers: ReadonlyArray<readonly [string, string]>, timeoutMillis = 5000): Promise<RawReply> {
  const head = [`GET ${path} HTTP/1.1`, ...headers.map(([name, value]) => `${name}: ${value}`), 'Connection: close', '', ''].join('\r\n');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(timeoutMillis, () => socket.destroy(new Error(`no reply within ${timeoutMillis} ms`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const millis = performance.now() - started;
      socket.end();
      try {
        resolve({ ...parseReply(Buffer.concat(chunks).toString('latin1')), millis });
      } catch (err) {
        reject(err as Error);
      }
    });
    socket.write(Buffer.from(head, 'utf8'));
  });
}

function parseReply(text: string): Omit<RawReply, 'millis'> {
  const split = text.indexOf('\r\n\r\n');
  if (split === -1) throw new Error(`incomplete reply: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!Number.isInteger(status)) throw new Error(`no status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = text.slice(split + 4);
  // Node answers `Connection: close` requests without chunking when it knows the length; otherwise de-chunk.
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = body.replace(/^[0-9a-f]+\r\n|\r\n[0-9a-f]+\r\n|\r\n0\r\n\r\n$/gi, '');
  return { status, headers, body };
}

/** Request segments (not independent subsegments) among the documents received. */
export function segmentsOf(sink: UdpSink): Segment[] {
  return sink.documents.filter((d) => (d as { type?: string }).type === undefined) as Segment[];
}

export const XRAY_TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

/** Non-empty stderr lines. */
export function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() !== '');
}

/** otel-xray's own lines (warnings, errors, info). */
export function otelXrayLines(stderr: string): string[] {
  return stderrLines(stderr).filter((line) => line.startsWith('otel-xray'));
}

/**
 * The kind of a warning line: its text with quoted values, numbers and ids blanked, so two lines of one kind
 * that differ only in the value they quote count as the same kind.
 */
export function warningKind(line: string): string {
  return line
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\b[0-9a-f]{8,}\b/gi, '#')
    .replace(/\d+/g, '#');
}

/**
 * What every case asserts about a child: still running and serving (/health answers), nothing crashed or went
 * unhandled, every line on stderr is one whole otel-xray line (a line that is not is a warning broken in two, a
 * stack trace or Node's own complaint), and no kind of warning was printed twice.
 */
export async function assertChildHealthy(app: RunningApp, context = ''): Promise<void> {
  const where = context === '' ? '' : ` (${context})`;
  assert.equal(app.child.exitCode, null, `the app exited${where}: ${excerpt(app.stderr())}`);
  assert.equal(app.child.signalCode, null, `the app was killed${where}`);
  const health = await httpGet(app.port, '/health');
  assert.equal(health.body, 'up', `the app stopped serving${where}`);
  assertStderrClean(app.stderr(), context);
}

/** The stderr part of assertChildHealthy, for callers that hold only the text. */
export function assertStderrClean(stderr: string, context = ''): void {
  const where = context === '' ? '' : ` (${context})`;
  const lines = stderrLines(stderr);
  const unhandled = lines.filter((line) => /Unhandled/i.test(line));
  assert.deepEqual(unhandled.slice(0, 5).map((l) => shorten(l)), [], `uncaught exception or unhandled rejection${where}`);
  const stack = lines.filter((line) => /^\s+at\s/.test(line));
  assert.deepEqual(stack.slice(0, 5).map((l) => shorten(l)), [], `a stack trace on stderr${where}`);
  const strays = lines.filter((line) => !line.startsWith('otel-xray'));
  assert.deepEqual(strays.slice(0, 8).map((l) => shorten(l, 120)), [], `${strays.length} stderr lines are not whole otel-xray lines (a warning split over lines?)${where}; stderr:\n${excerpt(stderr, 2000)}`);
  assertOneLinePerKind(lines, context);
}

/** No kind of warning (see warningKind) is printed more than once. */
export function assertOneLinePerKind(lines: readonly string[], context = ''): void {
  const byKind = new Map<string, string[]>();
  for (const line of lines.filter((l) => l.startsWith('otel-xray'))) {
    const kind = warningKind(line);
    byKind.set(kind, [...(byKind.get(kind) ?? []), line]);
  }
  const repeated = [...byKind.values()].filter((same) => same.length > 1).map((same) => `${same.length} × ${shorten(same[0] as string, 200)}`);
  assert.deepEqual(repeated, [], `a kind of warning printed more than once${context === '' ? '' : ` (${context})`}`);
}

/** A line cut for assertion messages (a 100 KB value would drown the report). */
export function shorten(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

export function excerpt(text: string, max = 3000): string {
  return stderrLines(text).map((line) => shorten(line)).join('\n').slice(0, max);
}

export const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));
