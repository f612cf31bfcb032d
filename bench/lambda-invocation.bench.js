'use strict';
// What otel-xray costs per Lambda invocation: the handler's span, its translation and send, and the flush the
// instrumentation runs before the invocation returns. A no-op handler is invoked in a loop (the trace header set
// per invocation, as the runtime does), with the daemon listening, with nothing on its port (ECONNREFUSED), and
// at an address that does not answer (192.0.2.1, TEST-NET). Untraced for reference. Prints µs per invocation.
//   node bench/lambda-invocation.bench.js        (INVOCATIONS=3000, ROUNDS=3)
const { execFile } = require('node:child_process');
const dgram = require('node:dgram');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CHILD = join(__dirname, 'lambda', 'invocation-child.js');

function run(preload, daemonAddress) {
  const env = {
    PATH: process.env.PATH,
    AWS_LAMBDA_FUNCTION_NAME: 'bench-fn',
    AWS_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    LAMBDA_TASK_ROOT: join(__dirname, 'lambda'),
    _HANDLER: 'noop-handler.handler',
    AWS_XRAY_DAEMON_ADDRESS: daemonAddress,
    AWS_XRAY_LOG_LEVEL: 'error',
    INVOCATIONS: process.env.INVOCATIONS ?? '3000',
  };
  const args = preload ? ['--require', join(ROOT, 'register.js'), CHILD] : [CHILD];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))));
  });
}

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

(async () => {
  let received = 0;
  const daemon = dgram.createSocket('udp4');
  daemon.on('message', () => received++);
  await new Promise((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  daemon.setRecvBufferSize(8 * 1024 * 1024);
  const closed = dgram.createSocket('udp4');
  await new Promise((resolve) => closed.bind(0, '127.0.0.1', resolve));
  const closedPort = closed.address().port;
  closed.close(); // nothing listens there now: ECONNREFUSED

  const configs = [
    ['untraced', false, `127.0.0.1:${daemon.address().port}`],
    ['daemon listening', true, `127.0.0.1:${daemon.address().port}`],
    ['nothing on the port (ECONNREFUSED)', true, `127.0.0.1:${closedPort}`],
    ['address that does not answer', true, '192.0.2.1:2000'],
  ];
  const results = new Map(configs.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, preload, address] of configs) results.get(name).push(await run(preload, address));
  }
  console.log(`Lambda invocation cost, ${ROUNDS} rounds × ${process.env.INVOCATIONS ?? 3000} invocations, µs (median of the rounds' percentiles)\n`);
  console.log('| daemon | sampled: median / p90 / p99 | Sampled=0: median / p90 / p99 |');
  console.log('|---|---:|---:|');
  for (const [name] of configs) {
    const rows = results.get(name);
    const cell = (kind) => ['median', 'p90', 'p99'].map((q) => median(rows.map((r) => r[kind][q])).toFixed(1)).join(' / ');
    console.log(`| ${name} | ${cell('sampled')} | ${cell('notSampled')} |`);
  }
  const expected = ROUNDS * (Number(process.env.INVOCATIONS ?? 3000) + 500);
  console.log(`\ndocuments received while the daemon listened: ${received} of ${expected} sampled invocations`);
  daemon.close();
  if (received < expected) process.exitCode = 1;
})();
