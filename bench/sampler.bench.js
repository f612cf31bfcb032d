'use strict';
// shouldSample calls per second for a new trace, with 1, 10 and 100 local rules (the request matches the last
// rule, the worst case), and with X-Ray's default rule alone.
const { ROOT_CONTEXT, SpanKind } = require('@opentelemetry/api');
const { LocalRulesSampler, parseLocalRules, XRayDefaultRuleSampler } = require('../build/src');

const ATTRIBUTES = { 'http.request.method': 'GET', 'url.path': '/api/orders/42', 'server.address': 'shop.example.com' };

function rules(count) {
  const list = [];
  for (let i = 0; i < count - 1; i++) list.push({ host: `service-${i}.example.com`, http_method: 'POST', url_path: `/path-${i}/*`, fixed_target: 1, rate: 0.1 });
  list.push({ host: '*.example.com', http_method: 'GET', url_path: '/api/orders/*', fixed_target: 1, rate: 0.05 });
  return parseLocalRules({ version: 2, rules: list, default: { fixed_target: 1, rate: 0.05 } });
}

function measure(label, sampler) {
  for (let i = 0; i < 100_000; i++) sampler.shouldSample(ROOT_CONTEXT, 'a'.repeat(32), 'GET', SpanKind.SERVER, ATTRIBUTES, []);
  let calls = 0;
  const start = process.hrtime.bigint();
  const deadline = start + 1_000_000_000n;
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < 10_000; i++) sampler.shouldSample(ROOT_CONTEXT, 'a'.repeat(32), 'GET', SpanKind.SERVER, ATTRIBUTES, []);
    calls += 10_000;
  }
  return { case: label, callsPerSecond: Math.round(calls / (Number(process.hrtime.bigint() - start) / 1e9)) };
}

/** Centralized rules served by a loopback stand-in for the daemon's proxy; the request matches the last one. */
async function centralized(count) {
  const { CentralizedSampler } = require('../build/src/sampling/centralized-sampler');
  const http = require('node:http');
  const records = [];
  for (let i = 0; i < count - 1; i++) records.push({ SamplingRule: { RuleName: `r${i}`, Priority: i + 1, FixedRate: 0.1, ReservoirSize: 1, ServiceName: '*', ServiceType: '*', Host: `service-${i}.example.com`, HTTPMethod: 'POST', URLPath: `/path-${i}/*`, ResourceARN: '*', Version: 1, Attributes: {} } });
  records.push({ SamplingRule: { RuleName: 'Default', Priority: 10000, FixedRate: 0.05, ReservoirSize: 1, ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', ResourceARN: '*', Version: 1, Attributes: {} } });
  const server = http.createServer((req, res) => { req.resume(); res.end(JSON.stringify({ SamplingRuleRecords: records })); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sampler = new CentralizedSampler({ endpoint: { host: '127.0.0.1', port: server.address().port }, fallback: new XRayDefaultRuleSampler(), serviceName: 'svc', warn: () => undefined });
  await sampler.refreshRules();
  server.close();
  return sampler;
}

(async () => {
  const results = [
    measure('default rule', new XRayDefaultRuleSampler()),
    measure('1 local rule', new LocalRulesSampler(rules(1), 'svc')),
    measure('10 local rules', new LocalRulesSampler(rules(10), 'svc')),
    measure('100 local rules', new LocalRulesSampler(rules(100), 'svc')),
    measure('1 centralized rule', await centralized(1)),
    measure('10 centralized rules', await centralized(10)),
    measure('100 centralized rules', await centralized(100)),
  ];
  console.log(JSON.stringify({ bench: 'sampler', node: process.version, results }));
})();
