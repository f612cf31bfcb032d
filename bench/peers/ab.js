'use strict';
// Paired A/B of two variants on one route, both apps alive all along: the cost of a change without start-up
// between the samples.
//
// bench:peers starts a fresh app for every round, so a round's variants run tens of seconds apart, and this VM's
// speed moves by 2x within that. Here both apps start once, pinned to core 0, are warmed up, and then take turns:
// windows of a few seconds in ABBA order (A B, B A, A B ...), each pair's ratio taken from two windows next to
// each other. One app is idle while the other is loaded.
//
//   node bench/peers/ab.js [--scenario http/hello] [--pairs 12] [--seconds 2] [--warmup 3] [--connections 10]
//                          [--a vanilla-otel] [--b otel-xray] [--a-register FILE] [--b-register FILE]
//
// --a and --b name variants of variants.js (vanilla-udp, not in bench:peers' runs, is vanilla OTel sending the least
// an X-Ray exporter can: one bare segment per request, over UDP). --a-register / --b-register replace otel-xray's register.js with
// another copy's (a build with a change, or with a stage cut out; a path from where you run this), to measure
// what that change costs. Prints each pair, the medians (CPU per request, requests per second, p99 latency) and
// what each variant traced; writes nothing.
const { execFileSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const autocannon = require('autocannon');
const { resolve } = require('node:path');
const { ask, cpuMicros, startPinned, startSink, stop } = require('./proc');
const { variants: makeVariants } = require('./variants');
const { median } = require('../stats');

const { values: options } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'http/hello' },
    pairs: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    a: { type: 'string', default: 'vanilla-otel' },
    b: { type: 'string', default: 'otel-xray' },
    'a-register': { type: 'string' },
    'b-register': { type: 'string' },
  },
});

/** The variant named, with otel-xray's register.js swapped for another file if asked. */
function variantOf(all, name, register) {
  const variant = all[name];
  if (variant === undefined) throw new Error(`no variant "${name}" (one of: ${Object.keys(all).join(', ')})`);
  if (register === undefined) return { ...variant, label: name };
  const file = resolve(register); // the app runs in bench/peers/
  const args = variant.args.map((arg) => (arg.endsWith('register.js') ? file : arg));
  if (!args.includes(file)) throw new Error(`variant "${name}" has no register.js to replace`);
  return { ...variant, args, label: `${name} (${file})` };
}

/** One load window on `app`: its CPU per request and its requests per second. */
async function window(app, seconds, connections) {
  const before = cpuMicros(app.pid);
  const result = await autocannon({ url: app.url, connections, pipelining: 1, duration: seconds });
  const requests = result['2xx'];
  if (requests === 0 || result.non2xx > 0 || result.errors > 0) throw new Error(`${app.label}: ${requests} answered, ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { cpu: (cpuMicros(app.pid) - before) / requests, perSecond: requests / result.duration, p99: result.latency.p99 };
}

async function main() {
  // The load generator's core, for every thread of this process.
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const [framework, route] = options.scenario.split('/');
  const seconds = Number(options.seconds);
  const connections = Number(options.connections);
  const sink = await startSink();
  const backend = startPinned(1, 'backend.js');
  const children = [backend.child];
  try {
    const backendUrl = `http://127.0.0.1:${await backend.listening}`;
    const all = makeVariants(sink);
    const apps = [];
    for (const [name, register] of [[options.a, options['a-register']], [options.b, options['b-register']]]) {
      const variant = variantOf(all, name, register);
      const ipc = variant.countsSpansOverIpc === true;
      const started = startPinned(0, 'app.js', { args: variant.args, env: { ...variant.env, BENCH_FRAMEWORK: framework, BENCH_BACKEND: backendUrl }, ipc });
      children.push(started.child);
      apps.push({ label: variant.label, child: started.child, pid: started.child.pid, ipc, url: `http://127.0.0.1:${await started.listening}/${route}` });
    }
    for (const app of apps) await autocannon({ url: app.url, connections, duration: Number(options.warmup) });

    const cpuRatios = [];
    const rateRatios = [];
    const cpu = [[], []];
    const p99 = [[], []];
    for (let pair = 0; pair < Number(options.pairs); pair++) {
      const result = [];
      for (const k of pair % 2 === 0 ? [0, 1] : [1, 0]) result[k] = await window(apps[k], seconds, connections);
      cpu[0].push(result[0].cpu);
      cpu[1].push(result[1].cpu);
      p99[0].push(result[0].p99);
      p99[1].push(result[1].p99);
      cpuRatios.push(result[1].cpu / result[0].cpu);
      rateRatios.push(result[1].perSecond / result[0].perSecond);
      console.log(`pair ${pair + 1}: A ${result[0].cpu.toFixed(1)} µs/req ${Math.round(result[0].perSecond)} req/s · B ${result[1].cpu.toFixed(1)} µs/req ${Math.round(result[1].perSecond)} req/s · B/A CPU ${cpuRatios.at(-1).toFixed(3)}, req/s ${rateRatios.at(-1).toFixed(3)}`);
    }
    console.log(`${options.scenario}, ${cpuRatios.length} pairs of ${seconds} s, ${connections} connections`);
    console.log(`A = ${apps[0].label}: median ${median(cpu[0]).toFixed(1)} µs CPU/req, p99 ${median(p99[0])} ms`);
    console.log(`B = ${apps[1].label}: median ${median(cpu[1]).toFixed(1)} µs CPU/req, p99 ${median(p99[1])} ms`);
    // That both really traced: spans handed to vanilla's exporter, documents at the daemon stand-in.
    const spans = await Promise.all(apps.filter((app) => app.ipc).map(async (app) => `${app.label}: ${await ask(app.child, 'bench:spans', 'spans')} spans exported`));
    const { documents } = await ask(sink.child, 'stats', 'stats');
    console.log([...spans, `daemon stand-in: ${documents} documents`].join('; '));
    console.log(`B/A, medians of the pairs: CPU/req ${median(cpuRatios).toFixed(3)} (${Math.min(...cpuRatios).toFixed(2)}–${Math.max(...cpuRatios).toFixed(2)}), req/s ${median(rateRatios).toFixed(3)} (${Math.min(...rateRatios).toFixed(2)}–${Math.max(...rateRatios).toFixed(2)})`);
  } finally {
    for (const child of children) await stop(child);
    sink.child.disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
