'use strict';
// Bundles the compiled library (build/src) into build/bundle/otel-xray.js: our code and the OTel packages it
// loads, in one file. Resolving and reading a few hundred small files is most of what an OTel preload costs at
// start-up; one file halves the time the preload adds (see bench/RESULTS.md).
// Left out of the bundle: import-in-the-middle, whose ESM loader thread and in-process registry must be the
// same copy (the loader imports it from node_modules).
const { buildSync } = require('esbuild');
const { join } = require('node:path');

const root = join(__dirname, '..');
buildSync({
  entryPoints: [join(root, 'build', 'src', 'bundle-entry.js')],
  outfile: join(root, 'build', 'bundle', 'otel-xray.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['import-in-the-middle'],
  sourcemap: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
