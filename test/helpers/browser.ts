import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { DAEMON_HEADER } from '../../src/wire';
import { assertValidDocument } from './assert-document';
import { httpGet } from './child-app';

export const ROOT = resolve(__dirname, '../../..');
/** Screenshots of the viewer the browser tests take, for a person to look at (ignored by git). */
export const ARTIFACTS = resolve(ROOT, 'test/artifacts');
/** Debian's chromium package (.ci/run installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium. Fails, never skips, when the browser is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the browser tests need Chromium at ${CHROMIUM}: install Debian's package (sudo apt-get install chromium), as .ci/run does`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** A full-page screenshot at test/artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: resolve(ARTIFACTS, `${name}.png`), fullPage: true });
}

export interface RunningLocal {
  readonly child: ChildProcess;
  /** Where the daemon takes documents (UDP) and answers the sampling API (TCP). */
  readonly daemonPort: number;
  /** The viewer's origin: `http://127.0.0.1:<port>`. */
  readonly viewerUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/** How long `otel-xray local` may take to print its line. */
const START_MILLIS = 15_000;

/**
 * Starts `node bin/otel-xray.js local --address 127.0.0.1:0 --ui 127.0.0.1:0` and reads both ports from the line it
 * prints. Kills it and rejects if that line does not come, or as soon as it reports a startup error on stderr (it
 * does not exit then: what it bound stays open).
 */
export async function startLocal(extraArgs: readonly string[] = []): Promise<RunningLocal> {
  const bin = resolve(ROOT, 'bin/otel-xray.js');
  const child = spawn(process.execPath, [bin, 'local', '--address', '127.0.0.1:0', '--ui', '127.0.0.1:0', ...extraArgs], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    errors += chunk;
  });
  const line = /X-Ray daemon on udp 127\.0\.0\.1:(\d+) \(sampling on tcp\), viewer at (http:\/\/127\.0\.0\.1:\d+)/;
  const match = await new Promise<RegExpExecArray>((found, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`otel-xray local printed no start line within ${START_MILLIS} ms:\n${output}`));
    }, START_MILLIS);
    const check = (): void => {
      const m = line.exec(output);
      if (m === null) {
        if (!/^otel-xray local: .*\n/m.test(errors)) return;
        clearTimeout(timer);
        child.off('exit', exited);
        child.kill('SIGKILL');
        reject(new Error(`otel-xray local did not start:\n${output}`));
        return;
      }
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', exited);
      found(m);
    };
    const exited = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`otel-xray local exited (${code}) before it started:\n${output}`));
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', exited);
  });
  return {
    child,
    daemonPort: Number(match[1]),
    viewerUrl: match[2] as string,
    output: () => output,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Waits until `check` passes in the page, with a message that says what did not happen. */
export async function until<A>(page: Page, what: string, check: (arg: A) => unknown, arg: A, timeout = 20_000): Promise<void> {
  try {
    await page.waitForFunction(check as (arg: unknown) => unknown, arg as unknown, { timeout, polling: 100 });
  } catch (err) {
    throw new Error(`in the browser, ${what} did not happen within ${timeout} ms (${(err as Error).message.split('\n')[0]})`);
  }
}

/** What GET /api/stats answers: the datagrams the daemon received since it started, by what became of them. */
export interface LocalStats {
  received: number;
  accepted: number;
  rejected: Record<string, number>;
  /** Discarded by the system before the daemon read them (Linux). */
  dropped?: number;
}

/** GET a path of the viewer's JSON API, from this process (not the browser). */
export async function apiGet<T>(local: RunningLocal, path: string): Promise<{ status: number; body: T }> {
  const reply = await httpGet(Number(new URL(local.viewerUrl).port), path);
  return { status: reply.status, body: JSON.parse(reply.body) as T };
}

/** How long the daemon may take to count datagrams sent to it on the loopback. */
const ARRIVAL_MILLIS = 10_000;

/**
 * Sends each payload, as it is, in a UDP datagram of its own to the daemon port (one after the other, in order),
 * then waits until the daemon has counted every one of them (GET /api/stats: received).
 */
export async function sendDatagrams(local: RunningLocal, payloads: readonly (string | Buffer)[]): Promise<void> {
  const before = (await apiGet<LocalStats>(local, '/api/stats')).body.received;
  const socket = createSocket('udp4');
  try {
    for (const payload of payloads) {
      await new Promise<void>((done, fail) =>
        socket.send(payload, local.daemonPort, '127.0.0.1', (err) => (err ? fail(err) : done())),
      );
    }
  } finally {
    socket.close();
  }
  const deadline = Date.now() + ARRIVAL_MILLIS;
  for (;;) {
    const stats = (await apiGet<LocalStats>(local, '/api/stats')).body;
    if (stats.received >= before + payloads.length) return;
    if (Date.now() > deadline) {
      throw new Error(`the daemon counted ${stats.received - before} of ${payloads.length} datagrams: ${JSON.stringify(stats)}\n${local.output()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Sends segment documents the way an SDK does: each validated against the segment document schema, then in a
 * datagram of its own behind the daemon header. Resolves once the daemon has counted them all.
 */
export async function sendDocuments(local: RunningLocal, documents: readonly unknown[]): Promise<void> {
  const payloads = documents.map((document) => DAEMON_HEADER + JSON.stringify(assertValidDocument(document)));
  await sendDatagrams(local, payloads);
}
