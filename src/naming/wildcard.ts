/** Longest text a pattern is matched against: Host headers are attacker-controlled and matching costs time. */
const MAX_INPUT_LENGTH = 255;

/**
 * Compiles an X-Ray wildcard pattern (`*` any run of characters, `?` exactly one, case-insensitive, whole-string)
 * into a matcher. Used by dynamic naming and sampling rules.
 */
export function compileWildcard(pattern: string): (text: string) => boolean {
  if (pattern === '*') return () => true;
  let source = '';
  for (const c of pattern) {
    if (c === '*') source += source.endsWith('.*') ? '' : '.*';
    else if (c === '?') source += '.';
    else source += c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`, 'is');
  return (text) => text.length <= MAX_INPUT_LENGTH && regex.test(text);
}
