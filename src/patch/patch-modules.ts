import { dirname, extname, relative, resolve, sep } from 'node:path';
import { componentLogger, quoteNames } from '../diag';
import { wrapInSubsegment } from '../recorder/recorder';

/** Options of patchModules(). */
export interface PatchModulesOptions {
  /**
   * Modules left alone: regular expressions (or their source text) matched against a module's path relative to
   * the working directory, without its extension and with `/` separators (`lib/orders/internal`).
   * `AWS_XRAY_IGNORE_MODULE_PATTERNS`.
   */
  readonly ignore?: ReadonlyArray<RegExp | string>;
  /** Where the specifiers came from, for warnings (`AWS_XRAY_PATCH_MODULES`). Default `patchModules`. */
  readonly source?: string;
  /** Where the ignore patterns came from, for warnings (`AWS_XRAY_IGNORE_MODULE_PATTERNS`). Default `patchModules`. */
  readonly ignoreSource?: string;
}

interface Target {
  /** A file: only it is patched. A folder (a package, or a module that is an index file): every module under it. */
  readonly root: string;
  readonly isFolder: boolean;
  readonly ignore: readonly RegExp[];
}

const PATCHED = Symbol.for('otel-xray.patched');
const STATE_KEY = Symbol.for('otel-xray.patch-modules');

interface State {
  targets: Target[];
  hooked: boolean;
}

