import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { apiBundleIn } from '../helpers/packed-app';

const ROOT = resolve(__dirname, '../../..');
const BUNDLE_DIR = join(ROOT, 'build', 'bundle');
/** The one-file OTel API the build wrote: its path and the version it was made from. */
const apiBundle = (): { file: string; version: string } => apiBundleIn(BUNDLE_DIR);

/** The cache load-bundle.js looks for beside `bundle`, for this Node: the bundle's SHA-1 and the V8 version. */
function cacheFor(bundle: string): string {
  const digest = createHash('sha1').update(readFileSync(bundle)).digest('hex').slice(0, 16);
  return `${bundle}.${digest}.${process.versions.v8}-${process.arch}.cache`;
}

/** Runs `node <args>` with a bare environment (and `env`); resolves with its stdout. */
function node(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((done, fail) => {
    execFile(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null) fail(new Error(`${error.message}\n${stderr}`));
      else done(stdout.trim());
    });
  });
}

/** Folders the tests made inside build/ (so that node_modules still resolves from them), removed after each test. */
const made: string[] = [];
function folderInBuild(prefix: string): string {
  const dir = mkdtempSync(join(ROOT, 'build', prefix));
  made.push(dir);
  return dir;
}
function removeFolders(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A copy of the loader and the bundle (with yaml.js), plus `copied` files of build/bundle and `written` ones:
 * returns the copy's load-bundle.js.
 */
function copyBuild(copied: readonly string[], written: Readonly<Record<string, string>> = {}): string {
  const copy = folderInBuild('loader-');
  mkdirSync(join(copy, 'build', 'bundle'), { recursive: true });
  copyFileSync(join(ROOT, 'load-bundle.js'), join(copy, 'load-bundle.js'));
  for (const name of ['otel-xray.js', 'yaml.js', ...copied]) copyFileSync(join(BUNDLE_DIR, name), join(copy, 'build', 'bundle', name));
  for (const [name, text] of Object.entries(written)) writeFileSync(join(copy, 'build', 'bundle', name), text);
  return join(copy, 'load-bundle.js');
}

/** Loads the bundle through `loader` and prints how (loadBundle.cache) and whether its exports are whole. */
const probe = (loader: string): string => `const l = require(${JSON.stringify(loader)});
const exports = l.loadBundle();
console.log(l.loadBundle.cache, typeof exports.start, typeof exports.registerPreload);`;

/**
 * The preload's loader (load-bundle.js) compiles the bundle with the V8 code cache the build wrote, and only a cache
 * made for these very bytes and this V8: anything else falls back to a plain require, with the same exports.
 */
describe('the bundle\'s V8 code cache', function () {
  this.timeout(60_000);
  afterEach(removeFolders);

  /** A copy of the loader, the bundle and its cache. */
  const makeCopy = (): { loader: string; bundle: string } => {
    const cacheName = readdirSync(BUNDLE_DIR).find((f) => /^otel-xray\.js\..*\.cache$/.test(f));
    assert.ok(cacheName !== undefined, 'the build wrote a code cache');
    const loader = copyBuild([cacheName]);
    return { loader, bundle: join(loader, '..', 'build', 'bundle', 'otel-xray.js') };
  };

  it('is used by the preload as built, and the app\'s require gets the same module', async () => {
    // The build's Node made it; the tests also run on another Node (CI's Node 22), which finds none for itself.
    const expected = existsSync(cacheFor(join(BUNDLE_DIR, 'otel-xray.js'))) ? 'used' : 'absent';
    const script = `const l = require(${JSON.stringify(join(ROOT, 'load-bundle.js'))});
console.log(l.loadBundle.cache, l.loadBundle() === require(${JSON.stringify(join(BUNDLE_DIR, 'otel-xray.js'))}));`;
    assert.equal(await node(['--require', join(ROOT, 'register.js'), '-e', script]), `${expected} true`);
  });

  it('is not used for a bundle edited in place, even at the same length (V8 checks only the length)', async () => {
    const { loader, bundle } = makeCopy();
    const text = readFileSync(bundle, 'utf8');
    const at = text.indexOf('// src/');
    assert.ok(at > 0);
    writeFileSync(bundle, `${text.slice(0, at)}// SRC/${text.slice(at + 7)}`);
    assert.equal(await node(['-e', probe(loader)]), 'absent function function');
  });

  it('falls back to V8\'s own compile when the cache is unusable', async () => {
    const { loader, bundle } = makeCopy();
    writeFileSync(cacheFor(bundle), Buffer.alloc(4096, 7));
    assert.equal(await node(['-e', probe(loader)]), 'rejected function function');
  });

  it('reads an ASCII bundle, which needs no UTF-8 decoding (write other characters as escapes)', () => {
    for (const file of [join(BUNDLE_DIR, 'otel-xray.js'), apiBundle().file]) {
      const bytes = readFileSync(file);
      const at = bytes.findIndex((byte) => byte > 0x7f);
      const line = at < 0 ? '' : bytes.subarray(bytes.lastIndexOf(0x0a, at) + 1, bytes.indexOf(0x0a, at)).toString('utf8');
      assert.equal(at, -1, `${file} has a non-ASCII character in: ${line}`);
    }
  });

  it('is left aside when source maps are on, for mapped stack traces', async () => {
    assert.equal(await node(['--enable-source-maps', '-e', probe(join(ROOT, 'load-bundle.js'))]), 'off function function');
  });
});


/**
 * What an app sees after the preload: how the API was loaded (loadBundle.api), whether its require of the API is the
 * module registered at the installed entry's path, which API files came from node_modules, and whether a span it
 * starts through its own API is recorded by our provider.
 */
const apiProbe = (loader: string, before = ''): string => `${before}
const l = require(${JSON.stringify(loader)});
l.loadBundle().start({ daemonAddress: '127.0.0.1:9', sampling: false });
const api = require('@opentelemetry/api');
const entry = require.resolve('@opentelemetry/api');
const files = Object.keys(require.cache).filter((f) => f.includes('@opentelemetry' + require('node:path').sep + 'api')).length;
const span = api.trace.getTracer('probe').startSpan('probe');
console.log(l.loadBundle.api, api === require.cache[entry].exports, files > 1 ? 'files' : 'one', span.isRecording());
span.end();`;

/**
 * The installed OTel API stays the app's (a peer dependency), but when it is the version the build bundled, the
 * preload runs it from one file (build/bundle/opentelemetry-api-<version>.js) as that very module; otherwise Node
 * loads it as always. Either way the app's require('@opentelemetry/api') and ours are one module.
 */
describe('the OTel API from one file', function () {
  this.timeout(60_000);
  afterEach(removeFolders);

  it('is the installed version (the devDependency the build bundled)', () => {
    const installed = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@opentelemetry', 'api', 'package.json'), 'utf8')) as { version: string };
    assert.equal(apiBundle().version, installed.version);
  });

  it('is run as the installed module, with its code cache on the Node that built it', async () => {
    const expected = existsSync(cacheFor(apiBundle().file)) ? 'used' : 'compiled';
    assert.equal(await node(['-e', apiProbe(join(ROOT, 'load-bundle.js'))]), `${expected} true one true`);
  });

  it('is the module an ES module app imports, under --import', async () => {
    const app = join(folderInBuild('api-esm-'), 'app.mjs');
    writeFileSync(app, `import { trace } from '@opentelemetry/api';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const span = trace.getTracer('probe').startSpan('probe');
console.log(require(${JSON.stringify(join(ROOT, 'load-bundle.js'))}).loadBundle.api, require('@opentelemetry/api').trace === trace, span.isRecording());
span.end();
`);
    const expected = existsSync(cacheFor(apiBundle().file)) ? 'used' : 'compiled';
    const output = await node(['--import', join(ROOT, 'register.js'), app], { AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9', AWS_XRAY_SAMPLING: 'false' });
    assert.equal(output, `${expected} true true`);
  });

  it('is left to Node when the app loaded the API first, or for another version', async () => {
    assert.equal(await node(['-e', apiProbe(join(ROOT, 'load-bundle.js'), "require('@opentelemetry/api');")]), 'loaded true files true');
    // A copy of the build without the API's file: as for an installed API of another version.
    assert.equal(await node(['-e', apiProbe(copyBuild([]))]), 'other-version true files true');
  });

  it('falls back to the installed API when its file fails, and the app never sees the failure', async () => {
    const { version } = apiBundle();
    const loader = copyBuild([], { [`opentelemetry-api-${version}.js`]: "throw new Error('broken');" });
    assert.equal(await node(['-e', apiProbe(loader)]), 'failed true files true');
  });

  it('is left to Node when source maps are on', async () => {
    assert.equal(await node(['--enable-source-maps', '-e', apiProbe(join(ROOT, 'load-bundle.js'))]), 'off true files true');
  });
});
