'use strict';
// The app every variant serves: node:http or express (BENCH_FRAMEWORK), two routes:
//   /hello  a tiny handler
//   /call   one outgoing GET to a second local process (BENCH_BACKEND), its body relayed
//   /wide   10,000 spans in one trace (memory run only)
// Tracing comes from the variant's --require, except for aws-xray-sdk-core, which is wired in code below as its
// documentation says (the X-Ray SDK has no preload). The app reports its port on stdout once listening.
const framework = process.env.BENCH_FRAMEWORK || 'http';
const xraySdk = process.env.BENCH_TRACER === 'aws-xray-sdk';

let AWSXRay;
if (xraySdk) {
  AWSXRay = require('aws-xray-sdk-core');
  AWSXRay.setDaemonAddress(process.env.AWS_XRAY_DAEMON_ADDRESS);
  AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
  // 100% sampling: a reservoir of 0 and a rate of 1 sample every request.
  AWSXRay.middleware.setSamplingRules({ version: 2, default: { fixed_target: 0, rate: 1 }, rules: [] });
  AWSXRay.middleware.disableCentralizedSampling();
  AWSXRay.captureHTTPsGlobal(require('node:http'));
}
const http = require('node:http');

const backend = process.env.BENCH_BACKEND ? new URL(process.env.BENCH_BACKEND) : undefined;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function callBackend(done) {
  const request = http.get({ host: backend.hostname, port: backend.port, path: '/item', agent }, (response) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk) => { body += chunk; });
    response.on('end', () => done(undefined, body));
  });
  request.on('error', done);
}

function hello(res) {
  res.setHeader('content-type', 'text/plain');
  res.end('hello');
}

// 10,000 spans in one trace, for the memory run (under an OTel-based variant).
const WIDE_SPANS = 10_000;
function wide(res) {
  const tracer = require('@opentelemetry/api').trace.getTracer('bench');
  for (let i = 0; i < WIDE_SPANS; i++) tracer.startSpan('step').end();
  hello(res);
}

function relay(res) {
  callBackend((error, body) => {
    if (error) {
      res.statusCode = 502;
      res.end(String(error));
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
}

function listen(server) {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  });
}

if (framework === 'express') {
  const express = require('express');
  const app = express();
  if (xraySdk) app.use(require('aws-xray-sdk-express').openSegment('bench-app'));
  app.get('/hello', (req, res) => hello(res));
  app.get('/call', (req, res) => relay(res));
  app.get('/wide', (req, res) => wide(res));
  if (xraySdk) app.use(require('aws-xray-sdk-express').closeSegment());
  listen(http.createServer(app));
} else {
  const route = (req, res) => {
    if (req.url === '/hello') hello(res);
    else if (req.url === '/call') relay(res);
    else if (req.url === '/wide') wide(res);
    else {
      res.statusCode = 404;
      res.end();
    }
  };
  let handler = route;
  if (xraySdk) {
    // What the express middleware does, for a plain server: a segment per request in the CLS context.
    const open = require('aws-xray-sdk-express').openSegment('bench-app');
    handler = (req, res) => open(req, res, () => route(req, res));
  }
  listen(http.createServer(handler));
}
