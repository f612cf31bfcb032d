'use strict';
// Time to first response: from spawning `node [preload] app.js` to the first 200 on /hello, polled every 2 ms, and
// the CPU time the app had used by then (all its threads). On a VM whose speed and scheduling swing, CPU time is
// the steadier measure of what a preload adds; wall time is what a user waits.
const http = require('node:http');
const { startPinned, stop, sleep, cpuMillisAllThreads } = require('./proc');

function get(port) {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/hello', agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200));
    });
    request.on('error', () => resolve(false));
  });
}

async function timeToFirstResponse({ variant, framework, backendUrl }) {
  const app = startPinned(0, 'app.js', {
    args: variant.args,
    env: { ...variant.env, BENCH_FRAMEWORK: framework, BENCH_BACKEND: backendUrl },
  });
  try {
    const port = await app.listening;
    while (!(await get(port))) await sleep(2);
    const ms = Number(process.hrtime.bigint() - app.started) / 1e6;
    return { ms, cpuMs: cpuMillisAllThreads(app.child.pid) };
  } finally {
    await stop(app.child);
  }
}

module.exports = { timeToFirstResponse };
