import { diag } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';

/** The component logger every otel-xray message goes through (OTel's diag, namespace "otel-xray"). */
export function componentLogger(): DiagLogger {
  return diag.createComponentLogger({ namespace: 'otel-xray' });
}

/**
 * Counts problems by kind and warns the first time each kind is seen, so bad input on a hot path gives one
 * clear line instead of a flood. The counts stay readable for tests, diagnostics and closing reports.
 */
export class ProblemCounter {
  private readonly _counts = new Map<string, number>();
  private readonly _logger: DiagLogger;

  constructor(logger: DiagLogger = componentLogger()) {
    this._logger = logger;
  }

  /** Records one occurrence of `kind`; `detail` is logged only for the first. */
  report(kind: string, detail: string): void {
    const seen = this._counts.get(kind) ?? 0;
    this._counts.set(kind, seen + 1);
    if (seen === 0) {
      this._logger.warn(`${detail} (further problems of this kind are counted, not logged: ${kind})`);
    }
  }

  /** How many times each kind was reported, by kind. */
  counts(): Record<string, number> {
    return Object.fromEntries(this._counts);
  }

  count(kind: string): number {
    return this._counts.get(kind) ?? 0;
  }
}
