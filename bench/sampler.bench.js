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

const results = [
  measure('default rule', new XRayDefaultRuleSampler()),
  measure('1 local rule', new LocalRulesSampler(rules(1), 'svc')),
  measure('10 local rules', new LocalRulesSampler(rules(10), 'svc')),
  measure('100 local rules', new LocalRulesSampler(rules(100), 'svc')),
];
console.log(JSON.stringify({ bench: 'sampler', node: process.version, results }));
