import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What `otel-xray cache` did: the caches now present for this Node, or why none could be written. */
export type CacheResult = { readonly written: readonly string[] } | { readonly error: string };

/**
 * `otel-xray cache`: writes the V8 code caches of the preload's bundle for the Node that runs it.
 *
 * Why: the package ships caches made by the Node that built it, and V8 takes a cache only from its own version.
 * On any other Node the preload compiles the bundle, about 35 ms more of start-up. Run once where the app's
 * dependencies are installed (a Dockerfile's `RUN npx otel-xray cache` after `npm ci`), with the Node the app runs
 * on. It runs code-cache-run.js in a child process: a start of the preload serving one traced request over
 * loopback, whose exit writes the caches beside the bundle.
 */
export function writeCodeCaches(env: NodeJS.ProcessEnv): CacheResult {
  const root = packageRoot();
  if (root === undefined) return { error: 'code-cache-run.js is not in this installation' };
  const result = spawnSync(process.execPath, [join(root, 'code-cache-run.js')], {
    // Only PATH: the app's AWS_XRAY_* and OTEL_* settings must not change what the warm-up runs.
    env: { PATH: env.PATH ?? '' },
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });
  const suffix = `.${process.versions.v8}-${process.arch}.cache`;
  const bundleDir = join(root, 'build', 'bundle');
  const written = readdirSync(bundleDir).filter((name) => name.endsWith(suffix));
  if (result.status === 0 && written.some((name) => name.startsWith('otel-xray.js.'))) return { written };
  const why = result.error?.message ?? ((result.stderr ?? '').trim().split('\n').find((line) => /Error|EACCES|EROFS|EPERM/.test(line)) || `the warm-up exited with ${result.status ?? result.signal}`);
  return { error: why };
}

/** The package's folder: the one holding code-cache-run.js, above this file (build/bundle/ or build/src/cli/). */
function packageRoot(): string | undefined {
  let dir = __dirname;
  for (let depth = 0; depth < 4; depth++) {
    if (existsSync(join(dir, 'code-cache-run.js'))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}
