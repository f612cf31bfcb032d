/**
 * OTel's Lambda instrumentation (0.75.0, and 0.76.0 alike) ends the handler's span as soon as a callback-style
 * handler returns, usually long before it calls its callback: the span then misses the invocation's work, which
 * arrives as late subsegments. For handlers that declare a callback (three parameters) and return no promise,
 * this leaves ending the span to the wrapped callback. Handlers that declare none keep the upstream behaviour
 * (the span ends when they return). It patches three methods of the one instance we create, of the exact
 * version we bundle; if they are not there, the instrumentation is left as it is.
 */
export function endOnCallback(instrumentation: object): void {
  type Handler = (this: unknown, ...args: unknown[]) => unknown;
  const target = instrumentation as {
    _getPatchHandler?: (this: unknown, original: unknown, loadStart: unknown) => Handler;
    _wrapCallback?: (this: unknown, callback: unknown, span: object, extra: unknown) => unknown;
    _handlePromiseResult?: (this: unknown, span: object, result: unknown, extra: unknown) => unknown;
  };
  const getPatchHandler = target._getPatchHandler;
  const wrapCallback = target._wrapCallback;
  const handleResult = target._handlePromiseResult;
  if (typeof getPatchHandler !== 'function' || typeof wrapCallback !== 'function' || typeof handleResult !== 'function') return;
  /** True while a handler that declares a callback is being entered (synchronously, so no invocation can mix in). */
  let enteringCallbackHandler = false;
  const awaitingCallback = new WeakSet<object>();
  target._getPatchHandler = function patchHandler(original, loadStart) {
    const patched = getPatchHandler.call(this, original, loadStart);
    if (typeof original !== 'function' || original.length < 3 || typeof patched !== 'function') return patched;
    // Three parameters, as the runtime counts them.
    return function handlerWithCallback(this: unknown, event: unknown, context: unknown, callback: unknown): unknown {
      enteringCallbackHandler = true;
      try {
        return patched.call(this, event, context, callback);
      } finally {
        enteringCallbackHandler = false;
      }
    };
  };
  target._wrapCallback = function wrapCallbackOnce(callback, span, extra) {
    if (enteringCallbackHandler) awaitingCallback.add(span);
    return wrapCallback.call(this, callback, span, extra);
  };
  target._handlePromiseResult = function handleResultUnlessCallback(span, result, extra) {
    const isPromise = result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function';
    // The handler took a callback and returned no promise: the invocation ends when it calls the callback.
    if (!isPromise && awaitingCallback.has(span)) return result;
    return handleResult.call(this, span, result, extra);
  };
}
