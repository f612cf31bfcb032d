import { TraceFlags } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import type { Env } from '../config/setting';
import { readTraceHeaderFields, spanIdOfParent, traceIdOfRoot } from '../propagation/header-fields';
import { randomHexId } from '../translate/ids';

/** What Lambda's trace header says about one invocation. */
export interface LambdaParent {
  /** The remote parent: Lambda's function segment (trace id = Root, span id = Parent). Never recorded itself. */
  readonly spanContext: SpanContext;
  /** Root only: tracing is PassThrough. The trace id is carried on, nothing is recorded. */
  readonly passThrough: boolean;
}

interface InvokeStoreLike {
  getXRayTraceId?: () => unknown;
}

const MAX_HEADER_LENGTH = 1024;

/**
 * The invocation's trace header, where the Node runtime puts it: the InvokeStore on `globalThis.awslambda`
 * (newer runtimes; with AWS_LAMBDA_MAX_CONCURRENCY it is the only source, since invocations then share the
 * process and the env var is not set), the handler's `context.xRayTraceId`, then `_X_AMZN_TRACE_ID`.
 */
export function lambdaTraceHeader(env: Env, handlerContext?: unknown): string | undefined {
  const fromStore = invokeStoreHeader();
  if (fromStore !== undefined) return fromStore;
  if (handlerContext !== null && typeof handlerContext === 'object') {
    const fromContext = (handlerContext as { xRayTraceId?: unknown }).xRayTraceId;
    if (typeof fromContext === 'string' && fromContext !== '') return fromContext;
  }
  const fromEnv = env._X_AMZN_TRACE_ID;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

function invokeStoreHeader(): string | undefined {
  try {
    const store = (globalThis as { awslambda?: { InvokeStore?: InvokeStoreLike } }).awslambda?.InvokeStore;
    if (store === undefined || typeof store.getXRayTraceId !== 'function') return undefined;
    const header = store.getXRayTraceId();
    return typeof header === 'string' && header !== '' ? header : undefined;
  } catch {
    return undefined; // a runtime whose store is not ready; the other sources remain
  }
}

/**
 * Reads Lambda's header (`Root=…;Parent=…;Sampled=…`). Sampled=1 with both ids: record under Lambda's function
 * segment. Sampled=0: record nothing, carry the decision on. A Root without Parent or Sampled is PassThrough
 * mode: carry the trace id on, as not sampled, record nothing. No valid Root: undefined (no trace to join).
 */
export function parseLambdaHeader(header: string | undefined): LambdaParent | undefined {
  if (header === undefined || header.length > MAX_HEADER_LENGTH) return undefined;
  const { root, parent, sampled } = readTraceHeaderFields(header);
  const traceId = traceIdOfRoot(root);
  if (traceId === undefined) return undefined;
  const parentId = spanIdOfParent(parent);
  const decided = sampled === '1' || sampled === '0';
  const passThrough = parentId === undefined || !decided;
  const recorded = sampled === '1' && parentId !== undefined;
  return {
    spanContext: { traceId, spanId: parentId ?? randomHexId(), traceFlags: recorded ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true },
    passThrough: passThrough && sampled !== '0',
  };
}

/**
 * The current invocation's parent, parsed once per header: every span started with no parent of its own asks,
 * so the last header's answer is kept. The first invocation seen settles what becomes of init-time work.
 */
export class LambdaParentSource {
  private _header: string | undefined;
  private _parent: LambdaParent | undefined;
  private _invoked = false;

  constructor(
    private readonly _env: Env,
    /** Told once, at the first invocation, of its parent (undefined: it had no trace header). */
    private readonly _onFirstInvocation: (parent: LambdaParent | undefined) => void = () => undefined,
  ) {}

  /** True once an invocation has been seen: work with no trace header after that is outside any invocation. */
  get invoked(): boolean {
    return this._invoked;
  }

  /** The parent of the invocation running now, if a trace header says which; undefined at init. */
  current(handlerContext?: unknown): LambdaParent | undefined {
    const header = lambdaTraceHeader(this._env, handlerContext);
    if (header === undefined) return undefined;
    if (header !== this._header) {
      this._header = header;
      this._parent = parseLambdaHeader(header);
    }
    this._firstInvocation(this._parent);
    return this._parent;
  }

  /** The parent for a handler being invoked now (with or without a trace header). */
  forInvocation(handlerContext: unknown): LambdaParent | undefined {
    const parent = this.current(handlerContext);
    this._firstInvocation(parent);
    return parent;
  }

  private _firstInvocation(parent: LambdaParent | undefined): void {
    if (this._invoked) return;
    this._invoked = true;
    this._onFirstInvocation(parent);
  }
}
