/**
 * Size limits of X-Ray documents, which the translator (and the name sanitizer in `naming/`) applies so every
 * document stays valid and bounded, whatever the input.
 */
export const LIMITS = {
  /** X-Ray: names are at most 200 characters. */
  nameLength: 200,
  /** X-Ray indexes at most 50 annotations; more are moved to metadata. */
  annotationsPerDocument: 50,
  /** Annotation string values are cut to this many characters. */
  annotationValueLength: 1000,
  /** Fields of the http, sql and aws blocks (URLs, user agents, queries) are cut to this many characters. */
  fieldLength: 2048,
  /** SQL statements may be long; they are still cut here. */
  queryLength: 8192,
  /** Strings in metadata and link attributes are cut to this many characters. */
  metadataStringLength: 8192,
  /** Arrays in metadata keep at most this many items. */
  metadataArrayItems: 1000,
  /** Objects in metadata (parsed from aws.xray.metadata.* JSON) are cut below this depth. */
  metadataDepth: 8,
  /** Exception messages are cut to this many characters. */
  exceptionMessageLength: 4096,
  /** Stack frames kept per exception; the rest are counted in `truncated`. */
  stackFrames: 50,
  /** Exceptions kept per document. */
  exceptionsPerDocument: 10,
  /** Span links kept per document. */
  linksPerDocument: 32,
} as const;

/** Cuts `value` to `max` UTF-16 units without leaving half of a surrogate pair at the end. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return value.substring(0, end);
}
