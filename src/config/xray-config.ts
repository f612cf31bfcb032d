import type { DiagLogger } from '@opentelemetry/api';
import { quoteNames } from '../diag';
import type { XRaySpanProcessorOptions } from './processor-config';
import { resolveProcessorConfig } from './processor-config';
import type { ResolvedProcessorConfig } from './processor-config';
import { parseBoolean, parseChoice, parseList, parseText } from './parse';
import type { Parsed } from './parse';
import { resolveSetting } from './setting';
import type { Env, SettingSpec } from './setting';
import { checkOutgoingRule } from '../ignore/outgoing-rules';
import type { OutgoingIgnoreRule } from '../ignore/outgoing-rules';
import { parseAdaptiveSamplingConfig } from '../sampling/adaptive-config';
import type { AdaptiveSamplingConfig } from '../sampling/adaptive-config';

export const CONTEXT_MISSING = ['LOG_ERROR', 'RUNTIME_ERROR', 'IGNORE_ERROR'] as const;
export type ContextMissing = (typeof CONTEXT_MISSING)[number];
export const URLS_AS_ANNOTATION = ['LAMBDA', 'ALL', 'NONE'] as const;
export type UrlsAsAnnotation = (typeof URLS_AS_ANNOTATION)[number];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Everything otel-xray can be told, in code. Each setting named with an `AWS_XRAY_*` (or `OTEL_*`) variable in
 * its comment is also read from the environment, and the environment wins.
 */
export interface XRayOptions extends XRaySpanProcessorOptions {
  /** Segment name. `AWS_XRAY_TRACING_NAME`; then `OTEL_SERVICE_NAME`, then the app's package name. */
  tracingName?: string;
  /** Same as tracingName (the X-Ray SDK's name for it). */
  service?: string;
  /** What recorder calls do outside a segment. `AWS_XRAY_CONTEXT_MISSING`. Default LOG_ERROR. */
  contextMissing?: ContextMissing;
  /** false records every request. `AWS_XRAY_SAMPLING`. Default true. */
  sampling?: boolean;
  /** Local sampling rules: a file path or inline JSON. `AWS_XRAY_SAMPLING_RULES`. */
  samplingRules?: string;
  /** Fetch sampling rules and targets from X-Ray through the daemon (its TCP address). Default true. */
  centralizedSampling?: boolean;
  /** Name segments after the Host header when it matches this pattern (`*`, `?`). `AWS_XRAY_DYNAMIC_NAMING`. */
  dynamicNaming?: string;
  /** Resource detectors: EC2Plugin, ECSPlugin, ElasticBeanstalkPlugin, EKSPlugin. `AWS_XRAY_PLUGINS`. */
  plugins?: readonly string[];
  /** Where ElasticBeanstalkPlugin reads the environment file. Default /var/elasticbeanstalk/xray/environment.conf. */
  beanstalkConfigPath?: string;
  /** Install the instrumentations. `AWS_XRAY_AUTO_INSTRUMENT`. Default true. */
  autoInstrument?: boolean;
  /** Record SQL query text. `AWS_XRAY_STREAM_SQL` or `AWS_XRAY_COLLECT_SQL_QUERIES`. Default false. */
  streamSql?: boolean;
  /** Copy url, method and status into annotations of request segments. `AWS_XRAY_URLS_AS_ANNOTATION`. Default LAMBDA. */
  urlsAsAnnotation?: UrlsAsAnnotation;
  /**
   * Instrumentations to install (names like `http`, `express`, `pg`), and local modules or packages to patch
   * (`./lib/orders`: see patchModules). `AWS_XRAY_PATCH_MODULES`. Default: all instrumentations, no modules.
   */
  patchModules?: readonly string[];
  /** Regular expressions: modules module patching leaves alone. `AWS_XRAY_IGNORE_MODULE_PATTERNS`. */
  ignoreModulePatterns?: readonly string[];
  /** Tracing on or off. `AWS_XRAY_SDK_ENABLED` (and `OTEL_SDK_DISABLED`). Default true. */
  sdkEnabled?: boolean;
  /** Unsampled requests get all-zero ids (the SDK's no-op ids). `AWS_XRAY_NOOP_ID`. Default true. */
  noopId?: boolean;
  /**
   * Outgoing calls not to trace (the SDK's add_ignored): `[{ hostname: '*.internal' }, { urls: ['/health'] }]`.
   * `AWS_XRAY_IGNORE_OUTGOING` (the same, as JSON). More can be added in code with `ignoreOutgoing()`.
   */
  ignoreOutgoing?: readonly OutgoingIgnoreRule[];
  /** otel-xray's log level. `AWS_XRAY_LOG_LEVEL`, else `OTEL_LOG_LEVEL`. Default warn. */
  logLevel?: LogLevel;
  /** The sampler: `xray` (ours) or an OTel name (`always_on`, `parentbased_traceidratio` …). `OTEL_TRACES_SAMPLER`. */
  sampler?: string;
  /** The sampler's argument (a ratio). `OTEL_TRACES_SAMPLER_ARG`. */
  samplerArg?: string;
  /** Propagators: `xray` (default), `tracecontext`, `baggage`. `OTEL_PROPAGATORS`. */
  propagators?: readonly string[];
  /**
   * X-Ray adaptive sampling's local configuration (`AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG`): a file path or inline
   * YAML/JSON, or the object. `version: 1.0`, `anomalyConditions` (errorCodeRegex, highLatencyMs, operations,
   * usage) and `anomalyCaptureLimit.anomalyTracesPerSecond`. Turns on anomaly trace capture. Default: none.
   */
  adaptiveSampling?: string | object;
  /** Instrumentations to enable (`OTEL_NODE_ENABLED_INSTRUMENTATIONS`) and to disable (`OTEL_NODE_DISABLED_INSTRUMENTATIONS`). */
  enabledInstrumentations?: readonly string[];
  disabledInstrumentations?: readonly string[];
}

