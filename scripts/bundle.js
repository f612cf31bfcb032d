'use strict';
// Bundles the compiled library (build/src) into build/bundle/otel-xray.js: our code and the OTel packages it
// loads, in one file. Resolving and reading a few hundred small files is most of what an OTel preload costs at
// start-up; one file halves the time the preload adds (see bench/RESULTS.md).
// Left out of the bundle: @opentelemetry/api (one copy per app), and import-in-the-middle, whose ESM loader
// thread and in-process registry must be the same copy (the loader imports it from node_modules; it is a
// dependency of ours for that reason). The instrumentations reach it through a stand-in (below).
const { build } = require('esbuild');
const { join } = require('node:path');

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

build({
  // The TypeScript source (tsc type-checks; esbuild compiles for the bundle): from an ES module entry esbuild
  // writes the export names where Node's CommonJS lexer finds them, so `import { start } from 'otel-xray'` works.
  entryPoints: [join(root, 'src', 'bundle-entry.ts')],
  tsconfig: join(root, 'tsconfig.json'),
  outfile: join(root, 'build', 'bundle', 'otel-xray.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // The OTel API stays outside: one copy per app (a peer dependency), so an app's own API finds our provider.
  external: ['@opentelemetry/api'],
  plugins: [lazyImportInTheMiddle],
  // For the tests' stack traces and local debugging: 2 MB that package.json's "files" leaves out of the package.
  sourcemap: true,
  legalComments: 'eof',
  logLevel: 'warning',
}).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
