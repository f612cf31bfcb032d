import { compileWildcard } from '../naming/wildcard';

/** A sampling rule from X-Ray (GetSamplingRules), with its patterns compiled. */
export interface CentralRule {
  readonly name: string;
  readonly priority: number;
  readonly fixedRate: number;
  readonly reservoirSize: number;
  readonly serviceName: (value: string) => boolean;
  readonly serviceType: (value: string) => boolean;
  readonly host: (value: string) => boolean;
  readonly httpMethod: (value: string) => boolean;
  readonly urlPath: (value: string) => boolean;
  readonly resourceArn: (value: string) => boolean;
  /** Every key must be present on the request and match. */
  readonly attributes: ReadonlyArray<readonly [string, (value: string) => boolean]>;
  /**
   * Present when the rule has `SamplingRateBoost`: X-Ray may raise its rate for a while when services report
   * anomalies (adaptive sampling). Its MaxRate and cooldown are X-Ray's business; only the presence matters here.
   */
  readonly boost: { readonly disableDefaultAnomalyDetection: boolean } | undefined;
}

/**
 * The rules of GetSamplingRules records (all pages): version 1 only (as the SDKs), by priority then name, the
 * Default rule last. Records that are not rules are skipped.
 */
export function parseSamplingRules(records: readonly unknown[]): CentralRule[] {
  const rules: CentralRule[] = [];
  for (const record of records) {
    const rule = (record as { SamplingRule?: Record<string, unknown> } | null)?.SamplingRule;
    if (rule === undefined || rule === null || rule.Version !== 1) continue;
    const text = (key: string): string | undefined => (typeof rule[key] === 'string' ? (rule[key] as string) : undefined);
    const number = (key: string): number | undefined => (typeof rule[key] === 'number' && Number.isFinite(rule[key]) ? (rule[key] as number) : undefined);
    const name = text('RuleName');
    const priority = number('Priority');
    const fixedRate = number('FixedRate');
    const reservoirSize = number('ReservoirSize');
    if (name === undefined || priority === undefined || fixedRate === undefined || reservoirSize === undefined) continue;
    if (fixedRate < 0 || fixedRate > 1 || reservoirSize < 0) continue;
    const pattern = (key: string): ((value: string) => boolean) => compileWildcard(text(key) ?? '*');
    const attributes: Array<readonly [string, (value: string) => boolean]> = [];
    const ruleAttributes = rule.Attributes;
    if (ruleAttributes !== null && typeof ruleAttributes === 'object') {
      for (const [key, value] of Object.entries(ruleAttributes as Record<string, unknown>)) {
        if (typeof value === 'string') attributes.push([key, compileWildcard(value)]);
      }
    }
    const boost = rule.SamplingRateBoost;
    rules.push(Object.freeze({
      name, priority, fixedRate, reservoirSize: Math.floor(reservoirSize),
      serviceName: pattern('ServiceName'), serviceType: pattern('ServiceType'), host: pattern('Host'),
      httpMethod: pattern('HTTPMethod'), urlPath: pattern('URLPath'), resourceArn: pattern('ResourceARN'),
      attributes: Object.freeze(attributes),
      boost: boost !== null && typeof boost === 'object'
        ? Object.freeze({ disableDefaultAnomalyDetection: (boost as { DisableDefaultAnomalyDetection?: unknown }).DisableDefaultAnomalyDetection === true })
        : undefined,
    }));
  }
  return rules.sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What a rule is matched against. */
export interface SamplingRequest {
  readonly serviceName: string;
  readonly serviceType: string;
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly resourceArn: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export function ruleMatches(rule: CentralRule, request: SamplingRequest): boolean {
  if (!(rule.host(request.host) && rule.httpMethod(request.method) && rule.urlPath(request.path))) return false;
  if (!(rule.serviceName(request.serviceName) && rule.serviceType(request.serviceType) && rule.resourceArn(request.resourceArn))) return false;
  for (const [key, matches] of rule.attributes) {
    const value = request.attributes[key];
    if (typeof value !== 'string' || !matches(value)) return false;
  }
  return true;
}