/** The one frozen configuration, resolved once at start. */
export interface XRayConfig {
  readonly enabled: boolean;
  readonly tracingName: string;
  readonly contextMissing: ContextMissing;
  readonly sampling: boolean;
  readonly samplingRules: string | undefined;
  readonly centralizedSampling: boolean;
  readonly dynamicNaming: string | undefined;
  readonly plugins: readonly string[];
  readonly autoInstrument: boolean;
  readonly streamSql: boolean;
  readonly urlsAsAnnotation: UrlsAsAnnotation;
  readonly patchModules: readonly string[];
  readonly ignoreModulePatterns: readonly string[];
  readonly noopId: boolean;
  readonly ignoreOutgoing: readonly OutgoingIgnoreRule[];
  /** Query parameters redacted in recorded URLs, beyond the built-in secret names. */
  readonly redactedQueryParams: readonly string[];
  readonly logLevel: LogLevel;
  readonly sampler: string;
  readonly samplerArg: string | undefined;
  readonly propagators: readonly string[];
  readonly enabledInstrumentations: readonly string[];
  readonly disabledInstrumentations: readonly string[];
  /** Adaptive sampling's local configuration, parsed; undefined when none is given (or it is not valid). */
  readonly adaptiveSampling: AdaptiveSamplingConfig | undefined;
  /** Running in AWS Lambda (its runtime sets LAMBDA_TASK_ROOT / AWS_LAMBDA_FUNCTION_NAME): Lambda mode. */
  readonly lambda: boolean;
  readonly processor: ResolvedProcessorConfig;
}

const text = (env: string, option: string): SettingSpec<string | undefined> => ({ env, option, parse: parseText, fallback: undefined, show: (v) => v ?? '(none)' });
const flag = (env: string | undefined, option: string, fallback: boolean): SettingSpec<boolean> => ({ env, option, parse: parseBoolean, fallback });
const list = (env: string | undefined, option: string): SettingSpec<readonly string[]> => ({ env, option, parse: parseList, fallback: [] });

/**
 * Resolves every setting from the environment, options in code and the defaults, in that order of precedence.
 * `appName` is the fallback segment name (the application's package name). Warnings go to `logger`.
 */
