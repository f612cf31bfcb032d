import * as assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { AlwaysOffSampler, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { CentralizedSampler } from '../../src/sampling/centralized-sampler';
import { metadataServer } from '../helpers/metadata-server';

/** A rule record as GetSamplingRules returns it. */
function rule(name: string, priority: number, fields: Record<string, unknown> = {}) {
  return {
    SamplingRule: {
      RuleName: name, RuleARN: `arn:aws:xray:eu-west-1:123456789012:sampling-rule/${name}`, ResourceARN: '*', Priority: priority,
      FixedRate: 0, ReservoirSize: 0, ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1,
      Attributes: {}, ...fields,
    },
    CreatedAt: 0, ModifiedAt: 1530559000,
  };
}

/** A loopback stand-in for the daemon's sampling proxy that records what it is sent. */
async function samplingProxy(state: { rules: unknown; targets: unknown; rulesStatus?: number; rawRules?: string }) {
  const statistics: Array<Record<string, unknown>> = [];
  const read = (req: IncomingMessage): Promise<string> => new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
  });
  const server = await metadataServer({
    'POST /GetSamplingRules': (req: IncomingMessage, res: ServerResponse) => void read(req).then((body) => {
      assert.deepEqual(JSON.parse(body), { NextToken: null });
      res.statusCode = state.rulesStatus ?? 200;
      res.end(state.rawRules ?? JSON.stringify(state.rules));
    }),
    'POST /SamplingTargets': (req: IncomingMessage, res: ServerResponse) => void read(req).then((body) => {
      statistics.push(...(JSON.parse(body).SamplingStatisticsDocuments as Array<Record<string, unknown>>));
      res.end(JSON.stringify(state.targets));
    }),
  });
  return { ...server, statistics };
}

const REQUEST: Attributes = { 'http.request.method': 'GET', 'url.path': '/api/orders/7', 'server.address': 'shop.example.com' };

function decide(sampler: Sampler, attributes: Attributes = REQUEST) {
  return sampler.shouldSample(ROOT_CONTEXT, '5759e988bd862e3fe1be46a994272793', 'GET', SpanKind.SERVER, attributes, []);
}

