import * as assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { LocalRulesSampler, parseLocalRules, XRaySampler } from '../../src/index';
import type { LocalRuleSet } from '../../src/index';
import { loadLocalRules } from '../../src/sampling/local-rules';

const RULES = resolve(__dirname, '../../../test/fixtures/rules');

function sampler(document: unknown, options: { now?: () => number; random?: () => number; service?: string } = {}): Sampler {
  const rules = parseLocalRules(document);
  assert.notEqual(typeof rules, 'string', String(rules));
  return new LocalRulesSampler(rules as LocalRuleSet, options.service ?? 'svc', options.now ?? (() => 1_700_000_000_000), options.random ?? (() => 0.99)) as unknown as Sampler;
}

const decide = (s: Sampler, attributes: Attributes): boolean =>
  s.shouldSample(ROOT_CONTEXT, '5759e988bd862e3fe1be46a994272793', 'span', SpanKind.SERVER, attributes, []).decision === SamplingDecision.RECORD_AND_SAMPLED;

describe('local sampling rules', () => {
  describe('parseLocalRules', () => {
    const bad: Array<[unknown, string]> = [
      ['{', 'not valid JSON'],
      [[], 'expected a JSON object'],
      [{ version: 3, default: { fixed_target: 1, rate: 0.1 } }, '"version" must be 1 or 2, not 3'],
      [{ version: 2 }, '"default" is required: {"fixed_target": …, "rate": …}'],
      [{ version: 2, default: { fixed_target: -1, rate: 0.1 } }, 'the default rule: "fixed_target" must be a whole number of requests per second, 0 or more, not -1'],
      [{ version: 2, default: { fixed_target: 1, rate: 1.5 } }, 'the default rule: "rate" must be a number from 0 to 1, not 1.5'],
      [{ version: 2, default: { fixed_target: 1, rate: 0.1, host: '*' } }, 'the default rule takes only "fixed_target" and "rate", not "host"'],
      [{ version: 2, rules: {}, default: { fixed_target: 1, rate: 0.1 } }, '"rules" must be an array'],
      [{ version: 2, rules: [{ description: 'api', http_method: '*', url_path: '*', fixed_target: 1, rate: 0.1 }], default: { fixed_target: 1, rate: 0.1 } }, 'rule 1 ("api"): "host" is required (a string; "*" matches any)'],
      [{ version: 1, rules: [{ host: '*', http_method: '*', url_path: '*', fixed_target: 1, rate: 0.1 }], default: { fixed_target: 1, rate: 0.1 } }, 'rule 1: "service_name" is required (a string; "*" matches any)'],
      [{ version: 2, rules: [{ host: '*', http_method: '*', url_path: '*', fixed_target: 1, rate: 0.1 }, { host: '*', http_method: 'GET', url_path: '/', fixed_target: '1', rate: 0.1 }], default: { fixed_target: 1, rate: 0.1 } }, 'rule 2: "fixed_target" must be a whole number of requests per second, 0 or more, not "1"'],
    ];
    for (const [document, message] of bad) {
      it(`rejects ${JSON.stringify(document).slice(0, 70)} naming the problem`, () => {
        const result = parseLocalRules(document);
        assert.equal(typeof result, 'string');
        assert.ok((result as string).startsWith(message), `${result as string}\n !startsWith ${message}`);
      });
    }

    it('reads a file path or inline JSON, and says when a file cannot be read or parsed', () => {
      assert.equal((loadLocalRules(resolve(RULES, 'v2.json')) as LocalRuleSet).rules.length, 2);
      assert.equal((loadLocalRules('{"version":2,"default":{"fixed_target":1,"rate":0.05}}') as LocalRuleSet).rules.length, 0);
      assert.match(loadLocalRules(resolve(RULES, 'missing.json')) as string, /^the rules file .*missing\.json cannot be read \(ENOENT\)$/);
      assert.match(loadLocalRules(resolve(RULES, 'broken.json')) as string, /broken\.json: not valid JSON/);
    });
  });

  describe('LocalRulesSampler', () => {
    const v2 = require(resolve(RULES, 'v2.json')) as object;

    it('takes the first rule that matches host, method and path, case-insensitive with wildcards', () => {
      const s = sampler(v2, { random: () => 0.99 });
      assert.equal(decide(s, { 'http.request.method': 'GET', 'url.path': '/health', 'server.address': 'a.example.com' }), false);
      assert.equal(decide(s, { 'http.method': 'get', 'http.target': '/health?probe=1' }), false, 'old attributes and a query string');
      assert.equal(decide(s, { 'http.request.method': 'POST', 'url.path': '/health' }), true, 'method does not match: the default samples all');
      assert.equal(decide(s, { 'http.request.method': 'GET', 'url.full': 'http://x/other' }), true);
    });

    it('samples fixed_target requests per second, then rate of the rest, per rule', () => {
      let now = 1_700_000_000_000;
      const draws = [0.4, 0.6, 0.4];
      const s = sampler(v2, { now: () => now, random: () => draws.shift() ?? 0.99 });
      const order = { 'http.request.method': 'GET', 'url.path': '/api/orders/7', 'server.address': 'shop.example.com:8443' };
      assert.deepEqual([decide(s, order), decide(s, order)], [true, true], 'the reservoir of 2');
      assert.deepEqual([decide(s, order), decide(s, order)], [true, false], 'then the rate: 0.4 < 0.5, 0.6 is not');
      now += 1000;
      assert.deepEqual([decide(s, order), decide(s, order)], [true, true], 'a new second refills the reservoir');
      assert.equal(decide(s, { ...order, 'server.address': 'shop.example.org' }), true, 'another host falls to the default (rate 1)');
    });

    it('matches version 1 rules against the service name', () => {
      const v1 = require(resolve(RULES, 'v1.json')) as object;
      const post = { 'http.request.method': 'POST', 'url.path': '/pay' };
      assert.equal(decide(sampler(v1, { service: 'checkout-api' }), post), true);
      assert.equal(decide(sampler(v1, { service: 'search' }), post), false);
    });
  });

  it('XRaySampler takes rules, polls the daemon unless told not to, and throws for invalid rules given in code', () => {
    assert.match(new XRaySampler({ rules: resolve(RULES, 'v2.json'), centralized: false }).toString(), /^UpstreamAwareSampler\{ParentBased\{root=LocalRulesSampler\{.*"orders API"/);
    const central = new XRaySampler({ daemonAddress: 'tcp:127.0.0.1:9 udp:127.0.0.1:2000', env: {} });
    assert.match(central.toString(), /CentralizedSampler\{daemon=127\.0\.0\.1:9, rules=\[\], fallback=XRayDefaultRuleSampler/);
    central.shutdown();
    assert.throws(() => new XRaySampler({ rules: { version: 9 } }), /XRaySampler: the sampling rules are not valid: "version" must be 1 or 2/);
  });
});
