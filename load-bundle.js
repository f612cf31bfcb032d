'use strict';
// Loads build/bundle/otel-xray.js for the preload as require() would, but with the V8 code cache that the build
// writes beside it (scripts/bundle.js) when one fits this Node. Compiling the 1.3 MB bundle, then its functions as a
// start first runs them, was about a third of what the preload adds to start-up (34 ms of CPU of ~120 ms).
// The cache's name holds the bundle's SHA-1 and the V8 version: a cache made for other bytes or another V8 is never
// used (V8 itself only compares the source's length). With none, or on any problem, it is a plain require().
const Module = require('node:module');
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const FILE = join(__dirname, 'build', 'bundle', 'otel-xray.js');

/** Where the cache for these bundle bytes and this V8 lives. */
function cachePath(source) {
  const digest = createHash('sha1').update(source).digest('hex').slice(0, 16);
  return `${FILE}.${digest}.${process.versions.v8}-${process.arch}.cache`;
}

/**
 * The bundle's exports, the module registered in require's cache as Node's loader would (so `require('otel-xray')`
 * later gives the same instance). `produce(script, path)` is for the build: it runs after the bundle did, to write
 * the cache.
 */
function loadBundle(produce) {
  const loaded = Module._cache[FILE];
  if (loaded !== undefined) return loaded.exports;
  // Stack traces through source maps (--enable-source-maps) need Node's own loader.
  if (sourceMapsEnabled() || typeof Module.wrap !== 'function') return plainRequire('off');
  let script;
  let cache;
  try {
    const source = readFileSync(FILE);
    cache = cachePath(source);
    let cachedData;
    if (produce === undefined) {
      try {
        cachedData = readFileSync(cache);
      } catch {
        return plainRequire('absent'); // no cache for these bytes and this Node: nothing to gain
      }
    }
    const options = { filename: FILE, cachedData };
    // The app's import() from code in the bundle (none today) resolves as in any CommonJS module.
    if (vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER !== undefined) options.importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    script = new vm.Script(Module.wrap(source.toString('utf8')), options);
  } catch {
    return plainRequire('failed');
  }
  // V8 compiles as usual when it rejects the cache (other flags, say).
  loadBundle.cache = script.cachedDataRejected === true ? 'rejected' : produce === undefined ? 'used' : 'produced';
  // What Module.prototype._compile does for a CommonJS file: Node's require, resolve, cache and main.
  const mod = new Module(FILE, module);
  mod.filename = FILE;
  mod.paths = Module._nodeModulePaths(dirname(FILE));
  const localRequire = (id) => mod.require(id);
  localRequire.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  localRequire.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  localRequire.main = process.mainModule;
  localRequire.extensions = Module._extensions;
  localRequire.cache = Module._cache;
  Module._cache[FILE] = mod;
  try {
    script.runInThisContext().call(mod.exports, mod.exports, localRequire, mod, FILE, dirname(FILE));
  } catch (err) {
    delete Module._cache[FILE];
    throw err;
  }
  mod.loaded = true;
  if (produce !== undefined) produce(script, cache);
  return mod.exports;
}

/** How the bundle was loaded, for tests and diagnostics: with the cache 'used' or 'rejected', else why not. */
loadBundle.cache = 'not loaded';

function plainRequire(why) {
  loadBundle.cache = why;
  return require(FILE);
}

function sourceMapsEnabled() {
  if (typeof process.sourceMapsEnabled === 'boolean') return process.sourceMapsEnabled; // Node >= 20.7
  return process.execArgv.includes('--enable-source-maps') || /--enable-source-maps/.test(process.env.NODE_OPTIONS ?? '');
}

module.exports = { loadBundle };
