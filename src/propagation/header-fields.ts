/** The fields of an X-Ray trace header (`Root=…;Parent=…;Sampled=…`), as written; other fields are ignored. */
export interface TraceHeaderFields {
  root?: string;
  parent?: string;
  sampled?: string;
  /** Adaptive sampling: the root's sampling rule (see sampling/rule-hash.ts). */
  xrsr?: string;
}

const ROOT = /^1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})$/;
const PARENT = /^[0-9a-fA-F]{16}$/;
const ALL_ZEROS = /^0+$/;

/** Splits a trace header into its fields; keys are matched case-insensitively, values trimmed. */
export function readTraceHeaderFields(header: string): TraceHeaderFields {
  const fields: TraceHeaderFields = {};
  for (const part of header.split(';')) {
    const equals = part.indexOf('=');
    if (equals === -1) continue;
    const key = part.substring(0, equals).trim().toLowerCase();
    const value = part.substring(equals + 1).trim();
    if (key === 'root') fields.root = value;
    else if (key === 'parent') fields.parent = value;
    else if (key === 'sampled') fields.sampled = value;
    else if (key === 'xrsr') fields.xrsr = value;
  }
  return fields;
}

/** The OTel trace id (32 lower-case hex) of a Root; undefined when malformed or the X-Ray SDKs' all-zero no-op id. */
export function traceIdOfRoot(root: string | undefined): string | undefined {
  const match = root === undefined ? null : ROOT.exec(root);
  if (match === null) return undefined;
  const traceId = ((match[1] as string) + (match[2] as string)).toLowerCase();
  return ALL_ZEROS.test(traceId) ? undefined : traceId;
}

/** A Parent as a span id (16 lower-case hex); undefined when malformed or all zeros. */
export function spanIdOfParent(parent: string | undefined): string | undefined {
  return parent !== undefined && PARENT.test(parent) && !ALL_ZEROS.test(parent) ? parent.toLowerCase() : undefined;
}
