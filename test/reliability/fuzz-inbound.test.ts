// Fuzzed inbound headers against a real app under `--require ./register`: X-Amzn-Trace-Id, Host and
// X-Forwarded-For, valid to garbage, some up to 100 KB. Whatever arrives, the request is answered at once with the
// app's own status, the app keeps running without a word on stderr beyond one line per kind of warning, and the
// documents that reach the (stand-in) daemon are valid, one per recorded request, with a usable URL.
import * as assert from 'node:assert/strict';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { UdpSink } from '../helpers/udp-sink';
import { assertChildHealthy, ECHO_APP, rawGet, segmentsOf, shorten, sleep, XRAY_TRACE_ID } from './harness';
import { forwardedFor, hostHeader, longText, traceHeader, ZERO_ROOT } from './inbound-generators';

/** Fixed so a failure can be replayed; FUZZ_SEED=<n> runs another sequence. Printed with every failure. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_611);
/** No request may take this long: a super-linear pattern on a 100 KB header would show here first. */
const MAX_REQUEST_MILLIS = 1000;

/** One request the fuzzer sent, and what the app answered. */
interface Case {
  readonly path: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly traceHeader: string | undefined;
  readonly recorded: boolean;
  /** The trace the segment must continue: the header's Root when it carries a usable one. */
  readonly continues: string | undefined;
  /** The trace id the app answered with (X-Amzn-Trace-Id of the reply). */
  answeredRoot?: string;
  answeredSampled?: string;
}

// ---- The oracle: what X-Ray's header rules say should happen to a request ----

/** The propagator's documented cap: a longer X-Amzn-Trace-Id is ignored (a new trace starts). */
const MAX_TRACE_HEADER = 1024;

