/**
 * Parsers for configuration values from the environment (strings) or from code (typed values). Each returns the
 * value, or a sentence saying what is wrong; none throws.
 */
export type Parsed<T> = T | { readonly invalid: string };

export function isInvalid<T>(value: Parsed<T>): value is { readonly invalid: string } {
  return typeof value === 'object' && value !== null && 'invalid' in (value as object) && Object.keys(value as object).length === 1;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 't', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'f', 'off']);

/** true/false, also the X-Ray SDK's y/yes/t/on/1 and n/no/f/off/0, any case. */
export function parseBoolean(value: unknown): Parsed<boolean> {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  return { invalid: 'expected true or false' };
}

/** One of `choices`, any case in the environment; returned as written in `choices`. */
export function parseChoice<T extends string>(choices: readonly T[]): (value: unknown) => Parsed<T> {
  return (value) => {
    if (typeof value === 'string') {
      const found = choices.find((c) => c.toLowerCase() === value.trim().toLowerCase());
      if (found !== undefined) return found;
    }
    return { invalid: `expected one of ${choices.join(', ')}` };
  };
}

/** A whole number of at least `minimum`, from a number or a decimal string. */
export function parseWholeNumber(minimum: number): (value: unknown) => Parsed<number> {
  return (value) => {
    const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < minimum) {
      return { invalid: `expected a whole number of at least ${minimum}` };
    }
    return number;
  };
}

/** A comma-separated list (entries trimmed, empty ones dropped), or an array of strings. */
export function parseList(value: unknown): Parsed<readonly string[]> {
  if (typeof value === 'string') return Object.freeze(value.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return Object.freeze([...(value as string[])]);
  return { invalid: 'expected a comma-separated list' };
}

/** A non-empty string. */
export function parseText(value: unknown): Parsed<string> {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : { invalid: 'expected a non-empty text' };
}
