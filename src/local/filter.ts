/**
 * X-Ray filter expressions (the console's grammar, its common forms) over the traces `otel-xray local` holds, so the
 * viewer answers the same queries a user would type into the X-Ray console.
 *
 * The text is parsed once into closures; a filter then costs a few property reads per trace. Parsing never throws:
 * a syntax problem comes back as a FilterError with the offset where it starts, for the viewer to point at.
 */
import type { AssembledTrace, TraceEntity } from './model';

/** Why an expression did not parse: a short message, and the 0-based offset in the text where the problem starts. */
export interface FilterError {
  readonly error: string;
  readonly position: number;
}

export type TraceFilter = (trace: AssembledTrace) => boolean;

/** Longer text is refused: no one types it, and it bounds the work a request to the viewer can ask for. */
const MAX_LENGTH = 4000;
/** Nesting of `(`, `!` and `service() {}`; bounds recursion, so junk like 4,000 `(` cannot overflow the stack. */
const MAX_DEPTH = 64;

/**
 * What a predicate reads: the trace, and the entity plain keywords apply to. That is the root segment at the top,
 * and the node being tried inside `service("name") { ... }`, where `duration` becomes that node's own time too.
 */
interface Scope {
  readonly trace: AssembledTrace;
  readonly subject: TraceEntity | undefined;
  readonly inService: boolean;
}

type Predicate = (scope: Scope) => boolean;

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'beginswith' | 'endswith';
type ValueKind = 'number' | 'string' | 'boolean';

type Token =
  | { readonly kind: 'word' | 'and' | 'or' | 'punct' | 'end'; readonly pos: number; readonly text: string }
  | { readonly kind: 'string'; readonly pos: number; readonly text: string; readonly value: string }
  | { readonly kind: 'number'; readonly pos: number; readonly text: string; readonly value: number }
  | { readonly kind: 'op'; readonly pos: number; readonly text: string; readonly op: Op };

/** The operators each kind of value takes. */
const OPS_OF: Readonly<Record<ValueKind, readonly Op[]>> = {
  number: ['=', '!=', '<', '<=', '>', '>='],
  string: ['=', '!=', 'contains', 'beginswith', 'endswith'],
  boolean: ['=', '!='],
};

// Keyword tables are Maps, not object literals, so `constructor` or `__proto__` typed as a keyword stays unknown.

/** ok/error/fault/throttle, read on the subject entity. A 429 sets both error and throttle, as X-Ray does. */
const FLAGS: ReadonlyMap<string, (entity: TraceEntity) => boolean> = new Map([
  ['ok', (e: TraceEntity) => e.raw.error !== true && e.raw.fault !== true && e.raw.throttle !== true],
  ['error', (e: TraceEntity) => e.raw.error === true],
  ['fault', (e: TraceEntity) => e.raw.fault === true],
  ['throttle', (e: TraceEntity) => e.raw.throttle === true],
]);

const NUMBERS: ReadonlyMap<string, (scope: Scope) => unknown> = new Map([
  ['responsetime', (s: Scope) => elapsed(s.subject)],
  ['duration', (s: Scope) => (s.inService ? elapsed(s.subject) : s.trace.end_time - s.trace.start_time)],
  ['http.status', (s: Scope) => s.subject?.raw.http?.response?.status],
]);

/** String fields of the subject entity. The documents came off the network, so each is type-checked where compared. */
const STRINGS: ReadonlyMap<string, (entity: TraceEntity) => unknown> = new Map([
  ['http.url', (e: TraceEntity) => e.raw.http?.request?.url],
  ['http.method', (e: TraceEntity) => e.raw.http?.request?.method],
  ['http.useragent', (e: TraceEntity) => e.raw.http?.request?.user_agent],
  ['http.clientip', (e: TraceEntity) => e.raw.http?.request?.client_ip],
  ['name', (e: TraceEntity) => e.raw.name],
]);

/** An entity's own time; undefined while in progress, so every comparison with it is false. */
function elapsed(entity: TraceEntity | undefined): number | undefined {
  return entity !== undefined && typeof entity.end_time === 'number' ? entity.end_time - entity.start_time : undefined;
}

