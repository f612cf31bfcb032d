import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';

/**
 * X-Ray's default sampling rule: the first request each second, then 5% of the rest (a reservoir of 1 per second
 * and a fixed rate of 0.05). Used for root decisions; the parent-based wrapper keeps callers' decisions.
 */
export class XRayDefaultRuleSampler implements Sampler {
  private _second = -1;
  private _taken = 0;

  constructor(
    private readonly _reservoirPerSecond = 1,
    private readonly _rate = 0.05,
    private readonly _now: () => number = Date.now,
    private readonly _random: () => number = Math.random,
  ) {}

  shouldSample(): SamplingResult {
    const second = Math.floor(this._now() / 1000);
    if (second !== this._second) {
      this._second = second;
      this._taken = 0;
    }
    if (this._taken < this._reservoirPerSecond) {
      this._taken++;
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    }
    return { decision: this._random() < this._rate ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }

  toString(): string {
    return `XRayDefaultRuleSampler{reservoir=${this._reservoirPerSecond}/s, rate=${this._rate}}`;
  }
}
