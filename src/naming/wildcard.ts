/**
 * Compiles an X-Ray wildcard pattern (`*` any run of characters, `?` exactly one, case-insensitive, whole-string)
 * into a matcher. Used by dynamic naming and sampling rules. The matcher is linear-time (two pointers, one
 * backtrack point), so no input, however long or hostile (Host headers, paths), can make it slow.
 */
export function compileWildcard(pattern: string): (text: string) => boolean {
  if (pattern === '*') return () => true;
  const lowered = pattern.toLowerCase();
  return (text) => globMatch(lowered, text.toLowerCase());
}

function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && (c === 0x3f /* ? */ || c === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (p < pattern.length && c === 0x2a /* * */) {
      star = p++;
      resume = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 0x2a) p++;
  return p === pattern.length;
}
