/** Typed reads of attribute values, which may be of any type when spans come from code we do not control. */

/** A non-empty string, or undefined. */
export function readString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An integer from a number or a decimal string (`"443"`), or undefined. */
export function readInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && value.length > 0 && value.length < 16 && /^-?\d+$/.test(value)) {
    return Number.parseInt(value, 10);
  }
  return undefined;
}

/** Strings from a string or an array of strings (other entries ignored). */
export function readStringList(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const item of value) if (typeof item === 'string' && item !== '') out.push(item);
  return out;
}
