// What build/bundle/otel-xray.js holds: the public API, plus the preload's entry for register.js. One file for
// both, so `require('otel-xray')` in an app started with `--require otel-xray/register` shares the preload's state.
export * from './index';
export { registerPreload } from './register';
export { runCli } from './cli/index';
// For the repository's samples, which print traces as `otel-xray local --tail` does (not part of the public API).
export { isSegmentDocument, TraceStore } from './local/trace-store';
export { formatTrace } from './local/trace-tree';
