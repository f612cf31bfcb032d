import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Context, ContextManager } from '@opentelemetry/api';
import type { LambdaParent, LambdaParentSource } from './trace-header';

/**
 * In Lambda, work with no span above it (a call made from a timer, an SDK client used before the handler's span
 * exists, or a handler that is not wrapped) still belongs to the running invocation, as with the X-Ray SDKs'
 * facade segment: where the wrapped manager holds no span, the active context carries Lambda's function segment
 * as the remote parent. Outside an invocation (at init) nothing is added.
 */
export class LambdaContextManager implements ContextManager {
  private _rootParent: LambdaParent | undefined;
  private _rootContext: Context = ROOT_CONTEXT;

  constructor(
    private readonly _inner: ContextManager,
    private readonly _parents: LambdaParentSource,
  ) {}

  active(): Context {
    const active = this._inner.active();
    if (trace.getSpanContext(active) !== undefined) return active;
    const parent = this._parents.current();
    if (parent === undefined) return active;
    if (active !== ROOT_CONTEXT) return trace.setSpanContext(active, parent.spanContext);
    // The common case, asked on every span start outside a handler span: one context per invocation.
    if (parent !== this._rootParent) {
      this._rootParent = parent;
      this._rootContext = trace.setSpanContext(ROOT_CONTEXT, parent.spanContext);
    }
    return this._rootContext;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this._inner.with(context, fn, thisArg, ...args);
  }

  bind<T>(context: Context, target: T): T {
    return this._inner.bind(context, target);
  }

  enable(): this {
    this._inner.enable();
    return this;
  }

  disable(): this {
    this._inner.disable();
    return this;
  }
}
