import type { DiagLogger } from '@opentelemetry/api';
import { resolveXRayConfig } from './config/xray-config';
import type { XRayConfig, XRayOptions } from './config/xray-config';
import type { Env } from './config/setting';
import { componentLogger } from './diag';
import { applicationName, createIdGenerator, createProcessor, createPropagator, createSampler } from './distro';
import { installInstrumentations, selectInstrumentations } from './instrumentations';
import type { XRaySpanProcessor } from './span-processor';

/** A running otel-xray: what start() returns. */
export interface XRayHandle {
  readonly config: XRayConfig;
  /** The span processor (undefined when tracing is disabled). */
  readonly processor: XRaySpanProcessor | undefined;
  /** Sends everything buffered now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops tracing; the exit hooks are removed. Safe to call more than once. */
  shutdown(): Promise<void>;
}

/** Waited for at most on SIGTERM / SIGINT before the signal takes its course. */
const SIGNAL_FLUSH_MILLIS = 1000;

const running = new Set<{ enabled: boolean }>();
let switchedByEnv: string | undefined;

/**
 * Starts tracing to X-Ray with OTel's NodeSDK: our sampler, propagator, id generator and span processor, and the
 * instrumentations. Configuration: environment variables > `options` > defaults, resolved once. Never throws:
 * a problem gives one warning and the app runs untraced.
 */
export function start(options: XRayOptions & { eagerInstrumentations?: boolean } = {}, env: Env = process.env): XRayHandle {
  const bootLogger = componentLogger();
  const config = resolveXRayConfig(options, env, bootLogger, applicationName(env));
  const logger = componentLogger(config.logLevel);
  const warn = (message: string): void => logger.warn(message);
  if (!config.enabled) {
    logger.info('tracing is disabled (AWS_XRAY_SDK_ENABLED / OTEL_SDK_DISABLED); nothing is installed');
    return disabledHandle(config);
  }
  try {
    return startSdk(config, options, env, logger, warn);
  } catch (err) {
    warn(`tracing could not start and is off: ${String(err)}`);
    return disabledHandle(config);
  }
}

function startSdk(config: XRayConfig, options: XRayOptions & { eagerInstrumentations?: boolean }, env: Env, logger: DiagLogger, warn: (m: string) => void): XRayHandle {
  // Loaded here, not at import: require('otel-xray') stays light. NodeSDK itself is not used by the preload:
  // it loads the OTLP exporters, metrics, logs and a YAML parser, which cost 150 ms of start-up we never use.
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const switchState = { enabled: true };
  const processor = createProcessor(config, env, options.emitter);
  const provider = new NodeTracerProvider({
    resource: detectResource(config),
    sampler: createSampler(config, warn, () => switchState.enabled),
    idGenerator: createIdGenerator(),
    spanProcessors: [processor],
  });
  provider.register({ propagator: createPropagator(config) });
  const unregister = installInstrumentations(selectInstrumentations(config, warn), config, provider, options.eagerInstrumentations === true, warn);
  const sdk = {
    shutdown: async (): Promise<void> => {
      unregister();
      await provider.shutdown();
    },
  };
  running.add(switchState);
  for (const [name, value] of [['AWS_XRAY_SAMPLING_RULES', config.samplingRules], ['AWS_XRAY_PLUGINS', config.plugins.join(',')], ['AWS_XRAY_IGNORE_MODULE_PATTERNS', config.ignoreModulePatterns.join(',')]] as const) {
    // Said plainly rather than silently ignored: these settings are read and checked, not yet acted on.
    if (value !== undefined && value !== '') warn(`${name} is set, but this version of otel-xray does not apply it yet`);
  }
  switchedByEnv = env.AWS_XRAY_SDK_ENABLED;
  logger.debug(`started: daemon ${config.processor.daemon.udp.host}:${config.processor.daemon.udp.port}, segment name ${config.tracingName}`);

  let stopped: Promise<void> | undefined;
  const onBeforeExit = (): void => void processor.forceFlush().catch(() => undefined);
  const onSignal = (signal: NodeJS.Signals): void => {
    const flushed = Promise.race([
      processor.forceFlush().catch(() => undefined),
      new Promise<void>((resolve) => setTimeout(resolve, SIGNAL_FLUSH_MILLIS).unref()),
    ]);
    void flushed.then(() => {
      // If the app listens for this signal, it decides what happens; if only we do, let the signal do what it
      // would have done without us (end the process), by removing ourselves and raising it again.
      if (process.listenerCount(signal) === 1 && process.listeners(signal)[0] === onSignal) {
        removeHooks();
        process.kill(process.pid, signal);
      }
    });
  };
  const removeHooks = (): void => {
    process.removeListener('beforeExit', onBeforeExit);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  };
  process.once('beforeExit', onBeforeExit);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  return {
    config,
    processor,
    forceFlush: () => processor.forceFlush(),
    shutdown: () => {
      stopped ??= (async () => {
        removeHooks();
        running.delete(switchState);
        try {
          await sdk.shutdown();
        } catch (err) {
          warn(`shutting down failed: ${String(err)}`);
        }
      })();
      return stopped;
    },
  };
}

/** The resource: OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME, host and process facts (all local, no network). */
function detectResource(config: XRayConfig): import('@opentelemetry/resources').Resource {
  const resources = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const detected = resources.detectResources({ detectors: [resources.envDetector, resources.processDetector, resources.hostDetector] });
  const base = resources.defaultResource().merge(resources.resourceFromAttributes({ 'service.name': config.tracingName }));
  return base.merge(detected);
}

function disabledHandle(config: XRayConfig): XRayHandle {
  return { config, processor: undefined, forceFlush: async () => {}, shutdown: async () => {} };
}

/**
 * Turns tracing of new requests off or on at run time, for every otel-xray started in this process.
 * `AWS_XRAY_SDK_ENABLED`, when set, wins: the call is then ignored with a warning.
 */
export function setSdkEnabled(enabled: boolean): void {
  if (switchedByEnv !== undefined && switchedByEnv.trim() !== '') {
    componentLogger().warn(`AWS_XRAY_SDK_ENABLED is set, so setSdkEnabled(${enabled}) is ignored`);
    return;
  }
  for (const state of running) state.enabled = enabled === true;
}
