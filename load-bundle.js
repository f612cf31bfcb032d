'use strict';
// Loads build/bundle/otel-xray.js for the preload as require() would, but with the V8 code cache that the build
// writes beside it (scripts/bundle.js) when one fits this Node. Compiling the 1.3 MB bundle, then its functions as a
// start first runs them, was about a third of what the preload adds to start-up (34 ms of CPU of ~120 ms).
// The cache's name holds the bundle's SHA-1 and the V8 version: a cache made for other bytes or another V8 is never
// used (V8 itself only compares the source's length). With none, or on any problem, it is a plain require().
//
// The OTel API stays the app's own copy (a peer dependency: the app's code and ours must share it), but reading its
// 65 small files cost about 20 ms of every start. When the installed API is the very version the build bundled
// (build/bundle/opentelemetry-api-<version>.js), that one file is run as the installed module, registered in
// require's cache under the installed entry's path: every require() that resolves there gets it, as it would
// have got the installed one. Any other version, layout or an API already loaded: Node loads it as usual.
const Module = require('node:module');
const { isAscii } = require('node:buffer');
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { dirname, join, sep } = require('node:path');
const vm = require('node:vm');

const BUNDLE_DIR = join(__dirname, 'build', 'bundle');
const FILE = join(BUNDLE_DIR, 'otel-xray.js');
const API = '@opentelemetry/api';
const API_ENTRY = join('build', 'src', 'index.js');

/** Where the cache for these bytes of `file` and this V8 lives. */
function cachePath(file, source) {
  const digest = createHash('sha1').update(source).digest('hex').slice(0, 16);
  return `${file}.${digest}.${process.versions.v8}-${process.arch}.cache`;
}

/** The cache's bytes, or undefined when there is none for these bytes and this Node. */
function readCache(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** `source` wrapped as a CommonJS module and compiled, with `cachedData` when given; `file` names it in stacks. */
function compile(file, source, cachedData) {
  const options = { filename: file, cachedData };
  // The app's import() from code in the bundle (none today) resolves as in any CommonJS module.
  if (vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER !== undefined) options.importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  // An ASCII file (esbuild escapes what is not; the build keeps the bundle so) needs no UTF-8 decoding: 1.8 ms less.
  const text = typeof isAscii === 'function' && isAscii(source) ? source.toString('latin1') : source.toString('utf8');
  return new vm.Script(Module.wrap(text), options);
}

/** How a compile went with the cache it was given (or is to produce). */
function cacheStatus(script, cachedData, produce) {
  if (produce !== undefined) return 'produced';
  if (cachedData === undefined) return 'compiled';
  return script.cachedDataRejected === true ? 'rejected' : 'used';
}

/**
 * Runs a compiled module as the module at `filename`, registered in require's cache there, as
 * Module.prototype._compile does for a CommonJS file (Node's require, resolve, cache and main). `resolved` maps
 * requests already resolved for it to their files: once loaded, those need no second resolution (2 ms for the API).
 */
function runAsModule(script, filename, parent, resolved = {}) {
  const mod = new Module(filename, parent);
  mod.filename = filename;
  mod.paths = Module._nodeModulePaths(dirname(filename));
  const localRequire = (id) => {
    const known = resolved[id];
    return known !== undefined && Module._cache[known] !== undefined ? Module._cache[known].exports : mod.require(id);
  };
  localRequire.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  localRequire.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  localRequire.main = process.mainModule;
  localRequire.extensions = Module._extensions;
  localRequire.cache = Module._cache;
  Module._cache[filename] = mod;
  try {
    script.runInThisContext().call(mod.exports, mod.exports, localRequire, mod, filename, dirname(filename));
  } catch (err) {
    delete Module._cache[filename];
    throw err;
  }
  mod.loaded = true;
  return mod;
}

/**
 * The OTel API the bundle will require, from the one-file copy of the same version when there is one (see the top).
 * Returns how: 'used' / 'compiled' / 'produced' / 'rejected' (the one file, with or without its code cache), or
 * why not: 'loaded' (already in require's cache), 'other-version', 'other-layout', 'absent', 'failed'.
 */
function loadApi(produce, resolved) {
  let entry;
  try {
    // Resolved from this package, as the bundle's own require('@opentelemetry/api') resolves (from build/bundle/,
    // whose lookup reaches the same node_modules: a package has no node_modules inside build/).
    entry = require.resolve(API);
  } catch {
    return 'absent';
  }
  resolved[API] = entry;
  if (Module._cache[entry] !== undefined) return 'loaded';
  if (!entry.endsWith(sep + API_ENTRY)) return 'other-layout';
  let script;
  let cachedData;
  try {
    const manifest = JSON.parse(readFileSync(join(entry.slice(0, -API_ENTRY.length), 'package.json'), 'utf8'));
    if (manifest.name !== API || typeof manifest.version !== 'string' || !/^[\w.+-]+$/.test(manifest.version)) return 'other-layout';
    const file = join(BUNDLE_DIR, `opentelemetry-api-${manifest.version}.js`);
    let source;
    try {
      source = readFileSync(file);
    } catch {
      return 'other-version'; // this build bundled another version of the API
    }
    const cache = cachePath(file, source);
    if (produce === undefined) cachedData = readCache(cache);
    script = compile(file, source, cachedData);
    runAsModule(script, entry, null);
    if (produce !== undefined) produce(script, cache);
  } catch {
    return 'failed'; // nothing registered: the bundle's require loads the installed API
  }
  return cacheStatus(script, cachedData, produce);
}

/**
 * The bundle's exports, the module registered in require's cache as Node's loader would (so `require('otel-xray')`
 * later gives the same instance). `produce(script, path)` is for the build: it runs after each module (the API's
 * one file, the bundle) ran, to write its cache.
 */
function loadBundle(produce) {
  const loaded = Module._cache[FILE];
  if (loaded !== undefined) return loaded.exports;
  // Stack traces through source maps (--enable-source-maps) need Node's own loader.
  if (sourceMapsEnabled() || typeof Module.wrap !== 'function') {
    loadBundle.api = 'off';
    return plainRequire('off');
  }
  const resolved = {};
  loadBundle.api = loadApi(produce, resolved);
  let script;
  let cache;
  let cachedData;
  try {
    const source = readFileSync(FILE);
    cache = cachePath(FILE, source);
    if (produce === undefined) {
      cachedData = readCache(cache);
      if (cachedData === undefined) return plainRequire('absent'); // no cache for these bytes and this Node: nothing to gain
    }
    script = compile(FILE, source, cachedData);
  } catch {
    return plainRequire('failed');
  }
  // V8 compiles as usual when it rejects the cache (other flags, say).
  loadBundle.cache = cacheStatus(script, cachedData, produce);
  const mod = runAsModule(script, FILE, module, resolved);
  if (produce !== undefined) produce(script, cache);
  return mod.exports;
}

/** How the bundle was loaded, for tests and diagnostics: with the cache 'used' or 'rejected', else why not. */
loadBundle.cache = 'not loaded';
/** How the OTel API was loaded (see loadApi), for tests and diagnostics. */
loadBundle.api = 'not loaded';

function plainRequire(why) {
  loadBundle.cache = why;
  return require(FILE);
}

function sourceMapsEnabled() {
  if (typeof process.sourceMapsEnabled === 'boolean') return process.sourceMapsEnabled; // Node >= 20.7
  return process.execArgv.includes('--enable-source-maps') || /--enable-source-maps/.test(process.env.NODE_OPTIONS ?? '');
}

module.exports = { loadBundle, cachePath };
