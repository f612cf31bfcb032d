import { ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { XRayDefaultRuleSampler } from './default-rule-sampler';
import { UpstreamAwareSampler } from './upstream-aware-sampler';

export interface XRaySamplerOptions {
  /** Decides for new traces (and for callers that send `Sampled=?`). Default: X-Ray's default rule. */
  root?: Sampler;
}

/**
 * The sampler to pair with XRayPropagator in your own OTel setup (NodeSDK, NodeTracerProvider): it keeps the
 * caller's decision, decides when the caller asks (`Sampled=?`, or a load balancer's Root-only header), and marks
 * Root-only requests so their segments carry no parent_id.
 */
export class XRaySampler extends UpstreamAwareSampler {
  constructor(options: XRaySamplerOptions = {}) {
    super(new ParentBasedSampler({ root: options.root ?? new XRayDefaultRuleSampler() }));
  }
}
