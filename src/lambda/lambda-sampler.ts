import { trace, TraceFlags } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';

/**
 * Lambda decides: it samples the function's segment and says so in the trace header, and every span of the
 * invocation follows its parent. A span with no parent at all is init-time work (module load, before any
 * invocation): it is recorded and held until the first invocation decides for it. After that, work outside any
 * invocation has no trace to join and is not recorded.
 */
export class LambdaSampler implements Sampler {
  constructor(
    /** True once an invocation has been seen. */
    private readonly _invoked: () => boolean,
    /** Told each time work outside any invocation is left unrecorded. */
    private readonly _outsideInvocation: (name: string) => void,
  ) {}

  shouldSample(context: Context, _traceId: string, name: string): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent !== undefined) {
      return { decision: (parent.traceFlags & TraceFlags.SAMPLED) !== 0 ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
    }
    if (!this._invoked()) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    this._outsideInvocation(name);
    return { decision: SamplingDecision.NOT_RECORD };
  }

  toString(): string {
    return 'LambdaSampler';
  }
}
