import { AsyncLocalStorage } from 'node:async_hooks';
import { context, createContextKey, INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import { ATTR } from '../attribute-keys';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import { contextMissing } from './context-missing';
import { recorderSettings } from './settings';
import { XRayEntity } from './entity';
import type { AnnotationValue } from './entity';
import { isSqsMessageSampled } from './sqs';

/** The segment a recorder-made context belongs to (inSegment, beginSegment, setTraceEntity). */
const SEGMENT_KEY = createContextKey('otel-xray recorder segment');

/** An entity opened with beginSegment / beginSubsegment, and the OTel span that was active when it was. */
interface Begun {
  readonly entity: XRayEntity;
  readonly activeAtBegin: Span | undefined;
}
/** begin*() / end*() entities of the current async flow (an ALS of our own: OTel's context has no enterWith). */
const begun = new AsyncLocalStorage<readonly Begun[]>();

let cachedTracer: Tracer | undefined;
/** The global tracer (a proxy: it follows whatever provider is registered later). */
function tracer(): Tracer {
  return (cachedTracer ??= trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION));
}

function activeSpan(ctx: Context = context.active()): Span | undefined {
  const span = trace.getSpan(ctx);
  return span !== undefined && isSpanContextValid(span.spanContext()) ? span : undefined;
}

/** An SDK span's parent and kind, when the span exposes them (OTel's SDK spans do). */
function isSegmentSpan(span: Span, ctx: Context): boolean {
  const sdk = span as unknown as { parentSpanContext?: SpanContext; kind?: SpanKind };
  if (sdk.kind === SpanKind.SERVER || getRPCMetadata(ctx)?.span === span) return true;
  return sdk.parentSpanContext === undefined || sdk.parentSpanContext.isRemote === true;
}

/** The entity new work nests under: the latest begun entity if nothing newer is active, else the active span. */
function currentEntity(): XRayEntity | undefined {
  const ctx = context.active();
  const active = activeSpan(ctx);
  const top = openBegun()?.at(-1);
  if (top !== undefined && top.activeAtBegin === active) return top.entity;
  // Lambda init: subsegments started here are new work of their own, held for the first invocation.
  if (active === undefined) return recorderSettings().initPhase?.() === true ? detached() : undefined;
  return XRayEntity.of(active, isSegmentSpan(active, ctx));
}

/**
 * The begun entities of this async flow that are still open. An entity ended in another continuation (a helper
 * that was awaited, an earlier timer tick) can still sit in this flow's copy of the stack: it is skipped.
 */
function openBegun(): readonly Begun[] | undefined {
  const stack = begun.getStore();
  if (stack === undefined || stack.length === 0) return undefined;
  return stack.every((b) => !b.entity.isClosed) ? stack : stack.filter((b) => !b.entity.isClosed);
}

function currentSegmentEntity(): XRayEntity | undefined {
  const ctx = context.active();
  const marked = ctx.getValue(SEGMENT_KEY) as XRayEntity | undefined;
  if (marked !== undefined) return marked;
  const request = getRPCMetadata(ctx)?.span;
  if (request !== undefined && isSpanContextValid(request.spanContext())) return XRayEntity.of(request, true);
  const stack = openBegun();
  if (stack !== undefined) {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.entity.isSegment) return stack[i]!.entity;
  }
  const current = currentEntity();
  if (current === undefined || current.isSegment) return current;
  return SEGMENT_OF.get(current) ?? current;
}

/** The segment each recorder-made subsegment belongs to (for currentSegment() and setUser() inside it). */
const SEGMENT_OF = new WeakMap<XRayEntity, XRayEntity>();

/** A handle that records nothing, for work run outside any trace (LOG_ERROR / IGNORE_ERROR). */
function detached(): XRayEntity {
  return XRayEntity.of(trace.wrapSpanContext(INVALID_SPAN_CONTEXT), false);
}

