import { LIMITS } from '../limits';

/**
 * Characters X-Ray allows in names: Unicode letters and numbers, spaces and `_ . : / % & # = + \ - @`.
 * Names come from attributes an attacker may control (Host headers, URLs), so every name is passed through here.
 */
const VALID_NAME = /^[\p{L}\p{N} _.:/%&#=+\\\-@]+$/u;
const INVALID_CHARACTERS = /[^\p{L}\p{N} _.:/%&#=+\\\-@]/gu;

/** ASCII characters X-Ray allows in names, for the common all-ASCII case without a regex. */
const ASCII_ALLOWED = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.:/%&#=+\\-@') ASCII_ALLOWED[c.charCodeAt(0)] = 1;

function isPlainValidName(name: string): boolean {
  if (name.length === 0 || name.length > LIMITS.nameLength) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || ASCII_ALLOWED[c] === 0) return false;
  }
  return name.charCodeAt(0) !== 0x20 && name.charCodeAt(name.length - 1) !== 0x20;
}

/** Used when nothing usable is left of a name. */
export const FALLBACK_NAME = 'span';

/**
 * Strips the characters X-Ray does not allow and cuts the name to 200 characters (whole code points).
 * Returns `fallback` when nothing is left.
 */
export function sanitizeName(name: string, fallback: string = FALLBACK_NAME): string {
  if (isPlainValidName(name)) return name;
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
