// A bounded HTTP load loop for the reliability suite, and a reader for a child's resident memory. The loop
// gives every request its own numbered path, so a test can tell which requests' segments reached a daemon,
// and records when each was sent, so it can tell which were sent while the daemon was down.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface SentRequest {
  /** 0, 1, 2 … in the order requests were sent; the path is `${prefix}${seq}`. */
  readonly seq: number;
  readonly path: string;
  /** performance.now() when the request was written. */
  readonly sentAt: number;
  /** The reply's status, or 0 when none came (error or timeout, see `error`). */
  status: number;
  error?: string;
}

export interface LoadOptions {
  readonly port: number;
  /** Requests in flight at once: each client sends its next request when its last one is answered. */
  readonly clients: number;
  /** Hard bounds: the loop stops sending at whichever comes first. */
  readonly maxRequests: number;
  readonly maxMillis: number;
  /** A client's wait between requests, for a steady moderate rate; 0 (default) for as fast as possible. */
  readonly pauseMillis?: number;
  /** Default `/load/`. */
  readonly prefix?: string;
  /** A request gets no longer than this to be answered. Default 5000. */
  readonly requestTimeoutMillis?: number;
}

/** Runs the loop; resolves once every client has stopped and every request sent has been answered or failed. */
export async function runLoad(options: LoadOptions): Promise<SentRequest[]> {
  const { port, clients, maxRequests, maxMillis, pauseMillis = 0, prefix = '/load/', requestTimeoutMillis = 5000 } = options;
  // Keep-alive: thousands of requests a second over fresh connections would run the loopback out of ephemeral
  // ports (TIME_WAIT) long before 30 s. One socket per client.
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const sent: SentRequest[] = [];
  const deadline = performance.now() + maxMillis;
  const client = async (): Promise<void> => {
    while (sent.length < maxRequests && performance.now() < deadline) {
      const entry: SentRequest = { seq: sent.length, path: `${prefix}${sent.length}`, sentAt: performance.now(), status: 0 };
      sent.push(entry);
      await getInto(entry, port, agent, requestTimeoutMillis);
      if (pauseMillis > 0) await new Promise((resolve) => setTimeout(resolve, pauseMillis));
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, client));
  } finally {
    agent.destroy();
  }
  return sent;
}

/** One GET on the shared agent; fills in `entry.status` (200 only if the body is the app's "ok"). Never rejects. */
function getInto(entry: SentRequest, port: number, agent: Agent, timeoutMillis: number): Promise<void> {
  return new Promise((resolve) => {
    const fail = (err: Error): void => {
      entry.status = 0;
      entry.error ??= err.message;
      resolve();
    };
    const req = request({ host: '127.0.0.1', port, path: entry.path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('error', fail);
      res.on('end', () => {
        entry.status = res.statusCode ?? 0;
        if (body !== 'ok') entry.error = `body ${JSON.stringify(body.slice(0, 80))}`;
        resolve();
      });
    });
    req.setTimeout(timeoutMillis, () => req.destroy(new Error(`no reply within ${timeoutMillis} ms`)));
    req.on('error', fail);
    req.end();
  });
}

/** The requests not answered 200 "ok", described (at most `max` of them) for an assertion message. */
export function unanswered(sent: readonly SentRequest[], max = 5): string[] {
  return sent
    .filter((r) => r.status !== 200 || r.error !== undefined)
    .slice(0, max)
    .map((r) => `${r.path}: ${r.status} ${r.error ?? ''}`.trim());
}

/** A process's resident set size in MB, from /proc/<pid>/status (Linux). */
export function rssMegabytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}
