import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const BUNDLE = 'otel-xray.js';

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
  // V8 takes a cache only under the flags that made it (even --max-old-space-size's value): the warm-up runs with
  // this command's own node options, as the app would, less those that load code or open a debugger.
  const nodeOptions = nodeOptionsForCache(env.NODE_OPTIONS);
  const result = spawnSync(process.execPath, [...argsForCache(process.execArgv), join(root, 'code-cache-run.js')], {
    // Otherwise only PATH: the app's AWS_XRAY_* and OTEL_* settings must not change what the warm-up runs.
    env: { PATH: env.PATH ?? '', ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }) },
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });
  // The caches the preload would now find: named as load-bundle.js names them, for these bytes and this V8.
  const { cachePath } = require(join(root, 'load-bundle.js')) as { cachePath: (file: string, source: Buffer) => string };
  const bundleDir = join(root, 'build', 'bundle');
  const cacheOf = (name: string): string => basename(cachePath(join(bundleDir, name), readFileSync(join(bundleDir, name))));
  const sources = readdirSync(bundleDir).filter((name) => name === BUNDLE || (name.startsWith('opentelemetry-api-') && name.endsWith('.js')));
  const written = sources.map(cacheOf).filter((name) => existsSync(join(bundleDir, name)));
  if (result.status === 0 && written.includes(cacheOf(BUNDLE))) return { written };
  const why = result.error?.message ?? ((result.stderr ?? '').trim().split('\n').find((line) => /Error|EACCES|EROFS|EPERM/.test(line)) || `the warm-up exited with ${result.status ?? result.signal}`);
  return { error: why };
}

/** Options that take the next argument as their value and load code or attach a debugger. */
const LOADING = new Set(['--require', '-r', '--import', '--loader', '--experimental-loader']);

/**
 * Node options as the warm-up gets them: V8 flags and the like kept, in order; `--require`, `--import`, loaders
 * (with their values) and `--inspect*` left out (a preload of ours would load the bundle before the warm-up can
 * cache it).
 */
export function argsForCache(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (LOADING.has(arg)) {
      i++;
      continue;
    }
    const name = arg.split('=', 1)[0] as string;
    if (LOADING.has(name) || name.startsWith('--inspect')) continue;
    kept.push(arg);
  }
  return kept;
}

/** NODE_OPTIONS for the warm-up (see argsForCache); undefined when unset, empty, or quoted (left out then). */
export function nodeOptionsForCache(value: string | undefined): string | undefined {
  if (value === undefined || /["']/.test(value)) return undefined;
  const kept = argsForCache(value.split(/\s+/).filter((arg) => arg !== ''));
  return kept.length === 0 ? undefined : kept.join(' ');
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
