import { SpanKind } from '@opentelemetry/api';
import { ATTR } from '../attribute-keys';
import { describeInvocation } from './lambda-invocation';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { IndependentSubsegment, Segment, SegmentDocument, Subsegment } from './segment-document';
import { resolveTranslateOptions } from './options';
import type { ResolvedTranslateOptions, TranslateOptions } from './options';
import { ResourceInfoCache } from './resource-info';
import type { ResourceInfo } from './resource-info';
import { hrTimeToEpochSeconds, isValidSpanId, isValidTraceId, newXRayTraceIdHex, randomHexId, toXRayTraceId } from './ids';
import { isCallSpan, segmentName, setStatusFlags, startsSegment, translateSpan } from './translate-span';
import type { Entity, SpanFrame } from './translate-span';

const enum Place {
  Unresolved,
  Visiting,
  /** Sent as its own document: a segment, or a subsegment whose parent is not in the batch. */
  Root,
  /** Embedded in its parent's entity. */
  Embedded,
}

interface Node {
  readonly traceId: string;
  readonly parentId: string | undefined;
  /** Local parent's span id, when the parent runs in this process. */
  readonly localParentId: string | undefined;
  readonly isSegment: boolean;
  /** The document's top entity (for a root CLIENT/PRODUCER span: the service segment made for it). */
  readonly top: Entity;
  /** Where child spans are embedded. */
  readonly container: Entity;
  place: Place;
}

/**
 * Turns finished spans into X-Ray segment documents. A translator holds its resolved options and a cache of
 * what each Resource contributes; make one and reuse it.
 */
export class SegmentTranslator {
  readonly options: ResolvedTranslateOptions;
  private readonly _resources: ResourceInfoCache;

  constructor(options?: TranslateOptions) {
    this.options = resolveTranslateOptions(options);
    this._resources = new ResourceInfoCache(this.options);
  }

  /**
   * Spans to documents. Segments are spans with no local parent and SERVER / CONSUMER spans; every other span is
   * embedded as a subsegment under its parent when the parent is in `spans`, else sent as an independent
   * subsegment. Never throws: bad spans are repaired (or, if unreadable, left out) and counted.
   */
  translate(spans: readonly ReadableSpan[]): SegmentDocument[] {
    const nodes: Node[] = [];
    // Keyed by span id alone (lookups check the trace id): one map per batch, not one per trace.
    const bySpanId = new Map<string, Node>();
    const replacedTraceIds = new Map<string, string>();
    let leftOut: Set<string> | undefined;
    for (const span of spans) {
      try {
        const node = this._translateOne(span, replacedTraceIds);
        if (node === undefined) {
          (leftOut ??= new Set()).add(span.spanContext().spanId);
          continue;
        }
        nodes.push(node);
        bySpanId.set(node.container.id, node);
      } catch (err) {
        this.options.problems.report('unreadable-span', `a span that could not be read was left out: ${String(err)}`);
      }
    }
    if (leftOut !== undefined) removeDescendants(nodes, bySpanId, leftOut);

    const documents: SegmentDocument[] = [];
    for (const node of nodes) place(node, bySpanId);
    for (const node of nodes) {
      if (node.place === Place.Root) {
        documents.push(node.isSegment ? asSegment(node) : asIndependentSubsegment(node));
      } else {
        const parent = parentOf(node, bySpanId) as Node;
        (parent.container.subsegments ??= []).push(node.top);
      }
    }
    for (const document of documents) if (document.subsegments !== undefined) alignChildTimes(document);
    return documents;
  }