/** The annotation KEY of an entity; own properties only, so `annotation.toString` finds nothing. */
function annotation(entity: TraceEntity, key: string): unknown {
  const annotations: unknown = entity.raw.annotations;
  if (typeof annotations !== 'object' || annotations === null || !Object.hasOwn(annotations, key)) return undefined;
  return (annotations as Record<string, unknown>)[key];
}

/**
 * The nodes X-Ray draws for a service name: segments, plus the subsegments it infers as downstream nodes (namespace
 * `remote` or `aws`). Without a name, every node.
 */
function serviceNodes(trace: AssembledTrace, name: string | undefined): TraceEntity[] {
  const isNode = (e: TraceEntity): boolean => e.kind === 'segment' || e.namespace === 'remote' || e.namespace === 'aws';
  return trace.entities.filter((e) => isNode(e) && (name === undefined || e.name === name));
}

function compare(op: Op, actual: number, expected: number): boolean;
function compare(op: Op, actual: string, expected: string): boolean;
function compare(op: Op, actual: number | string, expected: number | string): boolean {
  switch (op) {
    case '=': return actual === expected;
    case '!=': return actual !== expected;
    case '<': return actual < expected;
    case '<=': return actual <= expected;
    case '>': return actual > expected;
    case '>=': return actual >= expected;
    case 'contains': return (actual as string).includes(expected as string);
    case 'beginswith': return (actual as string).startsWith(expected as string);
    case 'endswith': return (actual as string).endsWith(expected as string);
  }
}

/** Thrown inside the parser only; parseFilter turns it into a FilterError. */
class SyntaxProblem extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
  }
}

function fail(message: string, position: number): never {
  throw new SyntaxProblem(message, position);
}

function showOp(op: Op): string {
  return /^[a-z]/.test(op) ? op.toUpperCase() : `"${op}"`;
}

function describeKinds(kinds: readonly ValueKind[]): string {
  const names = kinds.map((k) => ({ number: 'a number', string: 'a quoted string', boolean: 'true or false' })[k]);
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function unexpected(token: Token): string {
  if (token.kind === 'end') return 'unexpected end of expression';
  if (token.kind === 'string' || token.kind === 'number') return `unexpected ${token.kind} ${token.text}`;
  return `unexpected "${token.text}"`;
}

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_.-]*/y;

/**
 * Recursive descent with precedence OR < AND (explicit or by juxtaposition) < `!` < primaries. Tokens are read lazily,
 * so the first problem reported is the leftmost one, even when a bad character sits further on.
 */
class Parser {
  private offset = 0;
  private peeked: Token | undefined;
  private depth = 0;

  constructor(private readonly text: string) {}

  peek(): Token {
    return (this.peeked ??= this.lex());
  }

  private next(): Token {
    const token = this.peek();
    this.peeked = undefined;
    return token;
  }

  private lex(): Token {
    const text = this.text;
    while (this.offset < text.length && /\s/.test(text[this.offset]!)) this.offset++;
    const pos = this.offset;
    if (pos >= text.length) return { kind: 'end', pos, text: '' };
    const ch = text[pos]!;
    if (ch === '"') return this.lexString(pos);
    const two = text.slice(pos, pos + 2);
    if (two === '!=' || two === '<=' || two === '>=') {
      this.offset += 2;
      return { kind: 'op', pos, text: two, op: two };
    }
    if (ch === '=' || ch === '<' || ch === '>') {
      this.offset++;
      return { kind: 'op', pos, text: ch, op: ch };
    }
    if ('(){}!'.includes(ch)) {
      this.offset++;
      return { kind: 'punct', pos, text: ch };
    }
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(text);
    if (number !== null) {
      this.offset += number[0].length;
      // `5abc` or `1.2.3` is a typo, not the number 5 then the keyword abc.
      if (/[A-Za-z0-9_.]/.test(text[this.offset] ?? '')) fail('invalid number', pos);
      return { kind: 'number', pos, text: number[0], value: Number(number[0]) };
    }
    WORD.lastIndex = pos;
    const word = WORD.exec(text);
    if (word !== null) {
      this.offset += word[0].length;
      const lower = word[0].toLowerCase();
      // The connectives and word operators are accepted in any case; keywords only as X-Ray writes them.
      if (lower === 'and' || lower === 'or') return { kind: lower, pos, text: word[0] };
      if (lower === 'contains' || lower === 'beginswith' || lower === 'endswith') {
        return { kind: 'op', pos, text: word[0], op: lower };
      }
      return { kind: 'word', pos, text: word[0] };
    }
    return fail(`unexpected character ${JSON.stringify(ch)}`, pos);
  }

