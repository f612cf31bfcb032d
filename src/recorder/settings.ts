import type { DiagLogger } from '@opentelemetry/api';
import type { ContextMissing } from '../config/xray-config';
import { componentLogger } from '../diag';

/**
 * What the recorder API does when called outside any trace (`AWS_XRAY_CONTEXT_MISSING`), and where it logs.
 * `start()` sets these from the resolved configuration; an app on its own OTel setup calls
 * `configureRecorder()`. The recorder never reads the environment itself.
 */
export interface RecorderSettings {
  contextMissing: ContextMissing;
  logger: DiagLogger;
  /**
   * In Lambda, true until the first invocation: work outside any trace then is init-time work (recorded and
   * held for the first invocation), not a context-missing error. Set by start().
   */
  initPhase?: () => boolean;
}

const SETTINGS_KEY = Symbol.for('otel-xray.recorder.settings');

/** One settings object per process, shared by every copy of the package that may be loaded. */
export function recorderSettings(): RecorderSettings {
  const holder = globalThis as unknown as Record<symbol, RecorderSettings | undefined>;
  return (holder[SETTINGS_KEY] ??= { contextMissing: 'LOG_ERROR', logger: componentLogger() });
}

/** Sets how the recorder API behaves outside a trace, and its logger. */
export function configureRecorder(options: { contextMissing?: ContextMissing; logger?: DiagLogger }): void {
  const settings = recorderSettings();
  if (options.contextMissing !== undefined) settings.contextMissing = options.contextMissing;
  if (options.logger !== undefined) settings.logger = options.logger;
}

/** start() in Lambda: until the first invocation, recorder calls outside a trace are init-time work. */
export function setRecorderInitPhase(initPhase: (() => boolean) | undefined): void {
  const settings = recorderSettings();
  if (initPhase === undefined) delete settings.initPhase;
  else settings.initPhase = initPhase;
}
