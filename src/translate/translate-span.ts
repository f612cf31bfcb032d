import { SpanKind } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '../attribute-keys';
import { sanitizeName } from '../naming/segment-name';
import { hostWithoutPort, isValidHost } from '../url-parts';
import { nameSubsegment } from '../naming/subsegment-name';
import { LIMITS, truncate } from '../limits';
import { readString } from '../attributes/read';
import type { AwsBlock, JsonValue, Segment, SpanLinkRecord, Subsegment } from './segment-document';
import type { ResolvedTranslateOptions } from './options';
import type { ResourceInfo } from './resource-info';
import { KIND, KIND_OF_KEY } from './attribute-kinds';
import { buildAwsCallFields, isAwsApiSpan } from './aws-block';
import { buildCauseBlock } from './cause-block';
import { buildHttpBlock, isOutgoingKind, readStatusCode } from './http-block';
import { isValidSpanId, isValidTraceId, toXRayTraceId } from './ids';
import { toJsonValue } from './json-value';
import { buildSqlBlock } from './sql-block';
import { splitXRayAttributes } from './xray-attributes';

/** Every field a segment or a subsegment may carry; the assembler decides which one a span becomes. */
export type Entity = Segment & Subsegment;

/** The validated identity and timing of a span, worked out by the assembler before translation. */
export interface SpanFrame {
  readonly id: string;
  /** X-Ray form, written on segments. */
  readonly traceId: string;
  readonly startTime: number;
  readonly endTime: number | undefined;
}

/**
 * One span → one entity: name, id, times, namespace, http / aws / sql / cause blocks, error flags, user,
 * annotations, metadata and links. `resource` is given when the span becomes a segment (resource-derived blocks
 * are written on segments only). Trace id, parent id and type are the assembler's business.
 */
export function translateSpan(
  span: ReadableSpan,
  frame: SpanFrame,
  resource: ResourceInfo | undefined,
  options: ResolvedTranslateOptions,
): Entity {
  const attrs: Attributes = span.attributes ?? {};
  const kind = span.kind;
  const isSegment = resource !== undefined;

  let seen = 0;
  for (const key in attrs) seen |= KIND_OF_KEY.get(key) ?? 0;
  const isAwsApi = (seen & KIND.RPC) !== 0 && isAwsApiSpan(attrs);

  // Key order is JSON order: identity first, as X-Ray's own documents read.
  const entity = (isSegment
    ? { name: '', id: frame.id, trace_id: frame.traceId, start_time: frame.startTime }
    : { name: '', id: frame.id, start_time: frame.startTime }) as Entity;
  if (frame.endTime === undefined) entity.in_progress = true;
  else entity.end_time = frame.endTime;

  if (isSegment) {
    entity.name = segmentName(attrs, kind, resource, options);
    if (resource.origin !== undefined) entity.origin = resource.origin;
    if (resource.service !== undefined) entity.service = resource.service;
  } else {
    const naming = nameSubsegment(typeof span.name === 'string' ? span.name : '', attrs, kind, isAwsApi);
    entity.name = naming.name;
    if (naming.namespace !== undefined) entity.namespace = naming.namespace;
  }

  if ((seen & KIND.HTTP) !== 0) {
    const http = buildHttpBlock(attrs, kind, span.events ?? [], options.isSecretQueryParam);
    if (http !== undefined) entity.http = http;
  }

  setStatusFlags(entity, readStatusCode(attrs), span.status?.code === 2 /* SpanStatusCode.ERROR */);
  // Most spans have neither events nor an ERROR status: skip the cause builder (and its input) for them.
  if ((span.events !== undefined && span.events.length > 0) || span.status?.code === 2) {
    const cause = buildCauseBlock({
      span,
      attrs,
      remote: isOutgoingKind(kind),
      isAwsApi,
      stackFormat: resource?.stackFormat ?? 'v8',
      workingDirectory: options.workingDirectory,
      hiddenFramePaths: options.hiddenFramePaths,
      problems: options.problems,
    });
    if (cause !== undefined) entity.cause = cause;
  }

  const awsCall = (seen & (KIND.AWS_CALL | KIND.RPC)) !== 0 ? buildAwsCallFields(attrs, isAwsApi) : undefined;
  let aws = mergeAws(resource?.aws, awsCall);
  const ruleName = isSegment && (seen & KIND.XRAY) !== 0 ? readString(attrs[ATTR.XRAY_SAMPLING_RULE_NAME]) : undefined;
  if (ruleName !== undefined) aws = { ...aws, xray: { ...aws?.xray, sampling_rule_name: truncate(ruleName, 64) } };
  if (aws !== undefined) entity.aws = aws;

  let carried = KIND.HTTP | KIND.NET | KIND.AWS_CALL | KIND.XRAY;
  if (isAwsApi) carried |= KIND.RPC;
  if ((seen & KIND.DB) !== 0) {
    const sql = buildSqlBlock(attrs, options.recordSql);
    if (sql !== undefined) {
      entity.sql = sql;
      carried |= KIND.DB | KIND.DB_QUERY;
    }
  }
  if (isSegment && (seen & KIND.USER) !== 0) {
    const user = readString(attrs[ATTR.ENDUSER_ID]);
    if (user !== undefined) {
      entity.user = truncate(user, 256);
      carried |= KIND.USER;
    }
  }

  splitXRayAttributes(entity, attrs, carried, options, resource);
  if (isSegment && options.urlsAsAnnotations && entity.http !== undefined) addUrlAnnotations(entity);

  const links = span.links;
  if (links !== undefined && links.length > 0) {
    const records = translateLinks(span, options);
    if (records.length > 0) entity.links = records;
  }
  return entity;
}

