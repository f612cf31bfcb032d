// The preload: `node --require otel-xray/register app.js` (or `--import` for ESM apps). Configured by
// environment variables alone. It never throws into the app and never waits on the network.
import { componentLogger } from './diag';
import { start } from './start';

const STARTED = Symbol.for('otel-xray.register.started');

/** Started with `--import` (directly or through NODE_OPTIONS): an ES module app. */
function usesImport(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some((flag) => /^--(import|loader|experimental-loader)(=|$)/.test(flag));
}

/** Starts tracing from the environment, once per process however often it is called. Never throws. */
export function registerPreload(): void {
  try {
    const state = globalThis as unknown as Record<symbol, boolean>;
    if (state[STARTED] !== true) {
      state[STARTED] = true;
      start({}, process.env, { esm: usesImport() });
    }
  } catch (err) {
    componentLogger().warn(`tracing is not enabled: ${String(err)}`);
  }
}
