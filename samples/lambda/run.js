'use strict';
// The Lambda sample: samples/lambda/handler.js in a local stand-in for Lambda's Node.js runtime, under
// NODE_OPTIONS-style `--require otel-xray/register`, as Lambda runs a function with active tracing. Lambda itself
// records the function's segment; we send the function's work as subsegments of it, before each invocation
// returns (the runtime stand-in freezes the process at that moment, as Lambda does).
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const dgram = require('node:dgram');
const http = require('node:http');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const HEADER = '{"format":"json","version":1}\n';

const documents = [];
const daemon = dgram.createSocket('udp4');
daemon.on('message', (message) => {
  const text = message.toString('utf8');
  if (text.startsWith(HEADER)) documents.push(JSON.parse(text.slice(HEADER.length)));
});

// The function's dependencies, on loopback: DynamoDB (GetItem, as the AWS JSON protocol answers it) and an
// inventory service.
const services = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (c) => (body += c)).on('end', () => {
    if (req.headers['x-amz-target'] === 'DynamoDB_20120810.GetItem') {
      const found = JSON.parse(body).Key?.id?.S === '42';
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomBytes(8).toString('hex') });
      res.end(JSON.stringify(found ? { Item: { id: { S: '42' }, total: { N: '99' } } } : {}));
    } else {
      res.end(JSON.stringify({ count: 3 }));
    }
  });
});

const listen = (server, ...args) => new Promise((resolve) => server.listen(...args, resolve));
const hex = (bytes) => randomBytes(bytes).toString('hex');

// The trees are printed as `otel-xray local --tail` prints them (the same code, from the built package).
const { TraceStore } = require('../../build/src/local/trace-store.js');
const { formatTrace } = require('../../build/src/local/trace-tree.js');

/** A runtime stand-in speaking JSON lines: commands on stdin, results on fd 3 (test/fixtures/lambda/runtime.cjs). */
function startFunction(env) {
  const child = spawn(process.execPath, ['--require', join(ROOT, 'register.js'), join(ROOT, 'test/fixtures/lambda/runtime.cjs')], {
    env,
    stdio: ['pipe', 'inherit', 'inherit', 'pipe'],
  });
  let buffer = '';
  const waiting = [];
  child.stdio[3].setEncoding('utf8').on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) !== -1) {
      const line = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      waiting.shift()?.(line);
    }
  });
  const next = () => new Promise((resolve) => waiting.push(resolve));
  return {
    ready: next(),
    invoke(invocation) {
      child.stdin.write(JSON.stringify({ type: 'invoke', invocations: [invocation] }) + '\n');
      return next();
    },
    exit() {
      child.stdin.write('{"type":"exit"}\n');
      return new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

daemon.bind(0, '127.0.0.1', async () => {
  await listen(services, 0, '127.0.0.1');
  const servicesUrl = `http://127.0.0.1:${services.address().port}`;
  const env = {
    PATH: process.env.PATH,
    // What Lambda sets for a function with active tracing (the daemon address is the stand-in's).
    AWS_LAMBDA_FUNCTION_NAME: 'order-function',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_REGION: 'eu-west-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    LAMBDA_TASK_ROOT: __dirname,
    _HANDLER: 'handler.handler',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example-secret',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The function's own settings.
    DYNAMODB_ENDPOINT: servicesUrl,
    INVENTORY_URL: servicesUrl,
  };
  const fn = startFunction(env);
  const ready = await fn.ready;
  console.log(`order-function loaded in ${ready.initMillis.toFixed(0)} ms (cold start, tracing included); daemon stand-in on ${env.AWS_XRAY_DAEMON_ADDRESS}\n`);

  const lambdaSegments = new Map();
  const invocations = [
    ['GET /orders/42', '42', '1'],
    ['GET /orders/42, not sampled by Lambda', '42', '0'],
    ['GET /orders/7 (missing: the handler throws)', '7', '1'],
  ];
  for (const [title, id, sampled] of invocations) {
    const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(12)}`;
    const parent = hex(8);
    lambdaSegments.set(root, parent);
    const event = {
      httpMethod: 'GET',
      path: `/orders/${id}`,
      pathParameters: { id },
      headers: { Host: 'api.example.com', 'X-Forwarded-Proto': 'https', 'User-Agent': 'curl/8.5.0' },
      requestContext: { domainName: 'api.example.com', identity: { sourceIp: '198.51.100.7', userAgent: 'curl/8.5.0' } },
    };
    const settled = await fn.invoke({ requestId: hex(16), traceHeader: `Root=${root};Parent=${parent};Sampled=${sampled}`, event });
    const result = settled.results[0];
    console.log(`${title}: ${result.ok ? `statusCode ${result.value.statusCode}` : `${result.error.name}: ${result.error.message}`}`);
  }
  // The runtime stand-in is frozen between invocations: what arrived was sent before each one returned.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await fn.exit();
  services.close();

  console.log(`\n${documents.length} segment documents received (all subsegments of Lambda's function segments):\n`);
  const traces = new TraceStore();
  for (const doc of documents) traces.add(doc);
  for (const trace of traces.list().reverse()) {
    const [title, ...tree] = formatTrace(trace);
    console.log(`${title}  (under Lambda's AWS::Lambda::Function segment ${lambdaSegments.get(trace.id)}, recorded by Lambda)`);
    console.log(`${tree.join('\n')}\n`);
  }
  const handler = documents.find((d) => d.name === 'order-function' && !d.fault);
  if (handler) console.log("The handler's subsegment, as sent:\n" + JSON.stringify(handler, null, 2));
  daemon.close();
  if (documents.length === 0) process.exitCode = 1;
});
