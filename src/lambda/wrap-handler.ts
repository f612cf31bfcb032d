/** The running Lambda instrumentation's wrapper for handlers, when start() was called in the handler's module. */
let wrapper: ((handler: never) => unknown) | undefined;

/**
 * start() records how handlers are wrapped. Under the preload it records nothing: the handler is wrapped as the
 * runtime loads it, and wrapping it again would give each invocation two spans.
 */
export function setLambdaHandlerWrapper(wrap: ((handler: never) => unknown) | undefined): void {
  wrapper = wrap;
}

/**
 * For `start()` in the handler's own module, which loads before tracing could hook it: wrap the handler so each
 * invocation gets the handler's subsegment (named after the function, with the trigger and the outcome) and
 * every document is sent before the invocation returns. `exports.handler = lambdaHandler(async (event) => …)`.
 * Returns the handler unchanged outside Lambda, under the preload (which wraps it already), or if anything
 * goes wrong. Callback, async and response-streaming handlers alike.
 */
export function lambdaHandler<T>(handler: T): T {
  if (typeof handler !== 'function' || wrapper === undefined) return handler;
  try {
    const wrapped = wrapper(handler as never);
    return typeof wrapped === 'function' ? (wrapped as T) : handler;
  } catch {
    return handler;
  }
}

/**
 * The Lambda instrumentation's own handler wrapper, as its hook applies it to the module's export (same
 * instrumentation version: it is bundled at an exact version). Undefined if that version has no such method.
 */
export function handlerWrapperOf(instrumentation: object): ((handler: never) => unknown) | undefined {
  const getHandler = (instrumentation as { _getHandler?: (loadStart: number) => (handler: never) => unknown })._getHandler;
  if (typeof getHandler !== 'function') return undefined;
  // When the handler's module started loading, as the instrumentation's hook would have it (cold start timing).
  return getHandler.call(instrumentation, Date.now() - Math.floor(process.uptime() * 1000));
}