  /** A double-quoted string; `\"` and `\\` are its only escapes. */
  private lexString(pos: number): Token {
    const text = this.text;
    let value = '';
    let i = pos + 1;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const escaped = text[i + 1];
        if (escaped === undefined) break;
        if (escaped !== '"' && escaped !== '\\') fail(`unknown escape "\\${escaped}" (only \\" and \\\\)`, i);
        value += escaped;
        i += 2;
      } else {
        value += text[i];
        i++;
      }
    }
    if (i >= text.length) fail('unterminated string', pos);
    this.offset = i + 1;
    return { kind: 'string', pos, text: text.slice(pos, i + 1), value };
  }

  parseOr(): Predicate {
    const parts = [this.parseAnd()];
    while (this.peek().kind === 'or') {
      this.next();
      parts.push(this.parseAnd());
    }
    return parts.length === 1 ? parts[0]! : (scope) => parts.some((p) => p(scope));
  }

  private parseAnd(): Predicate {
    const parts = [this.parseUnary()];
    for (;;) {
      const token = this.peek();
      if (token.kind === 'and') {
        this.next();
        parts.push(this.parseUnary());
      } else if (token.kind === 'word' || (token.kind === 'punct' && (token.text === '!' || token.text === '('))) {
        // Juxtaposition means AND, as in X-Ray's `ok !partial duration <3`.
        parts.push(this.parseUnary());
      } else {
        break;
      }
    }
    return parts.length === 1 ? parts[0]! : (scope) => parts.every((p) => p(scope));
  }

  private parseUnary(): Predicate {
    const token = this.peek();
    this.depth++;
    try {
      if (this.depth > MAX_DEPTH) fail('expression nested too deeply', token.pos);
      if (token.kind === 'punct' && token.text === '!') {
        this.next();
        const inner = this.parseUnary();
        return (scope) => !inner(scope);
      }
      return this.parsePrimary();
    } finally {
      this.depth--;
    }
  }

  private parsePrimary(): Predicate {
    const token = this.next();
    if (token.kind === 'punct' && token.text === '(') {
      const inner = this.parseOr();
      this.close(')', token, 'unclosed parenthesis');
      return inner;
    }
    if (token.kind !== 'word') return fail(unexpected(token), token.pos);
    const keyword = token.text;
    if (keyword === 'service') return this.parseService();
    if (keyword === 'annotation' || keyword.startsWith('annotation.')) return this.parseAnnotation(token);
    const flag = FLAGS.get(keyword);
    if (flag !== undefined) {
      // Bare `fault` is `fault = true`. No root segment: every keyword about it is false.
      const test = this.peek().kind === 'op' ? this.parseComparison(keyword, ['boolean']) : (v: unknown) => v === true;
      return (scope) => scope.subject !== undefined && test(flag(scope.subject));
    }
    const number = NUMBERS.get(keyword);
    if (number !== undefined) {
      const test = this.parseComparison(keyword, ['number']);
      return (scope) => test(number(scope));
    }
    const string = STRINGS.get(keyword);
    if (string !== undefined) {
      const test = this.parseComparison(keyword, ['string']);
      return (scope) => scope.subject !== undefined && test(string(scope.subject));
    }
    if (keyword === 'user') {
      // Any entity may carry the user, as with annotations.
      const test = this.parseComparison(keyword, ['string']);
      return (scope) => scope.trace.entities.some((e) => test(e.raw.user));
    }
    return fail(`unknown keyword "${keyword}"`, token.pos);
  }

  /** Consumes the closing `)` or `}` of `open`; at the end of the text, the opening one is what needs fixing. */
  private close(closing: string, open: Token, unclosed: string): void {
    const token = this.next();
    if (token.kind === 'punct' && token.text === closing) return;
    fail(token.kind === 'end' ? unclosed : unexpected(token), token.kind === 'end' ? open.pos : token.pos);
  }

  /** `annotation.KEY` alone (set on some entity), or compared with a number, a quoted string, true or false. */
  private parseAnnotation(token: Token): Predicate {
    const key = token.text.slice('annotation.'.length);
    if (key === '') fail('expected a key after "annotation."', token.pos + token.text.length);
    const test =
      this.peek().kind === 'op'
        ? this.parseComparison(token.text, ['number', 'string', 'boolean'])
        : (v: unknown) => v !== undefined;
    return (scope) => scope.trace.entities.some((e) => test(annotation(e, key)));
  }

  /** `service("name")`, `service()`, either optionally followed by `{ expression }` tried on each node. */
  private parseService(): Predicate {
    const open = this.next();
    if (!(open.kind === 'punct' && open.text === '(')) fail('expected "(" after service', open.pos);
    let name: string | undefined;
    const quoted = this.peek();
    if (quoted.kind === 'string') {
      name = quoted.value;
      this.next();
    }
    const closing = this.next();
    if (!(closing.kind === 'punct' && closing.text === ')')) {
      const expected = name === undefined ? 'a quoted service name or ")"' : '")" after the service name';
      fail(`expected ${expected}`, closing.pos);
    }
    let inner: Predicate | undefined;
    const brace = this.peek();
    if (brace.kind === 'punct' && brace.text === '{') {
      this.next();
      inner = this.parseOr();
      this.close('}', brace, 'unclosed "{"');
    }
    return (scope) =>
      serviceNodes(scope.trace, name).some(
        (node) => inner === undefined || inner({ trace: scope.trace, subject: node, inService: true }),
      );
  }

  /**
   * `op value` after a keyword whose values are of `kinds`. Returns the test of one field's value: false for a
   * missing value or one of another type (a string operator against a number annotation, say).
   */
  private parseComparison(keyword: string, kinds: readonly ValueKind[]): (value: unknown) => boolean {
    const opToken = this.next();
    if (opToken.kind !== 'op') return fail(`expected an operator after "${keyword}"`, opToken.pos);
    const op = opToken.op;
    const usable = kinds.filter((k) => OPS_OF[k].includes(op));
    if (usable.length === 0) {
      if (kinds.includes('boolean')) fail(`${keyword} compares with = or != and true or false`, opToken.pos);
      if (kinds.includes('number')) fail(`${keyword} compares with a number`, opToken.pos);
      fail(`${keyword} compares with =, !=, CONTAINS, BEGINSWITH or ENDSWITH`, opToken.pos);
    }

    const token = this.peek();
    const lower = token.text.toLowerCase();
    const kind: ValueKind | undefined =
      token.kind === 'number' ? 'number'
      : token.kind === 'string' ? 'string'
      : token.kind === 'word' && (lower === 'true' || lower === 'false') ? 'boolean'
      : undefined;
    if (kind === undefined) fail(`expected ${describeKinds(usable)} after ${showOp(op)}`, token.pos);
    if (!kinds.includes(kind)) fail(`${keyword} compares with ${describeKinds(kinds)}`, token.pos);
    if (!usable.includes(kind)) fail(`${showOp(op)} compares with ${describeKinds(usable)}`, token.pos);
    this.next();

    if (token.kind === 'number') {
      const expected = token.value;
      return (v) => typeof v === 'number' && compare(op, v, expected);
    }
    if (token.kind === 'string') {
      const expected = token.value;
      return (v) => typeof v === 'string' && compare(op, v, expected);
    }
    const expected = lower === 'true';
    return (v) => typeof v === 'boolean' && (op === '=') === (v === expected);
  }
}

/**
 * Parses an X-Ray filter expression. Empty text matches every trace. Never throws: bad text (or text over 4,000
 * characters) gives a FilterError instead.
 */
export function parseFilter(text: string): TraceFilter | FilterError {
  if (typeof text !== 'string') return { error: 'the filter expression must be a string', position: 0 };
  if (text.length > MAX_LENGTH) {
    return { error: `expression longer than ${MAX_LENGTH} characters`, position: MAX_LENGTH };
  }
  if (text.trim() === '') return () => true;
  try {
    const parser = new Parser(text);
    const predicate = parser.parseOr();
    const rest = parser.peek();
    if (rest.kind !== 'end') fail(unexpected(rest), rest.pos);
    return (trace) => predicate({ trace, subject: trace.root, inService: false });
  } catch (e) {
    if (e instanceof SyntaxProblem) return { error: e.message, position: e.position };
    throw e;
  }
}
