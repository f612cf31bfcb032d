// What the bundle's instrumentations get when they require import-in-the-middle (scripts/bundle.js swaps it in).
// Every instrumentation's enable() makes an import-in-the-middle Hook, even in a CommonJS app where no ES module
// loader runs and the hook can never fire; loading import-in-the-middle costs about 8 ms of start-up. This
// stand-in loads it only when a loader can be active, and otherwise hands out inert hooks.
import { esModuleLoaderPossible } from './loader-flags';

interface RealHook {
  unhook(): void;
}
interface ImportInTheMiddle {
  Hook: new (modules: unknown, options: unknown, hookFn: unknown) => RealHook;
  addHook: (...args: unknown[]) => unknown;
  removeHook: (...args: unknown[]) => unknown;
  createAddHookMessageChannel: unknown;
}

let real: ImportInTheMiddle | undefined;
function load(): ImportInTheMiddle {
  real ??= require('import-in-the-middle') as ImportInTheMiddle;
  return real;
}

class Hook {
  private readonly _hook: RealHook | undefined;
  constructor(modules: unknown, options: unknown, hookFn: unknown) {
    this._hook = esModuleLoaderPossible() ? new (load().Hook)(modules, options, hookFn) : undefined;
  }
  unhook(): void {
    this._hook?.unhook();
  }
}

const lazy = Object.assign(Hook, {
  Hook,
  addHook: (...args: unknown[]): unknown => load().addHook(...args),
  removeHook: (...args: unknown[]): unknown => load().removeHook(...args),
});
Object.defineProperty(lazy, 'createAddHookMessageChannel', { enumerable: true, get: () => load().createAddHookMessageChannel });

export = lazy;
