import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, SpanContext } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SegmentBuffer } from './assemble/segment-buffer';
import { spanView } from './assemble/span-view';
import type { FlushReason, SegmentBucket } from './assemble/segment-buffer';
import { resolveProcessorConfig } from './config/processor-config';
import type { ResolvedProcessorConfig, XRaySpanProcessorOptions } from './config/processor-config';
import { componentLogger, ProblemCounter } from './diag';
import type { LogLevelName } from './diag';
import { flushOnExit } from './exit-flush';
import type { Emitter } from './emit/emitter';
import { UdpEmitter } from './emit/udp-emitter';
import type { EmitterCounts } from './emit/udp-emitter';
import { Packer } from './pack/packer';
import type { PackCounts } from './pack/packer';
import { InitWork } from './lambda/init-work';
import type { InitWorkCounts } from './lambda/init-work';
import { SegmentTranslator } from './translate/to-segment-documents';
import { startsSegment } from './translate/translate-span';
import type { TranslateOptions } from './translate/options';

/** What the processor did since it was made. */
export interface XRayProcessorStats {
  spansEnded: number;
  /** Batches of spans that left the buffer, by reason. */
  flushes: Record<FlushReason | 'untracked' | 'captured', number>;
  pack: PackCounts;
  emitter: EmitterCounts | undefined;
  bufferedSpans: number;
  activeSegments: number;
  /** Problems met (bad input, send errors …), by kind. */
  problems: Record<string, number>;
  /** In Lambda: what became of the spans of init-time work. */
  initWork: InitWorkCounts | undefined;
}

/**
 * Ended spans waiting for the next turn of the event loop to be translated and sent. Past this many, they are
 * sent at once: a burst (a 10,000-span trace, many such requests handled in one turn) costs the same work either
 * way, and memory stays bounded.
 */
const MAX_READY_SPANS = 1000;

/**
 * The OTel SpanProcessor that sends sampled spans to X-Ray. It keeps the ended spans of each local segment and,
 * when the segment's root ends, sends one document with the subsegments embedded; long segments stream ended
 * subsegments ahead (streaming threshold), buffers are bounded, and every document fits in one datagram.
 * Translation and sending run after the span ends, on a later turn of the event loop; only a backlog of more than
 * 1,000 ended spans is sent at once, inside the `span.end()` that overflows it. Once the process is stopping
 * (`expectExit()`), each trace is sent inside the `span.end()` that completes it, and on `process.exit()` every
 * ended span still held is sent before the process is gone.
 */
export class XRaySpanProcessor implements SpanProcessor {
  readonly config: ResolvedProcessorConfig;
  private readonly _problems: ProblemCounter;
  private readonly _translator: SegmentTranslator;
  private readonly _packer: Packer;
  private readonly _emitter: Emitter;
  private readonly _buffer: SegmentBuffer;
  
  private _ready: ReadableSpan[][] = [];
  private _readySpans = 0;
  private _drainScheduled = false;
  private _sweepTimer: NodeJS.Timeout | undefined;
  private _graceTimer: NodeJS.Timeout | undefined;
  private _shutdown: Promise<void> | undefined;
  /** The process is stopping: send as spans end, never wait for a later turn. */
  private _exiting = false;
  /**
   * In Lambda the process is frozen as soon as the handler returns: documents are sent inside the `span.end()`
   * that completes them, never on a later turn; nothing is a segment; init-time work waits for an invocation.
   */
  private readonly _lambda: boolean;
  private readonly _initWork: InitWork | undefined;
  private readonly _stopFlushingOnExit: () => void;
  private readonly _stats = {
    spansEnded: 0,
    flushes: { 'segment-ended': 0, 'late-span': 0, 'orphans-ended': 0, streaming: 0, 'buffer-full': 0, 'max-age': 0, 'force-flush': 0, untracked: 0, captured: 0 },
  };