  private _translateOne(span: ReadableSpan, replacedTraceIds: Map<string, string>): Node | undefined {
    const context = span.spanContext();
    const problems = this.options.problems;
    let traceId = context.traceId;
    if (!isValidTraceId(traceId)) {
      problems.report('invalid-trace-id', 'a span with an invalid trace id was given a new one');
      const key = String(traceId);
      traceId = replacedTraceIds.get(key) ?? newXRayTraceIdHex(Date.now());
      replacedTraceIds.set(key, traceId);
    }
    let id = context.spanId;
    if (!isValidSpanId(id)) {
      problems.report('invalid-span-id', 'a span with an invalid span id was given a new one');
      id = randomHexId();
    }
    const parent = span.parentSpanContext;
    // A trace header with a Root but no Parent (from a load balancer) continues the trace with no parent segment.
    const noParent = span.attributes?.[ATTR.XRAY_NO_PARENT] === true && parent?.isRemote === true;
    const parentId = parent !== undefined && parent !== null && isValidSpanId(parent.spanId) && !noParent ? parent.spanId : undefined;
    const localParentId = parentId !== undefined && parent?.isRemote !== true ? parentId : undefined;
    const frame = this._frame(span, id, toXRayTraceId(traceId));
    if (this.options.lambda) return this._translateInLambda(span, frame, traceId, parentId, localParentId);
    const isSegment = startsSegment(span, localParentId !== undefined);

    if (!isSegment) {
      const entity = translateSpan(span, frame, undefined, this.options);
      return { traceId, parentId, localParentId, isSegment, top: entity, container: entity, place: Place.Unresolved };
    }
    const resource = this._resources.get(span.resource);
    if (isCallSpan(span)) {
      // A call made outside any request: X-Ray draws a call as a subsegment of the calling service's segment,
      // so the service gets a segment of its own around it.
      const call = translateSpan(span, frame, undefined, this.options);
      const service = serviceSegment(segmentName(span.attributes ?? {}, span.kind, resource, this.options), resource, frame, call);
      return { traceId, parentId, localParentId, isSegment, top: service, container: call, place: Place.Root };
    }
    const entity = translateSpan(span, frame, resource, this.options);
    return { traceId, parentId, localParentId, isSegment, top: entity, container: entity, place: Place.Root };
  }

  /**
   * In Lambda nothing is a segment: Lambda records the function's. A span under the invocation's header is a
   * subsegment of Lambda's function segment; a span with no parent at all has nowhere to go and is left out.
   */
  private _translateInLambda(span: ReadableSpan, frame: SpanFrame, traceId: string, parentId: string | undefined, localParentId: string | undefined): Node | undefined {
    if (parentId === undefined) {
      this.options.problems.report('lambda-no-parent', 'in Lambda, a span with no trace to join (no parent, no trace header) was left out');
      return undefined;
    }
    const entity = translateSpan(span, frame, undefined, this.options);
    // The handler's span (OTel's Lambda instrumentation gives it the invocation id).
    if (localParentId === undefined && span.kind === SpanKind.SERVER && span.attributes?.[ATTR.FAAS_INVOCATION_ID] !== undefined) {
      describeInvocation(entity, span.attributes ?? {}, this._resources.get(span.resource), this.options.urlsAsAnnotations);
    }
    return { traceId, parentId, localParentId, isSegment: false, top: entity, container: entity, place: Place.Unresolved };
  }

  private _frame(span: ReadableSpan, id: string, traceId: string): SpanFrame {
    const problems = this.options.problems;
    let startTime = hrTimeToEpochSeconds(span.startTime);
    let endTime: number | undefined = span.ended === false ? undefined : hrTimeToEpochSeconds(span.endTime);
    if (!Number.isFinite(startTime) || startTime <= 0) {
      problems.report('invalid-time', 'a span with an invalid start time was given its end time (or now)');
      startTime = endTime !== undefined && Number.isFinite(endTime) && endTime > 0 ? endTime : Date.now() / 1000;
    }
    if (endTime !== undefined && !(endTime >= startTime)) {
      problems.report('negative-duration', 'a span that ended before it started (or at no valid time) was given a zero duration');
      endTime = startTime;
    }
    return { id, traceId, startTime, endTime };
  }
}

/**
 * OTel takes a span's start from Date.now() (whole milliseconds) and its end from a microsecond clock, so a
 * child can seem to start before its parent or end after it by up to a millisecond. X-Ray draws that as a
 * broken waterfall: such sub-millisecond overruns of embedded subsegments are pulled back inside the parent.
 */
const CLOCK_SLACK_SECONDS = 0.001;

