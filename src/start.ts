import type { DiagLogger } from '@opentelemetry/api';
import { resolveXRayConfig } from './config/xray-config';
import type { XRayConfig, XRayOptions } from './config/xray-config';
import type { Env } from './config/setting';
import { componentLogger } from './diag';
import { applicationName, createIdGenerator, createProcessor, createPropagator, createSampler } from './distro';
import type { SamplerParts } from './distro';
import { installEsmHook, installInstrumentations, modulesToPatch, selectInstrumentations } from './instrumentations';
import { awsResourceDetector } from './resources/aws-detector';
import { originOf } from './translate/resource-info';
import type { XRaySpanProcessor } from './span-processor';
import { configureRecorder, setRecorderInitPhase } from './recorder/settings';
import { outgoingIgnoreRules } from './ignore/outgoing-rules';
import { patchModules } from './patch/patch-modules';
import { warnOnOtherTracerProvider } from './provider-guard';
import { lambdaParts } from './lambda/setup';
import { AdaptiveSamplingProcessor } from './sampling/adaptive-processor';
import { setLambdaHandlerWrapper } from './lambda/wrap-handler';

/** A running otel-xray: what start() returns. */
export interface XRayHandle {
  /** The resolved configuration (undefined only if even that could not be worked out). */
  readonly config: XRayConfig | undefined;
  /** The span processor (undefined when tracing is disabled). */
  readonly processor: XRaySpanProcessor | undefined;
  /** Sends everything buffered now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops tracing; the exit hooks are removed. Safe to call more than once. */
  shutdown(): Promise<void>;
}

/** How start() is called by the preload (not part of the documented options). */
export interface StartMode {
  /** The app was started with `--import`: install the ESM hook and enable instrumentations at once. */
  readonly esm?: boolean;
  /** Started by the preload, before the application's modules load (a Lambda handler is wrapped as it loads). */
  readonly preload?: boolean;
}

/** Waited for at most on SIGTERM / SIGINT before the signal takes its course. */
const SIGNAL_FLUSH_MILLIS = 1000;

/** The one running otel-xray in this process, if any: a second start() returns it instead of tracing twice. */
let current: { handle: XRayHandle; state: { enabled: boolean }; switchedByEnv: boolean } | undefined;

/**
 * Starts tracing to X-Ray: our sampler, propagator, id generator and span processor on a NodeTracerProvider, and
 * the instrumentations. Configuration: environment variables > `options` > defaults, resolved once. Never
 * throws: a problem gives one warning and the app runs untraced.
 */
export function start(options: XRayOptions = {}, env: Env = process.env, mode: StartMode = {}): XRayHandle {
  let config: XRayConfig | undefined;
  let logger: DiagLogger = componentLogger();
  try {
    if (current !== undefined) {
      logger.warn('otel-xray is already started in this process; the running instance is returned');
      return current.handle;
    }
    config = resolveXRayConfig(options ?? {}, env, logger, applicationName(env));
    logger = componentLogger(config.logLevel);
    if (!config.enabled) {
      logger.info('tracing is disabled (AWS_XRAY_SDK_ENABLED / OTEL_SDK_DISABLED); nothing is installed');
      return disabledHandle(config);
    }
    return startTracing(config, options ?? {}, env, mode, logger);
  } catch (err) {
    logger.warn(`tracing could not start and is off: ${String(err)}`);
    return disabledHandle(config);
  }
}

