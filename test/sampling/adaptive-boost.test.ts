import * as assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { AlwaysOffSampler, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { CentralizedSampler } from '../../src/sampling/centralized-sampler';
import { metadataServer } from '../helpers/metadata-server';

/**
 * X-Ray's sampling boost through a loopback stand-in of the daemon's sampling proxy: a rule with
 * SamplingRateBoost, the boost statistics reported with the targets, and the SamplingBoost that comes back.
 */

function rule(name: string, priority: number, fields: Record<string, unknown> = {}) {
  return {
    SamplingRule: {
      RuleName: name, ResourceARN: '*', Priority: priority, FixedRate: 0, ReservoirSize: 0, ServiceName: '*', ServiceType: '*',
      Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1, Attributes: {}, ...fields,
    },
  };
}

async function boostProxy(targets: () => unknown) {
  const requests: Array<Record<string, unknown>> = [];
  const rules = {
    SamplingRuleRecords: [
      rule('checkout', 1, { URLPath: '/checkout', FixedRate: 0, SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 1 } }),
      rule('Default', 10000, { FixedRate: 0 }),
    ],
  };
  const read = (req: IncomingMessage): Promise<string> => new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
  });
  const server = await metadataServer({
    'POST /GetSamplingRules': (req: IncomingMessage, res: ServerResponse) => void read(req).then(() => res.end(JSON.stringify(rules))),
    'POST /SamplingTargets': (req: IncomingMessage, res: ServerResponse) => void read(req).then((body) => {
      requests.push(JSON.parse(body) as Record<string, unknown>);
      res.end(JSON.stringify(targets()));
    }),
  });
  return { ...server, requests };
}