function alignChildTimes(root: Subsegment): void {
  const stack: Subsegment[] = [root];
  while (stack.length > 0) {
    const parent = stack.pop() as Subsegment;
    for (const child of parent.subsegments ?? []) {
      const early = parent.start_time - child.start_time;
      if (early > 0 && early <= CLOCK_SLACK_SECONDS) child.start_time = parent.start_time;
      if (parent.end_time !== undefined && child.end_time !== undefined) {
        const late = child.end_time - parent.end_time;
        if (late > 0 && late <= CLOCK_SLACK_SECONDS) child.end_time = parent.end_time;
        if (child.end_time < child.start_time) child.end_time = child.start_time;
      }
      if (child.subsegments !== undefined) stack.push(child);
    }
  }
}

/** Leaves out the spans under a left-out span too: their parent is not sent, so neither are they. */
function removeDescendants(nodes: Node[], bySpanId: Map<string, Node>, leftOut: Set<string>): void {
  const isUnderLeftOut = (node: Node): boolean => {
    let parentId = node.localParentId;
    for (let steps = 0; parentId !== undefined && steps <= nodes.length; steps++) {
      if (leftOut.has(parentId)) return true;
      parentId = bySpanId.get(parentId)?.localParentId;
    }
    return false;
  };
  const removed = new Set(nodes.filter(isUnderLeftOut));
  if (removed.size === 0) return;
  for (const node of removed) bySpanId.delete(node.container.id);
  const kept = nodes.filter((node) => !removed.has(node));
  nodes.length = 0;
  nodes.push(...kept);
}

/** The node of `node`'s local parent in this batch, if any (same span id and same trace). */
function parentOf(node: Node, bySpanId: Map<string, Node>): Node | undefined {
  if (node.localParentId === undefined) return undefined;
  const parent = bySpanId.get(node.localParentId);
  return parent !== undefined && parent.traceId === node.traceId ? parent : undefined;
}

/** Decides, once per node, whether it is sent on its own or embedded; a parent cycle is broken at its first repeat. */
function place(start: Node, bySpanId: Map<string, Node>): void {
  const path: Node[] = [];
  let node: Node | undefined = start;
  while (node !== undefined && node.place === Place.Unresolved) {
    node.place = Place.Visiting;
    path.push(node);
    const parent: Node | undefined = parentOf(node, bySpanId);
    if (parent === undefined) {
      node.place = Place.Root;
      break;
    }
    node = parent;
  }
  if (node !== undefined && node.place === Place.Visiting) node.place = Place.Root; // a cycle
  for (const visited of path) if (visited.place === Place.Visiting) visited.place = Place.Embedded;
}

function asSegment(node: Node): Segment {
  const segment = node.top as Segment;
  if (node.parentId !== undefined) segment.parent_id = node.parentId;
  return segment;
}

function asIndependentSubsegment(node: Node): IndependentSubsegment {
  const subsegment = node.top as IndependentSubsegment;
  subsegment.type = 'subsegment';
  subsegment.trace_id = toXRayTraceId(node.traceId);
  subsegment.parent_id = node.parentId as string;
  return subsegment;
}

/** The segment made around a call that has no local segment to belong to; it carries the call's outcome. */
function serviceSegment(name: string, resource: ResourceInfo, frame: SpanFrame, call: Entity): Entity {
  const segment = { name, id: randomHexId(), trace_id: frame.traceId, start_time: frame.startTime } as Entity;
  if (call.end_time !== undefined) segment.end_time = call.end_time;
  else segment.in_progress = true;
  if (resource.origin !== undefined) segment.origin = resource.origin;
  if (resource.aws !== undefined) segment.aws = resource.aws;
  if (resource.service !== undefined) segment.service = resource.service;
  setStatusFlags(segment, call.http?.response?.status, call.fault === true);
  segment.subsegments = [call];
  return segment;
}

let defaultTranslator: SegmentTranslator | undefined;

/**
 * Finished spans → X-Ray segment documents, with default options (or the given ones). For repeated use with
 * options, make a SegmentTranslator once instead.
 */
export function toSegmentDocuments(spans: readonly ReadableSpan[], options?: TranslateOptions): SegmentDocument[] {
  if (options !== undefined) return new SegmentTranslator(options).translate(spans);
  defaultTranslator ??= new SegmentTranslator();
  return defaultTranslator.translate(spans);
}