/**
 * A name given in code (`aws.xray.segment_name`, from the recorder's inSegment), else dynamic naming (the
 * request's host, when it matches the pattern), else the configured fixed name, else the span's
 * `aws.local.service`, else the resource's service name.
 */
export function segmentName(attrs: Attributes, kind: SpanKind, resource: ResourceInfo, options: ResolvedTranslateOptions): string {
  const given = readString(attrs[ATTR.XRAY_SEGMENT_NAME]);
  if (given !== undefined) return sanitizeName(given, resource.serviceName);
  // Only an incoming request's host names its segment (an outgoing call's server.address is the callee).
  if (options.dynamicNaming !== undefined && kind === SpanKind.SERVER) {
    const host = readString(attrs[ATTR.SERVER_ADDRESS]) ?? readString(attrs[ATTR.HTTP_HOST]) ?? readString(attrs[ATTR.NET_HOST_NAME]);
    // A host name is at most 253 characters (260 with a port): a longer Host is not one and names no segment.
    if (host !== undefined && host.length <= 260) {
      const bare = hostWithoutPort(host);
      // The Host header is forgeable: only a well-formed host the pattern allows becomes a name.
      if (isValidHost(bare) && options.dynamicNaming(bare)) return sanitizeName(bare, resource.serviceName);
    }
  }
  if (options.segmentName !== undefined) return resource.serviceName;
  const localService = readString(attrs[ATTR.AWS_LOCAL_SERVICE]);
  return localService === undefined ? resource.serviceName : sanitizeName(localService, resource.serviceName);
}

/** URLS_AS_ANNOTATION: request segments become searchable by url, method and status (within the 50-annotation cap). */
export function addUrlAnnotations(entity: Entity): void {
  const request = entity.http?.request;
  const values: Array<[string, string | number | undefined]> = [
    ['http_url', request?.url],
    ['http_method', request?.method],
    ['http_status', entity.http?.response?.status],
  ];
  for (const [key, value] of values) {
    if (value === undefined) continue;
    const annotations = (entity.annotations ??= {});
    if (Object.keys(annotations).length >= LIMITS.annotationsPerDocument && !(key in annotations)) return;
    annotations[key] = typeof value === 'string' ? truncate(value, LIMITS.annotationValueLength) : value;
  }
}

/** error for 4xx (and throttle for 429), fault for 5xx, else fault when the span status is ERROR. */
export function setStatusFlags(entity: Entity, statusCode: number | undefined, isErrorStatus: boolean): void {
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    entity.error = true;
    if (statusCode === 429) entity.throttle = true;
  } else if (statusCode !== undefined && statusCode >= 500 && statusCode < 600) {
    entity.fault = true;
  } else if (isErrorStatus) {
    entity.fault = true;
  }
}

function mergeAws(resourceAws: Readonly<AwsBlock> | undefined, callFields: AwsBlock | undefined): AwsBlock | undefined {
  if (callFields === undefined) return resourceAws; // shared, frozen: never written to
  return resourceAws === undefined ? callFields : { ...resourceAws, ...callFields };
}

function translateLinks(span: ReadableSpan, options: ResolvedTranslateOptions): SpanLinkRecord[] {
  const records: SpanLinkRecord[] = [];
  for (const link of span.links) {
    const context = link?.context;
    if (context === undefined || !isValidTraceId(context.traceId) || !isValidSpanId(context.spanId)) {
      options.problems.report('invalid-link', 'a span link with an invalid trace or span id was left out');
      continue;
    }
    if (records.length === LIMITS.linksPerDocument) {
      options.problems.report('too-many-links', `a span has more than ${LIMITS.linksPerDocument} links; the rest are left out`);
      break;
    }
    const record: SpanLinkRecord = { trace_id: toXRayTraceId(context.traceId), id: context.spanId };
    const attrs = link.attributes;
    if (attrs !== undefined) {
      let out: Record<string, JsonValue> | undefined;
      for (const key of Object.keys(attrs)) {
        const value = toJsonValue(attrs[key], options.problems);
        if (value !== undefined) (out ??= {})[key] = value;
      }
      if (out !== undefined) record.attributes = out;
    }
    records.push(record);
  }
  return records;
}

/**
 * True when a span starts a segment: no local parent, ADOT's LOCAL_ROOT mark, or incoming work (SERVER,
 * CONSUMER). An AWS SDK call of kind CONSUMER (SQS ReceiveMessage) inside this service's work is a call.
 */
export function startsSegment(span: ReadableSpan, hasLocalParent: boolean): boolean {
  if (!hasLocalParent) {
    // Work continued in another thread from a carried trace stays a subsegment of the remote parent.
    // (A carrier with a Root but no Parent has no parent to hang under: then it is a segment.)
    const continuation = span.attributes?.[ATTR.XRAY_CONTINUATION] === true && span.attributes?.[ATTR.XRAY_NO_PARENT] !== true;
    return !(continuation && span.parentSpanContext?.isRemote === true && span.kind !== SpanKind.SERVER);
  }
  if (span.attributes?.[ATTR.AWS_SPAN_KIND] === 'LOCAL_ROOT') return true;
  if (span.kind === SpanKind.SERVER) return true;
  return span.kind === SpanKind.CONSUMER && span.attributes?.[ATTR.RPC_SYSTEM] !== 'aws-api';
}

/** A span that calls out (CLIENT, PRODUCER, or an AWS SDK receive of kind CONSUMER). */
export function isCallSpan(span: ReadableSpan): boolean {
  const kind = span.kind;
  if (kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER) return true;
  return kind === SpanKind.CONSUMER && span.attributes?.[ATTR.RPC_SYSTEM] === 'aws-api';
}
