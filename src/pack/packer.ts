import type { ProblemCounter } from '../diag';
import { DAEMON_HEADER, MAX_DATAGRAM_BYTES } from '../wire';
import type { IndependentSubsegment, SegmentDocument, Subsegment } from '../translate/segment-document';

/** The largest UDP payload (65,507 bytes over IPv4) less the header line: the most bytes one document may take. */
export const DOCUMENT_BUDGET_BYTES = MAX_DATAGRAM_BYTES - DAEMON_HEADER.length;

/** What packing did, counted since the packer was made. */
export interface PackCounts {
  /** Documents packed. */
  documents: number;
  /** JSON texts produced (one per datagram). */
  datagrams: number;
  /** Documents that were over the budget and had subsegments streamed out of them. */
  split: number;
  /** Subsegments sent as independent documents because their parent's document was too large. */
  streamedSubsegments: number;
  /** Documents (or streamed subsegments) cut down to fit: metadata, stack frames, long strings, then details. */
  truncated: number;
}

interface Size {
  /** Bytes of the entity's JSON without its subsegments. */
  own: number;
  /** Bytes of the entity's JSON with all its subsegments embedded. */
  subtree: number;
}

/** `,"subsegments":[` and `]` around the embedded subsegments. */
const SUBSEGMENTS_KEY_BYTES = ',"subsegments":[]'.length;
/** `"type":"subsegment","trace_id":"1-…","parent_id":"…",` added to a subsegment sent on its own (an upper bound). */
const INDEPENDENT_FIELDS_BYTES = ',"type":"subsegment","trace_id":"1-00000000-000000000000000000000000","parent_id":"0000000000000000"'.length;

/** Byte sizes of every entity of a document, computed bottom up without recursion (trees may be deep). */
function measure(document: Subsegment): Map<Subsegment, Size> {
  const sizes = new Map<Subsegment, Size>();
  const order: Subsegment[] = [];
  const stack: Subsegment[] = [document];
  while (stack.length > 0) {
    const entity = stack.pop() as Subsegment;
    order.push(entity);
    for (const child of entity.subsegments ?? []) stack.push(child);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const entity = order[i] as Subsegment;
    const children = entity.subsegments;
    let own: number;
    if (children === undefined) {
      own = Buffer.byteLength(JSON.stringify(entity), 'utf8');
    } else {
      delete entity.subsegments;
      own = Buffer.byteLength(JSON.stringify(entity), 'utf8');
      entity.subsegments = children;
    }
    let subtree = own;
    if (children !== undefined && children.length > 0) {
      subtree += SUBSEGMENTS_KEY_BYTES + children.length - 1;
      for (const child of children) subtree += (sizes.get(child) as Size).subtree;
    }
    sizes.set(entity, { own, subtree });
  }
  return sizes;
}

const TRUNCATION_MARKER = 'otel-xray: removed to keep this document within the 64 KB datagram limit';

/**
 * Turns documents into JSON texts of at most `budgetBytes` bytes each, so none is dropped by the daemon or the
 * socket. A document over the budget first has its subsegments streamed out as independent subsegments (keeping
 * as many embedded as fit); a single entity still too large loses, in order, its metadata (a marker says so),
 * its stack frames (counted in `truncated`), the length of its long strings, and finally everything but its
 * identity, times and error flags. Nothing is dropped silently: every split and cut is counted and warned once.
 */
export class Packer {
  readonly counts: PackCounts = { documents: 0, datagrams: 0, split: 0, streamedSubsegments: 0, truncated: 0 };

  constructor(
    private readonly _problems: ProblemCounter,
    private readonly _budgetBytes: number = DOCUMENT_BUDGET_BYTES,
  ) {}

  /** Appends the JSON texts of `document` to `out`. The document may be modified. */
  pack(document: SegmentDocument, out: string[]): void {
    this.counts.documents++;
    const json = JSON.stringify(document);
    if (this._fits(json)) {
      out.push(json);
      this.counts.datagrams++;
      return;
    }
    this._packLarge(document, out);
  }

  private _fits(json: string): boolean {
    // A UTF-16 unit is at most 3 UTF-8 bytes: most documents need no byte count at all.
    return json.length * 3 <= this._budgetBytes || Buffer.byteLength(json, 'utf8') <= this._budgetBytes;
  }

