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
      process.stderr.write(`otel-xray ${label}: ${oneLine(message + extra)}\n`);
    } catch {
      // stderr closed: nothing more to do, and nothing to throw into the app
    }
  };
  return { error: line(3, 'error'), warn: line(2, 'warning'), info: line(1, 'info'), debug: line(0, 'debug'), verbose: line(0, 'debug') };
}

/** Longest line written; longer messages keep their start and end (where the kind is named). */
const MAX_LINE = 1000;

/**
 * A message as one line of bounded length, whatever the input it quotes (a rules file, a 100 KB variable): line
 * breaks are shown as `\n`, and the middle of an over-long message is cut.
 */
export function oneLine(message: string): string {
  let text = /[\r\n]/.test(message) ? message.replace(/\r/g, '\\r').replace(/\n/g, '\\n') : message;
  if (text.length > MAX_LINE) {
    const cut = text.length - (MAX_LINE - 200);
    text = `${text.slice(0, MAX_LINE - 400)} … (${cut} characters cut) … ${text.slice(-200)}`;
  }
  return text;
}

/** Names for a message: each quoted and cut to 60 characters, at most `max` of them, then how many more. */
export function quoteNames(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).map((name) => JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name));
  return names.length > max ? `${shown.join(', ')} and ${names.length - max} more` : shown.join(', ');
}

/**
 * Counts problems by kind and warns the first time each kind is seen, so bad input on a hot path gives one
 * clear line instead of a flood. The counts stay readable for tests, diagnostics and closing reports.
 */
export class ProblemCounter {
  private readonly _counts = new Map<string, number>();
  private readonly _logger: DiagLogger;
  private readonly _debug: boolean;

  /** With `debug`, every occurrence after the first is logged too, at debug level (AWS_XRAY_LOG_LEVEL=debug). */
  constructor(logger: DiagLogger = componentLogger(), options: { readonly debug?: boolean } = {}) {
    this._logger = logger;
    this._debug = options.debug === true;
  }

  /** Records one occurrence of `kind`; `detail` is logged only for the first (for every one in debug mode). */
  report(kind: string, detail: string): void {
    const seen = this._counts.get(kind) ?? 0;
    this._counts.set(kind, seen + 1);
    if (seen === 0) {
      this._logger.warn(`${detail} (further problems of this kind are counted, not logged: ${kind})`);
    } else if (this._debug) {
      this._logger.debug(`${detail} (${kind}, ${seen + 1} so far)`);
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

/** A document as one debug line: its JSON cut to `max` characters. JSON text never holds a raw line break. */
export function documentPreview(json: string, max = 300): string {
  return json.length <= max ? json : `${json.slice(0, max)}… (${json.length} characters)`;
}
