/**
 * True when an ES module loader can be active in this process: `--import`, `--loader` or `--experimental-loader`
 * on the command line or in NODE_OPTIONS. Decides whether the preload installs the ESM hook, and whether
 * import-in-the-middle is loaded at all (lazy-import-in-the-middle.ts).
 */
export function esModuleLoaderPossible(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some((flag) => /^--(import|loader|experimental-loader)(=|$)/.test(flag));
}
