import { sep } from 'node:path';

/**
 * Where otel-xray's own code lives, as stack frames name it: the package's `build/bundle/` (which holds the OTel
 * SDK and instrumentations too) and `build/src/`, and, when an app runs with --enable-source-maps, the `src/` and
 * `node_modules/@opentelemetry/` paths the bundle's source map points to. Frames there are never the user's bug:
 * the translator leaves them out of `cause` stacks. Empty when the layout is not recognised.
 */
export function ownCodePaths(): readonly string[] {
  cached ??= computeOwnCodePaths(__dirname);
  return cached;
}

let cached: readonly string[] | undefined;

/** `directory` is where this module runs from: `<package>/build/bundle` or `<package>/build/src`. */
export function computeOwnCodePaths(directory: string): readonly string[] {
  const marker = `${sep}build${sep}`;
  const at = `${directory}${sep}`.lastIndexOf(marker);
  if (at === -1) return Object.freeze([]);
  const root = directory.substring(0, at + 1);
  return Object.freeze([
    `${root}build${sep}bundle${sep}`,
    `${root}build${sep}src${sep}`,
    `${root}src${sep}`,
    `${root}register.js`,
    `${root}node_modules${sep}@opentelemetry${sep}`,
  ]);
}
