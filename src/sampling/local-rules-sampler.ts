import type { Attributes } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '../attribute-keys';
import { readString } from '../attributes/read';
import { hostWithoutPort } from '../url-parts';
import type { LocalRule, LocalRuleSet } from './local-rules';
import { Reservoir } from './reservoir';

/**
 * Decides new traces by local X-Ray rules: the first rule whose host (or service name), method and path match
 * decides, else the default rule; each samples `fixed_target` requests per second, then `rate` of the rest.
 * Reads the request from the attributes the http instrumentation gives at span start.
 */
export class LocalRulesSampler implements Sampler {
  private readonly _reservoirs: Reservoir[];
  private readonly _fallbackReservoir: Reservoir;

  constructor(
    private readonly _rules: LocalRuleSet,
    private readonly _serviceName: string,
    private readonly _now: () => number = Date.now,
    private readonly _random: () => number = Math.random,
  ) {
    this._reservoirs = _rules.rules.map((r) => new Reservoir(r.fixedTarget));
    this._fallbackReservoir = new Reservoir(_rules.fallback.fixedTarget);
  }

  shouldSample(_context: unknown, _traceId: string, _name: string, _kind: unknown, attributes: Attributes): SamplingResult {
    const request = describeRequest(attributes ?? {});
    const rules = this._rules.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as LocalRule;
      if (matches(rule, request, this._serviceName)) return this._decide(this._reservoirs[i] as Reservoir, rule.rate);
    }
    return this._decide(this._fallbackReservoir, this._rules.fallback.rate);
  }

  private _decide(reservoir: Reservoir, rate: number): SamplingResult {
    const sampled = reservoir.take(this._now()) || (rate > 0 && this._random() < rate);
    return { decision: sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }

  toString(): string {
    return `LocalRulesSampler{${this._rules.source}}`;
  }
}

export interface RequestFacts {
  host: string;
  method: string;
  path: string;
}

/** Host (port removed), method and path of the request a span is about to record, from old or new attributes. */
export function describeRequest(attrs: Attributes): RequestFacts {
  const host = readString(attrs[ATTR.SERVER_ADDRESS]) ?? readString(attrs[ATTR.HTTP_HOST]) ?? '';
  const method = readString(attrs[ATTR.HTTP_REQUEST_METHOD]) ?? readString(attrs[ATTR.HTTP_METHOD]) ?? '';
  let path = readString(attrs[ATTR.URL_PATH]) ?? readString(attrs[ATTR.HTTP_TARGET]) ?? pathOf(readString(attrs[ATTR.URL_FULL]) ?? readString(attrs[ATTR.HTTP_URL]));
  const query = path.indexOf('?');
  if (query !== -1) path = path.substring(0, query);
  return { host: hostWithoutPort(host), method, path };
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const scheme = url.indexOf('://');
  const slash = url.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  return slash === -1 ? '/' : url.substring(slash);
}

function matches(rule: LocalRule, request: RequestFacts, serviceName: string): boolean {
  if (rule.serviceName !== undefined && !rule.serviceName(serviceName)) return false;
  return rule.host(request.host) && rule.httpMethod(request.method) && rule.urlPath(request.path);
}
