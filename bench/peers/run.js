'use strict';
// `npm run bench:peers`: otel-xray against what users would pick instead, side by side in one run.
//   load     req/s, p50/p99, CPU µs per request, peak RSS, documents per request, for node:http and express,
//            /hello and /call, variants interleaved and repeated; medians reported
//   startup  time to first response, with and without each preload
//   memory   60 s of load with the daemon down; 10,000-span traces
//   adaptive otel-xray under a 5% rule with anomaly trace capture off and on (what recording unsampled requests
//            costs), http /hello, express /hello and /call, interleaved and repeated like load
// Options: --rounds N --seconds N --warmup N --connections N --phases load,startup,memory,adaptive --variants a,b
//          --scenarios http/hello,express/call (framework/route)
// Writes bench/peers/results.json, the peers section of bench/RESULTS.md and bench/peers-chart.svg.
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { variants: makeVariants } = require('./variants');
const { measureLoad } = require('./load');
const { timeToFirstResponse } = require('./startup');
const { memoryUnderLoad } = require('./memory');
const { startPinned, startSink, stop } = require('./proc');
const { median } = require('../stats');
const { commit, writeReport } = require('./report');

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    'startup-runs': { type: 'string', default: '9' },
    'memory-seconds': { type: 'string', default: '60' },
    phases: { type: 'string', default: 'load,startup,memory,adaptive' },
    scenarios: { type: 'string', default: 'http/hello,http/call,express/hello,express/call' },
    variants: { type: 'string', default: 'untraced,vanilla-otel,otel-xray,aws-xray-sdk,adot' },
  },
});
const rounds = Number(options.rounds);
const seconds = Number(options.seconds);
const warmupSeconds = Number(options.warmup);
const connections = Number(options.connections);
const phases = new Set(options.phases.split(','));
const chosen = options.variants.split(',');

/** Every scenario × variant, `rounds` times, the variants interleaved (A B C, then B C A...); medians per cell. */
async function loadRounds({ scenarios, names, variants, sink, backendUrl, log }) {
  const runs = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const [framework, route] of scenarios) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length];
        const run = await measureLoad({ variant: variants[name], framework, route, sink: sink.child, backendUrl, seconds, warmupSeconds, connections });
        const key = `${framework} ${route} ${name}`;
        if (!runs.has(key)) runs.set(key, { framework, route, variant: name, runs: [] });
        runs.get(key).runs.push(run);
        log(`round ${round + 1} ${key}: ${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99Ms} ms, ${run.cpuMicrosPerRequest.toFixed(1)} µs CPU, traced/req ${run.tracedPerRequest.toFixed(2)}`);
      }
    }
  }
  return [...runs.values()].map((entry) => {
    const pick = (field) => median(entry.runs.map((r) => r[field]));
    return {
      framework: entry.framework, route: entry.route, variant: entry.variant, label: variants[entry.variant].label,
      requestsPerSecond: pick('requestsPerSecond'), p50Ms: pick('p50Ms'), p99Ms: pick('p99Ms'),
      cpuMicrosPerRequest: pick('cpuMicrosPerRequest'), peakRssMb: pick('peakRssMb'),
      tracedPerRequest: pick('tracedPerRequest'), errors: entry.runs.reduce((sum, r) => sum + r.errors, 0),
      rounds: entry.runs.map((r) => Math.round(r.requestsPerSecond)),
      cpuRounds: entry.runs.map((r) => Number(r.cpuMicrosPerRequest.toFixed(1))),
    };
  });
}