function startTracing(config: XRayConfig, options: XRayOptions, env: Env, mode: StartMode, logger: DiagLogger): XRayHandle {
  const warn = (message: string): void => logger.warn(message);
  // Loaded here, not at import: require('otel-xray') stays light. NodeSDK itself is not used by the preload:
  // it loads the OTLP exporters, metrics, logs and a YAML parser, which cost 150 ms of start-up we never use.
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const state = { enabled: true };
  const processor = createProcessor(config, options.emitter);
  const resource = detectResource(config, env, warn, options.beanstalkConfigPath);
  // OTel settles async attributes only when asked: ask now, so the first document after detection has them.
  // Centralized rules match ServiceType (the origin), known once detection has settled.
  let serviceType = '';
  void (resource.waitForAsyncAttributes?.() ?? Promise.resolve()).then(() => {
    const platform = resource.attributes['cloud.platform'];
    serviceType = typeof platform === 'string' ? originOf(platform, resource.attributes) ?? '' : '';
  }).catch(() => undefined);
  const debug = config.logLevel === 'debug' ? (line: string): void => logger.debug(line) : undefined;
  // In Lambda, Lambda decides sampling (the trace header says) and records the function's segment.
  const lambda = config.lambda ? lambdaParts({ env, processor, isEnabled: () => state.enabled, warn, debug }) : undefined;
  const sampling: SamplerParts = lambda === undefined ? createSampler(config, warn, () => state.enabled, () => serviceType, debug) : { sampler: lambda.sampler, stop: () => undefined };
  // X-Ray adaptive sampling (boost statistics, anomaly trace capture) with X-Ray's rules; Lambda decides there. It
  // can only come into play with centralized rules (boost rules may arrive) or a local configuration: without
  // either, no processor is added to every span's path.
  const adaptivePossible = sampling.central !== undefined || config.adaptiveSampling !== undefined;
  const adaptive = lambda === undefined && config.sampling && config.sampler === 'xray' && adaptivePossible
    ? new AdaptiveSamplingProcessor({ sampler: sampling.central, config: config.adaptiveSampling, capture: (spans) => processor.sendCaptured(spans) })
    : undefined;
  const provider = new NodeTracerProvider({
    resource,
    sampler: sampling.sampler,
    idGenerator: createIdGenerator(),
    spanProcessors: adaptive === undefined ? [processor] : [processor, adaptive],
  });
  provider.register({ propagator: createPropagator(config), ...(lambda === undefined ? {} : { contextManager: lambda.contextManager }) });
  const stopGuarding = warnOnOtherTracerProvider(provider, warn);
  // The recorder API (inSubsegment, putAnnotation …) outside a trace: AWS_XRAY_CONTEXT_MISSING.
  configureRecorder({ contextMissing: config.contextMissing, logger });
  setRecorderInitPhase(lambda === undefined ? undefined : () => !lambda.parents.invoked);
  // Outgoing calls not to trace: the configured rules (ignoreOutgoing() in code adds to them).
  outgoingIgnoreRules().configure(config.ignoreOutgoing);
  const names = selectInstrumentations(config, warn);
  // ESM apps: the instrumentations need the import hook (Node >= 20.6), and are enabled at once since `import`
  // does not pass through `require`. Installed only when something will use it.
  const esm = mode.esm === true && names.length > 0 && installEsmHook(warn);
  const uninstall = installInstrumentations(names, config, provider, esm, warn, lambda === undefined ? {} : { lambdaParents: lambda.parents, wrapsHandlersInCode: mode.preload !== true });
  // Local modules and packages named in AWS_XRAY_PATCH_MODULES: their functions become subsegments.
  const modules = modulesToPatch(config);
  if (modules.length > 0) {
    patchModules(modules, { ignore: config.ignoreModulePatterns, source: 'AWS_XRAY_PATCH_MODULES', ignoreSource: 'AWS_XRAY_IGNORE_MODULE_PATTERNS' });
  }
  logger.debug(`started: daemon ${config.processor.daemon.udp.host}:${config.processor.daemon.udp.port}, segment name ${config.tracingName}`);

  let stopped: Promise<void> | undefined;
  const handle: XRayHandle = {
    config,
    processor,
    forceFlush: () => processor.forceFlush(),
    shutdown: () => {
      stopped ??= (async () => {
        removeExitHooks();
        stopGuarding();
        setLambdaHandlerWrapper(undefined);
        setRecorderInitPhase(undefined);
        if (current?.handle === handle) current = undefined;
        try {
          uninstall();
          sampling.stop();
          await provider.shutdown();
        } catch (err) {
          warn(`shutting down failed: ${String(err)}`);
        }
      })();
      return stopped;
    },
  };
  current = { handle, state, switchedByEnv: (env.AWS_XRAY_SDK_ENABLED ?? '').trim() !== '' };
  installExitHooks();
  return handle;
}

/** Flushes the running instance, if any: sends everything buffered (never rejects). For worker threads and scripts that end on their own. */
export function forceFlush(): Promise<void> {
  return flushCurrent();
}

/** Flushes the running instance (never rejects). */
function flushCurrent(): Promise<void> {
  return current === undefined ? Promise.resolve() : current.handle.forceFlush().catch(() => undefined);
}

/**
 * A stop has begun: from now on each trace is sent as it ends, so an explicit `process.exit()` after the app's
 * own cleanup (`server.close(() => process.exit(0))`) loses nothing.
 */
function expectExit(): void {
  try {
    current?.handle.processor?.expectExit();
  } catch {
    // never into the app's signal or exit path
  }
}

const onBeforeExit = (): void => {
  expectExit();
  void flushCurrent();
};

/**
 * On SIGTERM / SIGINT: flush (for at most a second), then let the signal have the effect it would have had
 * without us. Whether the app handles the signal is decided at once, before its own `once` listener removes
 * itself: if it does, the app decides what happens; if only we listen, we step aside and raise the signal again
 * so the process ends as it would have.
 */
const onSignal = (signal: NodeJS.Signals): void => {
  const appHandles = process.listeners(signal).some((listener) => listener !== onSignal);
  expectExit();
  const flushed = Promise.race([flushCurrent(), new Promise<void>((resolve) => setTimeout(resolve, SIGNAL_FLUSH_MILLIS).unref())]);
  if (appHandles) return;
  void flushed.then(() => {
    removeExitHooks();
    process.kill(process.pid, signal);
  });
};

function installExitHooks(): void {
  removeExitHooks();
  process.on('beforeExit', onBeforeExit);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function removeExitHooks(): void {
  process.removeListener('beforeExit', onBeforeExit);
  process.removeListener('SIGTERM', onSignal);
  process.removeListener('SIGINT', onSignal);
}

/**
 * The resource: process and host facts, the AWS plugins (in the background: their attributes arrive when
 * detection settles, within a second), and OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME, which win.
 */
function detectResource(config: XRayConfig, env: Env, warn: (message: string) => void, beanstalkConfigPath: string | undefined): import('@opentelemetry/resources').Resource {
  const resources = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const aws = awsResourceDetector({ plugins: config.plugins, env, warn, ...(beanstalkConfigPath === undefined ? {} : { beanstalkConfigPath }) }) as unknown as import('@opentelemetry/resources').ResourceDetector;
  const detected = resources.detectResources({ detectors: [resources.processDetector, resources.hostDetector, aws, resources.envDetector] });
  const base = resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': config.tracingName }));
  return base.merge(detected);
}

function disabledHandle(config: XRayConfig | undefined): XRayHandle {
  return { config, processor: undefined, forceFlush: async () => {}, shutdown: async () => {} };
}

/**
 * Turns tracing of new requests off or on at run time. `AWS_XRAY_SDK_ENABLED`, when set, wins: the call is then
 * ignored with a warning.
 */
export function setSdkEnabled(enabled: boolean): void {
  if (current === undefined) return;
  if (current.switchedByEnv) {
    componentLogger().warn(`AWS_XRAY_SDK_ENABLED is set, so setSdkEnabled(${enabled}) is ignored`);
    return;
  }
  current.state.enabled = enabled === true;
}
