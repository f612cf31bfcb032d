import { readFileSync } from 'node:fs';
import { parseLocalRules } from '../sampling/local-rules';

/** A rule as the daemon's sampling proxy returns it (GetSamplingRules' SamplingRuleRecords[].SamplingRule). */
export interface SamplingRuleRecord {
  readonly RuleName: string;
  readonly Priority: number;
  readonly FixedRate: number;
  readonly ReservoirSize: number;
  readonly ServiceName: string;
  readonly ServiceType: string;
  readonly Host: string;
  readonly HTTPMethod: string;
  readonly URLPath: string;
  readonly ResourceARN: string;
  readonly Version: 1;
  readonly Attributes: Record<string, string>;
}

/** A rule record with `*` for every pattern not given. */
export function samplingRule(name: string, priority: number, fields: { rate: number; fixedTarget: number; service?: string; host?: string; method?: string; path?: string }): SamplingRuleRecord {
  return {
    RuleName: name,
    Priority: priority,
    FixedRate: fields.rate,
    ReservoirSize: fields.fixedTarget,
    ServiceName: fields.service ?? '*',
    ServiceType: '*',
    Host: fields.host ?? '*',
    HTTPMethod: fields.method ?? '*',
    URLPath: fields.path ?? '*',
    ResourceARN: '*',
    Version: 1,
    Attributes: {},
  };
}

/** X-Ray's default rule: the first request each second, then 5%. */
export const DEFAULT_RULES: readonly SamplingRuleRecord[] = [samplingRule('Default', 10000, { rate: 0.05, fixedTarget: 1 })];

/**
 * The rules of a local sampling rules file (the X-Ray SDKs' format, version 1 or 2) as the sampling API gives
 * them, so apps sample by them through the daemon as they would against X-Ray. Returns the problem as a string.
 */
export function rulesFromFile(path: string): SamplingRuleRecord[] | string {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return `cannot read ${path}: ${(err as Error).message}`;
  }
  const checked = parseLocalRules(document);
  if (typeof checked === 'string') return checked;
  const raw = document as { rules?: Array<Record<string, unknown>>; default: Record<string, unknown> };
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const records = (raw.rules ?? []).map((r, i) =>
    samplingRule(text(r.description)?.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 32) || `rule-${i + 1}`, i + 1, {
      rate: Number(r.rate),
      fixedTarget: Number(r.fixed_target),
      ...(text(r.service_name) === undefined ? {} : { service: text(r.service_name) }),
      ...(text(r.host) === undefined ? {} : { host: text(r.host) }),
      ...(text(r.http_method) === undefined ? {} : { method: text(r.http_method) }),
      ...(text(r.url_path) === undefined ? {} : { path: text(r.url_path) }),
    }),
  );
  records.push(samplingRule('Default', 10000, { rate: Number(raw.default.rate), fixedTarget: Number(raw.default.fixed_target) }));
  return records;
}

/**
 * The answer to SamplingTargets: each rule the client reports on gets its rate and, alone on this machine, the
 * whole reservoir (X-Ray would share it among the clients), valid for the next 10 seconds.
 */
export function samplingTargets(rules: readonly SamplingRuleRecord[], body: unknown, now = Date.now()): unknown {
  const statistics = (body as { SamplingStatisticsDocuments?: Array<{ RuleName?: unknown }> } | null)?.SamplingStatisticsDocuments;
  const reported = Array.isArray(statistics) ? statistics.map((s) => s?.RuleName).filter((n): n is string => typeof n === 'string') : [];
  const targets = rules
    .filter((r) => reported.includes(r.RuleName))
    .map((r) => ({ RuleName: r.RuleName, FixedRate: r.FixedRate, ReservoirQuota: r.ReservoirSize, ReservoirQuotaTTL: Math.floor(now / 1000) + 10, Interval: 10 }));
  return { SamplingTargetDocuments: targets, LastRuleModification: 0, UnprocessedStatistics: [] };
}
