import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { resolveProcessorConfig } from './config/processor-config';
import { componentLogger, ProblemCounter } from './diag';
import type { Emitter } from './emit/emitter';
import { UdpEmitter } from './emit/udp-emitter';
import { Packer } from './pack/packer';
import { SegmentTranslator } from './translate/to-segment-documents';
import type { TranslateOptions } from './translate/options';

export interface XRaySpanExporterOptions extends TranslateOptions {
  /** The X-Ray daemon, `host:port` or `tcp:host:port udp:host:port`. Env `AWS_XRAY_DAEMON_ADDRESS` wins. Default `127.0.0.1:2000`. */
  daemonAddress?: string;
  /** Where documents go instead of the daemon (tests, samples). Default: UDP to the daemon. */
  emitter?: Emitter;
  /** The environment to read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * An OTel SpanExporter for users who keep their own BatchSpanProcessor: each batch is grouped by trace,
 * translated into segment documents, packed within 64 KB and sent to the X-Ray daemon. Spans of one request
 * that arrive in different batches are linked by parent ids (independent subsegments). It always completes the
 * export callback.
 */
export class XRaySpanExporter implements SpanExporter {
  readonly problems: ProblemCounter;
  private readonly _translator: SegmentTranslator;
  private readonly _packer: Packer;
  private readonly _emitter: Emitter;
  private _shutdown = false;

  constructor(options: XRaySpanExporterOptions = {}) {
    const logger = componentLogger();
    this.problems = options.problems ?? new ProblemCounter(logger);
    this._translator = new SegmentTranslator({ ...options, problems: this.problems });
    this._packer = new Packer(this.problems);
    const daemon = resolveProcessorConfig({ daemonAddress: options.daemonAddress }, options.env ?? process.env, logger).daemon;
    this._emitter = options.emitter ?? new UdpEmitter({ endpoint: daemon.udp, problems: this.problems });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this._shutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('XRaySpanExporter is shut down') });
      return;
    }
    try {
      context.with(suppressTracing(ROOT_CONTEXT), () => {
        const texts: string[] = [];
        for (const document of this._translator.translate(spans)) this._packer.pack(document, texts);
        for (const text of texts) this._emitter.send(text);
      });
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
