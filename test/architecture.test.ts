import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';

/**
 * The layering of src: `translate/` uses `naming/`, never the other way round, and both use the readers and limits
 * below them (`attributes/`, `limits.ts`), which use neither. Checked on the import statements of every src file
 * (static, type-only, re-exports, `import()` and `require()`), following imports transitively, so no route through a
 * third module can bring the cycle back.
 */

const ROOT = resolve(__dirname, '../..');

/** Source text by path relative to the repository root, with `/` separators (`src/naming/wildcard.ts`). */
type Sources = ReadonlyMap<string, string>;
/** Imported src files of each src file, same keys. */
type ImportGraph = ReadonlyMap<string, readonly string[]>;

function readSources(): Sources {
  const sources = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) sources.set(relative(ROOT, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(join(ROOT, 'src'));
  return sources;
}

/** The relative module specifiers a file imports, as TypeScript reads them. */
function specifiersOf(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.'));
}

/** Resolves `specifier` from `file` to a key of `sources` (`x` → `x.ts`, `x/index.ts`; `x.js` → `x.ts`). */
function resolveImport(sources: Sources, file: string, specifier: string): string | undefined {
  const base = join(dirname(file), specifier).split(sep).join('/');
  const stem = base.replace(/\.js$/, '');
  for (const candidate of [base, `${stem}.ts`, `${stem}/index.ts`]) if (sources.has(candidate)) return candidate;
  return undefined;
}

function buildGraph(sources: Sources): { graph: ImportGraph; unresolved: string[] } {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const [file, source] of sources) {
    const targets: string[] = [];
    for (const specifier of specifiersOf(source)) {
      const target = resolveImport(sources, file, specifier);
      if (target === undefined) unresolved.push(`${file}: ${specifier}`);
      else targets.push(target);
    }
    graph.set(file, targets);
  }
  return { graph, unresolved };
}

const isUnder = (prefix: string) => (file: string): boolean => file === prefix || file.startsWith(prefix + '/');

/**
 * Every import chain from a file matching `from` that ends in a file matching `forbidden`, each as
 * `a.ts -> b.ts -> c.ts` (shortest per reached file).
 */
function forbiddenRoutes(
  graph: ImportGraph,
  from: (file: string) => boolean,
  forbidden: (file: string) => boolean,
): string[] {
  const routes: string[] = [];
  for (const start of graph.keys()) {
    if (!from(start)) continue;
    const previous = new Map<string, string>([[start, '']]);
    const queue = [start];
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const target of graph.get(file) ?? []) {
        if (previous.has(target)) continue;
        previous.set(target, file);
        if (forbidden(target)) {
          const chain = [target];
          for (let at = file; at !== ''; at = previous.get(at)!) chain.unshift(at);
          routes.push(chain.join(' -> '));
        } else {
          queue.push(target);
        }
      }
    }
  }
  return routes;
}

const inNaming = isUnder('src/naming');
const inTranslate = isUnder('src/translate');
const inLowerLayer = (file: string): boolean => isUnder('src/attributes')(file) || file === 'src/limits.ts';

describe('architecture: naming below translate, attribute readers and limits below both', () => {
  const sources = readSources();
  const { graph, unresolved } = buildGraph(sources);

  it('reads every relative import of src', () => {
    assert.ok(sources.size > 50, `only ${sources.size} files under src`);
    assert.deepEqual(unresolved, []);
    // The parser sees the imports the rule is about: translate uses naming, naming uses the lower layer.
    assert.ok(graph.get('src/translate/translate-span.ts')?.includes('src/naming/subsegment-name.ts'));
    assert.ok(graph.get('src/naming/subsegment-name.ts')?.includes('src/attributes/read.ts'));
    assert.ok(graph.get('src/naming/segment-name.ts')?.includes('src/limits.ts'));
  });

  it('no module under src/naming imports src/translate, directly or through other modules', () => {
    assert.deepEqual(forbiddenRoutes(graph, inNaming, inTranslate), []);
  });

  it('src/attributes and src/limits.ts import neither src/naming nor src/translate', () => {
    assert.deepEqual(forbiddenRoutes(graph, inLowerLayer, (f) => inNaming(f) || inTranslate(f)), []);
  });

  it('the check finds a violation, however it is written', () => {
    const bad = new Map([
      ['src/naming/a.ts', "import type { X } from '../translate/x';"],
      ['src/naming/b.ts', "export { y } from '../attributes/y';"],
      ['src/naming/c.ts', "const z = require('../translate/z');"],
      ['src/naming/d.ts', "async function f() { return import('../translate/x.js'); }"],
      ['src/attributes/y.ts', "import { x } from '../translate/x';"],
      ['src/translate/x.ts', "import { a } from '../naming/a';"],
      ['src/translate/z.ts', ''],
    ]);
    const { graph: badGraph, unresolved: none } = buildGraph(bad);
    assert.deepEqual(none, []);
    assert.deepEqual(forbiddenRoutes(badGraph, inNaming, inTranslate).sort(), [
      'src/naming/a.ts -> src/translate/x.ts',
      'src/naming/b.ts -> src/attributes/y.ts -> src/translate/x.ts',
      'src/naming/c.ts -> src/translate/z.ts',
      'src/naming/d.ts -> src/translate/x.ts',
    ]);
    assert.deepEqual(forbiddenRoutes(badGraph, inLowerLayer, (f) => inNaming(f) || inTranslate(f)), [
      'src/attributes/y.ts -> src/translate/x.ts',
    ]);
  });
});