  constructor(options: XRaySpanProcessorOptions = {}, resolved?: ResolvedProcessorConfig) {
    const logger = componentLogger(options.logLevel);
    const debug = options.logLevel === 'debug';
    this._problems = options.problems ?? new ProblemCounter(logger, { debug });
    this.config = resolved ?? resolveProcessorConfig(options, options.env ?? process.env, logger);
    this._translator = new SegmentTranslator({ ...options, problems: this._problems });
    this._packer = new Packer(this._problems);
    this._emitter =
      options.emitter ??
      new UdpEmitter({ endpoint: this.config.daemon.udp, problems: this._problems, ...(debug ? { debug: (line: string) => logger.debug(line) } : {}) });
    this._buffer = new SegmentBuffer(this.config, (spans, reason, bucket) => {
      if (bucket.initWork) (this._initWork as InitWork).take(spans);
      else this._enqueue(spans, reason);
    });
    this._lambda = options.lambda === true;
    this._initWork = this._lambda
      ? new InitWork(
          (spans) => this._enqueue(spans, 'segment-ended'),
          (kind, detail) => {
            if (kind === 'overflow') this._problems.report('lambda-init-overflow', detail);
            else if (debug) logger.debug(detail);
          },
        )
      : undefined;
    this._stopFlushingOnExit = flushOnExit(this);
  }

  /** A processor from an already resolved configuration (the distro resolves everything once, at start). */
  static fromResolved(config: ResolvedProcessorConfig, translate: TranslateOptions, emitter?: Emitter, logLevel?: LogLevelName): XRaySpanProcessor {
    return new XRaySpanProcessor({ ...translate, ...(emitter === undefined ? {} : { emitter }), ...(logLevel === undefined ? {} : { logLevel }) }, config);
  }

  onStart(span: Span, parentContext: Context): void {
    if (this._shutdown !== undefined || !isSampled(span)) return;
    try {
      const parent = span.parentSpanContext;
      const hasLocalParent = parent !== undefined && parent.isRemote !== true;
      // In Lambda, each piece of work with no local parent is a top-level subsegment: its own bucket.
      const isSegmentRoot = this._lambda ? !hasLocalParent : startsSegment(span, hasLocalParent);
      let bucket: SegmentBucket | undefined;
      if (!isSegmentRoot) {
        const parentSpan = trace.getSpan(parentContext);
        if (parentSpan !== undefined) bucket = (parentSpan as unknown as Record<symbol, SegmentBucket | undefined>)[BUCKET];
      }
      bucket ??= this._buffer.newBucket(isSegmentRoot ? span : undefined, this._lambda && parent === undefined);
      bucket.open++;
      (span as unknown as Record<symbol, SegmentBucket>)[BUCKET] = bucket;
    } catch (err) {
      this._problems.report('on-start', `a span could not be tracked: ${String(err)}`);
    }
  }

  onEnd(span: ReadableSpan): void {
    if (this._shutdown !== undefined || !isSampled(span)) return;
    try {
      this._stats.spansEnded++;
      const bucket = (span as unknown as Record<symbol, SegmentBucket | undefined>)[BUCKET];
      if (bucket === undefined) {
        this._enqueue([span], 'untracked'); // started before this processor was attached
        return;
      }
      this._buffer.add(bucket, span, bucket.root === span, Date.now());
      if (this._exiting) this._sendEndedNow();
      else if (this._buffer.waitingSegments > 0) this._startGraceTimer();
      if (this._buffer.activeSegments > 0) this._startSweeping();
    } catch (err) {
      this._problems.report('on-end', `a span could not be buffered: ${String(err)}`);
    }
  }

