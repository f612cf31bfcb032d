import { ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { DAEMON_ADDRESS_SETTING } from '../config/processor-config';
import { resolveSetting } from '../config/setting';
import { componentLogger } from '../diag';
import { CentralizedSampler } from './centralized-sampler';
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
  /**
   * Fetch rules and targets from X-Ray through the daemon's proxy (its TCP address: option `daemonAddress`, env
   * `AWS_XRAY_DAEMON_ADDRESS` wins). The local rules (or `root`) decide until rules arrive. Default true.
   */
  centralized?: boolean;
  /** The daemon, `host:port` or `tcp:host:port udp:host:port`. Default 127.0.0.1:2000. */
  daemonAddress?: string;
  /** The environment to read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The sampler to pair with XRayPropagator in your own OTel setup (NodeSDK, NodeTracerProvider): it keeps the
 * caller's decision, decides when the caller asks (`Sampled=?`, or a load balancer's Root-only header), and marks
 * Root-only requests so their segments carry no parent_id.
 */
export class XRaySampler extends UpstreamAwareSampler {
  private readonly _central: CentralizedSampler | undefined;

  /** Throws for a rules document that is not valid: a wrong argument given in code, said at once. */
  constructor(options: XRaySamplerOptions = {}) {
    const local = options.root ?? rootFor(options);
    const central = options.centralized === false ? undefined : centralFor(options, local);
    super(new ParentBasedSampler({ root: central ?? local }));
    this._central = central;
  }

  /** Stops polling the daemon (the timers never keep the process alive either way). */
  shutdown(): void {
    this._central?.stop();
  }
}

function centralFor(options: XRaySamplerOptions, fallback: Sampler): CentralizedSampler {
  const logger = componentLogger();
  const daemon = resolveSetting(DAEMON_ADDRESS_SETTING, options.daemonAddress, options.env ?? process.env, logger);
  return new CentralizedSampler({
    endpoint: daemon.tcp,
    fallback,
    serviceName: options.serviceName ?? 'unknown_service',
    warn: (message) => logger.warn(message),
  }).start();
}

function rootFor(options: XRaySamplerOptions): Sampler {
  if (options.rules === undefined) return new XRayDefaultRuleSampler();
  const rules = loadLocalRules(options.rules);
  if (typeof rules === 'string') throw new Error(`XRaySampler: the sampling rules are not valid: ${rules}`);
  return new LocalRulesSampler(rules, options.serviceName ?? 'unknown_service');
}
