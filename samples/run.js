'use strict';
// Runs a sample app traced end to end and shows its traces: a stand-in X-Ray daemon (a UDP socket on
// 127.0.0.1) receives the segment documents; the app runs under `node --require ./register.js`, configured by
// environment variables only; a few requests go in; the documents come out as a tree, then in full.
//   node samples/run.js [express|fastify|koa|env-only|nodesdk|recorder|lambda]
const { spawn } = require('node:child_process');
const dgram = require('node:dgram');
const http = require('node:http');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const HEADER = '{"format":"json","version":1}\n';
const sample = process.argv[2] ?? 'express';
const dir = join(__dirname, sample);
if (sample === 'lambda') {
  require('./lambda/run.js'); // a function in a Lambda runtime stand-in, not an HTTP app
  return;
}
if (!existsSync(join(dir, 'app.js'))) {
  console.error(`no sample "${sample}"; try express, fastify, koa, env-only, nodesdk, recorder or lambda`);
  process.exit(2);
}

const documents = [];
const daemon = dgram.createSocket('udp4');
daemon.on('message', (message) => {
  const text = message.toString('utf8');
  if (text.startsWith(HEADER)) documents.push(JSON.parse(text.slice(HEADER.length)));
});

function get(port, path, headers = {}) {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, traceHeader: res.headers['x-amzn-trace-id'] }));
    }).on('error', (err) => resolve({ status: err.code }));
  });
}

// The trees are printed as `otel-xray local --tail` prints them (the same code, from the built package).
const { TraceStore } = require('../build/src/local/trace-store.js');
const { formatTrace } = require('../build/src/local/trace-tree.js');

daemon.bind(0, '127.0.0.1', async () => {
  const env = { PATH: process.env.PATH, AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`, AWS_XRAY_TRACING_NAME: `${sample}-shop`, AWS_XRAY_SAMPLING: 'false' };
  if (existsSync(join(dir, 'env.json'))) Object.assign(env, JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')));
  const args = sample === 'nodesdk' ? [join(dir, 'app.js')] : ['--require', join(__dirname, '..', 'register.js'), join(dir, 'app.js')];
  const app = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => app.stdout.on('data', (d) => { const m = /listening (\d+)/.exec(String(d)); if (m) resolve(Number(m[1])); }));
  console.log(`${sample} sample on port ${port}; daemon stand-in on ${env.AWS_XRAY_DAEMON_ADDRESS}\n`);
  const requests = [
    ['/orders/42', {}],
    ['/checkout', { 'X-Amzn-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272793' }],
    ['/fail', { 'X-Forwarded-For': '203.0.113.9', Host: 'eu.shop.example' }],
  ];
  for (const [path, headers] of requests) {
    const reply = await get(port, path, headers);
    console.log(`GET ${path} → ${reply.status}   X-Amzn-Trace-Id: ${reply.traceHeader ?? '(none)'}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  app.kill('SIGTERM');
  await new Promise((resolve) => app.once('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 100));
  console.log(`\n${documents.length} segment documents received:\n`);
  const traces = new TraceStore();
  for (const doc of documents) traces.add(doc);
  for (const trace of traces.list().reverse()) console.log(`${formatTrace(trace).join('\n')}\n`);
  const biggest = documents.slice().sort((a, b) => JSON.stringify(b).length - JSON.stringify(a).length)[0];
  if (biggest) console.log('The largest document, as sent:\n' + JSON.stringify(biggest, null, 2));
  daemon.close();
  if (documents.length === 0) process.exitCode = 1;
});
