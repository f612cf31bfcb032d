import { isBuiltin } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';

/**
 * The packages the enabled instrumentations patch, from their own module definitions, and whether a `require()`
 * made by a library's file may load one of them.
 *
 * Why: OTel's require hook (require-in-the-middle, installed by the first instrumentation enabled) resolves the
 * file of every `require()`, and its package's main file, to learn whether an instrumentation wants it. While
 * express's 270 files load that is about 20 ms of start-up for modules no instrumentation patches. A library's
 * require of a package outside this set can skip the hook; everything else goes through it as before.
 */
export class PatchedPackages {
  private readonly _names = new Set<string>();
  /** Some instrumentation's modules are unknown (or name a file, as Lambda's handler does): nothing skips the hook. */
  private _unknown = false;
  /** The package of each requiring module seen (null: none, the app's own file); weak, so it never holds a module. */
  private readonly _parents = new WeakMap<object, string | null>();

  add(instrumentation: Instrumentation): void {
    // Public API of InstrumentationBase (it calls init() again, which only builds the definitions).
    const definitions = (instrumentation as { getModuleDefinitions?: () => ReadonlyArray<{ name: string }> }).getModuleDefinitions?.();
    if (definitions === undefined) {
      this._unknown = true;
      return;
    }
    for (const { name } of definitions) {
      const pkg = packageOfSpecifier(name);
      if (pkg === undefined) this._unknown = true;
      else this._names.add(pkg);
    }
  }

  /** An instrumentation whose modules cannot be known (it failed to enable). */
  addUnknown(): void {
    this._unknown = true;
  }

  /**
   * False only when a file inside node_modules requires a package (by name, or by a relative path that stays in
   * node_modules) that no enabled instrumentation patches. The app's own requires always go through the hook (a
   * require hook of the app's may map names), as do built-ins, `#imports` and absolute paths: when unsure, true.
   * `parent` is the requiring module (`this` of `Module.prototype.require`).
   */
  mayLoad(id: string, parent: unknown): boolean {
    if (this._unknown) return true;
    const parentPackage = this._packageOf(parent);
    if (parentPackage === undefined) return true;
    let pkg: string | undefined;
    if (RELATIVE.test(id)) {
      // `./lib/x` stays in the parent's folder, so in its package: no path to resolve (most requires are these).
      pkg = INSIDE.test(id) ? parentPackage : packageOfPath(resolve(dirname((parent as { filename: string }).filename), id));
    } else if (!isBuiltin(id)) {
      pkg = packageOfSpecifier(id);
    }
    return pkg === undefined || this._names.has(pkg);
  }

  /** The package of a module's file, worked out once per module: a module requires several times as it loads. */
  private _packageOf(parent: unknown): string | undefined {
    if (typeof parent !== 'object' || parent === null) return undefined;
    let known = this._parents.get(parent);
    if (known === undefined) {
      const filename = (parent as { filename?: unknown }).filename;
      known = (typeof filename === 'string' ? packageOfPath(filename) : undefined) ?? null;
      this._parents.set(parent, known);
    }
    return known ?? undefined;
  }
}

const RELATIVE = /^\.\.?(?:[\\/]|$)/;
/** A relative specifier that cannot leave its folder: `./` then no `..` and no `node_modules` (a nested package). */
const INSIDE = /^\.[\\/](?!.*(?:\.\.|node_modules))/;
/** A package name at the start of a specifier: `express`, `@aws-sdk/client-s3`; not `#x`, `.x`, `node:x`. */
const PACKAGE_NAME = /^((?:@[^/\\.][^/\\]*\/)?[^/\\.#@:][^/\\:]*)(?:[/\\]|$)/;

/** `express` for `express` and `express/lib/router`, `@aws-sdk/client-s3` for `@aws-sdk/client-s3/dist/x`; undefined for paths. */
export function packageOfSpecifier(id: string): string | undefined {
  if (isAbsolute(id)) return undefined;
  return PACKAGE_NAME.exec(id)?.[1];
}

/** The package a file belongs to: the folder after its last `node_modules`, if any. */
export function packageOfPath(path: string): string | undefined {
  const normalized = path.replace(/\\/g, '/');
  const at = normalized.lastIndexOf('/node_modules/');
  return at < 0 ? undefined : packageOfSpecifier(normalized.slice(at + '/node_modules/'.length));
}
