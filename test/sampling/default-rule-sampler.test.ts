import * as assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { XRayDefaultRuleSampler } from '../../src/index';

const decide = (sampler: XRayDefaultRuleSampler): SamplingDecision => {
  const asSampler = sampler as unknown as import('@opentelemetry/sdk-trace-base').Sampler;
  return asSampler.shouldSample(ROOT_CONTEXT, '5759e988bd862e3fe1be46a994272793', 'GET /', SpanKind.SERVER, {}, []).decision;
};

describe('XRayDefaultRuleSampler: X-Ray\'s default rule', () => {
  it('samples the first request of each second, then 5% of the rest', () => {
    let now = 1_700_000_000_000;
    const draws = [0.04, 0.06, 0.5, 0.01];
    const sampler = new XRayDefaultRuleSampler(1, 0.05, () => now, () => draws.shift() as number);
    assert.equal(decide(sampler), SamplingDecision.RECORD_AND_SAMPLED); // reservoir
    assert.equal(decide(sampler), SamplingDecision.RECORD_AND_SAMPLED); // 0.04 < 0.05
    assert.equal(decide(sampler), SamplingDecision.NOT_RECORD); // 0.06
    assert.equal(decide(sampler), SamplingDecision.NOT_RECORD); // 0.5
    now += 1000;
    assert.equal(decide(sampler), SamplingDecision.RECORD_AND_SAMPLED); // a new second: reservoir again
    assert.equal(decide(sampler), SamplingDecision.RECORD_AND_SAMPLED); // 0.01
  });

  it('describes itself', () => {
    assert.equal(new XRayDefaultRuleSampler().toString(), 'XRayDefaultRuleSampler{reservoir=1/s, rate=0.05}');
  });
});
