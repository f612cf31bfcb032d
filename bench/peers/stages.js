'use strict';
// `npm run bench:stages`: where each tracer's CPU goes, per request and by stage, for untraced, vanilla OTel and
// otel-xray. The app is loaded like bench:peers' load phase (pinned to core 0, autocannon on core 1) and, over the
// measured window only, profiled by V8's sampling CPU profiler (bench/peers/profiler.js, 50 µs). Each sample's
// self time goes to a stage by its source file: the bundle's lines are mapped to files by esbuild's
// `// src/…` / `// node_modules/…` section comments. Node-internal and native frames count toward their nearest
// JS caller: a tracer frame's stage, else base (AsyncLocalStorage's internals are context). Each run is then
// scaled so that its base equals the median base of the untraced runs of the same scenario (profiling inflates
// CPU, unevenly between runs).
// Options: --rounds N (3) --seconds N (5) --warmup N (2) --scenarios http/hello,express/call (framework/route)
//          --keep DIR (keep the .cpuprofile files there)
// Prints the table and writes it into bench/RESULTS.md between <!-- stages:start --> and <!-- stages:end -->.
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { variants: makeVariants } = require('./variants');
const { drive } = require('./load');
const { startPinned, startSink, stop, cpuMicros, ask, sleep } = require('./proc');
const { median } = require('../stats');
const { commit, replaceResultsSection } = require('./report');

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    scenarios: { type: 'string', default: 'http/hello,http/call,express/hello,express/call' },
    keep: { type: 'string' },
  },
});
const NAMES = ['untraced', 'vanilla-otel', 'otel-xray'];
const CONNECTIONS = 10;
const SAMPLING_MICROS = 50;
const PROFILER = join(__dirname, 'profiler.js');
const BUILD = `${realpathSync(join(__dirname, '..', '..', 'build'))}/`;
const START = '<!-- stages:start -->';
const END = '<!-- stages:end -->';