  /**
   * A document over the budget. The byte size of every entity and subtree is measured once, bottom up, so a
   * deep or wide tree is split in one pass (measuring each split anew would be quadratic); each resulting
   * document is then serialized once.
   */
  private _packLarge(document: SegmentDocument, out: string[]): void {
    const sizes = measure(document);
    const work: Subsegment[] = [document];
    while (work.length > 0) {
      const doc = work.pop() as SegmentDocument;
      const size = sizes.get(doc) as Size;
      if (size.subtree <= this._budgetBytes) {
        out.push(JSON.stringify(doc));
        this.counts.datagrams++;
        continue;
      }
      const children = doc.subsegments ?? [];
      delete doc.subsegments;
      if (children.length > 0) {
        this.counts.split++;
        this._problems.report(
          'document-split',
          'a segment document was over 64 KB; some of its subsegments were sent as independent subsegments',
        );
      }
      const kept: Subsegment[] = [];
      let used = size.own + SUBSEGMENTS_KEY_BYTES;
      for (const child of children) {
        const childSize = sizes.get(child) as Size;
        if (size.own <= this._budgetBytes && used + childSize.subtree + 1 <= this._budgetBytes) {
          kept.push(child);
          used += childSize.subtree + 1;
          continue;
        }
        this.counts.streamedSubsegments++;
        const independent = child as IndependentSubsegment;
        independent.type = 'subsegment';
        independent.trace_id = doc.trace_id ?? (doc as unknown as IndependentSubsegment).trace_id;
        independent.parent_id = doc.id;
        childSize.own += INDEPENDENT_FIELDS_BYTES;
        childSize.subtree += INDEPENDENT_FIELDS_BYTES;
        work.push(independent);
      }
      if (kept.length > 0) doc.subsegments = kept;
      out.push(size.own <= this._budgetBytes ? JSON.stringify(doc) : this._truncate(doc));
      this.counts.datagrams++;
    }
  }

  /**
   * Cuts one entity (no subsegments) down until it fits. Returns its JSON. Works on a copy: documents share
   * frozen resource-derived blocks (aws, service) across segments, which must never be cut in place.
   */
  private _truncate(original: SegmentDocument): string {
    this.counts.truncated++;
    const doc = JSON.parse(JSON.stringify(original)) as SegmentDocument;
    const steps: Array<[string, (d: SegmentDocument) => boolean]> = [
      ['metadata', dropMetadata],
      ['stack-frames', dropStackFrames],
      ['long-strings-1024', (d) => cutStrings(d, 1024)],
      ['long-strings-128', (d) => cutStrings(d, 128)],
      ['details', keepIdentityOnly],
    ];
    let json = JSON.stringify(doc);
    for (const [kind, step] of steps) {
      if (!step(doc)) continue;
      this._problems.report(`truncated-${kind}`, `a segment document over 64 KB was cut to fit (${kind})`);
      json = JSON.stringify(doc);
      if (this._fits(json)) return json;
    }
    return json; // identity, times and flags alone always fit
  }
}

function dropMetadata(doc: SegmentDocument): boolean {
  if (doc.metadata === undefined) return false;
  doc.metadata = { default: { 'otel-xray.truncated': TRUNCATION_MARKER } };
  return true;
}

function dropStackFrames(doc: SegmentDocument): boolean {
  let changed = false;
  for (const exception of doc.cause?.exceptions ?? []) {
    if (exception.stack === undefined) continue;
    exception.truncated = (exception.truncated ?? 0) + exception.stack.length;
    delete exception.stack;
    changed = true;
  }
  return changed;
}

/** Cuts every string value longer than `max` characters (keys and ids are short and left alone). */
function cutStrings(value: unknown, max: number): boolean {
  let changed = false;
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (typeof item === 'string' && item.length > max) {
        record[key] = item.substring(0, max);
        changed = true;
      } else {
        visit(item);
      }
    }
  };
  visit(value);
  return changed;
}

const IDENTITY_FIELDS = new Set([
  'name', 'id', 'trace_id', 'parent_id', 'type', 'start_time', 'end_time', 'in_progress', 'error', 'fault', 'throttle',
  'namespace', 'origin',
]);

function keepIdentityOnly(doc: SegmentDocument): boolean {
  const record = doc as unknown as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!IDENTITY_FIELDS.has(key)) delete record[key];
  record.metadata = { default: { 'otel-xray.truncated': TRUNCATION_MARKER } };
  return true;
}
