'use strict';
// One measured load run: start the app on core 0, warm it up, then drive it with autocannon (running in this
// process, on core 1) and read what it cost and what the receivers got.
const autocannon = require('autocannon');
const { startPinned, cpuMicros, memory, stop, ask, sleep } = require('./proc');

const APP_CORE = 0;

function drive(url, seconds, connections) {
  return autocannon({ url, connections, pipelining: 1, duration: seconds });
}

async function tracedCount(variant, app, sink) {
  if (!variant.args.length && !variant.env.BENCH_TRACER) return 0; // untraced
  if (variant.countsSpansOverIpc) return ask(app, 'bench:spans', 'spans');
  const stats = await ask(sink, 'stats', 'stats');
  return stats.documents + stats.spans;
}

async function measureLoad({ variant, framework, route, sink, backendUrl, seconds, warmupSeconds, connections }) {
  const app = startPinned(APP_CORE, 'app.js', {
    args: variant.args,
    env: { ...variant.env, BENCH_FRAMEWORK: framework, BENCH_BACKEND: backendUrl },
    ipc: true,
  });
  try {
    const port = await app.listening;
    const url = `http://127.0.0.1:${port}${route}`;
    await drive(url, warmupSeconds, connections);
    await sleep(300); // let deferred exports of the warm-up land
    const cpuBefore = cpuMicros(app.child.pid);
    const tracedBefore = await tracedCount(variant, app.child, sink);
    const result = await drive(url, seconds, connections);
    const cpuAfter = cpuMicros(app.child.pid);
    await sleep(300);
    const tracedAfter = await tracedCount(variant, app.child, sink);
    const requests = result['2xx'];
    return {
      requestsPerSecond: requests / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      cpuMicrosPerRequest: (cpuAfter - cpuBefore) / requests,
      peakRssMb: memory(app.child.pid).peakRssMb,
      tracedPerRequest: (tracedAfter - tracedBefore) / requests,
      errors: result.errors + result.non2xx,
    };
  } finally {
    await stop(app.child);
  }
}

module.exports = { measureLoad, drive };
