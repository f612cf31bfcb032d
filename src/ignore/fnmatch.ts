/**
 * Python's fnmatch (what the X-Ray SDK's add_ignored uses) as a matcher: `*` any run of characters, `?` one
 * character, `[seq]` one of seq, `[!seq]` none of seq; everything else literal; whole-string. Case-insensitive,
 * for host names. Patterns come from the operator, never from requests; the text matched is a host name (at
 * most 253 characters), so a regular expression is safe here.
 */
export function compileFnmatch(pattern: string): (text: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      source += '.*';
    } else if (c === '?') {
      source += '.';
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let set = pattern.slice(i + 1, close);
      const negated = set.startsWith('!');
      if (negated) set = set.slice(1);
      source += `[${negated ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  const regex = new RegExp(`^(?:${source})$`, 'is');
  return (text) => regex.test(text);
}
