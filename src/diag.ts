import type { DiagLogger } from '@opentelemetry/api';

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevelName, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * The logger every otel-xray message goes through: one line on stderr, prefixed `otel-xray:`, at `level` and
 * above (default warn). OTel's own diag logger is a no-op until an application sets one, which would hide the
 * one warning a user needs (a dead daemon, a bad variable); and otel-xray never sets the global one itself.
 */
export function componentLogger(level: LogLevelName = 'warn'): DiagLogger {
  const at = RANK[level] ?? RANK.warn;
  const line = (rank: number, label: string) => (message: string, ...args: unknown[]): void => {
    if (rank < at) return;
    const extra = args.length === 0 ? '' : ' ' + args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
    try {
      process.stderr.write(`otel-xray ${label}: ${message}${extra}\n`);
    } catch {
      // stderr closed: nothing more to do, and nothing to throw into the app
    }
  };
  return { error: line(3, 'error'), warn: line(2, 'warning'), info: line(1, 'info'), debug: line(0, 'debug'), verbose: line(0, 'debug') };
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