function state(): State {
  const holder = globalThis as unknown as Record<symbol, State | undefined>;
  return (holder[STATE_KEY] ??= { targets: [], hooked: false });
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

function isClass(fn: AnyFunction): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** `fn` in a subsegment named `name` inside a trace; untraced and silent outside one. Marked, so never wrapped twice. */
function traced(name: string, fn: AnyFunction): AnyFunction {
  const wrapped = wrapInSubsegment(name, fn, true);
  (wrapped as unknown as Record<symbol, boolean>)[PATCHED] = true;
  return wrapped;
}

/** A class, or an ES5-style constructor (methods on its prototype). */
function isConstructor(fn: AnyFunction): boolean {
  if (isClass(fn)) return true;
  const proto = fn.prototype as object | undefined;
  return proto !== undefined && proto !== null && Object.getOwnPropertyNames(proto).some((k) => k !== 'constructor');
}

function patchClass(cls: AnyFunction, label: string): void {
  const proto = cls.prototype as Record<string, unknown> | undefined;
  for (const [holder, prefix] of [[proto, `${label}.${cls.name}`], [cls, `${label}.${cls.name}`]] as const) {
    if (holder === undefined || holder === null) continue;
    for (const key of Object.getOwnPropertyNames(holder)) {
      if (key === 'constructor' || key === 'prototype' || key === 'length' || key === 'name') continue;
      const descriptor = Object.getOwnPropertyDescriptor(holder, key);
      const value = descriptor?.value as AnyFunction | undefined;
      if (descriptor === undefined || typeof value !== 'function' || !descriptor.writable || !descriptor.configurable || isClass(value)) continue;
      if ((value as unknown as Record<symbol, boolean>)[PATCHED] === true) continue;
      Object.defineProperty(holder, key, { ...descriptor, value: traced(`${prefix}.${key}`, value) });
    }
  }
}

/** Wraps every exported function and class method of a loaded module. */
function patchModule(mod: { exports: unknown }, label: string): void {
  const exported = mod.exports as Record<string, unknown> | AnyFunction | null | undefined;
  if (exported === null || exported === undefined || (exported as unknown as Record<symbol, boolean>)[PATCHED] === true) return;
  if (!Object.isExtensible(exported)) return; // frozen or sealed exports are left as they are
  if (typeof exported === 'function') {
    if (isConstructor(exported)) {
      patchClass(exported, label);
    } else {
      const wrapped = traced(`${label}.${exported.name || 'default'}`, exported);
      for (const key of Object.getOwnPropertyNames(exported)) {
        if (key in wrapped && !Object.getOwnPropertyDescriptor(wrapped, key)?.configurable) continue;
        const descriptor = Object.getOwnPropertyDescriptor(exported, key);
        if (descriptor !== undefined && key !== 'name' && key !== 'length' && key !== 'prototype') Object.defineProperty(wrapped, key, descriptor);
      }
      mod.exports = wrapped;
    }
    return;
  }
  if (typeof exported !== 'object') return;
  for (const key of Object.keys(exported)) {
    const descriptor = Object.getOwnPropertyDescriptor(exported, key);
    // Getters are re-exports (TypeScript's output): the module they come from is patched on its own.
    const value = descriptor?.value as AnyFunction | undefined;
    if (descriptor === undefined || typeof value !== 'function' || !descriptor.writable) continue;
    if (isConstructor(value)) patchClass(value, label);
    else if ((value as unknown as Record<symbol, boolean>)[PATCHED] !== true) exported[key] = traced(`${label}.${key}`, value);
  }
  Object.defineProperty(exported, PATCHED, { value: true });
}

/** The module's name for ignore patterns: its path relative to the working directory, `/`-separated, no extension. */
function moduleName(filename: string): string {
  const rel = relative(process.cwd(), filename).split(sep).join('/');
  return rel.slice(0, rel.length - extname(rel).length);
}

function targetOf(filename: string): Target | undefined {
  for (const target of state().targets) {
    if (!target.isFolder) {
      if (filename !== target.root) continue;
    } else if (!filename.startsWith(target.root + sep)) {
      continue;
    }
    if (filename.slice(target.root.length).includes(`${sep}node_modules${sep}`)) continue;
    const name = moduleName(filename);
    if (target.ignore.some((pattern) => pattern.test(name))) continue;
    return target;
  }
  return undefined;
}

function label(filename: string): string {
  const base = filename.slice(filename.lastIndexOf(sep) + 1);
  const bare = base.slice(0, base.length - extname(base).length);
  return bare === 'index' ? dirname(filename).slice(dirname(filename).lastIndexOf(sep) + 1) : bare;
}

function install(): void {
  const s = state();
  if (s.hooked) return;
  s.hooked = true;
  const Module = require('node:module') as unknown as { prototype: { load: (this: { exports: unknown }, filename: string) => void } };
  const original = Module.prototype.load;
  Module.prototype.load = function loadAndPatch(this: { exports: unknown }, filename: string): void {
    original.call(this, filename);
    try {
      if (targetOf(filename) !== undefined) patchModule(this, label(filename));
    } catch (err) {
      componentLogger().warn(`module ${filename} could not be patched: ${String(err)}`);
    }
  };
}

/**
 * Wraps every exported function and class method of the given modules (a file alone; a package or a folder's
 * index with every module under that folder) in a subsegment named `<module>.<function>` (`orders.createOrder`, `orders.OrderService.total`), as the
 * X-Ray SDK's patching of local modules does. Specifiers are paths relative to the working directory
 * (`./lib/orders`) or package names. Modules already loaded are patched in place; the others when loaded.
 * Calls outside any trace run untraced. A module that cannot be found gives one warning.
 */
export function patchModules(specifiers: readonly string[], options: PatchModulesOptions = {}): void {
  const ignore: RegExp[] = [];
  const badPatterns: string[] = [];
  const missing: string[] = [];
  for (const pattern of options.ignore ?? []) {
    if (pattern instanceof RegExp) {
      ignore.push(pattern);
      continue;
    }
    try {
      ignore.push(new RegExp(pattern));
    } catch {
      badPatterns.push(String(pattern));
    }
  }
  // One line per kind of problem, naming where the values came from: a long list must not flood the log.
  if (badPatterns.length > 0) {
    componentLogger().warn(`${options.ignoreSource ?? 'patchModules'}: ${quoteNames(badPatterns)} ${badPatterns.length === 1 ? 'is not a regular expression' : 'are not regular expressions'}; left out`);
  }
  const s = state();
  for (const specifier of specifiers) {
    let file: string;
    try {
      const request = specifier.startsWith('.') || specifier.startsWith('/') ? resolve(process.cwd(), specifier) : specifier;
      file = require.resolve(request, { paths: [process.cwd()] });
    } catch {
      missing.push(specifier);
      continue;
    }
    // As the SDK's patching: a module is patched alone, a package (a folder) with its submodules, recursively.
    const isFolder = /^index\.[cm]?js$/.test(file.slice(file.lastIndexOf(sep) + 1)) || !(specifier.startsWith('.') || specifier.startsWith('/'));
    s.targets.push({ root: isFolder ? dirname(file) : file, isFolder, ignore });
  }
  if (missing.length > 0) {
    componentLogger().warn(`${options.source ?? 'patchModules'}: ${quoteNames(missing)} cannot be found from ${process.cwd()}; not patched`);
  }
  install();
  const cache = require.cache;
  for (const filename of Object.keys(cache)) {
    const loaded = cache[filename];
    if (loaded === undefined || !loaded.loaded || targetOf(filename) === undefined) continue;
    try {
      patchModule(loaded, label(filename));
    } catch (err) {
      componentLogger().warn(`module ${filename} could not be patched: ${String(err)}`);
    }
  }
}
