import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * The ended spans of one local segment (a span that starts a segment and its descendants in this process), kept
 * until the segment's root ends so they leave in one document.
 */
export interface SegmentBucket {
  /** The span that starts the segment; undefined when the spans' parent is unknown here. */
  readonly root: object | undefined;
  ended: ReadableSpan[];
  /** Spans of this bucket that have started and not ended. */
  open: number;
  rootEnded: boolean;
  /** The root's document has left; spans ending after it are sent on their own. */
  rootSent: boolean;
  /** Date.now() when the root ended. */
  rootEndedAt: number;
  /** Date.now() when the oldest span now in `ended` was buffered. */
  bufferedSince: number;
  /** In Lambda: work done outside any invocation (at init), which the first invocation decides for. */
  readonly initWork: boolean;
}

export interface BufferLimits {
  readonly streamingThreshold: number;
  readonly maxOpenSegments: number;
  readonly maxBufferedSpans: number;
  readonly maxBufferAgeMillis: number;
}

/** Why a batch of spans left the buffer: counted in the processor's stats. */
export type FlushReason = 'segment-ended' | 'late-span' | 'orphans-ended' | 'streaming' | 'buffer-full' | 'max-age' | 'force-flush';

/**
 * Bounded bookkeeping of the buckets that hold ended spans. Decides when a bucket's spans must leave: when the
 * root ends, past the streaming threshold, past the buffer caps (oldest first) or past the maximum age. It
 * hands batches to `flush` and keeps no span after that.
 */
export class SegmentBuffer {
  /** Buckets holding ended spans, oldest first (a Set keeps insertion order). */
  private readonly _active = new Set<SegmentBucket>();
  /** Buckets whose root has ended while some of its children are still open. */
  private readonly _waiting = new Set<SegmentBucket>();
  private _buffered = 0;

  constructor(
    private readonly _limits: BufferLimits,
    private readonly _flush: (spans: ReadableSpan[], reason: FlushReason, bucket: SegmentBucket) => void,
  ) {}

  get bufferedSpans(): number {
    return this._buffered;
  }

  get activeSegments(): number {
    return this._active.size;
  }

  /** Segments whose root ended with children still open, waiting a moment for them. */
  get waitingSegments(): number {
    return this._waiting.size;
  }

  newBucket(root: object | undefined, initWork = false): SegmentBucket {
    return { root, ended: [], open: 0, rootEnded: false, rootSent: false, rootEndedAt: 0, bufferedSince: 0, initWork };
  }

  /** Records an ended span of `bucket` and flushes what must leave now. */
  add(bucket: SegmentBucket, span: ReadableSpan, isRoot: boolean, now: number): void {
    bucket.open--;
    if (bucket.ended.length === 0) {
      bucket.bufferedSince = now;
      this._active.add(bucket);
    }
    bucket.ended.push(span);
    this._buffered++;

    if (isRoot) {
      bucket.rootEnded = true;
      bucket.rootEndedAt = now;
      // Frameworks often end a handler span just after the request's span: wait a moment so it rides along.
      if (bucket.open <= 0) this._sendSegment(bucket);
      else this._waiting.add(bucket);
    } else if (bucket.rootSent) {
      this._take(bucket, 'late-span');
    } else if (bucket.rootEnded) {
      if (bucket.open <= 0) this._sendSegment(bucket);
    } else if (bucket.root === undefined && bucket.open <= 0) {
      this._take(bucket, 'orphans-ended');
    } else if (bucket.ended.length > this._limits.streamingThreshold) {
      this._take(bucket, 'streaming');
    }
    while (this._active.size > this._limits.maxOpenSegments || this._buffered > this._limits.maxBufferedSpans) {
      const oldest = this._active.values().next().value as SegmentBucket;
      this._take(oldest, 'buffer-full');
    }
  }

  /** Sends the segments whose root ended at least `graceMillis` ago, with whatever children have ended. */
  releaseWaiting(now: number, graceMillis: number): void {
    for (const bucket of this._waiting) {
      if (now - bucket.rootEndedAt < graceMillis) break; // the rest ended later
      this._sendSegment(bucket);
    }
  }

  private _sendSegment(bucket: SegmentBucket): void {
    this._waiting.delete(bucket);
    bucket.rootSent = true;
    this._take(bucket, 'segment-ended');
  }

  /** Sends the spans of buckets buffered for longer than the maximum age. */
  sweep(now: number): void {
    for (const bucket of this._active) {
      if (now - bucket.bufferedSince < this._limits.maxBufferAgeMillis) break; // the rest are younger
      this._take(bucket, 'max-age');
    }
  }

  /** Sends every buffered span. */
  flushAll(): void {
    for (const bucket of this._waiting) this._sendSegment(bucket);
    for (const bucket of this._active) this._take(bucket, 'force-flush');
  }

  private _take(bucket: SegmentBucket, reason: FlushReason): void {
    const spans = bucket.ended;
    if (spans.length === 0) return;
    bucket.ended = [];
    this._active.delete(bucket);
    this._buffered -= spans.length;
    this._flush(spans, reason, bucket);
  }
}
