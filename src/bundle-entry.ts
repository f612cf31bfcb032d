// What build/bundle/otel-xray.js holds: the public API, plus the preload's entry for register.js. One file for
// both, so `require('otel-xray')` in an app started with `--require otel-xray/register` shares the preload's state.
export * from './index';
export { registerPreload } from './register';
export { runCli } from './cli/index';
