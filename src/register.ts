// The preload: `node --require otel-xray/register app.js` (or `--import` for ESM apps). Configured by
// environment variables alone. It never throws into the app and never waits on the network.
import { register as registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { componentLogger } from './diag';
import { start } from './start';

const STARTED = Symbol.for('otel-xray.register.started');

function usesImport(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some((flag) => flag === '--import' || flag.startsWith('--import=') || flag === '--experimental-loader' || flag.startsWith('--loader'));
}

try {
  const state = globalThis as unknown as Record<symbol, boolean>;
  if (state[STARTED] !== true) {
    state[STARTED] = true;
    // ESM apps: the instrumentations need the import hook (Node >= 20.6), and are enabled at once since
    // `import` does not pass through `require`; CommonJS apps pay for neither.
    const esm = usesImport() && typeof registerHooks === 'function';
    if (esm) registerHooks('@opentelemetry/instrumentation/hook.mjs', pathToFileURL(__filename));
    start({ eagerInstrumentations: esm });
  }
} catch (err) {
  componentLogger().warn(`tracing is not enabled: ${String(err)}`);
}