/** The value the server sees: Node decodes header bytes as latin1 and strips surrounding spaces and tabs. */
function asReceived(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1').replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * Root and Sampled of a trace header as X-Ray reads it: `;`-separated `key=value` fields, keys in any case,
 * spaces around keys and values ignored, the last of a repeated field counting. Root is usable only in its exact
 * form `1-<8 hex>-<24 hex>`.
 */
function readTraceHeader(value: string | undefined): { root: string | undefined; sampled: string | undefined } {
  if (value === undefined) return { root: undefined, sampled: undefined };
  const received = asReceived(value);
  if (received === '' || received.length > MAX_TRACE_HEADER) return { root: undefined, sampled: undefined };
  let root: string | undefined;
  let sampled: string | undefined;
  for (const part of received.split(';')) {
    const equals = part.indexOf('=');
    if (equals === -1) continue;
    const key = part.slice(0, equals).trim().toLowerCase();
    const fieldValue = part.slice(equals + 1).trim();
    if (key === 'root') root = fieldValue;
    else if (key === 'sampled') sampled = fieldValue;
  }
  return { root: root !== undefined && /^1-[0-9a-f]{8}-[0-9a-f]{24}$/i.test(root) ? root.toLowerCase() : undefined, sampled };
}

/**
 * With AWS_XRAY_SAMPLING=false every request is recorded except one whose caller decided not to sample it:
 * `Sampled=0`, whatever the ids (a usable Root, the all-zero no-op Root an unsampled X-Ray SDK sends, or none:
 * the X-Ray SDK's middleware honours Sampled=0 alone too).
 */
function expectation(header: string | undefined): Pick<Case, 'recorded' | 'continues'> {
  const { root, sampled } = readTraceHeader(header);
  const recorded = sampled !== '0';
  return { recorded, continues: recorded && root !== undefined && root !== ZERO_ROOT ? root : undefined };
}

// ---- The run ----

describe('reliability: fuzzed inbound X-Amzn-Trace-Id, Host and X-Forwarded-For', function () {
  this.timeout(60_000);
  const sink = new UdpSink();
  let app: RunningApp;
  let counter = 0;

  before(async () => {
    const udpPort = await sink.start();
    app = await startApp(
      ECHO_APP,
      { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${udpPort}`, AWS_XRAY_TRACING_NAME: 'fuzz', AWS_XRAY_SAMPLING: 'false',
        // Hosts go through the wildcard matcher, and those it matches become segment names.
        AWS_XRAY_DYNAMIC_NAMING: '*.example.*' },
      '--require',
      // 100 KB header values must reach otel-xray, not be refused by Node's parser (431) first.
      ['--max-http-header-size=300000'],
    );
  });
  beforeEach(() => sink.clear());
  after(async () => {
    await app?.stop();
    await sink.close();
  });

  /**
   * Sends each generated header set once (numRuns cases, sequentially) and checks every reply as it comes; then
   * checks what reached the daemon. The path of each request is unique, so a segment names its request.
   */
  async function fuzz(name: string, headers: fc.Arbitrary<Array<readonly [string, string]>>, numRuns: number): Promise<void> {
    const cases: Case[] = [];
    let slowest = 0;
    const property = fc.asyncProperty(headers, async (extra) => {
      const path = `/fz/${name}/${++counter}?n=${counter}`;
      const trace = extra.find(([key]) => key.toLowerCase() === 'x-amzn-trace-id')?.[1];
      const sent: Array<readonly [string, string]> = [...extra];
      // Every HTTP/1.1 request needs a Host; the Host fuzzer brings its own.
      if (!sent.some(([key]) => key.toLowerCase() === 'host')) sent.unshift(['Host', `127.0.0.1:${app.port}`]);
      const reply = await rawGet(app.port, path, sent);
      slowest = Math.max(slowest, reply.millis);
      const label = describeCase(sent);
      assert.equal(reply.status, 200, `not the app's status for ${label}: ${reply.status} ${shorten(reply.body, 100)}`);
      assert.equal(reply.body, 'ok', `not the app's answer for ${label}`);
      assert.ok(reply.millis < MAX_REQUEST_MILLIS, `${reply.millis.toFixed(0)} ms to answer ${label}`);
      const answered = /Root=([^;]+);Sampled=([^;]+)/.exec(reply.headers['x-amzn-trace-id'] ?? '');
      cases.push({ path, headers: sent, traceHeader: trace, ...expectation(trace), answeredRoot: answered?.[1], answeredSampled: answered?.[2] });
    });
    try {
      await fc.assert(property, { seed: SEED, numRuns, endOnFailure: false });
    } catch (err) {
      // fast-check prints the whole counterexample: with 100 KB values that is unreadable, so cut each part.
      const cause = (err as { cause?: unknown }).cause;
      const why = cause instanceof Error ? cause.message : '';
      throw new Error(`${name}: seed ${SEED} (replay with FUZZ_SEED=${SEED}): ${shorten(why, 1500)}\n${shorten((err as Error).message, 1500)}`);
    }
    assert.ok(slowest < MAX_REQUEST_MILLIS, `slowest request took ${slowest.toFixed(0)} ms`);
    // eslint-disable-next-line no-console
    console.log(`      ${name}: ${cases.length} requests, slowest answered in ${slowest.toFixed(0)} ms`);

    // The process first (a crash or a flood of warnings explains everything after), then the documents.
    await assertChildHealthy(app, `${name}, seed ${SEED}`);
    await checkDocuments(name, cases);
  }

  /** Segments: one per recorded request and none for the others, with X-Ray ids and a URL that keeps the path. */
  async function checkDocuments(name: string, cases: Case[]): Promise<void> {
    const expected = cases.filter((c) => c.recorded).length;
    await sink.until((docs) => docs.filter((d) => (d as { type?: string }).type === undefined).length >= expected, 5000).catch(() => undefined);
    await sleep(300); // late extras (a segment for a request that should not be recorded) show up here
    // The health check before this (GET /health) is traced too: not one of the fuzzed requests.
    const segments = segmentsOf(sink).filter((s) => pathnameOf(s.http?.request?.url) !== '/health');
    const problems: string[] = [];

    // The reply tells what the app decided; with AWS_XRAY_SAMPLING=false that must be the caller's decision.
    for (const c of cases) {
      const sampled = c.answeredSampled === '1';
      if (sampled !== c.recorded) problems.push(`answered Sampled=${c.answeredSampled ?? '(none)'}, expected ${c.recorded ? 'recorded' : 'not recorded'}, for ${describeCase(c.headers)}`);
    }

    // Segments by trace id (several cases may share a Root: the generators like small values, so compare per id).
    const recordedByTrace = groupBy(cases.filter((c) => c.recorded), (c) => c.answeredRoot ?? '(none)');
    const segmentsByTrace = groupBy(segments, (s) => s.trace_id);
    for (const segment of segments) {
      const owners = recordedByTrace.get(segment.trace_id) ?? [];
      const owner = owners.length === 1 ? describeCase(owners[0]!.headers) : `trace ${segment.trace_id}`;
      if (!XRAY_TRACE_ID.test(segment.trace_id)) problems.push(`trace_id ${segment.trace_id} is not of X-Ray form, for ${owner}`);
      if (owners.length === 0) {
        const sentAs = cases.find((c) => pathOf(c.path) === pathnameOf(segment.http?.request?.url));
        problems.push(`a segment for a request that must not be recorded: ${sentAs === undefined ? `trace ${segment.trace_id}` : describeCase(sentAs.headers)}`);
      }
      const url = segment.http?.request?.url;
      const pathname = pathnameOf(url);
      if (pathname === undefined) problems.push(`http.request.url ${JSON.stringify(shorten(url ?? '(none)', 120))} is not an absolute URL, for ${owner}`);
      else if (owners.length > 0 && !owners.some((c) => pathOf(c.path) === pathname)) problems.push(`http.request.url ${JSON.stringify(shorten(url ?? '', 120))} lost the path, for ${owner}`);
      const clientIp = segment.http?.request?.client_ip;
      if (clientIp !== undefined && isIP(clientIp) === 0) problems.push(`client_ip ${JSON.stringify(clientIp)} is not an IP address, for ${owner}`);
    }
    for (const [root, owners] of recordedByTrace) {
      const got = segmentsByTrace.get(root)?.length ?? 0;
      if (got < owners.length) problems.push(`no segment for recorded ${describeCase(owners[0]!.headers)}`);
    }
    for (const c of cases) {
      if (c.recorded && c.continues !== undefined && c.answeredRoot !== c.continues) {
        problems.push(`trace not continued: answered ${c.answeredRoot}, expected ${c.continues}, for ${describeCase(c.headers)}`);
      }
      if (!c.recorded && segments.some((s) => pathnameOf(s.http?.request?.url) === pathOf(c.path))) {
        problems.push(`a segment for a request its caller did not sample: ${describeCase(c.headers)}`);
      }
    }
    if (segments.length !== expected) problems.unshift(`${segments.length} segments for ${expected} recorded requests (${cases.length} sent)`);

    // Shortest inputs first: the most readable reproductions of each problem.
    const report = [...new Set(problems)].sort((a, b) => a.length - b.length);
    assert.deepEqual(report.slice(0, 12), [], `${name}, seed ${SEED}: ${report.length} problems (shortest first)`);
  }

  it('X-Amzn-Trace-Id: Root/Parent/Sampled in any order, case, spacing and number, near misses and garbage (3,000 requests)', async () => {
    await fuzz('trace', traceHeader.map((value) => [['X-Amzn-Trace-Id', value] as const]), 3000);
  });

  it('X-Forwarded-For: IPv4, IPv6, ports, brackets and garbage in lists (1,000 requests)', async () => {
    await fuzz('xff', forwardedFor.map((value) => [['X-Forwarded-For', value] as const]), 1000);
  });

  it('Host: names, ports, bracketed IPv6 and garbage ([, spaces, unicode, %, @, very long) (1,200 requests)', async () => {
    await fuzz('host', hostHeader.map((value) => [['Host', value] as const]), 1200);
  });

  it('all three at once, one of them up to 100 KB (150 requests)', async () => {
    const huge = longText(10_000, 100_000);
    const headers = fc
      .record({ trace: traceHeader, host: hostHeader, xff: forwardedFor, big: fc.constantFrom('trace', 'host', 'xff'), bigValue: huge })
      .map(({ trace, host, xff, big, bigValue }) => [
        ['Host', big === 'host' ? bigValue : host] as const,
        ['X-Amzn-Trace-Id', big === 'trace' ? `${trace};Pad=${bigValue}` : trace] as const,
        ['X-Forwarded-For', big === 'xff' ? `${xff}, ${bigValue}` : xff] as const,
      ]);
    await fuzz('huge', headers, 150);
  });
});

function describeCase(headers: ReadonlyArray<readonly [string, string]>): string {
  return headers.map(([key, value]) => `${key}: ${JSON.stringify(shorten(value, 160))}`).join(' | ');
}

function pathOf(pathAndQuery: string): string {
  return pathAndQuery.split('?')[0] as string;
}

/** The pathname of an absolute URL, or undefined when `new URL()` refuses it. */
function pathnameOf(url: string | undefined): string | undefined {
  try {
    return url === undefined ? undefined : new URL(url).pathname;
  } catch {
    return undefined;
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
