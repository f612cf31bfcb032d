'use strict';
// Lambda cold start: what the otel-xray preload adds to a function's init, in the local stand-in for the Lambda
// Node.js runtime (test/fixtures/lambda/runtime.cjs, same protocol as test/helpers/lambda-runtime.ts).
//
// The function is bench/lambda/handler.js: AWS SDK v3 DynamoDB and SQS clients created at module load, one http GET
// per invocation to a local server. Each round starts one fresh process per configuration, in a rotated order
// (machine load hits all alike):
//   none      no tracing
//   otel-xray node --require ./register.js, the daemon address on a UDP socket of this bench
//   adot      ADOT JS (bench/peers: `npm --prefix bench/peers ci`) with the Lambda layer's settings, if installed
//   breakdown otel-xray through bench/lambda/timed-register.js: require() of the bundle and start, timed inside
// For each process: wall time from spawn() to the runtime's ready line (parent's clock), the runtime's
// sinceProcessStartMillis (node boot + preload + handler module) and initMillis (handler module load), and the
// first invocation: invoke command written to settled line received. After the first invocation the documents
// that reached the UDP socket are counted (those of the invocation's trace: otel-xray's X-Ray documents, ADOT's
// OTLP datagrams), which proves tracing ran; an otel-xray run without one fails the bench. One untimed warm-up
// round first.
//
// Env: ROUNDS (default 15). Needs `npm run build` (the bundle). Prints a table and one JSON line.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const dgram = require('node:dgram');
const { median } = require('./stats');
const { existsSync, statSync } = require('node:fs');
const http = require('node:http');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

const ROOT = join(__dirname, '..');
const RUNTIME = join(ROOT, 'test/fixtures/lambda/runtime.cjs');
const TASK_ROOT = join(__dirname, 'lambda');
const REGISTER = join(ROOT, 'register.js');
const TIMED_REGISTER = join(TASK_ROOT, 'timed-register.js');
const ADOT_REGISTER = join(__dirname, 'peers/node_modules/@aws/aws-distro-opentelemetry-node-autoinstrumentation/build/src/register.js');
const ROUNDS = Number(process.env.ROUNDS || 15);
/** Time for datagrams already in the kernel to reach the socket; the child is frozen meanwhile. */
const DELIVERY_MILLIS = 100;
const READY_MILLIS = 30_000;
const FUNCTION_NAME = 'bench-function';

const p90 = (values) => values.slice().sort((a, b) => a - b)[Math.max(0, Math.ceil(values.length * 0.9) - 1)];
const delay = (millis) => new Promise((resolve) => setTimeout(resolve, millis));
const fmt = (value) => (Number.isFinite(value) ? value.toFixed(1) : '');

function traceHeader() {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
  return { root, header: `Root=${root};Parent=${randomBytes(8).toString('hex')};Sampled=1` };
}

/** What Lambda puts in a Node.js function's environment (as test/helpers/lambda-runtime.ts), plus dummy keys. */
function lambdaEnv(daemon) {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_NAME,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${FUNCTION_NAME}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/29/[$LATEST]0123456789abcdef',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    AWS_XRAY_DAEMON_ADDRESS: daemon,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHONLY0000000',
    AWS_SECRET_ACCESS_KEY: 'bench-only-not-a-secret',
    AWS_SESSION_TOKEN: 'bench-only',
    LAMBDA_TASK_ROOT: TASK_ROOT,
    LAMBDA_RUNTIME_DIR: join(ROOT, 'test/fixtures/lambda'),
    _HANDLER: 'handler.handler',
    LAMBDA_HARNESS_RIC: 'current',
  };
}

/** ADOT's Lambda layer wrapper (otel-instrument) settings, metrics off; http instrumented too, as otel-xray does. */
function adotEnv() {
  return {
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'aws-lambda,aws-sdk,http',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_SERVICE_NAME: FUNCTION_NAME,
    OTEL_PROPAGATORS: 'tracecontext,baggage,xray',
    OTEL_AWS_APPLICATION_SIGNALS_ENABLED: 'true',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_RESOURCE_ATTRIBUTES: `service.name=${FUNCTION_NAME},cloud.region=us-east-1,cloud.provider=aws,faas.name=${FUNCTION_NAME},faas.version=$LATEST`,
  };
}

