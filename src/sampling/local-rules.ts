import { readFileSync } from 'node:fs';
import { compileWildcard } from '../naming/wildcard';

/** One local sampling rule, validated, with its patterns compiled. */
export interface LocalRule {
  readonly description: string | undefined;
  /** Version 2: matched against the request's host. Version 1: `service_name`, matched against the segment name. */
  readonly host: (value: string) => boolean;
  readonly serviceName: ((value: string) => boolean) | undefined;
  readonly httpMethod: (value: string) => boolean;
  readonly urlPath: (value: string) => boolean;
  readonly fixedTarget: number;
  readonly rate: number;
}

export interface LocalRuleSet {
  readonly version: 1 | 2;
  readonly rules: readonly LocalRule[];
  readonly fallback: { readonly fixedTarget: number; readonly rate: number };
  /** The document as given, for toString(). */
  readonly source: string;
}

const ALWAYS = (): boolean => true;

/**
 * Parses a local rules document (version 1 or 2). Returns the rule set, or a sentence naming the rule and the
 * field that is wrong.
 */
export function parseLocalRules(document: unknown): LocalRuleSet | string {
  let doc = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch (err) {
      return `not valid JSON (${(err as Error).message})`;
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'expected a JSON object';
  const record = doc as Record<string, unknown>;
  const version = record.version;
  if (version !== 1 && version !== 2) return `"version" must be 1 or 2, not ${JSON.stringify(version)}`;
  const fallbackDoc = record.default;
  if (fallbackDoc === null || typeof fallbackDoc !== 'object' || Array.isArray(fallbackDoc)) return '"default" is required: {"fixed_target": …, "rate": …}';
  const fallback = targetAndRate(fallbackDoc as Record<string, unknown>, 'the default rule');
  if (typeof fallback === 'string') return fallback;
  const extra = Object.keys(fallbackDoc).filter((k) => k !== 'fixed_target' && k !== 'rate');
  if (extra.length > 0) return `the default rule takes only "fixed_target" and "rate", not ${extra.map((k) => `"${k}"`).join(', ')}`;
  const rulesDoc = record.rules ?? [];
  if (!Array.isArray(rulesDoc)) return '"rules" must be an array';
  const rules: LocalRule[] = [];
  for (let i = 0; i < rulesDoc.length; i++) {
    const rule = parseRule(rulesDoc[i], i + 1, version);
    if (typeof rule === 'string') return rule;
    rules.push(rule);
  }
  return Object.freeze({ version, rules: Object.freeze(rules), fallback, source: JSON.stringify(doc) });
}

function parseRule(value: unknown, index: number, version: 1 | 2): LocalRule | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `rule ${index} must be an object`;
  const rule = value as Record<string, unknown>;
  const description = typeof rule.description === 'string' ? rule.description : undefined;
  const name = `rule ${index}${description === undefined ? '' : ` ("${description}")`}`;
  const pattern = (field: string): string | undefined => (typeof rule[field] === 'string' ? (rule[field] as string) : undefined);
  const where = version === 2 ? 'host' : 'service_name';
  const place = pattern(where);
  if (place === undefined) return `${name}: "${where}" is required (a string; "*" matches any)`;
  const method = pattern('http_method');
  if (method === undefined) return `${name}: "http_method" is required (a string; "*" matches any)`;
  const path = pattern('url_path');
  if (path === undefined) return `${name}: "url_path" is required (a string; "*" matches any)`;
  const targets = targetAndRate(rule, name);
  if (typeof targets === 'string') return targets;
  return Object.freeze({
    description,
    host: version === 2 ? compileWildcard(place) : ALWAYS,
    serviceName: version === 1 ? compileWildcard(place) : undefined,
    httpMethod: compileWildcard(method),
    urlPath: compileWildcard(path),
    ...targets,
  });
}

function targetAndRate(rule: Record<string, unknown>, name: string): { fixedTarget: number; rate: number } | string {
  const fixedTarget = rule.fixed_target;
  if (typeof fixedTarget !== 'number' || !Number.isSafeInteger(fixedTarget) || fixedTarget < 0) {
    return `${name}: "fixed_target" must be a whole number of requests per second, 0 or more, not ${JSON.stringify(fixedTarget)}`;
  }
  const rate = rule.rate;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) return `${name}: "rate" must be a number from 0 to 1, not ${JSON.stringify(rate)}`;
  return { fixedTarget, rate };
}

/**
 * `AWS_XRAY_SAMPLING_RULES` / the `samplingRules` option: inline JSON (starting with `{`) or a file path. Returns
 * the rule set or a sentence saying what is wrong (unreadable file, invalid document).
 */
export function loadLocalRules(spec: string | object): LocalRuleSet | string {
  if (typeof spec === 'object') return parseLocalRules(spec);
  const text = spec.trim();
  if (text.startsWith('{')) return parseLocalRules(text);
  let content: string;
  try {
    content = readFileSync(text, 'utf8');
  } catch (err) {
    return `the rules file ${text} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  const parsed = parseLocalRules(content);
  return typeof parsed === 'string' ? `${text}: ${parsed}` : parsed;
}
