import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ProblemCounter } from './diag';
import type { Emitter } from './emit/emitter';
import { UdpEmitter } from './emit/udp-emitter';
import { SegmentTranslator } from './translate/to-segment-documents';
import type { TranslateOptions } from './translate/options';

export interface XRaySpanExporterOptions extends TranslateOptions {
  /** Daemon host. Default 127.0.0.1. */
  daemonHost?: string;
  /** Daemon UDP port. Default 2000. */
  daemonPort?: number;
  /** Where documents go instead of the daemon (tests, samples). Default: a UDP emitter to the daemon. */
  emitter?: Emitter;
}

/**
 * An OTel SpanExporter for users who keep their own BatchSpanProcessor: each batch is grouped by trace,
 * translated into segment documents and sent to the X-Ray daemon. It always completes the export callback.
 */
export class XRaySpanExporter implements SpanExporter {
  readonly problems: ProblemCounter;
  private readonly _translator: SegmentTranslator;
  private readonly _emitter: Emitter;
  private _shutdown = false;

  constructor(options: XRaySpanExporterOptions = {}) {
    this.problems = options.problems ?? new ProblemCounter();
    this._translator = new SegmentTranslator({ ...options, problems: this.problems });
    this._emitter =
      options.emitter ??
      new UdpEmitter({ host: options.daemonHost ?? '127.0.0.1', port: options.daemonPort ?? 2000, problems: this.problems });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this._shutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('XRaySpanExporter is shut down') });
      return;
    }
    try {
      for (const document of this._translator.translate(spans)) this._emitter.send(JSON.stringify(document));
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (err) {
      this.problems.report('export', `exporting spans failed: ${String(err)}`);
      resultCallback({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  forceFlush(): Promise<void> {
    return this._emitter.flush();
  }

  async shutdown(): Promise<void> {
    if (this._shutdown) return;
    this._shutdown = true;
    await this._emitter.shutdown();
  }
}
