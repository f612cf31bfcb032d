import { packageOfSpecifier } from './patched-packages';

/**
 * The packages whose first `require` brings in an instrumentation, by instrumentation name. http and undici
 * (fetch) are in almost every app and are loaded at once; the others only when the app requires their library, so
 * an app pays start-up time only for what it uses (each instrumentation also adds a require hook that every later
 * require goes through). A name ending in `/` is a scope: any package in it.
 */
export const TRIGGER_PACKAGES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  express: ['express'],
  fastify: ['fastify'],
  koa: ['koa'],
  connect: ['connect'],
  'aws-sdk': ['@aws-sdk/', '@smithy/'],
  pg: ['pg', 'pg-pool'],
  mysql2: ['mysql2'],
  ioredis: ['ioredis'],
  mongodb: ['mongodb'],
});

const AT = 0x40;

/**
 * The instrumentations not enabled yet, and which of them a `require(id)` brings in.
 *
 * Why a map and not a test per instrumentation: every require of the process (an express app makes some 280
 * before it listens; large apps, thousands) asks, while its code is still cold. Eight tests per require, each with
 * closures and string building, cost 3 to 5 ms of an express app's start-up; naming the package once and looking it
 * up costs a tenth of that.
 */
export class WaitingInstrumentations {
  /** Each package (or scope, ending in `/`), and the instrumentation it brings in. */
  private readonly _byPackage = new Map<string, string>();

  constructor(names: readonly string[]) {
    for (const name of names) for (const pkg of TRIGGER_PACKAGES[name] ?? []) this._byPackage.set(pkg, name);
  }

  /** Whether any instrumentation still waits. */
  get empty(): boolean {
    return this._byPackage.size === 0;
  }

  /**
   * The instrumentation that `require(id)` brings in, which stops waiting; undefined for most requires. `id` is
   * a package (`express`), a file in one (`express/lib/router`, a scope's `@aws-sdk/client-s3`), or a path into a
   * `node_modules` folder (`require(require.resolve('express'))`).
   */
  take(id: string): string | undefined {
    if (this._byPackage.size === 0) return undefined;
    const name = this._byName(id) ?? (id.includes('node_modules') ? this._byPath(id) : undefined);
    if (name !== undefined) this._forget(name);
    return name;
  }

  /** Nothing waits any more. */
  clear(): void {
    this._byPackage.clear();
  }

  private _byName(id: string): string | undefined {
    const pkg = packageOfSpecifier(id);
    if (pkg === undefined) return undefined;
    const exact = this._byPackage.get(pkg);
    if (exact !== undefined || pkg.charCodeAt(0) !== AT) return exact;
    return this._byPackage.get(pkg.slice(0, pkg.indexOf('/') + 1));
  }

  private _byPath(id: string): string | undefined {
    const path = id.replace(/\\/g, '/');
    for (const [pkg, name] of this._byPackage) {
      if (path.includes(`/node_modules/${pkg.endsWith('/') ? pkg : `${pkg}/`}`)) return name;
    }
    return undefined;
  }

  private _forget(name: string): void {
    for (const [pkg, waiting] of this._byPackage) if (waiting === name) this._byPackage.delete(pkg);
  }
}
