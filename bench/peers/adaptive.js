'use strict';
// `npm run bench:adaptive`: what anomaly trace capture costs. otel-xray under a 5% sampling rule, with capture
// off and on (AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG), interleaved over rounds, on the peers suite's apps, load
// generator and core pinning. With capture on, the spans of the 95% of requests that are not sampled are recorded
// (not sent) so that an anomalous one could be: this is the price of that. Prints a table; medians of the rounds.
//   node bench/peers/adaptive.js [--rounds 5] [--seconds 8] [--warmup 3] [--connections 10]
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { measureLoad } = require('./load');
const { startPinned, startSink, stop } = require('./proc');
const { median } = require('../stats');

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
  },
});

const REGISTER = join(__dirname, '..', '..', 'register.js');
const FIVE_PERCENT = JSON.stringify({ version: 2, rules: [], default: { fixed_target: 0, rate: 0.05 } });


async function main() {
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const sink = await startSink();
  const sinkChild = sink.child;
  const backend = startPinned(1, 'backend.js');
  process.once('exit', () => {
    for (const child of [sinkChild, backend.child]) if (child.exitCode === null) child.kill('SIGKILL');
  });
  const backendUrl = `http://127.0.0.1:${await backend.listening}`;
  const base = {
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${sink.udpPort}`, OTEL_SERVICE_NAME: 'bench-app', AWS_XRAY_SAMPLING_RULES: FIVE_PERCENT,
    AWS_XRAY_LOG_LEVEL: 'error',
  };
  const variants = {
    'capture off': { label: 'capture off', args: ['--require', REGISTER], env: base },
    'capture on': { label: 'capture on', args: ['--require', REGISTER], env: { ...base, AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG: '{"version": 1}' } },
  };
  const names = Object.keys(variants);
  const scenarios = [['http', '/hello'], ['express', '/hello'], ['express', '/call']];
  const runs = new Map();
  try {
    for (let round = 0; round < Number(options.rounds); round++) {
      for (const [framework, route] of scenarios) {
        for (let i = 0; i < names.length; i++) {
          const name = names[(i + round) % names.length];
          const run = await measureLoad({
            variant: variants[name], framework, route, sink: sinkChild, backendUrl,
            seconds: Number(options.seconds), warmupSeconds: Number(options.warmup), connections: Number(options.connections),
          });
          const key = `${framework} ${route}`;
          if (!runs.has(key)) runs.set(key, new Map(names.map((n) => [n, []])));
          runs.get(key).get(name).push(run);
          process.stderr.write(`round ${round + 1} ${key} ${name}: ${Math.round(run.requestsPerSecond)} req/s, ${run.cpuMicrosPerRequest.toFixed(1)} µs CPU/req, RSS ${run.peakRssMb.toFixed(0)} MB\n`);
        }
      }
    }
  } finally {
    await stop(backend.child);
    sinkChild.disconnect();
  }
  console.log(`\notel-xray, 5% sampling rule, anomaly trace capture off vs on (${options.rounds} rounds, ${options.seconds} s each, medians)\n`);
  console.log('| scenario | off: req/s | on: req/s | on/off | off: CPU µs/req | on: CPU µs/req | off: peak RSS MB | on: peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [key, byVariant] of runs) {
    const pick = (name, field) => median(byVariant.get(name).map((r) => r[field]));
    const off = pick('capture off', 'requestsPerSecond');
    const on = pick('capture on', 'requestsPerSecond');
    console.log(`| ${key} | ${Math.round(off)} | ${Math.round(on)} | ${(on / off).toFixed(2)} | ${pick('capture off', 'cpuMicrosPerRequest').toFixed(1)} | ${pick('capture on', 'cpuMicrosPerRequest').toFixed(1)} | ${pick('capture off', 'peakRssMb').toFixed(0)} | ${pick('capture on', 'peakRssMb').toFixed(0)} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
