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

// Every instrumentation's enable() makes an import-in-the-middle Hook, even in a CommonJS app where no ES module
// loader runs and the hook can never fire; loading import-in-the-middle costs about 8 ms of start-up. The
// stand-in loads it only when a loader can be active (--import, --loader, --experimental-loader on the command
// line or in NODE_OPTIONS), and otherwise hands out inert hooks.
const LAZY_IITM = `'use strict';
function loaderPossible() {
  const flags = process.execArgv.concat(String(process.env.NODE_OPTIONS || '').split(/\\s+/));
  return flags.some((f) => /^--(import|loader|experimental-loader)(=|$)/.test(f));
}
let real;
function load() {
  if (real === undefined) real = require('import-in-the-middle');
  return real;
}
class Hook {
  constructor(modules, options, hookFn) {
    this._hook = loaderPossible() ? new (load().Hook)(modules, options, hookFn) : undefined;
  }
  unhook() {
    if (this._hook !== undefined) this._hook.unhook();
  }
}
module.exports = Hook;
module.exports.Hook = Hook;
module.exports.addHook = (...args) => load().addHook(...args);
module.exports.removeHook = (...args) => load().removeHook(...args);
Object.defineProperty(module.exports, 'createAddHookMessageChannel', { enumerable: true, get: () => load().createAddHookMessageChannel });
`;

const lazyImportInTheMiddle = {
  name: 'lazy-import-in-the-middle',
  setup(build) {
    build.onResolve({ filter: /^import-in-the-middle$/ }, (args) =>
      args.namespace === 'lazy-iitm' ? { path: 'import-in-the-middle', external: true } : { path: 'lazy', namespace: 'lazy-iitm' });
    build.onLoad({ filter: /.*/, namespace: 'lazy-iitm' }, () => ({ contents: LAZY_IITM, loader: 'js' }));
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
  sourcemap: true,
  legalComments: 'eof',
  logLevel: 'warning',
}).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