  /**
   * Sends everything buffered, including the ended spans of segments still open, and waits for the socket. In
   * Lambda, where each document went as it was completed, the work of invocations still running (several run at
   * once under AWS_LAMBDA_MAX_CONCURRENCY) is left to complete, and the flush waits only for a socket still
   * connecting, for 5 ms at most, so a handler's return is never held up.
   */
  async forceFlush(): Promise<void> {
    if (this._shutdown !== undefined) return this._shutdown;
    if (this._lambda) {
      // A handler's span that ended with children open (an http call whose span ends on the response's 'close'):
      // one turn of the event loop lets them end and ride in its document.
      if (this._buffer.waitingSegments > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      this._sendEndedNow();
      // A connected socket gave each datagram to the kernel inside send(): nothing to wait for. Only while it is
      // still connecting (the first invocation, a daemon named by host) is it worth waiting, briefly.
      if (this._emitter.hasQueued?.() === true) await cappedWait(this._emitter.flush(), LAMBDA_FLUSH_WAIT_MILLIS);
      return;
    }
    this._buffer.flushAll();
    this._drain();
    await this._emitter.flush();
  }

  /**
   * The process is about to stop (a signal was received, `beforeExit`): from now on each trace is handed to the
   * socket inside the `span.end()` that completes it, and segments whose late handler spans are awaited go at
   * once, so an explicit `process.exit()` that follows loses nothing. What has ended so far is sent now.
   */
  expectExit(): void {
    if (this._shutdown !== undefined) return;
    this._exiting = true;
    try {
      this._sendEndedNow();
    } catch (err) {
      this._problems.report('exit-flush', `sending before exit failed: ${String(err)}`);
    }
  }

  /**
   * Hands every ended span to the socket now, synchronously: the ended spans of segments still open go as
   * independent subsegments. Runs on `process.exit()`; after it a connected socket has every datagram.
   */
  flushSync(): void {
    if (this._shutdown !== undefined) return;
    this._buffer.flushAll();
    this._drain();
    this._emitter.sendQueuedNow?.();
  }

  /**
   * In Lambda: the first invocation's parent, which decides for the work done at init (sent under it when
   * sampled, else left out).
   */
  settleInitWork(parent: SpanContext | undefined): void {
    try {
      this._initWork?.settle(parent, parent !== undefined && (parent.traceFlags & TraceFlags.SAMPLED) !== 0);
      if (this._lambda) this._drain();
    } catch (err) {
      this._problems.report('lambda-init', `init-time work could not be sent: ${String(err)}`);
    }
  }

  /**
   * Adaptive sampling's anomaly trace capture: sends spans of a trace that was not sampled, found anomalous, as
   * ordinary documents, marked `aws.trace.flag.sampled: false` (in their metadata) so a partial trace reads as one.
   */
  sendCaptured(spans: readonly ReadableSpan[]): void {
    if (this._shutdown !== undefined || spans.length === 0) return;
    try {
      const marked = spans.map((span) => spanView(span, { attributes: { ...span.attributes, [CAPTURED_MARK]: false } }));
      this._enqueue(marked, 'captured');
    } catch (err) {
      this._problems.report('capture', `a captured span could not be sent: ${String(err)}`);
    }
  }

  /** Flushes, then closes the socket. After it, nothing is sent and nothing throws. Safe to call more than once. */
  shutdown(): Promise<void> {
    this._shutdown ??= (async () => {
      this._stopFlushingOnExit();
      this._buffer.flushAll();
      this._drain();
      this._stopSweeping();
      if (this._graceTimer !== undefined) clearTimeout(this._graceTimer);
      await this._emitter.shutdown();
    })();
    return this._shutdown;
  }

  stats(): XRayProcessorStats {
    const emitter = this._emitter as Partial<UdpEmitter>;
    return {
      spansEnded: this._stats.spansEnded,
      flushes: { ...this._stats.flushes },
      pack: { ...this._packer.counts },
      emitter: emitter.counts === undefined ? undefined : { ...emitter.counts },
      bufferedSpans: this._buffer.bufferedSpans,
      activeSegments: this._buffer.activeSegments,
      problems: this._problems.counts(),
      initWork: this._initWork === undefined ? undefined : { ...this._initWork.counts },
    };
  }

  private _enqueue(spans: ReadableSpan[], reason: FlushReason | 'untracked' | 'captured'): void {
    this._stats.flushes[reason]++;
    this._ready.push(spans);
    this._readySpans += spans.length;
    if (this._readySpans > MAX_READY_SPANS || this._exiting || this._lambda) {
      this._drain();
      return;
    }
    if (this._drainScheduled) return;
    this._drainScheduled = true;
    // Scheduled from the root context, so the callback holds no request's context alive.
    context.with(ROOT_CONTEXT, () => setImmediate(() => this._drain()));
  }

  /** Translates, packs and sends every ready batch. Runs with tracing suppressed: our work makes no spans. */
  private _drain(): void {
    this._drainScheduled = false;
    if (this._ready.length === 0) return;
    const batches = this._ready;
    this._ready = [];
    this._readySpans = 0;
    context.with(suppressTracing(ROOT_CONTEXT), () => {
      const texts: string[] = [];
      for (const batch of batches) {
        try {
          for (const document of this._translator.translate(batch)) this._packer.pack(document, texts);
        } catch (err) {
          this._problems.report('translate', `${batch.length} spans could not be translated: ${String(err)}`);
        }
      }
      for (const text of texts) {
        try {
          this._emitter.send(text);
        } catch (err) {
          this._problems.report('emit', `the emitter failed to take a document: ${String(err)}`);
        }
      }
    });
  }

  /** Stopping: segments waiting for late children go now, and everything ready is sent. */
  private _sendEndedNow(): void {
    if (this._buffer.waitingSegments > 0) this._buffer.releaseWaiting(Date.now(), 0);
    this._drain();
    this._emitter.sendQueuedNow?.();
  }

  /** Sends segments whose root ended with children open, once those have had ROOT_GRACE_MILLIS to end. */
  private _startGraceTimer(): void {
    if (this._graceTimer !== undefined) return;
    this._graceTimer = context.with(ROOT_CONTEXT, () =>
      setTimeout(() => {
        this._graceTimer = undefined;
        try {
          this._buffer.releaseWaiting(Date.now(), ROOT_GRACE_MILLIS);
          if (this._buffer.waitingSegments > 0) this._startGraceTimer();
        } catch (err) {
          this._problems.report('grace', `sending waiting segments failed: ${String(err)}`);
        }
      }, ROOT_GRACE_MILLIS),
    );
    this._graceTimer.unref();
  }

  private _startSweeping(): void {
    if (this._sweepTimer !== undefined) return;
    const every = Math.max(100, Math.min(10_000, Math.floor(this.config.maxBufferAgeMillis / 2)));
    this._sweepTimer = context.with(ROOT_CONTEXT, () =>
      setInterval(() => {
        try {
          this._buffer.sweep(Date.now());
          if (this._buffer.activeSegments === 0) this._stopSweeping();
        } catch (err) {
          this._problems.report('sweep', `the buffer sweep failed: ${String(err)}`);
        }
      }, every),
    );
    this._sweepTimer.unref();
  }

  private _stopSweeping(): void {
    if (this._sweepTimer !== undefined) clearInterval(this._sweepTimer);
    this._sweepTimer = undefined;
  }
}

/**
 * Each tracked span carries its bucket under this symbol. A WeakMap did the same job 15% slower end to end
 * (bench/processor.bench.js): its ephemeron entries are costly for the garbage collector at this churn.
 */
const BUCKET = Symbol('otel-xray.bucket');

/** Marks the spans of anomaly trace capture, as the AWS distros do: their trace was not sampled. */
const CAPTURED_MARK = 'aws.trace.flag.sampled';

/** How long a segment whose root has ended waits for children still open (framework handler spans). */
const ROOT_GRACE_MILLIS = 100;

/**
 * In Lambda, how long a flush waits at most for a socket that is still connecting: a handler's return is never
 * held up for long, whatever the daemon's address does.
 */
const LAMBDA_FLUSH_WAIT_MILLIS = 5;

function cappedWait(promise: Promise<void>, millis: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, millis);
    timer.unref();
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function isSampled(span: { spanContext(): { traceFlags: number } }): boolean {
  return (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
}
