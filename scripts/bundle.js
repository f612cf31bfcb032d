'use strict';
// Bundles the compiled library (build/src) into build/bundle/otel-xray.js: our code and the OTel packages it
// loads, in one file. Resolving and reading a few hundred small files is most of what an OTel preload costs at
// start-up; one file halves the time the preload adds (see bench/RESULTS.md).
// Left out of the bundle: @opentelemetry/api (one copy per app), and import-in-the-middle, whose ESM loader
// thread and in-process registry must be the same copy (the loader imports it from node_modules; it is a
// dependency of ours for that reason). The instrumentations reach it through a stand-in (below).
const { build } = require('esbuild');
const { spawnSync } = require('node:child_process');
const { readdirSync, readFileSync, rmSync } = require('node:fs');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');

// The instrumentations' import-in-the-middle is swapped for src/lazy-import-in-the-middle.ts, which loads the real
// one only when an ES module loader can be active (about 8 ms of start-up saved in CommonJS apps).
const STAND_IN = join(root, 'src', 'lazy-import-in-the-middle.ts');

const lazyImportInTheMiddle = {
  name: 'lazy-import-in-the-middle',
  setup(build) {
    build.onResolve({ filter: /^import-in-the-middle$/ }, (args) =>
      args.importer === STAND_IN ? { path: 'import-in-the-middle', external: true } : { path: STAND_IN });
  },
};

// `yaml` (a quarter of the bundle) parses only an adaptive sampling configuration written in YAML: it goes in a file
// of its own, build/bundle/yaml.js, read on first use. Compiling it with the rest cost every start about 7 ms.
const SIDE_BUNDLES = { yaml: 'yaml.js' };

const sideBundles = {
  name: 'side-bundles',
  setup(build) {
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: `./${SIDE_BUNDLES.yaml}`, external: true }));
  },
};

// The OTel API in one file, for the preload to run in place of the installed API's 65 files when that is this very
// version (load-bundle.js): about 20 ms of start-up. The bundle itself still requires the installed one.
const apiEntry = require.resolve('@opentelemetry/api');
const apiVersion = JSON.parse(readFileSync(join(dirname(apiEntry), '..', '..', 'package.json'), 'utf8')).version;
const API_BUNDLE = `opentelemetry-api-${apiVersion}.js`;

// The V8 code caches of the bundle and of the API's file (see load-bundle.js), made by a start of the preload in a
// child process that serves one traced request (code-cache-run.js, shipped: `otel-xray cache` runs it too), so they
// also hold the functions a start and a first request run. Only for the Node that builds: V8 rejects them
// elsewhere, and the preload then compiles as before. Caches and API files of earlier builds go first: V8 checks a
// cache's source by its length only.
const bundleDir = join(root, 'build', 'bundle');
for (const name of (() => { try { return readdirSync(bundleDir); } catch { return []; } })()) {
  if (name.endsWith('.cache') || name.startsWith('opentelemetry-api-')) rmSync(join(bundleDir, name));
}

function writeCodeCache() {
  const result = spawnSync(process.execPath, [join(root, 'code-cache-run.js')], { env: { PATH: process.env.PATH ?? '' }, stdio: 'inherit', timeout: 60_000 });
  if (result.status !== 0) console.warn('bundle.js: no code cache was written (the preload loads the bundle without one)');
}

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, legalComments: 'eof', logLevel: 'warning' };

// The semantic conventions module cut down to the constants the bundle reads: see slim-semconv.js.
const { SEMCONV, SEMCONV_FILE, semconvNamesRead, slimSemconv } = require('./slim-semconv');

/** Builds the main bundle twice: the first shows which semantic conventions it reads (see slim-semconv.js). */
async function buildMain(options) {
  await build(options);
  const names = semconvNamesRead(readFileSync(options.outfile, 'latin1'), SEMCONV_FILE);
  const slim = typeof names === 'string' ? { reason: names } : slimSemconv(names);
  if (slim.plugin === undefined) {
    console.warn(`bundle.js: ${SEMCONV} kept whole (${slim.reason})`);
    return;
  }
  await build({ ...options, plugins: [...options.plugins, slim.plugin] });
}

Promise.all([
  build({
    ...common,
    entryPoints: [apiEntry],
    outfile: join(bundleDir, API_BUNDLE),
    // Run only without source maps (with them on, the preload leaves the API to Node's loader).
    sourcemap: false,
  }),
  build({
    ...common,
    entryPoints: [require.resolve('yaml')],
    outfile: join(root, 'build', 'bundle', SIDE_BUNDLES.yaml),
  }),
  buildMain({
    ...common,
    // The TypeScript source (tsc type-checks; esbuild compiles for the bundle): from an ES module entry esbuild
    // writes the export names where Node's CommonJS lexer finds them, so `import { start } from 'otel-xray'` works.
    entryPoints: [join(root, 'src', 'bundle-entry.ts')],
    tsconfig: join(root, 'tsconfig.json'),
    outfile: join(root, 'build', 'bundle', 'otel-xray.js'),
    // The OTel API stays outside: one copy per app (a peer dependency), so an app's own API finds our provider.
    // Source maps are for the tests' stack traces and local debugging: package.json's "files" leaves them out.
    external: ['@opentelemetry/api'],
    plugins: [lazyImportInTheMiddle, sideBundles],
  }),
]).then(writeCodeCache, (error) => {
  console.error(error);
  process.exitCode = 1;
});