function contextOf(entity: XRayEntity, base: Context = context.active()): Context {
  const ctx = trace.setSpan(base, entity.span);
  if (entity.isSegment) return ctx.setValue(SEGMENT_KEY, entity);
  const segment = SEGMENT_OF.get(entity);
  return segment === undefined ? ctx : ctx.setValue(SEGMENT_KEY, segment);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** Runs `fn(entity)` in the entity's context and ends the entity when `fn` returns or its promise settles. */
function runAndEnd<T>(entity: XRayEntity, fn: (entity: XRayEntity) => T): T {
  return context.with(contextOf(entity), () => {
    let result: T;
    try {
      result = fn(entity);
    } catch (err) {
      entity.close(err);
      throw err;
    }
    if (isPromiseLike(result)) {
      // The caller gets `result` itself (a query builder or a got() promise keeps its own methods); the entity
      // ends when it settles. The handlers below consume nothing: a rejection still reaches the caller.
      void result.then(
        () => entity.close(),
        (err: unknown) => entity.close(err),
      );
      return result;
    }
    entity.close();
    return result;
  });
}

function startSubsegment(name: string, parent: XRayEntity, sampled = true): XRayEntity {
  let ctx = contextOf(parent);
  if (!sampled) ctx = trace.setSpanContext(ctx, { ...parent.span.spanContext(), traceFlags: TraceFlags.NONE });
  // Directly under a carried trace (another thread or process): a subsegment of that remote parent.
  const attributes = parent.span.spanContext().isRemote === true ? { [ATTR.XRAY_CONTINUATION]: true } : undefined;
  const subsegment = XRayEntity.of(tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes }, ctx), false);
  const segment = parent.isSegment ? parent : SEGMENT_OF.get(parent);
  if (segment !== undefined) SEGMENT_OF.set(subsegment, segment);
  return subsegment;
}

function startSegment(name: string): XRayEntity {
  // A new trace: no parent, named `name` whatever the naming settings (as the X-Ray SDKs' begin_segment).
  return XRayEntity.of(tracer().startSpan(name, { root: true, kind: SpanKind.INTERNAL, attributes: { [ATTR.XRAY_SEGMENT_NAME]: name } }), true);
}

// ---------------------------------------------------------------------------------------------------------------
// Running code in an entity

/** Runs `fn` in a new segment (a new trace) named `name`; ends it when `fn` returns or settles. */
export function inSegment<T>(name: string, fn: (segment: XRayEntity) => T): T {
  return runAndEnd(startSegment(name), fn);
}

/**
 * Runs `fn` in a new subsegment of the current entity; ends it when `fn` returns or its promise settles, and a
 * thrown error or rejection is recorded as its `cause` (and rethrown). Outside any trace: AWS_XRAY_CONTEXT_MISSING.
 */
export function inSubsegment<T>(name: string, fn: (subsegment: XRayEntity) => T): T {
  const parent = currentEntity();
  if (parent === undefined) {
    contextMissing('inSubsegment');
    return fn(detached());
  }
  return runAndEnd(startSubsegment(name, parent), fn);
}

type AnyFunction = (this: unknown, ...args: never[]) => unknown;

