import { trace } from '@opentelemetry/api';
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '../attribute-keys';
import { UPSTREAM_REQUEST_KEY } from '../propagation/xray-propagator';
import type { UpstreamRequest } from '../propagation/xray-propagator';

/**
 * Wraps the configured (parent-based) sampler for X-Ray headers that leave something open: with `Sampled=?` (or
 * no Sampled) the decision is made as for a new trace, keeping the caller's trace id; with no Parent the span is
 * marked so its segment is written without a parent_id.
 */
export class UpstreamAwareSampler implements Sampler {
  constructor(
    private readonly _inner: Sampler,
    /** The run-time switch (setSdkEnabled): when off, nothing is recorded. */
    private readonly _isEnabled: () => boolean = () => true,
    /** Debug mode: one line per request not sampled, saying why (X-Ray SDK users look there for a missing trace). */
    private readonly _debug?: (line: string) => void,
  ) {}

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (!this._isEnabled()) {
      this._debug?.(`not recorded: "${name}" (tracing is switched off by setSdkEnabled(false))`);
      return { decision: SamplingDecision.NOT_RECORD };
    }
    const result = this._decide(context, traceId, name, kind, attributes, links);
    if (this._debug !== undefined && result.decision === SamplingDecision.NOT_RECORD) this._explain(context, name);
    return result;
  }

  private _decide(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const upstream = context.getValue(UPSTREAM_REQUEST_KEY) as UpstreamRequest | undefined;
    const parent = trace.getSpanContext(context);
    // Only the span started right under the extracted X-Ray header is concerned: not its descendants, and not
    // when another propagator (tracecontext) has put a parent of its own in its place.
    if (upstream === undefined || parent?.isRemote !== true || parent.spanId !== upstream.spanId || parent.traceId !== upstream.traceId) {
      return this._inner.shouldSample(context, traceId, name, kind, attributes, links);
    }
    const decideContext = upstream.decide ? trace.deleteSpan(context) : context;
    const result = this._inner.shouldSample(decideContext, traceId, name, kind, attributes, links);
    if (!upstream.noParent) return result;
    return { ...result, attributes: { ...result.attributes, [ATTR.XRAY_NO_PARENT]: true } };
  }

  /** Why a new trace (or a remote caller's) is not recorded; spans under a local unsampled parent say nothing. */
  private _explain(context: Context, name: string): void {
    const parent = trace.getSpanContext(context);
    if (parent !== undefined && parent.isRemote !== true) return;
    const upstream = context.getValue(UPSTREAM_REQUEST_KEY) as UpstreamRequest | undefined;
    const reason =
      parent !== undefined && (upstream === undefined || !upstream.decide)
        ? "its caller's trace header said Sampled=0"
        : 'the sampling rules did not pick it';
    (this._debug as (line: string) => void)(`not sampled: "${name}" (${reason})`);
  }

  toString(): string {
    return `UpstreamAwareSampler{${this._inner.toString()}}`;
  }
}
