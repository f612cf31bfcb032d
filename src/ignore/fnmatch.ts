/**
 * Python's fnmatch (what the X-Ray SDK's add_ignored uses) as a matcher: `*` any run of characters, `?` one
 * character, `[seq]` one of seq (ranges like `a-z`), `[!seq]` none of seq; anything else literal, including a
 * `[` without its `]` and an empty `[!]`; whole-string, case-insensitive (host names). Linear in the text for
 * any pattern (one backtrack point, as for X-Ray wildcards): it runs on every outgoing call.
 */
type Token = { kind: 'star' } | { kind: 'one' } | { kind: 'char'; char: string } | { kind: 'set'; negated: boolean; test: (c: string) => boolean };

function parse(pattern: string): Token[] {
  const tokens: Token[] = [];
  const lowered = pattern.toLowerCase();
  for (let i = 0; i < lowered.length; i++) {
    const c = lowered[i]!;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') {
      tokens.push({ kind: 'one' });
    } else if (c === '[') {
      let j = i + 1;
      const negated = lowered[j] === '!';
      if (negated) j++;
      if (lowered[j] === ']') j++; // a `]` first in the set is literal
      const close = lowered.indexOf(']', j);
      if (close === -1) {
        tokens.push({ kind: 'char', char: c });
        continue;
      }
      const body = lowered.slice(negated ? i + 2 : i + 1, close);
      if (body === '') {
        tokens.push({ kind: 'char', char: c });
        continue;
      }
      const ranges: Array<[string, string]> = [];
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === '-' && k + 2 < body.length) {
          ranges.push([body[k]!, body[k + 2]!]);
          k += 2;
        } else {
          ranges.push([body[k]!, body[k]!]);
        }
      }
      // An inverted range (z-a) matches nothing, as in Python.
      tokens.push({ kind: 'set', negated, test: (ch) => ranges.some(([lo, hi]) => lo <= ch && ch <= hi) });
      i = close;
    } else {
      tokens.push({ kind: 'char', char: c });
    }
  }
  return tokens;
}

function matchesOne(token: Token, ch: string): boolean {
  switch (token.kind) {
    case 'one':
      return true;
    case 'char':
      return token.char === ch;
    case 'set':
      return token.test(ch) !== token.negated;
    default:
      return false;
  }
}

export function compileFnmatch(pattern: string): (text: string) => boolean {
  const tokens = parse(pattern);
  return (input) => {
    const text = input.toLowerCase();
    let p = 0;
    let t = 0;
    let star = -1;
    let resume = 0;
    while (t < text.length) {
      const token = tokens[p];
      if (token !== undefined && token.kind !== 'star' && matchesOne(token, text[t]!)) {
        p++;
        t++;
      } else if (token !== undefined && token.kind === 'star') {
        star = p++;
        resume = t;
      } else if (star !== -1) {
        p = star + 1;
        t = ++resume;
      } else {
        return false;
      }
    }
    while (tokens[p]?.kind === 'star') p++;
    return p === tokens.length;
  };
}
