/**
 * What `otel-xray local` holds: the documents the daemon received, joined into traces. Every part of the local
 * viewer (filter expressions, service map, API, terminal trees) reads these shapes; only trace-store.ts builds them.
 */

/** A segment or subsegment as it arrived (JSON), with the fields the viewer reads. */
export interface RawEntity {
  readonly name: string;
  readonly id: string;
  readonly trace_id?: string;
  readonly parent_id?: string;
  readonly type?: string;
  readonly start_time: number;
  readonly end_time?: number;
  readonly in_progress?: boolean;
  readonly namespace?: string;
  readonly origin?: string;
  readonly error?: boolean;
  readonly fault?: boolean;
  readonly throttle?: boolean;
  readonly user?: string;
  readonly http?: {
    readonly request?: { readonly method?: string; readonly url?: string; readonly user_agent?: string; readonly client_ip?: string };
    readonly response?: { readonly status?: number; readonly content_length?: number };
  };
  readonly aws?: Readonly<Record<string, unknown>>;
  readonly sql?: Readonly<Record<string, unknown>>;
  readonly annotations?: Readonly<Record<string, string | number | boolean>>;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
  readonly subsegments?: readonly RawEntity[];
  readonly [key: string]: unknown;
}

/** One segment or subsegment of a trace, flattened out of its document. */
export interface TraceEntity {
  readonly id: string;
  /** Its parent's id (the enclosing entity for an embedded subsegment); undefined for a trace's first segment. */
  readonly parent_id: string | undefined;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly start_time: number;
  /** undefined while in progress. */
  readonly end_time: number | undefined;
  readonly kind: 'segment' | 'subsegment';
  /** The name of the segment it belongs to (its own, for a segment): the service that did the work. */
  readonly service: string;
  /** Depth in the trace's tree (0 for the root segment). */
  readonly depth: number;
  /** The entity's own JSON, as received (for a subsegment: the object inside its document). */
  readonly raw: RawEntity;
}

/** A trace: every document of one trace id received so far, however many services and datagrams sent them. */
export interface AssembledTrace {
  /** The X-Ray trace id (`1-5759e988-bd862e3fe1be46a994272793`). */
  readonly id: string;
  /** The documents as received: the latest of each id (a completed segment replaces its in-progress one). */
  readonly documents: readonly RawEntity[];
  /** Every entity, parents before children, siblings by start time. */
  readonly entities: readonly TraceEntity[];
  /** The segments (services' own entities), in the order of `entities`. */
  readonly segments: readonly TraceEntity[];
  /** The root segment: the earliest segment without a parent in the trace. undefined if only subsegments arrived. */
  readonly root: TraceEntity | undefined;
  /** Earliest start and latest end (start when nothing has ended) of any entity, epoch seconds. */
  readonly start_time: number;
  readonly end_time: number;
  /** Date.now() when its last document arrived. */
  readonly updated_at: number;
}