export function resolveXRayConfig(options: XRayOptions, env: Env, logger: DiagLogger, appName: string | undefined): XRayConfig {
  const get = <T>(spec: SettingSpec<T>, value: unknown): T => resolveSetting(spec, value, env, logger);

  // AWS_XRAY_SDK_ENABLED and OTEL_SDK_DISABLED both switch everything off.
  const otelDisabled = get(flag('OTEL_SDK_DISABLED', 'otelSdkDisabled', false), undefined);
  const enabled = get(flag('AWS_XRAY_SDK_ENABLED', 'sdkEnabled', true), options.sdkEnabled) && !otelDisabled;

  const tracingName =
    get(text('AWS_XRAY_TRACING_NAME', 'tracingName'), options.tracingName ?? options.service) ??
    get(text('OTEL_SERVICE_NAME', 'OTEL_SERVICE_NAME'), undefined) ??
    appName ??
    'unknown_service';

  // Two variables for one switch (the Python SDK's and the Node SDK's names); a set variable beats code either way,
  // so an operator can always turn query recording off.
  const sqlVariable = (env.AWS_XRAY_STREAM_SQL ?? '').trim() !== '' ? 'AWS_XRAY_STREAM_SQL' : 'AWS_XRAY_COLLECT_SQL_QUERIES';
  const streamSql = get(flag(sqlVariable, 'streamSql', false), options.streamSql);

  // AWS_XRAY_LOG_LEVEL, else OTEL_LOG_LEVEL, else the option: the environment beats code here too.
  const xrayLevel = get({ env: 'AWS_XRAY_LOG_LEVEL', option: 'AWS_XRAY_LOG_LEVEL', parse: parseChoice(LOG_LEVELS), fallback: undefined as LogLevel | undefined, show: (v) => v ?? 'warn' }, undefined);
  const otelLevel = get({ env: 'OTEL_LOG_LEVEL', option: 'OTEL_LOG_LEVEL', parse: parseOtelLogLevel, fallback: undefined as LogLevel | undefined, show: (v) => v ?? 'warn' }, undefined);
  const codeLevel = get({ option: 'logLevel', parse: parseChoice(LOG_LEVELS), fallback: 'warn' as LogLevel }, options.logLevel);

  return Object.freeze({
    enabled,
    tracingName,
    contextMissing: get({ env: 'AWS_XRAY_CONTEXT_MISSING', option: 'contextMissing', parse: parseChoice(CONTEXT_MISSING), fallback: 'LOG_ERROR' as ContextMissing }, options.contextMissing),
    sampling: get(flag('AWS_XRAY_SAMPLING', 'sampling', true), options.sampling),
    samplingRules: get(text('AWS_XRAY_SAMPLING_RULES', 'samplingRules'), options.samplingRules),
    centralizedSampling: get(flag(undefined, 'centralizedSampling', true), options.centralizedSampling),
    dynamicNaming: get(text('AWS_XRAY_DYNAMIC_NAMING', 'dynamicNaming'), options.dynamicNaming),
    plugins: get(list('AWS_XRAY_PLUGINS', 'plugins'), options.plugins),
    autoInstrument: get(flag('AWS_XRAY_AUTO_INSTRUMENT', 'autoInstrument', true), options.autoInstrument),
    streamSql,
    urlsAsAnnotation: get({ env: 'AWS_XRAY_URLS_AS_ANNOTATION', option: 'urlsAsAnnotation', parse: parseChoice(URLS_AS_ANNOTATION), fallback: 'LAMBDA' as UrlsAsAnnotation }, options.urlsAsAnnotation),
    patchModules: get(list('AWS_XRAY_PATCH_MODULES', 'patchModules'), options.patchModules),
    ignoreModulePatterns: get(list('AWS_XRAY_IGNORE_MODULE_PATTERNS', 'ignoreModulePatterns'), options.ignoreModulePatterns),
    noopId: get(flag('AWS_XRAY_NOOP_ID', 'noopId', true), options.noopId),
    ignoreOutgoing: get({ env: 'AWS_XRAY_IGNORE_OUTGOING', option: 'ignoreOutgoing', parse: parseIgnoreRules, fallback: Object.freeze([]) as readonly OutgoingIgnoreRule[], show: (v) => JSON.stringify(v) }, options.ignoreOutgoing),
    redactedQueryParams: get(list('AWS_XRAY_REDACTED_QUERY_PARAMS', 'redactedQueryParams'), options.redactedQueryParams),
    // The X-Ray SDK's AWS_XRAY_DEBUG_MODE (any value) means debug, above AWS_XRAY_LOG_LEVEL, as in the SDK.
    logLevel: (env.AWS_XRAY_DEBUG_MODE ?? '').trim() !== '' ? 'debug' : xrayLevel ?? otelLevel ?? codeLevel,
    sampler: get({ env: 'OTEL_TRACES_SAMPLER', option: 'sampler', parse: parseChoice(SAMPLERS), fallback: 'xray' }, options.sampler),
    samplerArg: get(text('OTEL_TRACES_SAMPLER_ARG', 'samplerArg'), options.samplerArg),
    propagators: get({ env: 'OTEL_PROPAGATORS', option: 'propagators', parse: parsePropagators, fallback: Object.freeze(['xray']) }, options.propagators),
    enabledInstrumentations: get(list('OTEL_NODE_ENABLED_INSTRUMENTATIONS', 'enabledInstrumentations'), options.enabledInstrumentations),
    disabledInstrumentations: get(list('OTEL_NODE_DISABLED_INSTRUMENTATIONS', 'disabledInstrumentations'), options.disabledInstrumentations),
    adaptiveSampling: get<AdaptiveSamplingConfig | undefined>({
      env: 'AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG', option: 'adaptiveSampling', fallback: undefined,
      parse: (value: unknown) => {
        const parsed = parseAdaptiveSamplingConfig(value);
        return typeof parsed === 'string' ? { invalid: `${parsed}; adaptive sampling is off` } : parsed;
      },
      show: (v) => (v === undefined ? '(none)' : 'the given configuration'),
    }, options.adaptiveSampling),
    lambda: inLambda(env),
    processor: resolveProcessorConfig(options, env, logger),
  });
}

