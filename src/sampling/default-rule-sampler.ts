import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';
import { Reservoir } from './reservoir';

/**
 * X-Ray's default sampling rule: the first request each second, then 5% of the rest (a reservoir of 1 per second
 * and a fixed rate of 0.05). Used for root decisions; the parent-based wrapper keeps callers' decisions.
 */
export class XRayDefaultRuleSampler implements Sampler {
  private readonly _reservoir: Reservoir;

  constructor(
    private readonly _reservoirPerSecond = 1,
    private readonly _rate = 0.05,
    private readonly _now: () => number = Date.now,
    private readonly _random: () => number = Math.random,
  ) {
    this._reservoir = new Reservoir(_reservoirPerSecond);
  }

  shouldSample(): SamplingResult {
    const sampled = this._reservoir.take(this._now()) || this._random() < this._rate;
    return { decision: sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }

  toString(): string {
    return `XRayDefaultRuleSampler{reservoir=${this._reservoirPerSecond}/s, rate=${this._rate}}`;
  }
}
