import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { APPS, ROOT } from './child-app';
import type { RunningApp } from './child-app';

/**
 * Starts `node <app>` with plain node (no otel-xray preload) and only `env` (plus PATH); resolves with its port
 * once it prints `listening <port>`. Kills it and rejects if that takes longer than `timeoutSeconds`.
 * For apps traced by something other than otel-xray, e.g. the AWS X-Ray SDK.
 */
export async function startPlainApp(app: string, env: Record<string, string>, timeoutSeconds = 10): Promise<RunningApp> {
  const child = spawn(process.execPath, [resolve(APPS, app)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not print "listening <port>" within ${timeoutSeconds} s: ${stderr}`));
    }, timeoutSeconds * 1000);
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