/** `@capture(name?)`: a method decorator in the standard form and in the legacy (experimentalDecorators) form. */
export interface CaptureDecorator {
  <This, Args extends unknown[], Return>(method: (this: This, ...args: Args) => Return, context: ClassMethodDecoratorContext<This>): (this: This, ...args: Args) => Return;
  (target: object, key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
}

/**
 * `fn` wrapped so that each call runs in a subsegment named `name`, keeping its name, length and prototype. Outside
 * any trace a call is a context-missing case, or, with `quietOutsideTrace` (patched modules: work outside a
 * request is not an error), simply runs untraced. Called with `new` (an ES5-style constructor), it constructs,
 * untraced.
 */
export function wrapInSubsegment<F extends AnyFunction>(name: string, fn: F, quietOutsideTrace = false): F {
  const wrapped = function (this: unknown, ...args: never[]): unknown {
    if (new.target !== undefined) return Reflect.construct(fn as unknown as new (...a: never[]) => object, args, new.target);
    if (quietOutsideTrace && currentEntity() === undefined) return fn.apply(this, args);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return inSubsegment(name, () => fn.apply(self, args));
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  if (fn.prototype !== undefined) wrapped.prototype = fn.prototype as object;
  return wrapped as unknown as F;
}

/**
 * `capture(name, fn)`: `fn` wrapped so that every call runs in a subsegment named `name`.
 * `@capture(name?)`: the same as a method decorator, in the standard form and the legacy
 * (`experimentalDecorators`) form; the name defaults to the method's.
 */
export function capture<F extends AnyFunction>(name: string, fn: F): F;
export function capture(name?: string): CaptureDecorator;
export function capture(name?: string, fn?: AnyFunction): unknown {
  if (typeof fn === 'function') return wrapInSubsegment(name ?? fn.name, fn);
  return (...args: unknown[]): unknown => {
    const [first, second, third] = args;
    // Standard decorator: (method, { kind: 'method', name }).
    if (typeof first === 'function' && second !== null && typeof second === 'object' && 'kind' in second) {
      const methodName = String((second as unknown as { name: string | symbol }).name);
      return wrapInSubsegment(name ?? methodName, first as AnyFunction);
    }
    // Legacy decorator: (prototype, key, descriptor).
    const descriptor = third as PropertyDescriptor | undefined;
    if (descriptor !== undefined && typeof descriptor.value === 'function') {
      descriptor.value = wrapInSubsegment(name ?? String(second), descriptor.value as AnyFunction);
      return descriptor;
    }
    return undefined;
  };
}

/** aws-xray-sdk-node's captureFunc: runs `fn(subsegment)` synchronously in a subsegment. */
export function captureFunc<T>(name: string, fn: (subsegment: XRayEntity) => T): T {
  return inSubsegment(name, fn);
}

/** aws-xray-sdk-node's captureAsyncFunc: `fn(subsegment)` must call `subsegment.close()` when its work is done. */
export function captureAsyncFunc<T>(name: string, fn: (subsegment: XRayEntity) => T): T {
  const parent = currentEntity();
  if (parent === undefined) {
    contextMissing('captureAsyncFunc');
    return fn(detached());
  }
  const subsegment = startSubsegment(name, parent);
  return context.with(contextOf(subsegment), () => {
    try {
      return fn(subsegment);
    } catch (err) {
      subsegment.close(err);
      throw err;
    }
  });
}

/** aws-xray-sdk-node's captureCallbackFunc: `callback` wrapped so that its call closes a subsegment opened now. */
export function captureCallbackFunc<A extends unknown[], R>(name: string, callback: (...args: A) => R): (...args: A) => R {
  const parent = currentEntity();
  if (parent === undefined) {
    contextMissing('captureCallbackFunc');
    return callback;
  }
  const subsegment = startSubsegment(name, parent);
  const ctx = contextOf(subsegment);
  return function (this: unknown, ...args: A): R {
    const first = args[0];
    return context.with(ctx, () => {
      try {
        return callback.apply(this, args);
      } finally {
        subsegment.close(first instanceof Error ? first : undefined);
      }
    });
  };
}

// ---------------------------------------------------------------------------------------------------------------
// begin / end

function push(entity: XRayEntity): XRayEntity {
  begun.enterWith([...(openBegun() ?? []), { entity, activeAtBegin: activeSpan() }]);
  return entity;
}

/** Opens a segment (a new trace) for the rest of this async flow; close it with endSegment(). */
export function beginSegment(name: string): XRayEntity {
  return push(startSegment(name));
}

/** Opens a subsegment of the current entity for the rest of this async flow; close it with endSubsegment(). */
export function beginSubsegment(name: string): XRayEntity {
  const parent = currentEntity();
  if (parent === undefined) {
    contextMissing('beginSubsegment');
    return detached();
  }
  return push(startSubsegment(name, parent));
}

/** Opens a subsegment that is not sampled (nor anything under it), even under a sampled parent. */
export function beginSubsegmentWithoutSampling(name: string): XRayEntity {
  const parent = currentEntity();
  if (parent === undefined) {
    contextMissing('beginSubsegmentWithoutSampling');
    return detached();
  }
  return push(startSubsegment(name, parent, false));
}

function end(isSegment: boolean, operation: string, error?: unknown): void {
  const stack = openBegun() ?? [];
  let index = stack.length - 1;
  while (index >= 0 && stack[index]!.entity.isSegment !== isSegment) index--;
  if (index < 0) {
    contextMissing(operation);
    return;
  }
  // Whatever was begun inside it ends with it.
  for (let i = stack.length - 1; i >= index; i--) stack[i]!.entity.close(i === index ? error : undefined);
  begun.enterWith(stack.slice(0, index));
}

/** Ends the latest segment opened with beginSegment() in this async flow (and anything begun inside it). */
export function endSegment(error?: unknown): void {
  end(true, 'endSegment', error);
}

/** Ends the latest subsegment opened with beginSubsegment() in this async flow. */
export function endSubsegment(error?: unknown): void {
  end(false, 'endSubsegment', error);
}

// ---------------------------------------------------------------------------------------------------------------
// The current entity

/** The current segment: the request's, or one opened by inSegment / beginSegment. Outside a trace: undefined. */
export function currentSegment(): XRayEntity | undefined {
  const segment = currentSegmentEntity();
  if (segment === undefined) contextMissing('currentSegment');
  return segment;
}

/** The current subsegment, or undefined when the current entity is the segment itself. */
export function currentSubsegment(): XRayEntity | undefined {
  const entity = currentEntity();
  if (entity === undefined) {
    contextMissing('currentSubsegment');
    return undefined;
  }
  return entity.isSegment ? undefined : entity;
}

/** aws-xray-sdk-node's getSegment(): the current subsegment, else the current segment. */
export function getSegment(): XRayEntity | undefined {
  const entity = currentEntity();
  if (entity === undefined) contextMissing('getSegment');
  return entity;
}

/** The entity to carry into work started elsewhere (a queue, a pool, a callback registry). */
export function getTraceEntity(): XRayEntity | undefined {
  return getSegment();
}

/** Runs `fn` with `entity` as the current entity: work begun elsewhere continues its trace. */
export function setTraceEntity<T>(entity: XRayEntity, fn: () => T): T {
  return context.with(contextOf(entity), fn);
}

/**
 * The current trace as a plain object of headers (the configured propagators': `x-amzn-trace-id` under the
 * preload), to send with a message, across `worker_threads` (postMessage) or to another process.
 */
export function traceCarrier(): Record<string, string> {
  const entity = currentEntity();
  const carrier: Record<string, string> = {};
  if (entity === undefined) {
    contextMissing('traceCarrier');
    return carrier;
  }
  propagation.inject(contextOf(entity), carrier);
  return carrier;
}

/** Runs `fn` as a continuation of the trace in `carrier` (from traceCarrier()): its spans have that parent. */
export function withTraceCarrier<T>(carrier: Record<string, string> | undefined, fn: () => T): T {
  return context.with(propagation.extract(ROOT_CONTEXT, carrier ?? {}), fn);
}

// ---------------------------------------------------------------------------------------------------------------
// Recording on the current entity

function onCurrent(operation: string, action: (entity: XRayEntity) => void): void {
  const entity = currentEntity();
  if (entity === undefined) {
    contextMissing(operation);
    return;
  }
  action(entity);
}

/** An indexed annotation on the current entity. */
export function putAnnotation(key: string, value: AnnotationValue): void {
  onCurrent('putAnnotation', (entity) => entity.putAnnotation(key, value));
}

/** Metadata on the current entity, under `namespace` (default `default`). */
export function putMetadata(key: string, value: unknown, namespace?: string): void {
  onCurrent('putMetadata', (entity) => entity.putMetadata(key, value, namespace));
}

/** The user of the current request, on its segment. */
export function setUser(user: string): void {
  const segment = currentSegmentEntity();
  if (segment === undefined) {
    contextMissing('setUser');
    return;
  }
  segment.setUser(user);
}

/** Records an error on the current entity (its `cause`; the entity becomes a fault). */
export function addError(error: unknown): void {
  onCurrent('addError', (entity) => entity.addError(error));
}

/**
 * `isSampled()`: whether the current entity is sampled (outside a trace: false, per AWS_XRAY_CONTEXT_MISSING).
 * `isSampled(message)`: whether an SQS message's `AWSTraceHeader` system attribute says it was sampled.
 */
export function isSampled(message?: unknown): boolean {
  if (message !== undefined) return isSqsMessageSampled(message);
  const entity = currentEntity();
  if (entity === undefined) {
    contextMissing('isSampled');
    return false;
  }
  return entity.isSampled();
}
