import { recorderSettings } from './settings';

/** Thrown by the recorder API outside any trace when `AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR`. */
export class ContextMissingError extends Error {
  constructor(operation: string) {
    super(`${operation}: no trace is active here (no segment or subsegment in the current context)`);
    this.name = 'ContextMissingError';
  }
}

const logged = new Set<string>();

/**
 * A recorder call found no active trace. LOG_ERROR logs one error per operation (later ones are not repeated:
 * a loop outside a request must not flood the log), RUNTIME_ERROR throws, IGNORE_ERROR does nothing.
 */
export function contextMissing(operation: string): void {
  const { contextMissing: strategy, logger } = recorderSettings();
  if (strategy === 'RUNTIME_ERROR') throw new ContextMissingError(operation);
  if (strategy === 'IGNORE_ERROR' || logged.has(operation)) return;
  logged.add(operation);
  logger.error(`${operation} was called outside any trace; nothing was recorded (AWS_XRAY_CONTEXT_MISSING=LOG_ERROR; further calls are not logged)`);
}

/** Forgets which operations were logged (tests). */
export function resetContextMissingLog(): void {
  logged.clear();
}