async function main() {
  // The load generator's core, for every thread of this process (autocannon's GC included).
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const sink = await startSink();
  const backend = startPinned(1, 'backend.js');
  // On a signal, exit: proc.js kills every child on exit.
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
  const backendUrl = `http://127.0.0.1:${await backend.listening}`;
  const variants = makeVariants(sink);
  // Phases not run this time keep their previous figures.
  const file = join(__dirname, 'results.json');
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const results = {
    load: previous.load || [], startup: previous.startup || [], memory: previous.memory || [], adaptive: previous.adaptive || [],
    settings: previous.settings, adaptiveSettings: previous.adaptiveSettings,
    // The commit and date each phase last ran at: a run of some phases leaves the others' figures, and their dates.
    meta: previous.meta, phaseMeta: { ...previous.phaseMeta },
  };
  if (phases.has('load')) results.load = [];
  if (phases.has('adaptive')) results.adaptive = [];
  if (phases.has('startup')) results.startup = [];
  if (phases.has('memory')) results.memory = [];
  const log = (text) => process.stderr.write(`${text}\n`);

  try {
    if (phases.has('load')) {
      const scenarios = options.scenarios.split(',').map((s) => { const [framework, route] = s.split('/'); return [framework, `/${route}`]; });
      results.load = await loadRounds({ scenarios, names: chosen, variants, sink, backendUrl, log });
    }

    if (phases.has('startup')) {
      const names = [...chosen, ...(chosen.includes('otel-xray') ? ['otel-xray-plugins'] : [])];
      const runs = new Map(names.map((name) => [name, []]));
      for (let i = 0; i < Number(options['startup-runs']); i++) {
        for (const name of names) runs.get(name).push(await timeToFirstResponse({ variant: variants[name], framework: 'express', backendUrl }));
      }
      // What a preload adds: the median of each round's difference to the untraced app's run of the same round.
      const bare = runs.get('untraced');
      const added = (name, key) => (bare === undefined || name === 'untraced' ? undefined : median(runs.get(name).map((run, i) => run[key] - bare[i][key])));
      for (const name of names) {
        const mine = runs.get(name);
        results.startup.push({
          variant: name, label: variants[name].label,
          medianMs: median(mine.map((r) => r.ms)), addedMs: added(name, 'ms'),
          cpuMs: median(mine.map((r) => r.cpuMs)), addedCpuMs: added(name, 'cpuMs'),
          runs: mine.map((r) => Math.round(r.ms)), cpuRuns: mine.map((r) => Math.round(r.cpuMs)),
        });
        log(`startup ${name}: ${median(mine.map((r) => r.ms)).toFixed(1)} ms, ${median(mine.map((r) => r.cpuMs)).toFixed(1)} ms of CPU`);
      }
    }

    if (phases.has('adaptive')) {
      const scenarios = [['http', '/hello'], ['express', '/hello'], ['express', '/call']];
      results.adaptive = await loadRounds({ scenarios, names: ['otel-xray-5pct', 'otel-xray-5pct-capture'], variants, sink, backendUrl, log });
    }

    if (phases.has('memory')) {
      const memorySeconds = Number(options['memory-seconds']);
      const daemonDown = { ...variants['otel-xray'], env: { ...variants['otel-xray'].env, AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9' } };
      const cases = [
        ['untraced, express /hello', variants.untraced, '/hello', memorySeconds],
        ['otel-xray, express /hello, daemon down', daemonDown, '/hello', memorySeconds],
        ['otel-xray, 10,000-span traces', variants['otel-xray'], '/wide', Math.min(memorySeconds, 20)],
        ['otel-xray, 10,000-span traces, daemon down', daemonDown, '/wide', Math.min(memorySeconds, 20)],
      ];
      for (const [label, variant, route, duration] of cases) {
        const run = await memoryUnderLoad({ variant, framework: 'express', route, backendUrl, seconds: duration, connections });
        results.memory.push({ label, route, seconds: duration, ...run });
        log(`memory ${label}: ${run.idleRssMb.toFixed(0)} MB idle, ${run.rssAt5sMb.toFixed(0)} MB at 5 s, ${run.endRssMb.toFixed(0)} MB at end, ${Math.round(run.requestsPerSecond)} req/s`);
      }
    }
  } finally {
    await stop(backend.child);
    sink.child.disconnect();
  }

  if (phases.has('load')) results.settings = { rounds, seconds, warmupSeconds, connections };
  if (phases.has('adaptive')) results.adaptiveSettings = { rounds, seconds, warmupSeconds, connections };
  const now = { commit: commit(), date: new Date().toISOString().slice(0, 10), node: process.version };
  for (const phase of phases) results.phaseMeta[phase] = now;
  if (phases.has('load')) results.meta = now;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeReport(results);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
