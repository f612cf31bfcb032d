import { SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Exception, Span } from '@opentelemetry/api';
import { ATTR } from '../attribute-keys';
import { toAnnotationKey } from '../translate/annotations';
import { toXRayTraceId } from '../translate/ids';
import { recorderSettings } from './settings';

export type AnnotationValue = string | number | boolean;

const warned = new Set<string>();
function warnOnce(kind: string, message: string): void {
  if (warned.has(kind)) return;
  warned.add(kind);
  recorderSettings().logger.warn(`${message} (further cases are not logged)`);
}

const HANDLES = new WeakMap<Span, XRayEntity>();

/** A thrown value as text, whatever it is (an object without a prototype has no toString). */
function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? value : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * A segment or subsegment as the recorder API hands it out: a thin handle over the OTel span that records it.
 * Annotations, metadata, the user and errors become span attributes and events that the translator turns into
 * the document's `annotations`, `metadata`, `user` and `cause`. Handles of unsampled spans accept every call and
 * record nothing. No method throws.
 */
export class XRayEntity {
  private _annotationKeys: string[] | undefined;
  private _metadata: Map<string, Record<string, unknown>> | undefined;
  private _closed = false;

  private constructor(
    /** The OTel span behind this entity. */
    readonly span: Span,
    /** True for a segment (a request or a unit of work of its own), false for a subsegment. */
    readonly isSegment: boolean,
  ) {}

  /** The handle of `span` (one per span, so annotations added through two handles are not lost). */
  static of(span: Span, isSegment: boolean): XRayEntity {
    let handle = HANDLES.get(span);
    if (handle === undefined) {
      handle = new XRayEntity(span, isSegment);
      HANDLES.set(span, handle);
    }
    return handle;
  }

  /** The entity id (16 hex digits). */
  get id(): string {
    return this.span.spanContext().spanId;
  }

  /** The trace id in X-Ray form, `1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx`. */
  get traceId(): string {
    return toXRayTraceId(this.span.spanContext().traceId);
  }

  isSampled(): boolean {
    return (this.span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
  }

  /**
   * An indexed annotation. Keys may hold letters, digits and `_` only (X-Ray's filter expressions): other
   * characters become `_`, with one warning. Values other than strings, finite numbers and booleans are refused
   * with one warning.
   */
  putAnnotation(key: string, value: AnnotationValue): void {
    if (typeof key !== 'string' || key === '') {
      warnOnce('annotation-key', `putAnnotation: the key must be a non-empty string; ${String(key)} was ignored`);
      return;
    }
    if (!(typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
      warnOnce('annotation-value', `putAnnotation("${key}"): only strings, finite numbers and booleans can be annotations; the value was ignored`);
      return;
    }
    const clean = toAnnotationKey(key, false);
    if (clean !== key) warnOnce('annotation-key-sanitized', `annotation key "${key}" holds characters X-Ray does not index; recorded as "${clean}"`);
    this.span.setAttribute(clean, value);
    const keys = (this._annotationKeys ??= []);
    if (!keys.includes(clean)) {
      keys.push(clean);
      this.span.setAttribute(ATTR.XRAY_ANNOTATIONS, keys.slice());
    }
  }

  /** Metadata: any JSON value, under `namespace` (default `default`). Namespaces starting with `AWS.` are reserved. */
  putMetadata(key: string, value: unknown, namespace = 'default'): void {
    if (typeof key !== 'string' || key === '' || typeof namespace !== 'string' || namespace === '') {
      warnOnce('metadata-key', 'putMetadata: the key and namespace must be non-empty strings; the call was ignored');
      return;
    }
    if (namespace.startsWith('AWS.')) {
      warnOnce('metadata-namespace', `putMetadata: namespace "${namespace}" is reserved for AWS; the call was ignored`);
      return;
    }
    const namespaces = (this._metadata ??= new Map());
    let entries = namespaces.get(namespace);
    if (entries === undefined) {
      entries = {};
      namespaces.set(namespace, entries);
    }
    const previous = entries[key];
    entries[key] = value;
    let json: string;
    try {
      json = JSON.stringify(entries);
    } catch (err) {
      // A cycle or a BigInt: keep what was there and say why once.
      if (previous === undefined) delete entries[key];
      else entries[key] = previous;
      warnOnce('metadata-value', `putMetadata("${key}"): the value cannot be written as JSON (${String(err)}); it was ignored`);
      return;
    }
    this.span.setAttribute(ATTR.XRAY_METADATA_PREFIX + namespace, json);
  }

  /** The user the request is for: the document's `user` (searchable in the console). */
  setUser(user: string): void {
    if (typeof user === 'string' && user !== '') this.span.setAttribute(ATTR.ENDUSER_ID, user);
  }

  /** Records an error as the entity's `cause` and marks it a fault. */
  addError(error: unknown): void {
    const text = describe(error);
    const exception: Exception = error instanceof Error ? error : text;
    this.span.recordException(exception);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : text });
  }

  /** Ends the entity (and records `error` first when given). Later calls do nothing. */
  close(error?: unknown): void {
    if (this._closed) return;
    this._closed = true;
    if (error !== undefined && error !== null) this.addError(error);
    this.span.end();
  }

  /** True once closed here, or once its span ended some other way. */
  get isClosed(): boolean {
    return this._closed || (this.span as unknown as { ended?: boolean }).ended === true;
  }
}
