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

function tree(entity, depth, start) {
  const ms = entity.end_time === undefined ? '…' : `${((entity.end_time - entity.start_time) * 1000).toFixed(1)} ms`;
  const at = `+${((entity.start_time - start) * 1000).toFixed(1)} ms`;
  const http = entity.http ? ` ${entity.http.request?.method ?? ''} ${entity.http.request?.url ?? ''} → ${entity.http.response?.status ?? ''}` : '';
  const flags = ['error', 'throttle', 'fault'].filter((f) => entity[f]).join(',');
  const kind = entity.namespace ? ` [${entity.namespace}]` : '';
  console.log(`  ${'  '.repeat(depth)}${depth === 0 ? '■' : '└'} ${entity.name}${kind}  ${at}  ${ms}${http}${flags ? '  !' + flags : ''}`);
  for (const child of entity.subsegments ?? []) tree(child, depth + 1, start);
}

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
  const byTrace = new Map();
  for (const doc of documents) byTrace.set(doc.trace_id, [...(byTrace.get(doc.trace_id) ?? []), doc]);
  for (const [traceId, docs] of byTrace) {
    console.log(`trace ${traceId}`);
    const start = Math.min(...docs.map((d) => d.start_time));
    for (const doc of docs.sort((a, b) => a.start_time - b.start_time)) tree(doc, 0, start);
    console.log('');
  }
  const biggest = documents.slice().sort((a, b) => JSON.stringify(b).length - JSON.stringify(a).length)[0];
  if (biggest) console.log('The largest document, as sent:\n' + JSON.stringify(biggest, null, 2));
  daemon.close();
  if (documents.length === 0) process.exitCode = 1;
});
