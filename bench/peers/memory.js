'use strict';
// Memory under sustained load: RSS of the app sampled every second while autocannon drives it.
const autocannon = require('autocannon');
const { startPinned, memory, stop, sleep } = require('./proc');

async function memoryUnderLoad({ variant, framework, route, backendUrl, seconds, connections }) {
  const app = startPinned(0, 'app.js', {
    args: variant.args,
    env: { ...variant.env, BENCH_FRAMEWORK: framework, BENCH_BACKEND: backendUrl },
  });
  try {
    const port = await app.listening;
    await sleep(200);
    const idle = memory(app.child.pid).rssMb;
    const samples = [];
    const timer = setInterval(() => {
      try {
        samples.push(memory(app.child.pid).rssMb);
      } catch {
        // the app is gone: the run reports what it has
      }
    }, 1000);
    const result = await autocannon({ url: `http://127.0.0.1:${port}${route}`, connections, duration: seconds });
    clearInterval(timer);
    const end = memory(app.child.pid);
    const afterWarmup = samples[Math.min(4, samples.length - 1)];
    return {
      requestsPerSecond: result['2xx'] / result.duration,
      errors: result.errors + result.non2xx,
      idleRssMb: idle,
      rssAt5sMb: afterWarmup,
      endRssMb: end.rssMb,
      peakRssMb: end.peakRssMb,
      growthSince5sMb: end.rssMb - afterWarmup,
      samples,
    };
  } finally {
    await stop(app.child);
  }
}

module.exports = { memoryUnderLoad };
