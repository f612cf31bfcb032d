import { LIMITS } from '../translate/limits';

/**
 * Characters X-Ray allows in names: Unicode letters and numbers, spaces and `_ . : / % & # = + \ - @`.
 * Names come from attributes an attacker may control (Host headers, URLs), so every name is passed through here.
 */
const VALID_NAME = /^[\p{L}\p{N} _.:/%&#=+\\\-@]+$/u;
const INVALID_CHARACTERS = /[^\p{L}\p{N} _.:/%&#=+\\\-@]/gu;

/** Used when nothing usable is left of a name. */
export const FALLBACK_NAME = 'span';

/**
 * Strips the characters X-Ray does not allow and cuts the name to 200 characters (whole code points).
 * Returns `fallback` when nothing is left.
 */
export function sanitizeName(name: string, fallback: string = FALLBACK_NAME): string {
  let clean = name;
  if (!VALID_NAME.test(clean)) clean = clean.replace(INVALID_CHARACTERS, '');
  if (clean.length > LIMITS.nameLength) clean = cutToCodePoints(clean, LIMITS.nameLength);
  clean = clean.trim();
  return clean === '' ? fallback : clean;
}

function cutToCodePoints(value: string, max: number): string {
  let out = '';
  let count = 0;
  for (const codePoint of value) {
    if (count++ === max) break;
    out += codePoint;
  }
  return out;
}
