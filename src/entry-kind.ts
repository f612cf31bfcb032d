import { readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/**
 * Whether the app's main script is an ES module: `.mjs`/`.mts`, or `.js` (or no extension) under a package.json
 * whose `type` is `module`. Under `--require`, the libraries such an app loads with `import` never pass through
 * `require`, so they are not instrumented: the preload says so. Reads at most a few package.json files, once.
 */
export function isEsModuleEntry(main: string | undefined): boolean {
  if (main === undefined || main === '') return false;
  const extension = extname(main);
  if (extension === '.mjs' || extension === '.mts') return true;
  if (extension !== '.js' && extension !== '') return false;
  let dir = dirname(main);
  for (let depth = 0; depth < 32; depth++) {
    try {
      const type = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: unknown }).type;
      return type === 'module';
    } catch {
      // no (readable) package.json here: the next folder up decides
    }
    const parent = dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
  return false;
}