describe('CentralizedSampler (a loopback stand-in for the daemon\'s sampling proxy)', function () {
  this.timeout(5000);
  let now = 1_700_000_000_000;
  const make = (port: number, warnings: string[] = [], fallback: Sampler = new AlwaysOffSampler()) =>
    new CentralizedSampler({ endpoint: { host: '127.0.0.1', port }, fallback, serviceName: 'orders', serviceType: () => 'AWS::ECS::Container', warn: (m) => warnings.push(m), now: () => now, random: () => 0.99 });

  it('decides by the fallback until rules arrive, then by the first matching rule in priority order', async () => {
    const proxy = await samplingProxy({
      rules: { SamplingRuleRecords: [rule('Default', 10000, { FixedRate: 0, ReservoirSize: 1 }), rule('orders', 10, { URLPath: '/api/orders/*', ReservoirSize: 1 }), rule('b-post', 5, { HTTPMethod: 'POST', ReservoirSize: 1 }), rule('v2', 1, { Version: 2, ReservoirSize: 1 })], NextToken: null },
      targets: { SamplingTargetDocuments: [] },
    });
    const sampler = make(proxy.port);
    assert.equal(decide(sampler).decision, SamplingDecision.NOT_RECORD, 'the fallback decides before any rule');
    assert.equal(await sampler.refreshRules(), true);
    const result = decide(sampler);
    assert.equal(result.decision, SamplingDecision.RECORD_AND_SAMPLED, 'borrowed: one a second before any target');
    assert.deepEqual(result.attributes, { 'aws.xray.sampling_rule_name': 'orders' });
    assert.equal(decide(sampler).decision, SamplingDecision.NOT_RECORD, 'then the fixed rate (0)');
    assert.match(sampler.toString(), /rules=\[b-post.*orders.*Default/);
    assert.doesNotMatch(sampler.toString(), /v2/, 'rules of another version are ignored');
    await proxy.close();
  });

  it('says nothing about a proxy that never answered until a request is sampled without rules, then says it once', async () => {
    const proxy = await samplingProxy({ rules: { SamplingRuleRecords: [] }, targets: { SamplingTargetDocuments: [] } });
    const port = proxy.port;
    await proxy.close(); // nothing answers on `port` now
    const warnings: string[] = [];
    const sampler = make(port, warnings);
    assert.equal(await sampler.refreshRules(), false);
    assert.equal(await sampler.refreshRules(), false);
    assert.deepEqual(warnings, [], 'a process that serves no request (node -e 0, an npm script) prints nothing');
    decide(sampler);
    decide(sampler);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /sampling proxy at 127\.0\.0\.1:\d+ does not answer: requests are sampled by the local rules until it answers/);
  });

  it('follows NextToken across pages of rules', async () => {
    const pages: Record<string, unknown> = {
      null: { SamplingRuleRecords: [rule('a', 20, { ReservoirSize: 1 })], NextToken: 'page-2' },
      'page-2': { SamplingRuleRecords: [rule('b', 10, { ReservoirSize: 1 })], NextToken: null },
    };
    const asked: unknown[] = [];
    const proxy = await metadataServer({
      'POST /GetSamplingRules': (req: IncomingMessage, res: ServerResponse) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const token = JSON.parse(body).NextToken as string | null;
          asked.push(token);
          res.end(JSON.stringify(pages[String(token)]));
        });
      },
    });
    const sampler = make(proxy.port);
    assert.equal(await sampler.refreshRules(), true);
    assert.deepEqual(asked, [null, 'page-2']);
    assert.match(sampler.toString(), /rules=\[b\(priority 10.*a\(priority 20/);
    await proxy.close();
  });

  it('matches service name, service type, host, method, path and attributes', async () => {
    const proxy = await samplingProxy({
      rules: { SamplingRuleRecords: [rule('attr', 1, { ReservoirSize: 1, ServiceName: 'ord*', ServiceType: 'AWS::ECS::*', Host: '*.example.com', Attributes: { tenant: 'gold-*' } })] },
      targets: { SamplingTargetDocuments: [] },
    });
    const sampler = make(proxy.port);
    await sampler.refreshRules();
    assert.equal(decide(sampler).decision, SamplingDecision.NOT_RECORD, 'no tenant attribute: no match, the fallback decides');
    assert.equal(decide(sampler, { ...REQUEST, tenant: 'gold-7' }).decision, SamplingDecision.RECORD_AND_SAMPLED);
    await proxy.close();
  });

  it('never borrows for a rule whose reservoir size is 0', async () => {
    const proxy = await samplingProxy({ rules: { SamplingRuleRecords: [rule('none', 1, { ReservoirSize: 0, FixedRate: 0 })] }, targets: {} });
    const sampler = make(proxy.port);
    await sampler.refreshRules();
    assert.equal(decide(sampler).decision, SamplingDecision.NOT_RECORD);
    await proxy.close();
  });

  it('reports exact statistics, applies quotas and rates from targets, and refetches rules when they changed', async () => {
    const state = {
      rules: { SamplingRuleRecords: [rule('orders', 10, { ReservoirSize: 5, FixedRate: 0 })] } as unknown,
      targets: { SamplingTargetDocuments: [{ RuleName: 'orders', FixedRate: 0, ReservoirQuota: 2, ReservoirQuotaTTL: now / 1000 + 60, Interval: 7 }], LastRuleModification: 0 } as unknown,
    };
    const proxy = await samplingProxy(state);
    const sampler = make(proxy.port);
    await sampler.refreshRules();
    for (let i = 0; i < 3; i++) decide(sampler); // 1 borrowed, 2 not sampled
    assert.equal(await sampler.refreshTargets(), 7000, 'the interval the service asks for');
    assert.equal(proxy.statistics.length, 1);
    const [stats] = proxy.statistics;
    assert.match(String(stats!.ClientID), /^[0-9a-f]{24}$/);
    assert.deepEqual({ ...stats, ClientID: undefined }, { RuleName: 'orders', ClientID: undefined, Timestamp: now / 1000, RequestCount: 3, SampledCount: 1, BorrowCount: 1 });
    // The quota: 2 a second.
    now += 1000;
    assert.deepEqual([1, 2, 3].map(() => decide(sampler).decision === SamplingDecision.RECORD_AND_SAMPLED), [true, true, false]);
    // Counters start again after a report.
    state.targets = { SamplingTargetDocuments: [], LastRuleModification: now / 1000 + 1 };
    state.rules = { SamplingRuleRecords: [rule('orders', 10, { ReservoirSize: 5, FixedRate: 1 })] };
    await sampler.refreshTargets();
    assert.deepEqual({ ...proxy.statistics[1], ClientID: undefined }, { RuleName: 'orders', ClientID: undefined, Timestamp: now / 1000, RequestCount: 3, SampledCount: 2, BorrowCount: 0 });
    assert.match(sampler.toString(), /orders\(priority 10, reservoir 5, rate 1\)/, 'rules fetched again after LastRuleModification');
    await proxy.close();
  });

  it('clamps the Interval a target asks for to 1 s – 5 min, and keeps a target\'s rate across rule refreshes', async () => {
    const state = {
      rules: { SamplingRuleRecords: [rule('orders', 10, { ReservoirSize: 0, FixedRate: 0 })] } as unknown,
      targets: { SamplingTargetDocuments: [{ RuleName: 'orders', FixedRate: 1, Interval: 3_000_000 }] } as unknown,
    };
    const proxy = await samplingProxy(state);
    const sampler = make(proxy.port);
    await sampler.refreshRules();
    decide(sampler);
    assert.equal(await sampler.refreshTargets(), 300_000);
    state.targets = { SamplingTargetDocuments: [{ RuleName: 'orders', FixedRate: 1, Interval: 0.001 }] };
    decide(sampler);
    assert.equal(await sampler.refreshTargets(), 1000);
    await sampler.refreshRules(); // the 5-minute refresh: the rule itself is unchanged
    assert.match(sampler.toString(), /orders\(priority 10, reservoir 0, rate 1\)/);
    assert.equal(decide(sampler).decision, SamplingDecision.RECORD_AND_SAMPLED);
    await proxy.close();
  });

  it('matches long paths and takes the path from url.full too', async () => {
    const proxy = await samplingProxy({ rules: { SamplingRuleRecords: [rule('api', 1, { URLPath: '/api/*', ReservoirSize: 0, FixedRate: 1 })] }, targets: {} });
    const sampler = make(proxy.port);
    await sampler.refreshRules();
    assert.equal(decide(sampler, { 'http.request.method': 'GET', 'url.path': '/api/' + 'x'.repeat(5000) }).decision, SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(decide(sampler, { 'http.request.method': 'GET', 'url.full': 'http://h/api/x?y=1' }).decision, SamplingDecision.RECORD_AND_SAMPLED);
    await proxy.close();
  });

  it('sends nothing after stop(), even when an answer in flight asks for a rules refresh', async () => {
    const proxy = await samplingProxy({ rules: { SamplingRuleRecords: [rule('orders', 10, { ReservoirSize: 1 })] }, targets: { SamplingTargetDocuments: [], LastRuleModification: 9_999_999_999 } });
    const sampler = make(proxy.port);
    await sampler.refreshRules();
    const inFlight = sampler.refreshTargets();
    sampler.stop();
    await inFlight;
    const before = proxy.requests.length;
    await sampler.refreshRules();
    assert.equal(proxy.requests.length, before);
    assert.deepEqual(proxy.requests, ['POST /GetSamplingRules', 'POST /SamplingTargets']);
    await proxy.close();
  });

  it('gives up on a slow proxy at the request timeout, keeping the fallback', async () => {
    const slow = await metadataServer({ 'POST /GetSamplingRules': () => undefined });
    const warnings: string[] = [];
    const sampler = new CentralizedSampler({ endpoint: { host: '127.0.0.1', port: slow.port }, fallback: new AlwaysOffSampler(), serviceName: 'orders', warn: (m) => warnings.push(m), requestTimeoutMillis: 200 });
    assert.equal(await sampler.refreshRules(), false);
    assert.equal(decide(sampler).decision, SamplingDecision.NOT_RECORD);
    assert.equal(warnings.length, 1);
    await slow.close();
  });

  it('survives a daemon that is down, answers 500, garbage or a huge body: last rules kept, one warning per kind', async () => {
    const state: { rules: unknown; targets: unknown; rulesStatus?: number; rawRules?: string } = { rules: { SamplingRuleRecords: [rule('orders', 10, { ReservoirSize: 1 })] }, targets: {} };
    const proxy = await samplingProxy(state);
    const warnings: string[] = [];
    const sampler = make(proxy.port, warnings);
    assert.equal(await sampler.refreshRules(), true);
    state.rulesStatus = 500;
    assert.equal(await sampler.refreshRules(), false);
    assert.equal(await sampler.refreshRules(), false);
    state.rulesStatus = 200;
    state.rawRules = '<html>';
    assert.equal(await sampler.refreshRules(), false);
    state.rawRules = JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(await sampler.refreshRules(), false);
    state.rawRules = JSON.stringify({ unexpected: true });
    assert.equal(await sampler.refreshRules(), false);
    assert.equal(decide(sampler).attributes?.['aws.xray.sampling_rule_name'], 'orders', 'the last good rules still decide');
    await proxy.close();
    assert.equal(await sampler.refreshRules(), false, 'down');
    assert.equal(await sampler.refreshRules(), false);
    assert.equal(warnings.length, 4, warnings.join('\n'));
    assert.equal(sampler.nextTargetsDelayMillis(), 300_000, 'seven failures in a row: polling has backed off to its 5-minute cap');
    assert.equal(make(1).nextTargetsDelayMillis(), 10_000, 'no failure: the normal 10 s');
    assert.ok(warnings.some((w) => w.includes('HTTP 500')));
    assert.ok(warnings.some((w) => w.includes('not JSON')));
    assert.ok(warnings.some((w) => w.includes('not a rules document')));
    assert.ok(warnings.some((w) => w.includes('does not answer')));
  });
});
