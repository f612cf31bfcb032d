import type { ProblemCounter } from '../diag';
import { LIMITS, truncate } from '../limits';
import type { JsonValue } from './segment-document';

/** Most nodes one metadata value may expand to, so a wide or self-referencing object cannot blow up a document. */
const MAX_NODES = 10_000;

interface Walk {
  nodes: number;
  readonly ancestors: object[];
  readonly problems: ProblemCounter;
}

/**
 * Turns any attribute or metadata value into a JSON value that serializes to what it means: strings cut to the
 * metadata limit, non-finite numbers, binary buffers, functions and symbols dropped, cycles and excessive depth
 * cut. Returns undefined for a value that should not be written at all.
 */
export function toJsonValue(value: unknown, problems: ProblemCounter): JsonValue | undefined {
  switch (typeof value) {
    case 'string':
      return value.length <= LIMITS.metadataStringLength ? value : cutString(value, problems);
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      problems.report('non-finite-number', `a number that JSON cannot carry (${value}) was dropped from metadata`);
      return undefined;
    case 'object':
      if (value === null) return undefined;
      return walk(value, 0, { nodes: 0, ancestors: [], problems });
    case 'undefined':
      return undefined;
    default:
      problems.report('unsupported-value', `a ${typeof value} value was dropped from metadata`);
      return undefined;
  }
}

function cutString(value: string, problems: ProblemCounter): string {
  problems.report(
    'long-string',
    `a string of ${value.length} characters was cut to ${LIMITS.metadataStringLength} in metadata`,
  );
  return truncate(value, LIMITS.metadataStringLength);
}

function walk(value: unknown, depth: number, state: Walk): JsonValue | undefined {
  if (++state.nodes > MAX_NODES) {
    state.problems.report('large-value', `a metadata value with more than ${MAX_NODES} parts was cut`);
    return undefined;
  }
  switch (typeof value) {
    case 'string':
      return value.length <= LIMITS.metadataStringLength ? value : cutString(value, state.problems);
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    state.problems.report('binary-value', 'binary data (a Buffer or typed array) was dropped from metadata');
    return undefined;
  }
  if (depth >= LIMITS.metadataDepth) {
    state.problems.report('deep-value', `a metadata value nested deeper than ${LIMITS.metadataDepth} levels was cut`);
    return undefined;
  }
  if (state.ancestors.includes(value)) {
    state.problems.report('circular-value', 'a metadata value that contains itself was cut at the repeat');
    return undefined;
  }
  state.ancestors.push(value);
  try {
    if (Array.isArray(value)) return walkArray(value, depth, state);
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value)) {
      const item = walk((value as Record<string, unknown>)[key], depth + 1, state);
      if (item !== undefined) out[key] = item;
    }
    return out;
  } finally {
    state.ancestors.pop();
  }
}

function walkArray(value: unknown[], depth: number, state: Walk): JsonValue[] {
  let length = value.length;
  if (length > LIMITS.metadataArrayItems) {
    state.problems.report(
      'long-array',
      `an array of ${length} items was cut to ${LIMITS.metadataArrayItems} in metadata`,
    );
    length = LIMITS.metadataArrayItems;
  }
  const out: JsonValue[] = new Array<JsonValue>(length);
  for (let i = 0; i < length; i++) {
    const item = walk(value[i], depth + 1, state);
    out[i] = item === undefined ? null : item;
  }
  return out;
}
