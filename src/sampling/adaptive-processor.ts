import { trace, TraceFlags } from '@opentelemetry/api';
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, Sampler, SamplingResult, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '../attribute-keys';
import type { AdaptiveSamplingConfig } from './adaptive-config';
import { judgeSpan, NO_ANOMALY } from './anomaly';
import { RULE_KEY } from './rule-hash';
import type { CentralizedSampler } from './centralized-sampler';

/** What adaptive sampling remembers of a trace this process has seen. */
interface TraceUsage {
  readonly rule: string | undefined;
  readonly at: number;
  seen: boolean;
  boostCounted: boolean;
  /** This process captures the trace's spans (an anomaly was found while it was not sampled). */
  capturing: boolean;
  /** The trace's entry span here has ended: later spans of an uncaptured trace are not held. */
  entryEnded: boolean;
  /** Ended spans of an unsampled trace, held until its entry span ends, in case an anomaly turns up. */
  held: ReadableSpan[] | undefined;
}

/** Traces remembered at most, and for how long: each is counted once, however many of its spans end. */
const MAX_TRACES = 100_000;
const TRACE_TTL_MILLIS = 10 * 60_000;
/** Spans of unsampled traces held at once for capture (all traces), and per trace. Past these, not held. */
const MAX_HELD_SPANS = 10_000;
const MAX_HELD_PER_TRACE = 1_000;

export interface AdaptiveSamplingOptions {
  /** Centralized rules, whose boost rules count traces and anomalies (undefined with local rules only). */
  readonly sampler: CentralizedSampler | undefined;
  /** The local configuration (anomaly conditions, capture limit); undefined: the default condition, no capture. */
  readonly config: AdaptiveSamplingConfig | undefined;
  /** Sends captured spans (of a trace that was not sampled) as ordinary documents. */
  readonly capture: (spans: ReadableSpan[]) => void;
  readonly now?: () => number;
  /** Traces remembered at most (default 100,000), and spans of unsampled traces held at most (default 10,000). */
  readonly maxTraces?: number;
  readonly maxHeldSpans?: number;
}

/**
 * What adaptive sampling needs recorded of unsampled traces: with a local configuration (capture is on) their
 * spans, so an anomalous one can be sent whole; with boost rules only, their entry spans, to judge their outcome.
 */
export type AdaptiveRecording = 'off' | 'entries' | 'traces';

export function adaptiveRecording(options: Pick<AdaptiveSamplingOptions, 'sampler' | 'config'>): AdaptiveRecording {
  if (options.config !== undefined) return 'traces';
  return options.sampler?.hasBoostRules === true ? 'entries' : 'off';
}

/**
 * X-Ray adaptive sampling, from the spans as they end: each trace is counted once under the rule that decided it
 * (for the sampling boost), and once more when it is first found anomalous; and when a trace that was not sampled
 * turns out anomalous, its spans that this process recorded are sent after all (anomaly trace capture), within
 * the per-second limit. Nothing of a normal unsampled trace is ever sent.
 */
export class AdaptiveSamplingProcessor implements SpanProcessor {
  private readonly _traces = new Map<string, TraceUsage>();
  private _heldSpans = 0;
  private readonly _maxTraces: number;
  private readonly _maxHeldSpans: number;
  private readonly _now: () => number;
  private _tokens: number;
  private _refilledAt: number;

  constructor(private readonly _options: AdaptiveSamplingOptions) {
    this._now = _options.now ?? Date.now;
    this._maxTraces = _options.maxTraces ?? MAX_TRACES;
    this._maxHeldSpans = _options.maxHeldSpans ?? MAX_HELD_SPANS;
    this._tokens = _options.config?.anomalyTracesPerSecond ?? 0;
    this._refilledAt = this._now();
  }

  onStart(span: Span): void {
    if (adaptiveRecording(this._options) === 'off') return;
    // The rule is named on the trace's entry span (sampled or recorded only); later spans of the trace find it here.
    const parent = span.parentSpanContext;
    if (parent !== undefined && parent.isRemote !== true) return;
    const context = span.spanContext();
    if (this._traces.has(context.traceId)) return;
    this._traces.set(context.traceId, {
      rule: this._ruleOf(span, context.traceState?.get(RULE_KEY)), at: this._now(), seen: false, boostCounted: false, capturing: false, entryEnded: false, held: undefined,
    });
    if (this._traces.size > this._maxTraces) this._forget(this._traces.keys().next().value as string);
  }

