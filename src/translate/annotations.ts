import { LIMITS, truncate } from '../limits';
import type { AnnotationValue } from './segment-document';

const PLAIN_KEY = /^[A-Za-z0-9_]+$/;
const PLAIN_KEY_WITH_DOTS = /^[A-Za-z0-9_.]+$/;
const OTHER_CHARACTERS = /[^A-Za-z0-9_]/g;
const OTHER_CHARACTERS_BUT_DOTS = /[^A-Za-z0-9_.]/g;

/**
 * An attribute key as an annotation key: X-Ray filter expressions accept letters, digits and `_`, so every other
 * character becomes `_` (`.` is kept when allowed).
 */
export function toAnnotationKey(key: string, allowDot: boolean): string {
  if (allowDot) return PLAIN_KEY_WITH_DOTS.test(key) ? key : key.replace(OTHER_CHARACTERS_BUT_DOTS, '_');
  return PLAIN_KEY.test(key) ? key : key.replace(OTHER_CHARACTERS, '_');
}

/** A value X-Ray can index (string, finite number, boolean), or undefined for anything else. */
export function toAnnotationValue(value: unknown): AnnotationValue | undefined {
  switch (typeof value) {
    case 'string':
      return truncate(value, LIMITS.annotationValueLength);
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    default:
      return undefined;
  }
}