describe('X-Ray sampling boost (adaptive sampling)', function () {
  this.timeout(5000);
  let now = 1_700_000_000_000;
  let random = 0.3;
  const make = (port: number) =>
    new CentralizedSampler({ endpoint: { host: '127.0.0.1', port }, fallback: new AlwaysOffSampler(), serviceName: 'shop', warn: () => undefined, now: () => now, random: () => random });
  const decide = (sampler: CentralizedSampler, path: string) =>
    sampler.shouldSample(ROOT_CONTEXT, '5759e988bd862e3fe1be46a994272793', 'GET', SpanKind.SERVER, { 'http.request.method': 'GET', 'url.path': path }, []).decision;

  it('reads SamplingRateBoost: only boost rules count traces and are reported, at most once per trace event', async () => {
    const proxy = await boostProxy(() => ({ SamplingTargetDocuments: [] }));
    try {
      const sampler = make(proxy.port);
      assert.equal(await sampler.refreshRules(), true);
      assert.equal(sampler.hasBoostRules, true);
      assert.deepEqual(sampler.boostRule('checkout')?.boost, { disableDefaultAnomalyDetection: false });
      assert.equal(sampler.boostRule('Default'), undefined);
      // A known mix: 6 traces under checkout, 2 anomalous (1 of them sampled); Default's traces are not counted.
      for (let i = 0; i < 6; i++) sampler.countTrace('checkout', 'seen', false);
      sampler.countTrace('checkout', 'anomaly', true);
      sampler.countTrace('checkout', 'anomaly', false);
      for (let i = 0; i < 4; i++) sampler.countTrace('Default', 'seen', false);
      sampler.countTrace('Default', 'anomaly', false);
      await sampler.refreshTargets();
      const boost = proxy.requests[0]?.SamplingBoostStatisticsDocuments as Array<Record<string, unknown>>;
      assert.deepEqual(boost, [{ RuleName: 'checkout', ServiceName: 'shop', Timestamp: Math.floor(now / 1000), TotalCount: 6, AnomalyCount: 2, SampledAnomalyCount: 1 }]);
      // Counted since the last call only: nothing new, no boost document.
      await sampler.refreshTargets();
      assert.equal('SamplingBoostStatisticsDocuments' in (proxy.requests[1] as object), false);
    } finally {
      await proxy.close();
    }
  });

  it('applies the returned SamplingBoost in place of the fixed rate until its TTL, and not after; a target without one ends it', async () => {
    let target: Record<string, unknown> = {
      RuleName: 'checkout', FixedRate: 0, ReservoirQuota: 0, ReservoirQuotaTTL: Math.floor(now / 1000) + 600, Interval: 10,
      SamplingBoost: { BoostRate: 0.5, BoostRateTTL: Math.floor(now / 1000) + 60 },
    };
    const proxy = await boostProxy(() => ({ SamplingTargetDocuments: [target] }));
    try {
      const sampler = make(proxy.port);
      await sampler.refreshRules();
      random = 0.3;
      assert.equal(decide(sampler, '/checkout'), SamplingDecision.NOT_RECORD, 'fixed rate 0 before the boost');
      await sampler.refreshTargets();
      assert.equal(decide(sampler, '/checkout'), SamplingDecision.RECORD_AND_SAMPLED, '0.3 < boost 0.5');
      random = 0.7;
      assert.equal(decide(sampler, '/checkout'), SamplingDecision.NOT_RECORD, '0.7 > boost 0.5');
      assert.equal(decide(sampler, '/other'), SamplingDecision.NOT_RECORD, 'another rule is not boosted');
      random = 0.3;
      now += 61_000; // past BoostRateTTL
      assert.equal(decide(sampler, '/checkout'), SamplingDecision.NOT_RECORD, 'the boost has expired');
      // Boosted again, then a target without SamplingBoost cancels it before its TTL.
      target = { ...target, ReservoirQuotaTTL: Math.floor(now / 1000) + 600, SamplingBoost: { BoostRate: 1, BoostRateTTL: Math.floor(now / 1000) + 60 } };
      await sampler.refreshTargets();
      assert.equal(decide(sampler, '/checkout'), SamplingDecision.RECORD_AND_SAMPLED);
      target = { RuleName: 'checkout', FixedRate: 0, ReservoirQuota: 0, ReservoirQuotaTTL: Math.floor(now / 1000) + 600, Interval: 10 };
      await sampler.refreshTargets();
      assert.equal(decide(sampler, '/checkout'), SamplingDecision.NOT_RECORD);
    } finally {
      await proxy.close();
    }
  });

  it('ignores a malformed SamplingBoost (rate outside 0..1, no TTL)', async () => {
    let boost: unknown = { BoostRate: 1.5, BoostRateTTL: Math.floor(now / 1000) + 60 };
    const proxy = await boostProxy(() => ({ SamplingTargetDocuments: [{ RuleName: 'checkout', FixedRate: 0, SamplingBoost: boost }] }));
    try {
      const sampler = make(proxy.port);
      await sampler.refreshRules();
      random = 0.1;
      await sampler.refreshTargets();
      assert.equal(decide(sampler, '/checkout'), SamplingDecision.NOT_RECORD);
      boost = { BoostRate: 1 };
      await sampler.refreshTargets();
      assert.equal(decide(sampler, '/checkout'), SamplingDecision.NOT_RECORD);
    } finally {
      await proxy.close();
    }
  });

  it('keeps DisableDefaultAnomalyDetection from the rule', async () => {
    const proxy = await metadataServer({
      'POST /GetSamplingRules': (_req: IncomingMessage, res: ServerResponse) =>
        res.end(JSON.stringify({ SamplingRuleRecords: [rule('quiet', 1, { SamplingRateBoost: { MaxRate: 0.2, CooldownWindowMinutes: 5, DisableDefaultAnomalyDetection: true } })] })),
    });
    try {
      const sampler = make(proxy.port);
      await sampler.refreshRules();
      assert.deepEqual(sampler.boostRule('quiet')?.boost, { disableDefaultAnomalyDetection: true });
    } finally {
      await proxy.close();
    }
  });
});
