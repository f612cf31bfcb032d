'use strict';
// @opentelemetry/semantic-conventions is a few thousand constants, and the instrumentations' CommonJS builds
// require it whole, so esbuild cannot leave out the ones nobody reads: running its module bodies was a quarter of
// the bundle's load (about 3 ms of every start). The bundle is therefore built twice: the first build shows which
// constants its code reads, the second gets a module of those constants only, with the values of the installed
// package. When the first build uses the module in any other way than `binding.NAME` (passed along whole,
// indexed, its default export), or a value is not plain data, the second build is skipped and the whole module
// stays: correctness never depends on this step.
const SEMCONV = '@opentelemetry/semantic-conventions';
/** The module esbuild bundles for it: the key of its `__commonJS` wrapper. */
const SEMCONV_FILE = 'node_modules/@opentelemetry/semantic-conventions/dist/index.cjs';
/** Where the slim module stands in the second build. */
const SLIM_FILE = `slim-semconv:${SEMCONV}`;

/**
 * The constant names a bundle's code reads from the module that esbuild wrapped under the key `file`, or why they
 * cannot be known.
 */
function semconvNamesRead(text, file) {
  const escaped = file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const factory = new RegExp(`var (\\w+) = __commonJS\\(\\{\\s*"${escaped}"`).exec(text)?.[1];
  if (factory === undefined) return 'its module was not found in the bundle';
  const calls = text.split(`${factory}()`).length - 1;
  const bindings = [...text.matchAll(new RegExp(`var (\\w+) = (?:__toESM\\()?${factory}\\(\\)\\)?;`, 'g'))].map((m) => m[1]);
  // `var { ATTR_A, ATTR_B: alias } = factory();`
  const destructured = [...text.matchAll(new RegExp(`var \\{([\\w$:,\\s]*)\\} = ${factory}\\(\\);`, 'g'))].map((m) => m[1]);
  if (bindings.length + destructured.length !== calls) return `${calls - bindings.length - destructured.length} of its ${calls} requires are not a plain binding`;
  const names = new Set();
  for (const list of destructured) {
    for (const entry of list.split(',')) {
      const name = entry.split(':')[0].trim();
      if (name !== '') names.add(name);
    }
  }
  for (const binding of bindings) {
    for (const m of text.matchAll(new RegExp(`(?<![\\w$.])${binding}(?![\\w$])(\\.[A-Za-z_$][\\w$]*)?`, 'g'))) {
      const declaration = text.startsWith(`var ${binding} = `, m.index - 4);
      if (declaration) continue;
      if (m[1] === undefined) return `${binding} is used whole`;
      names.add(m[1].slice(1));
    }
  }
  if (names.has('default') || names.has('__esModule')) return 'its default export is read';
  return names;
}

/** `{ plugin }`, an esbuild plugin giving the bundle a semantic conventions module of `names` only, or `{ reason }` it cannot. */
function slimSemconv(names) {
  const full = require(SEMCONV);
  const values = {};
  for (const name of [...names].sort()) {
    const value = full[name];
    if (value === undefined) continue; // read but not exported: undefined either way
    if (typeof value !== 'string' && typeof value !== 'number' && (value === null || typeof value !== 'object' || JSON.stringify(value) === undefined)) {
      return { reason: `${name} is not plain data` };
    }
    values[name] = value;
  }
  const contents = `'use strict';\n// The constants of ${SEMCONV} that this bundle reads (scripts/slim-semconv.js).\nmodule.exports = ${JSON.stringify(values, null, 1)};\n`;
  return {
    plugin: {
      name: 'slim-semantic-conventions',
      setup(build) {
        build.onResolve({ filter: /^@opentelemetry\/semantic-conventions$/ }, () => ({ path: SEMCONV, namespace: 'slim-semconv' }));
        build.onLoad({ filter: /.*/, namespace: 'slim-semconv' }, () => ({ contents, loader: 'js' }));
      },
    },
  };
}

module.exports = { SEMCONV, SEMCONV_FILE, SLIM_FILE, semconvNamesRead, slimSemconv };
