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
