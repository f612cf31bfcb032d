import { compileFnmatch } from './fnmatch';

/**
 * A rule for outgoing calls that must not be traced, as the X-Ray SDK's `add_ignored`: a call is skipped when
 * every criterion given matches. `hostname` is an fnmatch glob (case-insensitive); `urls` are paths, matched
 * exactly (with or without the query string); `subclass` names the client: `http`, `https` or `fetch`.
 */
export interface OutgoingIgnoreRule {
  readonly hostname?: string;
  readonly urls?: readonly string[];
  readonly subclass?: string;
}

/** An outgoing call as the rules see it. */
export interface OutgoingCall {
  readonly client: 'http' | 'https' | 'fetch';
  readonly hostname: string;
  /** The request target: path and query. */
  readonly path: string;
}

interface CompiledRule {
  readonly host: ((text: string) => boolean) | undefined;
  readonly urls: ReadonlySet<string> | undefined;
  readonly subclass: string | undefined;
}

/** Why a rule is unusable, or undefined when it is fine. */
export function checkOutgoingRule(rule: unknown): string | undefined {
  if (rule === null || typeof rule !== 'object') return 'a rule must be an object';
  const { hostname, urls, subclass } = rule as Record<string, unknown>;
  if (hostname === undefined && urls === undefined && subclass === undefined) return 'a rule needs hostname, urls or subclass';
  if (hostname !== undefined && (typeof hostname !== 'string' || hostname === '')) return 'hostname must be a non-empty string';
  if (typeof hostname === 'string') {
    try {
      compileFnmatch(hostname);
    } catch (err) {
      return `hostname ${JSON.stringify(hostname)} is not a usable pattern (${String(err)})`;
    }
  }
  if (urls !== undefined && (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string'))) return 'urls must be an array of strings';
  if (subclass !== undefined && (typeof subclass !== 'string' || subclass === '')) return 'subclass must be a non-empty string';
  return undefined;
}

function compile(rule: OutgoingIgnoreRule): CompiledRule {
  return {
    host: rule.hostname === undefined ? undefined : compileFnmatch(rule.hostname),
    urls: rule.urls === undefined ? undefined : new Set(rule.urls),
    subclass: rule.subclass?.toLowerCase(),
  };
}

function bareHost(hostname: string): string {
  // `host:port` or `[v6]:port` → the name alone.
  if (hostname.startsWith('[')) return hostname.slice(1, Math.max(1, hostname.indexOf(']')));
  const colon = hostname.indexOf(':');
  return colon === -1 || hostname.indexOf(':', colon + 1) !== -1 ? hostname : hostname.slice(0, colon);
}

/** The process's rules: the configured ones (AWS_XRAY_IGNORE_OUTGOING / `ignoreOutgoing` option) and those added in code. */
export class OutgoingIgnoreRules {
  private _configured: CompiledRule[] = [];
  private _added: CompiledRule[] = [];

  get size(): number {
    return this._configured.length + this._added.length;
  }

  /** Replaces the configured rules (start() does this once). */
  configure(rules: readonly OutgoingIgnoreRule[]): void {
    this._configured = rules.map(compile);
  }

  add(rule: OutgoingIgnoreRule): void {
    this._added.push(compile(rule));
  }

  /** Forgets the rules added in code (the configured ones stay), as the SDK's reset_ignored. */
  reset(): void {
    this._added = [];
  }

  matches(call: OutgoingCall): boolean {
    if (this.size === 0) return false;
    const host = bareHost(call.hostname);
    const query = call.path.indexOf('?');
    const path = query === -1 ? call.path : call.path.slice(0, query);
    const test = (rule: CompiledRule): boolean =>
      (rule.subclass === undefined || rule.subclass === call.client) &&
      (rule.host === undefined || rule.host(host)) &&
      (rule.urls === undefined || rule.urls.has(path) || rule.urls.has(call.path));
    return this._configured.some(test) || this._added.some(test);
  }
}

const RULES_KEY = Symbol.for('otel-xray.outgoing-ignore-rules');

/** The one rule set of the process (shared by every loaded copy of the package). */
export function outgoingIgnoreRules(): OutgoingIgnoreRules {
  const holder = globalThis as unknown as Record<symbol, OutgoingIgnoreRules | undefined>;
  return (holder[RULES_KEY] ??= new OutgoingIgnoreRules());
}