  onEnd(span: ReadableSpan): void {
    if (this._traces.size === 0) return;
    const context = span.spanContext();
    const usage = this._usage(context.traceId);
    if (usage === undefined) return;
    const sampled = (context.traceFlags & TraceFlags.SAMPLED) !== 0;
    const sampler = this._options.sampler;
    const rule = usage.rule === undefined ? undefined : sampler?.boostRule(usage.rule);
    if (rule !== undefined && !usage.seen) {
      usage.seen = true;
      sampler?.countTrace(rule.name, 'seen', sampled);
    }
    if (usage.capturing) {
      if (!sampled) this._options.capture([span]);
      return;
    }
    const isEntry = span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true;
    // Capture needs the local configuration, and spends one token per trace: what is held of it goes too.
    const capturable = !sampled && this._options.config !== undefined;
    // A span that could neither count for a boost rule nor be captured need not be judged.
    const verdict = rule === undefined && !capturable ? NO_ANOMALY : judgeSpan(span, this._options.config, rule?.boost?.disableDefaultAnomalyDetection === true);
    if (verdict.boost && rule !== undefined && !usage.boostCounted) {
      usage.boostCounted = true;
      sampler?.countTrace(rule.name, 'anomaly', sampled);
    }
    if (capturable && verdict.capture && this._takeToken()) {
      usage.capturing = true;
      const spans = usage.held ?? [];
      this._release(usage);
      spans.push(span);
      this._options.capture(spans);
      return;
    }
    if (isEntry) {
      // The request is over here, and was not captured: nothing of it is sent, and nothing more is held for it. Only
      // a boost rule needs the trace remembered, so that it counts once; otherwise the map keeps in-flight traces only.
      if (rule === undefined) this._forget(context.traceId);
      else {
        usage.entryEnded = true;
        this._release(usage);
      }
    } else if (capturable && !usage.entryEnded) {
      this._hold(usage, span);
    }
  }

  /** What is remembered and held now: for tests and diagnostics. */
  get size(): { traces: number; heldSpans: number } {
    return { traces: this._traces.size, heldSpans: this._heldSpans };
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this._traces.clear();
    this._heldSpans = 0;
    return Promise.resolve();
  }

  /**
   * The rule a trace counts under: the one that decided it here (the root), else the root's, carried in the trace
   * (its `xrsr`), when this service has that rule too. A trace that carries none counts nowhere.
   */
  private _ruleOf(span: Span, carried: string | undefined): string | undefined {
    const decided = span.attributes[ATTR.XRAY_SAMPLING_RULE_NAME];
    if (typeof decided === 'string') return decided;
    return carried === undefined ? undefined : this._options.sampler?.boostRuleByHash(carried)?.name;
  }

  private _usage(traceId: string): TraceUsage | undefined {
    const usage = this._traces.get(traceId);
    if (usage !== undefined && this._now() - usage.at > TRACE_TTL_MILLIS) {
      this._forget(traceId);
      return undefined;
    }
    return usage;
  }

  private _forget(traceId: string): void {
    const usage = this._traces.get(traceId);
    if (usage !== undefined) this._release(usage);
    this._traces.delete(traceId);
  }

  private _hold(usage: TraceUsage, span: ReadableSpan): void {
    if (this._heldSpans >= this._maxHeldSpans || (usage.held?.length ?? 0) >= MAX_HELD_PER_TRACE) return;
    (usage.held ??= []).push(span);
    this._heldSpans++;
  }

  private _release(usage: TraceUsage): void {
    if (usage.held === undefined) return;
    this._heldSpans -= usage.held.length;
    usage.held = undefined;
  }

  /** A token bucket of `anomalyTracesPerSecond`, full at start, refilled continuously. */
  private _takeToken(): boolean {
    const perSecond = this._options.config?.anomalyTracesPerSecond ?? 0;
    const now = this._now();
    this._tokens = Math.min(perSecond, this._tokens + ((now - this._refilledAt) / 1000) * perSecond);
    this._refilledAt = now;
    if (this._tokens < 1) return false;
    this._tokens -= 1;
    return true;
  }
}

/**
 * Records what adaptive sampling needs of traces that are not sampled (see AdaptiveRecording), without sampling
 * them: their entry spans (no parent, or a remote one), and with capture on the spans under a recorded one too.
 * Other unsampled spans stay unrecorded, which keeps unsampled requests cheap when capture is off.
 */
export class RecordForAdaptiveSampling implements Sampler {
  constructor(
    private readonly _inner: Sampler,
    private readonly _recording: () => AdaptiveRecording,
  ) {}

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const result = this._inner.shouldSample(context, traceId, name, kind, attributes, links);
    if (result.decision !== SamplingDecision.NOT_RECORD) return result;
    const recording = this._recording();
    if (recording === 'off') return result;
    const parent = trace.getSpan(context);
    const parentContext = parent?.spanContext();
    const isEntry = parentContext === undefined || parentContext.isRemote === true;
    if (isEntry || (recording === 'traces' && parent?.isRecording() === true)) return { ...result, decision: SamplingDecision.RECORD };
    return result;
  }

  toString(): string {
    return `RecordForAdaptiveSampling{${this._inner.toString()}}`;
  }
}
