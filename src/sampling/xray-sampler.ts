import { ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { XRayDefaultRuleSampler } from './default-rule-sampler';
import { loadLocalRules } from './local-rules';
import { LocalRulesSampler } from './local-rules-sampler';
import { UpstreamAwareSampler } from './upstream-aware-sampler';

export interface XRaySamplerOptions {
  /** Local rules: a document (version 1 or 2), inline JSON or a file path. Default: X-Ray's default rule. */
  rules?: string | object;
  /** The segment name version-1 rules match `service_name` against. Default: `unknown_service`. */
  serviceName?: string;
  /** Decides for new traces instead of rules (and for callers that send `Sampled=?`). */
  root?: Sampler;
}

/**
 * The sampler to pair with XRayPropagator in your own OTel setup (NodeSDK, NodeTracerProvider): it keeps the
 * caller's decision, decides when the caller asks (`Sampled=?`, or a load balancer's Root-only header), and marks
 * Root-only requests so their segments carry no parent_id.
 */
export class XRaySampler extends UpstreamAwareSampler {
  /** Throws for a rules document that is not valid: a wrong argument given in code, said at once. */
  constructor(options: XRaySamplerOptions = {}) {
    super(new ParentBasedSampler({ root: options.root ?? rootFor(options) }));
  }
}

function rootFor(options: XRaySamplerOptions): Sampler {
  if (options.rules === undefined) return new XRayDefaultRuleSampler();
  const rules = loadLocalRules(options.rules);
  if (typeof rules === 'string') throw new Error(`XRaySampler: the sampling rules are not valid: ${rules}`);
  return new LocalRulesSampler(rules, options.serviceName ?? 'unknown_service');
}