/** True in AWS Lambda (its runtime sets these). */
export function inLambda(env: Env): boolean {
  return isSet(env.AWS_LAMBDA_FUNCTION_NAME) || isSet(env.LAMBDA_TASK_ROOT);
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

export const SAMPLERS = [
  'xray', 'always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio',
] as const;

const PROPAGATORS = ['xray', 'tracecontext', 'baggage', 'none'];

/** A JSON array (from the environment) or an array (from code) of outgoing ignore rules. */
function parseIgnoreRules(value: unknown): Parsed<readonly OutgoingIgnoreRule[]> {
  let rules = value;
  if (typeof value === 'string') {
    try {
      rules = JSON.parse(value) as unknown;
    } catch {
      return { invalid: 'expected a JSON array of rules such as [{"hostname":"*.internal"},{"urls":["/health"]}]' };
    }
  }
  if (!Array.isArray(rules)) return { invalid: 'expected an array of rules' };
  for (const rule of rules) {
    const problem = checkOutgoingRule(rule);
    if (problem !== undefined) return { invalid: problem };
  }
  return Object.freeze(rules.map((rule) => Object.freeze({ ...(rule as OutgoingIgnoreRule) })));
}

function parsePropagators(value: unknown) {
  const parsed = parseList(value);
  if ('invalid' in (parsed as object)) return parsed;
  const names = (parsed as readonly string[]).map((n) => n.toLowerCase());
  const unknown = names.filter((n) => !PROPAGATORS.includes(n));
  if (unknown.length > 0) return { invalid: `unknown propagators ${quoteNames(unknown)}; known: ${PROPAGATORS.join(', ')}` };
  if (names.length === 0) return { invalid: 'expected at least one propagator' };
  return Object.freeze(names);
}

/** OTEL_LOG_LEVEL uses OTel's names (NONE, ERROR, WARN, INFO, DEBUG, VERBOSE, ALL). */
function parseOtelLogLevel(value: unknown) {
  const word = typeof value === 'string' ? value.trim().toLowerCase() : '';
  const map: Record<string, LogLevel> = { none: 'silent', error: 'error', warn: 'warn', info: 'info', debug: 'debug', verbose: 'debug', all: 'debug' };
  return map[word] ?? { invalid: 'expected NONE, ERROR, WARN, INFO, DEBUG, VERBOSE or ALL' };
}

