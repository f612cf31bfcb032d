import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');
export const APPS = resolve(ROOT, 'test/fixtures/apps');

/** How long an app may take to start listening. */
const START_SECONDS = 10;

export interface RunningApp {
  readonly child: ChildProcess;
  readonly port: number;
  stderr(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts `node <preload flag> ./register.js <app>` with only `env` (plus PATH) and waits for its port. With
 * `preload` null the app runs with plain node (apps traced by something else, such as the AWS X-Ray SDK). Kills
 * the app and rejects if it does not print `listening <port>` within 10 s.
 */
export async function startApp(
  app: string,
  env: Record<string, string>,
  preload: '--require' | '--import' | null = '--require',
  extraArgs: string[] = [],
): Promise<RunningApp> {
  const preloadArgs = preload === null ? [] : [preload, resolve(ROOT, 'register.js')];
  const child = spawn(process.execPath, [...extraArgs, ...preloadArgs, resolve(APPS, app)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not print "listening <port>" within ${START_SECONDS} s: ${stderr}`));
    }, START_SECONDS * 1000);
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited (${code}) before listening: ${stderr}`));
    });
  });
  return {
    child,
    port,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolveExit) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveExit(child.exitCode);
        child.once('exit', (code) => resolveExit(code));
        child.kill('SIGTERM');
      }),
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTP GET to 127.0.0.1 (this test process is not traced). */
export function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
