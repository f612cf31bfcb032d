import type { AssembledTrace, RawEntity, TraceEntity } from './model';

/** One trace being received: its documents by id, and the assembled view, rebuilt only when asked after a change. */
interface Held {
  readonly id: string;
  readonly documents: Map<string, RawEntity>;
  updatedAt: number;
  assembled: AssembledTrace | undefined;
}

/**
 * The traces `otel-xray local` holds: documents joined by trace id, however many services and datagrams sent them.
 * A completed document replaces the in-progress one of the same id (never the other way round). Bounded: past
 * `maxTraces`, the trace that arrived first is dropped.
 */
export class TraceStore {
  private readonly _traces = new Map<string, Held>();

  constructor(readonly maxTraces = 1000) {}

  get size(): number {
    return this._traces.size;
  }

  /** Adds a valid segment document (see isSegmentDocument); returns its trace id. */
  add(document: RawEntity, now = Date.now()): string {
    const traceId = document.trace_id as string;
    let held = this._traces.get(traceId);
    if (held === undefined) {
      held = { id: traceId, documents: new Map(), updatedAt: now, assembled: undefined };
      this._traces.set(traceId, held);
      while (this._traces.size > this.maxTraces) this._traces.delete(this._traces.keys().next().value as string);
    }
    const previous = held.documents.get(document.id);
    // A late in-progress copy never hides the completed document.
    if (previous === undefined || previous.in_progress === true || document.in_progress !== true) held.documents.set(document.id, document);
    held.updatedAt = now;
    held.assembled = undefined;
    return traceId;
  }

  get(traceId: string): AssembledTrace | undefined {
    const held = this._traces.get(traceId);
    if (held === undefined) return undefined;
    held.assembled ??= assemble(held);
    return held.assembled;
  }

  /** Every trace held, newest first by start time. */
  list(): AssembledTrace[] {
    const traces: AssembledTrace[] = [];
    for (const id of this._traces.keys()) traces.push(this.get(id) as AssembledTrace);
    return traces.sort((a, b) => b.start_time - a.start_time);
  }

  clear(): void {
    this._traces.clear();
  }
}

const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const ENTITY_ID = /^[0-9a-f]{16}$/;

/**
 * Whether a parsed datagram is a segment document the viewer can place: a segment or an independent subsegment
 * (`type: "subsegment"` with a `parent_id`), with its name, ids, start and either an end or `in_progress`.
 */
export function isSegmentDocument(value: unknown): value is RawEntity {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const doc = value as Record<string, unknown>;
  if (typeof doc.name !== 'string' || typeof doc.id !== 'string' || !ENTITY_ID.test(doc.id)) return false;
  if (typeof doc.trace_id !== 'string' || !TRACE_ID.test(doc.trace_id)) return false;
  if (typeof doc.start_time !== 'number' || !Number.isFinite(doc.start_time)) return false;
  if (!(typeof doc.end_time === 'number' && Number.isFinite(doc.end_time)) && doc.in_progress !== true) return false;
  if (doc.type === 'subsegment' && (typeof doc.parent_id !== 'string' || !ENTITY_ID.test(doc.parent_id))) return false;
  return doc.subsegments === undefined || Array.isArray(doc.subsegments);
}

interface Node {
  readonly raw: RawEntity;
  readonly parentId: string | undefined;
  readonly kind: 'segment' | 'subsegment';
  /** The segment it was embedded in (its own name for a segment); unknown for an independent subsegment yet. */
  service: string | undefined;
  readonly children: Node[];
}

/** Flattens the documents into one tree: parents before children, siblings (and roots) by start time. */
function assemble(held: Held): AssembledTrace {
  const documents = [...held.documents.values()];
  const nodes = new Map<string, Node>();
  const collect = (raw: RawEntity, parentId: string | undefined, kind: 'segment' | 'subsegment', service: string | undefined): void => {
    if (typeof raw?.id !== 'string' || nodes.has(raw.id)) return; // a repeated id (bad input) is kept once
    const node: Node = { raw, parentId, kind, service, children: [] };
    nodes.set(raw.id, node);
    for (const child of Array.isArray(raw.subsegments) ? raw.subsegments : []) {
      if (child !== null && typeof child === 'object') collect(child, raw.id, 'subsegment', service);
    }
  };
  for (const doc of documents) {
    const isSegment = doc.type !== 'subsegment';
    collect(doc, doc.parent_id, isSegment ? 'segment' : 'subsegment', isSegment ? doc.name : undefined);
  }
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId === undefined ? undefined : nodes.get(node.parentId);
    if (parent === undefined || parent === node) roots.push(node);
    else parent.children.push(node);
  }
  const byStart = (a: Node, b: Node): number => a.raw.start_time - b.raw.start_time;
  roots.sort(byStart);

  const entities: TraceEntity[] = [];
  const visited = new Set<Node>();
  const visit = (node: Node, depth: number, inherited: string | undefined): void => {
    if (visited.has(node)) return; // a parent cycle in bad input
    visited.add(node);
    // An independent subsegment belongs to the service of the entity it hangs under.
    const service = node.service ?? inherited ?? node.raw.name;
    entities.push({
      id: node.raw.id,
      parent_id: node.parentId,
      name: String(node.raw.name),
      namespace: typeof node.raw.namespace === 'string' ? node.raw.namespace : undefined,
      start_time: node.raw.start_time,
      end_time: typeof node.raw.end_time === 'number' && node.raw.in_progress !== true ? node.raw.end_time : undefined,
      kind: node.kind,
      service,
      depth,
      raw: node.raw,
    });
    node.children.sort(byStart);
    for (const child of node.children) visit(child, depth + 1, service);
  };
  for (const root of roots) visit(root, 0, undefined);
  // Nodes caught in a cycle with no way in from a root: shown at the top level rather than lost.
  for (const node of nodes.values()) if (!visited.has(node)) visit(node, 0, undefined);

  let start = Infinity;
  let end = -Infinity;
  for (const entity of entities) {
    start = Math.min(start, entity.start_time);
    end = Math.max(end, entity.end_time ?? entity.start_time);
  }
  const segments = entities.filter((e) => e.kind === 'segment');
  return {
    id: held.id,
    documents,
    entities,
    segments,
    root: segments.find((s) => s.parent_id === undefined || !nodes.has(s.parent_id)),
    start_time: Number.isFinite(start) ? start : 0,
    end_time: Number.isFinite(end) ? end : 0,
    updated_at: held.updatedAt,
  };
}
