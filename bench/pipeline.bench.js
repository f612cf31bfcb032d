'use strict';
// Spans per second through translate → pack, and through translate → pack → emit over a real UDP socket to a
// receiver in another process, on one core; bytes and datagrams on the wire per span and per request.
// A request is a SERVER span with three children (HTTP call, SQL query, internal step), as in processor.bench.js.
const { spawn } = require('node:child_process');
const { ROOT_CONTEXT, SpanKind, trace } = require('@opentelemetry/api');
const { AWSXRayIdGenerator } = require('@opentelemetry/id-generator-aws-xray');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { Packer, ProblemCounter, SegmentTranslator, UdpEmitter } = require('../build/src');

const { CLIENT, SERVER, SQL } = require('./request-attributes');

function tracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench', 'telemetry.sdk.language': 'nodejs' }),
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { tracer: provider.getTracer('bench'), exporter };
}

/** Batches of finished spans: `count` small root spans one per batch, or `count` requests of four spans. */
function batches(kind, count) {
  const { tracer: t, exporter } = tracer();
  const out = [];
  for (let i = 0; i < count; i++) {
    exporter.reset();
    if (kind === 'small') {
      t.startSpan('GET /', { kind: SpanKind.SERVER }).end();
    } else {
      const server = t.startSpan('GET /api/orders/:id', { kind: SpanKind.SERVER, attributes: SERVER });
      const parent = trace.setSpan(ROOT_CONTEXT, server);
      t.startSpan('GET', { kind: SpanKind.CLIENT, attributes: CLIENT }, parent).end();
      t.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: SQL }, parent).end();
      t.startSpan('render', {}, parent).end();
      server.end();
    }
    out.push(exporter.getFinishedSpans().slice());
  }
  return out;
}

function receiver() {
  // On the other core when there is one (taskset), so the receiver does not share the sender's core.
  const child = spawn('taskset', ['-c', '1', process.execPath, '-e', `
    const s = require('node:dgram').createSocket('udp4');
    let datagrams = 0, bytes = 0;
    s.on('message', (m) => { datagrams++; bytes += m.length; });
    s.bind(0, '127.0.0.1', () => { s.setRecvBufferSize(8 * 1024 * 1024); process.send({ port: s.address().port }); });
    process.on('message', () => process.send({ datagrams, bytes }));`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise((resolve) => child.once('message', resolve));
  return { child, next };
}

async function run(label, all, emitter) {
  const problems = new ProblemCounter({ warn() {}, error() {}, info() {}, debug() {}, verbose() {} });
  const translator = new SegmentTranslator({ problems });
  const packer = new Packer(problems);
  const spansPer = all[0].length;
  const texts = [];
  const step = (batch) => {
    texts.length = 0;
    for (const document of translator.translate(batch)) packer.pack(document, texts);
    if (emitter) for (const text of texts) emitter.send(text);
  };
  for (let i = 0; i < 5000; i++) step(all[i % all.length]); // warm up
  if (emitter) await emitter.flush();
  let items = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  const deadline = start + 1_500_000_000n;
  while (process.hrtime.bigint() < deadline) {
    // Chunks of 200, then a turn of the event loop so the socket's callbacks run, as they would in an app.
    for (let i = 0; i < 200; i++) {
      step(all[items % all.length]);
      for (const text of texts) bytes += Buffer.byteLength(text) + 30;
      items++;
    }
    if (emitter) await new Promise((resolve) => setImmediate(resolve));
  }
  if (emitter) await emitter.flush();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    case: label,
    spansPerSecond: Math.round((items * spansPer) / seconds),
    itemsPerSecond: Math.round(items / seconds),
    bytesPerItem: Math.round(bytes / items),
    datagramsPerItem: +(packer.counts.datagrams / packer.counts.documents).toFixed(2),
  };
}

async function main() {
  try {
    require('node:child_process').execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  } catch {
    // no taskset: run unpinned
  }
  const small = batches('small', 10_000);
  const requests = batches('request', 5_000);
  const sink = receiver();
  const { port } = await sink.next();
  const problems = new ProblemCounter({ warn: (m) => console.error(m), error() {}, info() {}, debug() {}, verbose() {} });
  const results = [];
  results.push(await run('small span: translate → pack', small));
  const emitter = new UdpEmitter({ endpoint: { host: '127.0.0.1', port }, problems });
  emitter.send('{}'); // connects the socket before the clock starts
  await emitter.flush();
  results.push(await run('small span: translate → pack → UDP', small, emitter));
  results.push(await run('request (4 spans): translate → pack', requests));
  results.push(await run('request (4 spans): translate → pack → UDP', requests, emitter));
  await emitter.shutdown();
  sink.child.send('counts');
  const received = await sink.next();
  sink.child.kill();
  const sent = emitter.counts;
  console.log(JSON.stringify({
    bench: 'pipeline', node: process.version, results,
    wire: { datagramsSent: sent.datagramsSent, datagramsFailed: sent.datagramsFailed, datagramsReceived: received.datagrams },
  }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