// Stages, in table order, each with the source paths it owns: `src/…` (ours), or a path from its last
// `node_modules/`. The first match wins.
const TRACER_STAGES = [
  ['processor', /^@opentelemetry\/sdk-trace[^/]*\/build\/src\/(.*\/)?(export\/|MultiSpanProcessor)|^src\/(span-processor|span-exporter|exit-flush)\.ts|^src\/assemble\//],
  ['instrumentation', /^@opentelemetry\/(instrumentation|sdk-node)|^(require-in-the-middle|import-in-the-middle|shimmer|module-details-from-path|forwarded-parse)\/|^src\/(lazy-import-in-the-middle\.ts|patch\/)/],
  ['request hooks', /^src\/(instrumentations|response-size|request-target)\.ts|^src\/ignore\//],
  ['context', /^@opentelemetry\/context-async-hooks\//],
  ['span', /^@opentelemetry\/(sdk-trace|core|api|resources|semantic-conventions|id-generator-aws-xray|propagator-aws-xray)|^src\/(sampling|propagation)\//],
  ['translate', /^src\/(translate|naming|attributes)\/|^src\/(limits|attribute-keys|url-parts|redact-query|own-code)\.ts/],
  ['serialize', /^src\/pack\//],
  ['send', /^src\/(emit\/|wire\.ts)/],
];
const COLUMNS = ['instrumentation', 'request hooks', 'context', 'span', 'processor', 'translate', 'serialize', 'send', 'other'];
const INHERIT = 'inherit'; // Node-internal or native: its caller's stage
const SKIP = 'skip'; // idle, or the profiler itself
const RELAY = 'context relay';
// Node's AsyncLocalStorage and async_hooks' hook dispatch are context, with the natives they call directly; the
// rest of what they call (the callback of `run`) is their caller's. The rest of async_hooks (the callback
// trampoline every I/O callback enters) is plain Node.
const CONTEXT_RELAY = /^node:(async_hooks|internal\/async_local_storage|internal\/async_context_frame)/;
const ASYNC_HOOKS_DISPATCH = /^(emit(Init|Before|After|Destroy|PromiseResolve)|lookupPublicResource)/;

// --- classification ---------------------------------------------------------------------------------------------

const sectionCache = new Map();
/** [line (0-based), source path] of each esbuild section comment of a bundle, in line order. */
function sections(file) {
  if (!sectionCache.has(file)) {
    const found = [];
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      const match = /^\/\/ (\S+\.(?:ts|js|cjs|mjs|json))$/.exec(line);
      if (match) found.push([i, match[1]]);
    });
    sectionCache.set(file, found);
  }
  return sectionCache.get(file);
}

/** The source path a bundle line comes from: `src/…` or `…node_modules/…`. */
function bundleSource(file, line) {
  const found = sections(file);
  let lo = 0;
  let hi = found.length - 1;
  let source = '';
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (found[mid][0] <= line) {
      source = found[mid][1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return source;
}

/** A tracer stage for a path relative to the package root or node_modules, 'other' for the rest of the tracer, or base. */
function stageOfSource(source, inTracerBundle) {
  const at = source.lastIndexOf('node_modules/');
  const path = at === -1 ? source : source.slice(at + 'node_modules/'.length);
  for (const [stage, pattern] of TRACER_STAGES) if (pattern.test(path)) return stage;
  return inTracerBundle || path.startsWith('@opentelemetry/') ? 'other' : 'base';
}

function stageOfFrame({ url, functionName, lineNumber }) {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return SKIP;
    if (functionName === '(program)' || functionName === '(root)') return 'base';
    return INHERIT;
  }
  if (url.startsWith('node:')) {
    if (/dgram|udp/.test(url)) return 'send';
    if (CONTEXT_RELAY.test(url) || (url === 'node:internal/async_hooks' && ASYNC_HOOKS_DISPATCH.test(functionName))) return RELAY;
    return INHERIT;
  }
  // Files loaded by require() have file:// URLs; the bundle compiled with its code cache (load-bundle.js), a path.
  let file;
  if (url.startsWith('file://')) file = decodeURIComponent(url.slice('file://'.length));
  else if (url.startsWith('/')) file = url;
  else return INHERIT;
  if (file === PROFILER) return SKIP;
  if (file.endsWith('/bench/peers/vanilla-otel.js')) return 'processor'; // vanilla's no-op exporter
  if (file.startsWith(BUILD)) {
    const source = bundleSource(file, lineNumber);
    return source ? stageOfSource(source, true) : INHERIT; // esbuild's helpers (export getters) at the top: the caller's
  }
  return stageOfSource(file, false);
}

/** µs of self time per stage in one .cpuprofile. */
function stagesOfProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children || []) parents.set(child, node.id);
  const own = new Map(profile.nodes.map((node) => [node.id, stageOfFrame(node.callFrame)]));
  const isNative = (id) => nodes.get(id).callFrame.url === '';
  const memo = { true: new Map(), false: new Map() };
  // The stage of a frame's nearest caller that has one. A relay (AsyncLocalStorage, async_hooks dispatch) keeps the
  // natives it calls directly as context, and passes anything else on to its own caller.
  const inherited = (id, native) => {
    if (!memo[native].has(id)) {
      const parent = parents.get(id);
      const stage = parent === undefined ? 'base'
        : own.get(parent) === RELAY ? (native ? 'context' : inherited(parent, false))
          : own.get(parent) === INHERIT ? inherited(parent, native && isNative(parent)) : own.get(parent);
      memo[native].set(id, stage);
    }
    return memo[native].get(id);
  };
  const stageOf = (id) => (own.get(id) === RELAY ? 'context' : own.get(id) === INHERIT ? inherited(id, isNative(id)) : own.get(id));
  const totals = {};
  const { samples, timeDeltas } = profile;
  // A sample lasts until the next one (the last one: the mean interval).
  const mean = (profile.endTime - profile.startTime) / samples.length;
  for (let i = 0; i < samples.length; i++) {
    const stage = stageOf(samples[i]);
    if (stage !== SKIP) totals[stage] = (totals[stage] || 0) + (i + 1 < samples.length ? timeDeltas[i + 1] : mean);
  }
  return totals;
}

// --- runs -------------------------------------------------------------------------------------------------------

async function profiledRun({ variant, framework, route, backendUrl, file }) {
  const app = startPinned(0, 'app.js', {
    args: ['--require', PROFILER, ...variant.args],
    env: { ...variant.env, BENCH_FRAMEWORK: framework, BENCH_BACKEND: backendUrl },
    ipc: true,
  });
  try {
    const url = `http://127.0.0.1:${await app.listening}/${route}`;
    await drive(url, Number(options.warmup), CONNECTIONS);
    await sleep(300); // let deferred exports of the warm-up land
    await ask(app.child, { 'profile:start': SAMPLING_MICROS }, 'profile:start');
    const cpuBefore = cpuMicros(app.child.pid);
    const result = await drive(url, Number(options.seconds), CONNECTIONS);
    const cpuAfter = cpuMicros(app.child.pid);
    const stopped = await ask(app.child, { 'profile:stop': file }, 'profile:stop');
    if (stopped !== true) throw new Error(`profiler: ${stopped}`);
    const requests = result['2xx'];
    return { requests, errors: result.errors + result.non2xx, cpuPerRequest: (cpuAfter - cpuBefore) / requests, stages: stagesOfProfile(file) };
  } finally {
    await stop(app.child);
  }
}

/** Per scenario and variant: each stage's median over rounds of µs per request, scaled to the untraced base. */
function summarize(runs) {
  const rows = [];
  for (const [scenario, byVariant] of runs) {
    const untracedBase = median(byVariant.get('untraced').map((r) => r.stages.base / r.requests));
    for (const [name, list] of byVariant) {
      const scaled = list.map((r) => {
        const factor = untracedBase / r.stages.base; // µs in the profile → µs per request, at the untraced base
        const row = Object.fromEntries([...COLUMNS, 'GC', 'base'].map((s) => [s, (r.stages[s] || 0) * factor]));
        row.tracer = COLUMNS.reduce((sum, s) => sum + row[s], 0);
        return row;
      });
      const pick = (s) => median(scaled.map((row) => row[s]));
      rows.push({
        scenario, variant: name, cpuPerRequest: median(list.map((r) => r.cpuPerRequest)),
        ...Object.fromEntries([...COLUMNS, 'tracer', 'GC', 'base'].map((s) => [s, pick(s)])),
      });
    }
  }
  return rows;
}

function table(rows) {
  const fmt = (n) => (Number.isFinite(n) ? n.toFixed(1) : '–');
  const lines = [
    `| scenario | variant | ${COLUMNS.join(' | ')} | **tracer** | GC | base | profiled CPU µs/req |`,
    `|---|---|${'---:|'.repeat(COLUMNS.length + 4)}`,
  ];
  for (const row of rows) {
    lines.push(`| ${row.scenario} | ${row.variant} | ${COLUMNS.map((s) => fmt(row[s])).join(' | ')} | **${fmt(row.tracer)}** | ${fmt(row.GC)} | ${fmt(row.base)} | ${fmt(row.cpuPerRequest)} |`);
  }
  return lines.join('\n');
}

function writeSection(markdownTable) {
  const section = [
    START,
    '## Where the CPU goes, by stage (`npm run bench:stages`)',
    '',
    `Node ${process.version}, otel-xray commit ${commit()}, ${new Date().toISOString().slice(0, 10)}. ${options.rounds} interleaved rounds ` +
      `of ${options.seconds} s after ${options.warmup} s of warm-up, ${CONNECTIONS} connections, app pinned to core 0 and load on core 1; ` +
      'µs of CPU per request, medians of the rounds.',
    '',
    [
      'Method: V8\'s sampling CPU profiler in the app (every 50 µs asked, over the measured window only); each',
      'sample, weighted by the time to the next one (a GC pause delays it), goes to the stage of its frame\'s source',
      'file (the bundle\'s lines are mapped to files by esbuild\'s section comments). Node-internal and native frames',
      'count toward their nearest JS caller: a tracer frame\'s stage, else base (app, express, Node; V8\'s',
      '"(program)" too). So Node work reached through a tracer\'s wrapper (the original `emit` under a context-bound',
      'emitter, say) is the tracer\'s; AsyncLocalStorage\'s internals and async_hooks\' hook dispatch are context.',
      '"instrumentation" is the http and express instrumentations and OTel\'s instrumentation base and require',
      'hooks; "request hooks" is ours (src/instrumentations.ts, response-size, request-target); "span" is the SDK,',
      'core, API, resources, id generator, propagators and our sampler; "processor" is BatchSpanProcessor (vanilla)',
      'or our span processor and segment assembly; "other" is tracer code outside these. **tracer** sums those',
      'nine; GC is the whole process\'s. Caveats: profiling inflates CPU, more for deeper stacks and unevenly',
      'between runs ("profiled CPU µs/req", from /proc over the window, against the CPU µs/req of the peers table),',
      'so each run is scaled so that its base equals the median base of the untraced runs of its scenario: the',
      'figures rank stages and compare variants; they are not unprofiled CPU costs. Vanilla OTel exports to a no-op',
      'exporter: it has no translate, serialize or send.',
    ].join(' '),
    '',
    markdownTable,
    END,
  ].join('\n');
  replaceResultsSection(START, END, section);
}

async function main() {
  // The load generator's core, for every thread of this process (autocannon's GC included).
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const dir = options.keep || mkdtempSync(join(os.tmpdir(), 'otel-xray-stages-'));
  mkdirSync(dir, { recursive: true });
  const sink = await startSink();
  const backend = startPinned(1, 'backend.js');
  // proc.js kills every child on exit; the profiles go too, unless kept.
  process.once('exit', () => {
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
  const backendUrl = `http://127.0.0.1:${await backend.listening}`;
  const variants = makeVariants(sink);
  const scenarios = options.scenarios.split(',');

  const runs = new Map(scenarios.map((s) => [s, new Map(NAMES.map((name) => [name, []]))]));
  try {
    for (let round = 0; round < Number(options.rounds); round++) {
      for (const scenario of scenarios) {
        const [framework, route] = scenario.split('/');
        for (let i = 0; i < NAMES.length; i++) {
          const name = NAMES[(i + round) % NAMES.length];
          const file = join(dir, `${framework}-${route}-${name}-${round + 1}.cpuprofile`);
          const run = await profiledRun({ variant: variants[name], framework, route, backendUrl, file });
          runs.get(scenario).get(name).push(run);
          process.stderr.write(`round ${round + 1} ${scenario} ${name}: ${run.requests} requests, ${run.cpuPerRequest.toFixed(1)} µs CPU/req (profiled), errors ${run.errors}\n`);
        }
      }
    }
  } finally {
    await stop(backend.child);
    sink.child.disconnect();
  }
  const markdownTable = table(summarize(runs));
  process.stdout.write(`${markdownTable}\n`);
  writeSection(markdownTable);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
