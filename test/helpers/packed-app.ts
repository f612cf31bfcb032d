import { execFile } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The package as a user gets it: this checkout `npm pack`ed, installed into a fresh app under os.tmpdir().
 *
 *   const { dir, tarball } = await packedApp();      // dir: an app with only otel-xray (and its peer API) installed
 *   await npmInstall(dir, ['express@5.3.0']);          // more packages, when a test needs them
 *
 * The tarball is packed once per test run (and shared); each packedApp() call installs it into a new folder. All
 * of it is removed when the test process exits. npm runs with --prefer-offline: from the npm cache (filled by
 * `npm ci`) it needs no network.
 */

const ROOT = resolve(__dirname, '../../..');

export interface PackedApp {
  /** The app's folder: package.json, node_modules/otel-xray, … */
  readonly dir: string;
  /** The packed otel-xray-<version>.tgz. */
  readonly tarball: string;
}

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * The environment for a child npm: ours without what an outer `npm test` adds for its own package. npm reads
 * npm_config_* variables as configuration, and npm_config_local_prefix would point the child at this checkout.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(?!config_)/i.test(key) || /^npm_config_(local_prefix|prefix|global_prefix|call|yes)$/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

/** Runs npm with `args` in `cwd`; rejects with npm's output if it fails or takes more than two minutes. */
export function npm(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile('npm', [...args], { cwd, env: npmEnv(), timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`npm ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolveRun(stdout);
    });
  });
}

/** Installs `specs` (exact versions, or tarballs) into the app at `dir`, from the npm cache when it has them. */
export async function npmInstall(dir: string, specs: readonly string[]): Promise<void> {
  await npm(dir, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', dir, ...specs]);
}

let packed: Promise<string> | undefined;

/**
 * Packs the checkout once. --ignore-scripts: the tests run from a fresh build already (npm test builds first), and
 * prepack's rebuild would rewrite build/ under the running tests. What is packed is what `npm publish` ships.
 */
function packOnce(): Promise<string> {
  packed ??= (async () => {
    const out = tempDir('otel-xray-pack-');
    const json = await npm(ROOT, ['pack', '--ignore-scripts', '--json', '--pack-destination', out]);
    const [{ filename }] = JSON.parse(json) as Array<{ filename: string }>;
    return join(out, filename);
  })();
  return packed;
}

/** A fresh app under os.tmpdir() with the packed otel-xray installed (npm adds its peer, @opentelemetry/api). */
export async function packedApp(): Promise<PackedApp> {
  const tarball = await packOnce();
  const dir = tempDir('otel-xray-app-');
  // What `npm init -y` writes, less the noise: a CommonJS app.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'packed-app', version: '1.0.0', private: true, type: 'commonjs' }, null, 2));
  await npmInstall(dir, [tarball]);
  return { dir, tarball };
}

export interface Footprint {
  /** Installed packages (each folder with a package.json directly under a node_modules, nested ones included). */
  readonly packages: string[];
  /** Their bytes: the sum of their files' sizes (symbolic links counted as links, folders themselves not at all). */
  readonly bytes: number;
}

/** What node_modules at `dir` holds, leaving out the packages named in `except` (with their nested node_modules). */
export function footprint(dir: string, except: readonly string[] = []): Footprint {
  const packages: string[] = [];
  let bytes = 0;
  const sizeOf = (path: string): number => {
    const stat = lstatSync(path);
    if (!stat.isDirectory()) return stat.size;
    let total = 0;
    for (const entry of readdirSync(path)) total += sizeOf(join(path, entry));
    return total;
  };
  const visitNodeModules = (nodeModules: string): void => {
    for (const entry of readdirSync(nodeModules)) {
      const path = join(nodeModules, entry);
      if (entry.startsWith('.')) {
        bytes += sizeOf(path); // .bin links, npm's .package-lock.json: installed bytes too
      } else if (entry.startsWith('@')) {
        for (const scoped of readdirSync(path)) visitPackage(`${entry}/${scoped}`, join(path, scoped));
      } else {
        visitPackage(entry, path);
      }
    }
  };
  const visitPackage = (name: string, path: string): void => {
    if (except.includes(name)) return;
    packages.push(name);
    for (const entry of readdirSync(path)) {
      const child = join(path, entry);
      if (entry === 'node_modules' && lstatSync(child).isDirectory()) visitNodeModules(child);
      else bytes += sizeOf(child);
    }
  };
  visitNodeModules(join(dir, 'node_modules'));
  return { packages: packages.sort(), bytes };
}

/** The OTel API the build wrote in one file into `bundleDir` (build/bundle/opentelemetry-api-<version>.js). */
export function apiBundleIn(bundleDir: string): { file: string; version: string } {
  const name = readdirSync(bundleDir).find((f) => /^opentelemetry-api-[\w.+-]+\.js$/.test(f));
  if (name === undefined) throw new Error(`no opentelemetry-api-<version>.js in ${bundleDir}: the build writes it`);
  return { file: join(bundleDir, name), version: name.slice('opentelemetry-api-'.length, -'.js'.length) };
}
