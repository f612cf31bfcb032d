// The preload: `node --require otel-xray/register app.js` (or `--import` for ESM apps). Configured by
// environment variables alone. It never throws into the app and never waits on the network.
import { componentLogger } from './diag';
import { esModuleLoaderPossible } from './loader-flags';
import { start } from './start';

const STARTED = Symbol.for('otel-xray.register.started');

/** Starts tracing from the environment, once per process however often it is called. Never throws. */
export function registerPreload(): void {
  try {
    const state = globalThis as unknown as Record<symbol, boolean>;
    if (state[STARTED] !== true) {
      state[STARTED] = true;
      start({}, process.env, { esm: esModuleLoaderPossible() });
    }
  } catch (err) {
    componentLogger().warn(`tracing is not enabled: ${String(err)}`);
  }
}
