import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const BUNDLE_DIR = join(ROOT, 'build', 'bundle');

/** The cache load-bundle.js looks for beside `bundle`, for this Node: the bundle's SHA-1 and the V8 version. */
function cacheFor(bundle: string): string {
  const digest = createHash('sha1').update(readFileSync(bundle)).digest('hex').slice(0, 16);
  return `${bundle}.${digest}.${process.versions.v8}-${process.arch}.cache`;
}

/** Runs `node <args> -e <script>` with a bare environment; resolves with its stdout. */
function node(args: readonly string[], script: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [...args, '-e', script], { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null) fail(new Error(`${error.message}\n${stderr}`));
      else done(stdout.trim());
    });
  });
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
  let copy = '';

  /** A copy of the loader, the bundle and its cache, inside build/ so that node_modules still resolves. */
  const makeCopy = (): { bundle: string } => {
    copy = mkdtempSync(join(ROOT, 'build', 'code-cache-'));
    mkdirSync(join(copy, 'build', 'bundle'), { recursive: true });
    copyFileSync(join(ROOT, 'load-bundle.js'), join(copy, 'load-bundle.js'));
    const cacheName = readdirSync(BUNDLE_DIR).find((f) => f.endsWith('.cache'));
    assert.ok(cacheName !== undefined, 'the build wrote a code cache');
    for (const name of ['otel-xray.js', 'yaml.js', cacheName]) copyFileSync(join(BUNDLE_DIR, name), join(copy, 'build', 'bundle', name));
    return { bundle: join(copy, 'build', 'bundle', 'otel-xray.js') };
  };

  afterEach(() => {
    if (copy !== '') rmSync(copy, { recursive: true, force: true });
    copy = '';
  });

  it('is used by the preload as built, and the app\'s require gets the same module', async () => {
    // The build's Node made it; the tests also run on another Node (CI's Node 22), which finds none for itself.
    const expected = existsSync(cacheFor(join(BUNDLE_DIR, 'otel-xray.js'))) ? 'used' : 'absent';
    const script = `const l = require(${JSON.stringify(join(ROOT, 'load-bundle.js'))});
console.log(l.loadBundle.cache, l.loadBundle() === require(${JSON.stringify(join(BUNDLE_DIR, 'otel-xray.js'))}));`;
    assert.equal(await node(['--require', join(ROOT, 'register.js')], script), `${expected} true`);
  });

  it('is not used for a bundle edited in place, even at the same length (V8 checks only the length)', async () => {
    const { bundle } = makeCopy();
    const text = readFileSync(bundle, 'utf8');
    const at = text.indexOf('// src/');
    assert.ok(at > 0);
    writeFileSync(bundle, `${text.slice(0, at)}// SRC/${text.slice(at + 7)}`);
    assert.equal(await node([], probe(join(copy, 'load-bundle.js'))), 'absent function function');
  });

  it('falls back to V8\'s own compile when the cache is unusable', async () => {
    const { bundle } = makeCopy();
    writeFileSync(cacheFor(bundle), Buffer.alloc(4096, 7));
    assert.equal(await node([], probe(join(copy, 'load-bundle.js'))), 'rejected function function');
  });

  it('is left aside when source maps are on, for mapped stack traces', async () => {
    assert.equal(await node(['--enable-source-maps'], probe(join(ROOT, 'load-bundle.js'))), 'off function function');
  });
});
