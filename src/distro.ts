import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { TextMapPropagator } from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import type { XRayConfig } from './config/xray-config';
import type { Env } from './config/setting';
import { XRayPropagator } from './propagation/xray-propagator';
import { XRayDefaultRuleSampler } from './sampling/default-rule-sampler';
import { loadLocalRules } from './sampling/local-rules';
import { LocalRulesSampler } from './sampling/local-rules-sampler';
import { CentralizedSampler } from './sampling/centralized-sampler';
import { UpstreamAwareSampler } from './sampling/upstream-aware-sampler';
import { adaptiveRecording, RecordForAdaptiveSampling } from './sampling/adaptive-processor';
import { XRaySpanProcessor } from './span-processor';
import type { TranslateOptions } from './translate/options';
import type { Emitter } from './emit/emitter';

/** What decides, and how to stop its polling. */
export interface SamplerParts {
  readonly sampler: Sampler;
  readonly stop: () => void;
  /** X-Ray's centralized rules, when they are in use (adaptive sampling reports to them). */
  readonly central?: CentralizedSampler;
}

/**
 * The sampler named by the configuration, parent-based, wrapped so X-Ray headers that ask for a decision get
 * one. For `xray`, X-Ray's centralized rules through the daemon (unless turned off), over the local rules.
 */
export function createSampler(
  config: XRayConfig,
  warn: (message: string) => void,
  isEnabled: () => boolean = () => true,
  serviceType: () => string = () => '',
  debug?: (line: string) => void,
): SamplerParts {
  let stop = (): void => undefined;
  let central: CentralizedSampler | undefined;
  const ratio = (): number => {
    const value = config.samplerArg === undefined ? 1 : Number(config.samplerArg);
    if (Number.isFinite(value) && value >= 0 && value <= 1) return value;
    warn(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(config.samplerArg)} is not a ratio between 0 and 1; using 1`);
    return 1;
  };
  let sampler: Sampler;
  if (!config.sampling) {
    sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() }); // AWS_XRAY_SAMPLING=false: record every request
  } else {
    switch (config.sampler) {
      case 'always_on': sampler = new AlwaysOnSampler(); break;
      case 'always_off': sampler = new AlwaysOffSampler(); break;
      case 'traceidratio': sampler = new TraceIdRatioBasedSampler(ratio()); break;
      case 'parentbased_always_on': sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() }); break;
      case 'parentbased_always_off': sampler = new ParentBasedSampler({ root: new AlwaysOffSampler() }); break;
      case 'parentbased_traceidratio': sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) }); break;
      default: {
        let root = xrayRootSampler(config, warn);
        if (config.centralizedSampling) {
          const started = new CentralizedSampler({ endpoint: config.processor.daemon.tcp, fallback: root, serviceName: config.tracingName, serviceType, warn }).start();
          stop = () => started.stop();
          root = started;
          central = started;
        }
        // Adaptive sampling judges each trace's outcome: its entry span is recorded even when not sampled.
        const adaptive = { config: config.adaptiveSampling, sampler: central };
        sampler = new RecordForAdaptiveSampling(new ParentBasedSampler({ root }), () => adaptiveRecording(adaptive));
      }
    }
  }
  return { sampler: new UpstreamAwareSampler(sampler, isEnabled, debug), stop, ...(central === undefined ? {} : { central }) };
}

/** X-Ray's rules for new traces: the local rules document when one is configured and valid, else the default rule. */
function xrayRootSampler(config: XRayConfig, warn: (message: string) => void): Sampler {
  if (config.samplingRules === undefined) return new XRayDefaultRuleSampler();
  const rules = loadLocalRules(config.samplingRules);
  if (typeof rules === 'string') {
    warn(`AWS_XRAY_SAMPLING_RULES=${JSON.stringify(config.samplingRules.slice(0, 200))} is not usable (${rules.slice(0, 300)}); using X-Ray's default rule (1 request per second, then 5%)`);
    return new XRayDefaultRuleSampler();
  }
  return new LocalRulesSampler(rules, config.tracingName);
}

export function createPropagator(config: XRayConfig): TextMapPropagator {
  const propagators: TextMapPropagator[] = [];
  for (const name of config.propagators) {
    if (name === 'xray') propagators.push(new XRayPropagator());
    else if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    else if (name === 'baggage') propagators.push(new W3CBaggagePropagator());
  }
  return new CompositePropagator({ propagators });
}

export function createIdGenerator(): AWSXRayIdGenerator {
  return new AWSXRayIdGenerator();
}

/** The translation options the configuration implies. */
export function translateOptionsFor(config: XRayConfig): TranslateOptions {
  return {
    segmentName: config.tracingName,
    ...(config.dynamicNaming === undefined ? {} : { dynamicNaming: config.dynamicNaming }),
    recordSql: config.streamSql,
    urlsAsAnnotations: config.urlsAsAnnotation === 'ALL' || (config.urlsAsAnnotation === 'LAMBDA' && config.lambda),
    redactedQueryParams: config.redactedQueryParams,
    lambda: config.lambda,
  };
}

export function createProcessor(config: XRayConfig, emitter?: Emitter): XRaySpanProcessor {
  return XRaySpanProcessor.fromResolved(config.processor, translateOptionsFor(config), emitter, config.logLevel);
}

/** The application's package name: npm's variable, else the package.json next to the main script or the cwd. */
export function applicationName(env: Env): string | undefined {
  if (env.npm_package_name !== undefined && env.npm_package_name !== '') return env.npm_package_name;
  const main = process.argv[1];
  let cwd: string | undefined;
  try {
    cwd = process.cwd();
  } catch {
    cwd = undefined; // the working directory was removed
  }
  const places = [main === undefined ? undefined : dirname(main), cwd];
  for (const dir of places) {
    if (dir === undefined) continue;
    try {
      const name = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name;
      if (typeof name === 'string' && name !== '') return name;
    } catch {
      // no package.json there
    }
  }
  return undefined;
}