/** Starts the runtime with a preload, waits for ready, runs one invocation, counts datagrams, exits. */
async function coldStart(config, daemon, sink, url) {
  const env = { ...lambdaEnv(daemon), ...config.env };
  const args = [...config.args, RUNTIME];
  sink.length = 0;
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { cwd: TASK_ROOT, env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  child.stdin.on('error', () => {});
  const lines = [];
  const waiters = [];
  let pending = '';
  let exited;
  child.stdio[3].setEncoding('utf8').on('data', (chunk) => {
    pending += chunk;
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (text.trim() === '') continue;
      const line = { at: performance.now(), ...JSON.parse(text) };
      const waiter = waiters.shift();
      if (waiter) waiter.resolve(line);
      else lines.push(line);
    }
  });
  const closed = new Promise((resolve) => child.once('close', (code, signal) => resolve(`exited (code ${code}, signal ${signal})`)));
  closed.then((reason) => {
    exited = reason;
    setImmediate(() => waiters.splice(0).forEach((w) => w.reject(new Error(`${config.name}: runtime ${reason}; output:\n${output}`))));
  });
  const nextLine = () =>
    new Promise((resolve, reject) => {
      if (lines.length > 0) return resolve(lines.shift());
      if (exited) return reject(new Error(`${config.name}: runtime ${exited}; output:\n${output}`));
      const timer = setTimeout(() => reject(new Error(`${config.name}: no answer within ${READY_MILLIS} ms; output:\n${output}`)), READY_MILLIS);
      waiters.push({ resolve: (line) => (clearTimeout(timer), resolve(line)), reject: (err) => (clearTimeout(timer), reject(err)) });
    });

  try {
    const ready = await nextLine();
    if (ready.type !== 'ready') throw new Error(`${config.name}: ${JSON.stringify(ready)}; output:\n${output}`);
    const { root, header } = traceHeader();
    const command = { type: 'invoke', invocations: [{ requestId: randomBytes(16).toString('hex'), traceHeader: header, event: { url } }] };
    const invokedAt = performance.now();
    child.stdin.write(JSON.stringify(command) + '\n');
    const settled = await nextLine();
    if (settled.type !== 'settled' || !settled.results[0].ok) throw new Error(`${config.name}: ${JSON.stringify(settled)}; output:\n${output}`);
    await delay(DELIVERY_MILLIS);
    const datagrams = sink.splice(0);
    // Datagrams of the invocation's trace: X-Ray segment documents (header line, JSON), or ADOT's OTLP spans
    // (header line, then 'T1S' or 'T1U' and base64 protobuf, which holds the 16 bytes of the trace id).
    const traceIdBytes = Buffer.from(root.replace(/^1-|-/g, ''), 'hex');
    let documents = 0;
    for (const datagram of datagrams) {
      const text = datagram.toString('utf8');
      const body = text.slice(text.indexOf('\n') + 1);
      try {
        if (body.startsWith('{') ? JSON.parse(body).trace_id === root : Buffer.from(body.slice(3), 'base64').includes(traceIdBytes)) documents += 1;
      } catch {
        // neither
      }
    }
    const breakdownLine = /otel-xray-bench-breakdown (\{.*\})/.exec(output);
    return {
      spawnToReadyMillis: ready.at - spawnedAt,
      sinceProcessStartMillis: ready.sinceProcessStartMillis,
      initMillis: ready.initMillis,
      firstInvokeMillis: settled.at - invokedAt,
      datagrams: datagrams.length,
      documents,
      breakdown: breakdownLine ? JSON.parse(breakdownLine[1]) : undefined,
      output,
    };
  } finally {
    if (!exited) {
      child.stdin.write(JSON.stringify({ type: 'exit' }) + '\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(timer);
    }
  }
}

async function main() {
  if (!existsSync(join(ROOT, 'build/bundle/otel-xray.js'))) throw new Error('build/bundle/otel-xray.js is missing: npm run build first');
  const sink = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message) => sink.push(message));
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const daemon = `127.0.0.1:${socket.address().port}`;
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    res.end('hello from upstream');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/orders`;

  const configs = [
    { name: 'none', label: 'no tracing', args: [], env: {} },
    { name: 'otel-xray', label: 'otel-xray (--require register.js)', args: ['--require', REGISTER], env: {} },
  ];
  let adotSkipped;
  if (existsSync(ADOT_REGISTER)) {
    const adot = { name: 'adot', label: 'ADOT JS 0.13.0 (--require …/register)', args: ['--require', ADOT_REGISTER], env: adotEnv() };
    try {
      const probe = await coldStart(adot, daemon, sink, url);
      if (probe.datagrams === 0) process.stderr.write(`adot: started but sent no datagram; output:\n${probe.output}\n`);
      configs.push(adot);
    } catch (err) {
      adotSkipped = `ADOT could not start: ${err.message.split('\n')[0]}`;
    }
  } else {
    adotSkipped = 'ADOT is not installed (npm --prefix bench/peers ci --no-audit --no-fund)';
  }
  if (adotSkipped) process.stderr.write(`${adotSkipped}; skipped\n`);
  configs.push({ name: 'breakdown', label: 'otel-xray, timed preload (breakdown)', args: ['--require', TIMED_REGISTER], env: {} });

  // Warm-up round (page cache, first spawn), not counted.
  for (const config of configs) await coldStart(config, daemon, sink, url);

  const runs = new Map(configs.map((c) => [c.name, []]));
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const order = configs.map((_, i) => configs[(i + round) % configs.length]);
    for (const config of order) {
      const run = await coldStart(config, daemon, sink, url);
      if ((config.name === 'otel-xray' || config.name === 'breakdown') && run.documents === 0) {
        throw new Error(`${config.name}: no X-Ray document of the invocation's trace arrived (${run.datagrams} datagrams); output:\n${run.output}`);
      }
      runs.get(config.name).push(run);
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
  }
  socket.close();
  server.close();

  const metrics = ['sinceProcessStartMillis', 'spawnToReadyMillis', 'initMillis', 'firstInvokeMillis'];
  const summary = {};
  for (const config of configs) {
    const list = runs.get(config.name);
    summary[config.name] = { label: config.label };
    for (const metric of metrics) {
      const values = list.map((r) => r[metric]);
      summary[config.name][metric] = { median: median(values), p90: p90(values) };
    }
    summary[config.name].documentsPerInvocation = median(list.map((r) => r.documents));
    summary[config.name].datagramsPerInvocation = median(list.map((r) => r.datagrams));
  }
  const added = {};
  for (const name of configs.map((c) => c.name).filter((n) => n !== 'none')) {
    added[name] = {};
    for (const metric of metrics) {
      const paired = runs.get(name).map((r, i) => r[metric] - runs.get('none')[i][metric]);
      added[name][metric] = { ofMedians: summary[name][metric].median - summary.none[metric].median, pairedMedian: median(paired) };
    }
  }
  const breakdownRuns = runs.get('breakdown').map((r) => r.breakdown).filter(Boolean);
  const breakdown = {
    preloadBeganMillis: median(breakdownRuns.map((b) => b.preloadBeganMillis)),
    requireMillis: median(breakdownRuns.map((b) => b.requireMillis)),
    startMillis: median(breakdownRuns.map((b) => b.startMillis)),
    requireP90: p90(breakdownRuns.map((b) => b.requireMillis)),
    startP90: p90(breakdownRuns.map((b) => b.startMillis)),
  };

  const rows = [
    ['configuration', 'process start → ready', 'spawn → ready (parent)', 'handler module load (initMillis)', '1st invocation', 'datagrams of the trace/inv', 'datagrams/inv'],
  ];
  for (const config of configs) {
    const s = summary[config.name];
    const cell = (metric) => `${fmt(s[metric].median)} / ${fmt(s[metric].p90)}`;
    rows.push([config.label, cell('sinceProcessStartMillis'), cell('spawnToReadyMillis'), cell('initMillis'), cell('firstInvokeMillis'), String(s.documentsPerInvocation), String(s.datagramsPerInvocation)]);
  }
  for (const name of Object.keys(added)) {
    const a = added[name];
    const cell = (metric) => `${a[metric].ofMedians >= 0 ? '+' : ''}${fmt(a[metric].ofMedians)} (paired ${a[metric].pairedMedian >= 0 ? '+' : ''}${fmt(a[metric].pairedMedian)})`;
    rows.push([`added: ${name} − none`, cell('sinceProcessStartMillis'), cell('spawnToReadyMillis'), cell('initMillis'), cell('firstInvokeMillis'), '', '']);
  }
  const table = [
    `| ${rows[0].join(' | ')} |`,
    `|---|${rows[0].slice(1).map(() => '---:').join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  console.log(`Lambda cold start, ${ROUNDS} rounds, Node ${process.version}, ms median / p90 (added: difference of medians, and median of per-round differences)\n`);
  console.log(table);
  console.log(
    `\notel-xray preload breakdown (median of ${breakdownRuns.length}): preload begins ${fmt(breakdown.preloadBeganMillis)} ms after process start, ` +
      `require(bundle) ${fmt(breakdown.requireMillis)} ms (p90 ${fmt(breakdown.requireP90)}), registerPreload() ${fmt(breakdown.startMillis)} ms (p90 ${fmt(breakdown.startP90)})`,
  );
  if (adotSkipped) console.log(`\n${adotSkipped}`);
  console.log(`\nupstream requests: ${requests}; bench took ${((performance.now() - started) / 1000).toFixed(1)} s after warm-up`);
  const bundle = statSync(join(ROOT, 'build/bundle/otel-xray.js'));
  const bundleInfo = { bytes: bundle.size, modified: bundle.mtime.toISOString() };
  console.log(`bundle: ${bundleInfo.bytes} bytes, built ${bundleInfo.modified}`);
  console.log(JSON.stringify({ bench: 'lambda-cold-start', node: process.version, rounds: ROUNDS, bundle: bundleInfo, summary, added, breakdown, adotSkipped }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
