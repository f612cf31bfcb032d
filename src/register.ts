// The preload: `node --require otel-xray/register app.js` (or `--import` for ESM apps). Configured by
// environment variables alone. It never throws into the app and never waits on the network.
import { basename } from 'node:path';
import { componentLogger } from './diag';
import { isEsModuleEntry } from './entry-kind';
import { esModuleLoaderPossible } from './loader-flags';
import { start } from './start';
import { inLambda } from './config/xray-config';
import { lambdaHandlerIsEsModule } from './lambda/setup';

const STARTED = Symbol.for('otel-xray.register.started');

/** Starts tracing from the environment, once per process however often it is called. Never throws. */
export function registerPreload(): void {
  try {
    const state = globalThis as unknown as Record<symbol, boolean>;
    if (state[STARTED] === true) {
      componentLogger().warn('the otel-xray preload was loaded twice (--require and --import, or twice in NODE_OPTIONS?); the first one keeps tracing');
      return;
    }
    state[STARTED] = true;
    const esm = esModuleLoaderPossible();
    if (!esm && isEsModuleEntry(process.argv[1])) {
      componentLogger().warn(
        `${basename(process.argv[1] as string)} is an ES module: under --require, the libraries it loads with import (express, koa, fastify …) are not instrumented; start it with node --import otel-xray/register`,
      );
    }
    if (!esm && inLambda(process.env) && lambdaHandlerIsEsModule(process.env)) {
      componentLogger().warn(
        `the Lambda handler ${process.env._HANDLER ?? ''} is an ES module, which the runtime loads with import(): under --require it is not wrapped (no handler subsegment) and the libraries it imports are not instrumented; set NODE_OPTIONS=--import otel-xray/register`,
      );
    }
    start({}, process.env, { esm, preload: true });
  } catch (err) {
    componentLogger().warn(`tracing is not enabled: ${String(err)}`);
  }
}
