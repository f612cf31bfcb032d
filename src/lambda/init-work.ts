import type { SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { spanView } from '../assemble/span-view';

/** Init-time spans held at most, until the first invocation decides for them. */
export const MAX_INIT_SPANS = 1000;

/** What became of the work done at init: counted for the processor's stats. */
export interface InitWorkCounts {
  held: number;
  sent: number;
  /** Left out: the first invocation was not sampled (or PassThrough, or had no header). */
  notSampled: number;
  /** Left out: more than MAX_INIT_SPANS were held. */
  overflow: number;
}

/**
 * Work done while the function's module loads (SDK clients made, a configuration fetched) runs before Lambda has
 * said which trace it belongs to. It is held here, and the first invocation decides: sampled, it is sent as
 * subsegments of that invocation's function segment, which on a cold start is the segment whose Initialization
 * it was; not sampled, it is left out, as the invocation's own work is. The X-Ray SDKs drop it with a
 * context-missing error instead.
 */
export class InitWork {
  readonly counts: InitWorkCounts = { held: 0, sent: 0, notSampled: 0, overflow: 0 };
  private _held: ReadableSpan[][] = [];
  private _heldSpans = 0;
  /** undefined: not decided yet; null: left out; else the parent to send under. */
  private _parent: SpanContext | null | undefined;

  constructor(
    private readonly _send: (spans: ReadableSpan[]) => void,
    private readonly _note: (kind: 'overflow' | 'not-sampled', detail: string) => void,
  ) {}

  /** Spans of init-time work that are ready to go: sent, held or left out, as decided. */
  take(spans: ReadableSpan[]): void {
    if (this._parent === undefined) {
      if (this._heldSpans + spans.length > MAX_INIT_SPANS) {
        this.counts.overflow += spans.length;
        this._note('overflow', `more than ${MAX_INIT_SPANS} spans of init-time work waited for the first invocation; ${spans.length} were left out`);
        return;
      }
      this._held.push(spans);
      this._heldSpans += spans.length;
      this.counts.held += spans.length;
      return;
    }
    if (this._parent === null) {
      this.counts.notSampled += spans.length;
      this._note('not-sampled', `${spans.length} spans of init-time work were left out: the first invocation was not sampled`);
      return;
    }
    this.counts.sent += spans.length;
    this._send(adopt(spans, this._parent));
  }

  /** The first invocation's parent decides (undefined or unsampled: the work is left out). */
  settle(parent: SpanContext | undefined, sampled: boolean): void {
    if (this._parent !== undefined) return;
    this._parent = parent !== undefined && sampled ? parent : null;
    const held = this._held;
    this._held = [];
    this._heldSpans = 0;
    for (const spans of held) this.take(spans);
  }
}

/**
 * The spans as part of the invocation's trace: the same ids and data, the trace id of the invocation, and the
 * work's top span under the invocation's function segment. Views over the spans, nothing copied.
 */
function adopt(spans: readonly ReadableSpan[], parent: SpanContext): ReadableSpan[] {
  return spans.map((span) => {
    const spanContext = { ...span.spanContext(), traceId: parent.traceId };
    const localParent = span.parentSpanContext;
    return spanView(span, {
      spanContext: () => spanContext,
      parentSpanContext: localParent === undefined ? parent : { ...localParent, traceId: parent.traceId },
    });
  });
}
