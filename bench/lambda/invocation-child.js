'use strict';
// Runs in the child of bench/lambda-invocation.bench.js: invokes the handler (wrapped by the preload as Lambda's
// runtime would load it) many times, with the trace header set per invocation as the runtime sets it, and prints
// the timings as JSON.
const { performance } = require('node:perf_hooks');
const { join } = require('node:path');

const handler = require(join(__dirname, 'noop-handler.js')).handler;
const context = { awsRequestId: 'r', functionName: 'bench-fn', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-fn' };
const N = Number(process.env.INVOCATIONS ?? 3000);

async function series(sampled, n) {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    process.env._X_AMZN_TRACE_ID = `Root=1-5759e988-bd862e3fe1be46a9${String(i).padStart(8, '0')};Parent=53995c3f42cd8ad8;Sampled=${sampled}`;
    const start = performance.now();
    await handler({}, context);
    times[i] = performance.now() - start;
  }
  times.sort();
  const at = (q) => times[Math.min(n - 1, Math.floor(n * q))] * 1000;
  return { median: at(0.5), p90: at(0.9), p99: at(0.99) };
}

(async () => {
  await series('1', 500); // warm-up
  const sampled = await series('1', N);
  const notSampled = await series('0', N);
  process.stdout.write(JSON.stringify({ sampled, notSampled }) + '\n');
})();
