'use strict';
// A copy of register.js that times itself, for the breakdown in bench/lambda-cold-start.bench.js:
// `node --require bench/lambda/timed-register.js` loads and starts otel-xray exactly as the preload does, and writes
// one line to stderr: when the preload began (ms since process start), how long require() of the bundle took and
// how long registerPreload() (configuration, tracer provider, instrumentations, exporter socket) took.
const { performance } = require('node:perf_hooks');

const begin = performance.now();
const otelXray = require('../../build/bundle/otel-xray.js');
const loaded = performance.now();
otelXray.registerPreload();
const started = performance.now();
process.stderr.write(
  `otel-xray-bench-breakdown ${JSON.stringify({ preloadBeganMillis: begin, requireMillis: loaded - begin, startMillis: started - loaded })}\n`,
);
