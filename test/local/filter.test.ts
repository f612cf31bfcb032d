import * as assert from 'node:assert/strict';
import { parseFilter } from '../../src/local/filter';
import type { FilterError, TraceFilter } from '../../src/local/filter';
import type { AssembledTrace, RawEntity, TraceEntity } from '../../src/local/model';

/**
 * X-Ray filter expressions over hand-built traces. Each expression is checked by the exact set of traces it selects,
 * so a wrong precedence, a keyword reading the wrong entity or a lost negation all change the answer.
 */

/** An AssembledTrace from its documents as sent (parents before children), flattened the way the trace store does. */
function makeTrace(id: string, documents: RawEntity[]): AssembledTrace {
  const entities: TraceEntity[] = [];
  const depthOf = new Map<string, number>();
  const walk = (raw: RawEntity, parentId: string | undefined, service: string, depth: number, segment: boolean) => {
    depthOf.set(raw.id, depth);
    entities.push({
      id: raw.id,
      parent_id: parentId,
      name: raw.name,
      namespace: raw.namespace,
      start_time: raw.start_time,
      end_time: raw.in_progress === true ? undefined : raw.end_time,
      kind: segment ? 'segment' : 'subsegment',
      service,
      depth,
      raw,
    });
    for (const child of raw.subsegments ?? []) walk(child, raw.id, service, depth + 1, false);
  };
  for (const doc of documents) {
    const segment = doc.type !== 'subsegment';
    const parentDepth = doc.parent_id === undefined ? undefined : depthOf.get(doc.parent_id);
    walk(doc, doc.parent_id, segment ? doc.name : 'unknown', parentDepth === undefined ? 0 : parentDepth + 1, segment);
  }
  const segments = entities.filter((e) => e.kind === 'segment');
  const ends = entities.flatMap((e) => (e.end_time === undefined ? [] : [e.end_time]));
  const start = Math.min(...entities.map((e) => e.start_time));
  return {
    id,
    documents,
    entities,
    segments,
    root: segments.find((s) => s.parent_id === undefined || !depthOf.has(s.parent_id)),
    start_time: start,
    end_time: ends.length === 0 ? start : Math.max(...ends),
    updated_at: 0,
  };
}

/** 200 GET /orders, 0.2 s; annotations on the segment, user "alice" on a subsegment. */
const GET = makeTrace('get', [
  {
    name: 'orders',
    id: 'a1',
    start_time: 100,
    end_time: 100.2,
    http: {
      request: {
        method: 'GET',
        url: 'https://api.example.com/orders?page=2',
        user_agent: 'curl/8.4.0',
        client_ip: '10.0.0.7',
      },
      response: { status: 200 },
    },
    annotations: { total: 42, region: 'eu-west-1', cached: true, note: 'say "hi" C:\\tmp' },
    subsegments: [
      { name: 'db', id: 'a2', start_time: 100.05, end_time: 100.15, user: 'alice', annotations: { user: 'alice' } },
    ],
  },
]);

/** POST 500 fault, 1.5 s, calling a faulting `remote` payments node; ledger is a local subsegment, not a node. */
const FAULT = makeTrace('fault', [
  {
    name: 'checkout',
    id: 'b1',
    start_time: 200,
    end_time: 201.5,
    fault: true,
    http: { request: { method: 'POST', url: 'https://api.example.com/checkout' }, response: { status: 500 } },
    annotations: { total: 7 },
    subsegments: [
      { name: 'payments', id: 'b2', namespace: 'remote', start_time: 200.1, end_time: 201.4, fault: true },
      { name: 'ledger', id: 'b3', start_time: 200.1, end_time: 200.2 },
    ],
  },
]);

/** 429: error and throttle. */
const THROTTLED = makeTrace('throttled', [
  {
    name: 'orders',
    id: 'c1',
    start_time: 300,
    end_time: 300.1,
    error: true,
    throttle: true,
    http: { request: { method: 'GET', url: 'https://api.example.com/orders' }, response: { status: 429 } },
  },
]);

/** frontend (fine, 1 s) → orders (fault): two segments, and frontend's remote subsegment also named orders. */
const TWO = makeTrace('two', [
  {
    name: 'frontend',
    id: 'd1',
    start_time: 400,
    end_time: 401,
    http: { request: { method: 'GET', url: 'https://shop.example.com/cart' }, response: { status: 200 } },
    annotations: { total: 'many' },
    subsegments: [{ name: 'orders', id: 'd2', namespace: 'remote', start_time: 400.05, end_time: 400.95 }],
  },
  {
    name: 'orders',
    id: 'd3',
    parent_id: 'd2',
    start_time: 400.1,
    end_time: 400.9,
    fault: true,
    http: { request: { method: 'GET', url: 'http://orders.internal/orders/17' }, response: { status: 500 } },
  },
]);

/** A request still running: no end time, no response. */
const PROGRESS = makeTrace('progress', [
  {
    name: 'orders',
    id: 'e1',
    start_time: 500,
    in_progress: true,
    http: { request: { method: 'GET', url: 'https://api.example.com/orders/slow' } },
  },
]);

/** Only a subsegment arrived: no root segment. */
const ORPHAN = makeTrace('orphan', [
  {
    name: 'db',
    id: 'f2',
    type: 'subsegment',
    trace_id: '1-5759e988-bd862e3fe1be46a994272793',
    parent_id: 'f1',
    start_time: 600,
    end_time: 600.3,
    annotations: { total: 42 },
  },
]);

const TRACES = [GET, FAULT, THROTTLED, TWO, PROGRESS, ORPHAN];
const ALL = TRACES.map((t) => t.id);

function compile(expression: string): TraceFilter {
  const filter = parseFilter(expression);
  if (typeof filter !== 'function') assert.fail(`${JSON.stringify(expression)}: ${filter.error} at ${filter.position}`);
  return filter;
}

function matching(expression: string): string[] {
  const filter = compile(expression);
  return TRACES.filter((t) => filter(t)).map((t) => t.id);
}

/** A test title for an expression, shortened when it is a long generated one. */
function shown(expression: string): string {
  return expression.length > 60 ? `${expression.slice(0, 57)}...` : expression;
}

function expectMatches(cases: ReadonlyArray<readonly [string, readonly string[]]>): void {
  for (const [expression, expected] of cases) {
    it(`${shown(expression)} → [${expected.join(', ')}]`, () => {
      assert.deepEqual(matching(expression), expected);
    });
  }
}

describe('parseFilter: the test traces', () => {
  it('are built as the filter reads them', () => {
    assert.equal(TWO.root?.name, 'frontend');
    assert.equal(TWO.entities.find((e) => e.id === 'd3')?.depth, 2);
    assert.equal(PROGRESS.root?.end_time, undefined);
    assert.equal(ORPHAN.root, undefined);
  });
});

describe('parseFilter: empty expressions', () => {
  expectMatches([
    ['', ALL],
    ['   \n\t', ALL],
  ]);
});

describe('parseFilter: boolean keywords, on the root segment', () => {
  expectMatches([
    ['fault', ['fault']],
    ['error', ['throttled']],
    ['throttle', ['throttled']],
    ['ok', ['get', 'two', 'progress']],
    ['!fault', ['get', 'throttled', 'two', 'progress', 'orphan']],
    ['!ok', ['fault', 'throttled', 'orphan']],
    ['fault = true', ['fault']],
    ['fault = false', ['get', 'throttled', 'two', 'progress']],
    ['fault != true', ['get', 'throttled', 'two', 'progress']],
    ['error != false', ['throttled']],
    ['ok = false', ['fault', 'throttled']],
    ['throttle = TRUE', ['throttled']],
  ]);
});

describe('parseFilter: number keywords', () => {
  expectMatches([
    ['http.status = 500', ['fault']],
    ['http.status >= 400', ['fault', 'throttled']],
    ['http.status != 200', ['fault', 'throttled']],
    ['http.status = 5e2', ['fault']],
    ['http.status < 300', ['get', 'two']],
    ['responsetime > 0.5', ['fault', 'two']],
    ['responsetime>0.5', ['fault', 'two']],
    ['responsetime < 0.25', ['get', 'throttled']],
    ['responsetime >= 0', ['get', 'fault', 'throttled', 'two']],
    ['duration >= 1', ['fault', 'two']],
    ['duration <= 1', ['get', 'throttled', 'two', 'progress', 'orphan']],
    ['duration > 0.25', ['fault', 'two', 'orphan']],
  ]);
});

describe('parseFilter: string keywords', () => {
  expectMatches([
    ['http.url CONTAINS "orders"', ['get', 'throttled', 'progress']],
    ['http.url BEGINSWITH "https://shop."', ['two']],
    ['http.url ENDSWITH "/checkout"', ['fault']],
    ['http.url = "https://api.example.com/orders"', ['throttled']],
    ['http.method = "POST"', ['fault']],
    ['http.method != "GET"', ['fault']],
    ['http.method = "get"', []],
    ['http.useragent = "curl/8.4.0"', ['get']],
    ['http.clientip BEGINSWITH "10."', ['get']],
    ['name = "orders"', ['get', 'throttled', 'progress']],
    ['name = "Orders"', []],
    ['user = "alice"', ['get']],
    ['user != "alice"', []],
    ['user CONTAINS "lic"', ['get']],
  ]);
});

describe('parseFilter: annotations, on any entity', () => {
  expectMatches([
    ['annotation.user = "alice"', ['get']],
    ['annotation.total > 40', ['get', 'orphan']],
    ['annotation.total > -1', ['get', 'fault', 'orphan']],
    ['annotation.total < 10', ['fault']],
    ['annotation.total = "many"', ['two']],
    ['annotation.total CONTAINS "an"', ['two']],
    ['annotation.total', ['get', 'fault', 'two', 'orphan']],
    ['!annotation.total', ['throttled', 'progress']],
    ['annotation.cached', ['get']],
    ['annotation.cached = true', ['get']],
    ['annotation.cached != false', ['get']],
    ['annotation.cached = "true"', []],
    ['annotation.region BEGINSWITH "eu-"', ['get']],
    [String.raw`annotation.note = "say \"hi\" C:\\tmp"`, ['get']],
    ['annotation.missing', []],
    ['annotation.toString', []],
    ['annotation.constructor = "x"', []],
  ]);
});

describe('parseFilter: service()', () => {
  expectMatches([
    ['service("orders")', ['get', 'throttled', 'two', 'progress']],
    ['service("payments")', ['fault']],
    ['service("ledger")', []],
    ['service("db")', []],
    ['service("Orders")', []],
    ['service()', ['get', 'fault', 'throttled', 'two', 'progress']],
    ['!service("orders")', ['fault', 'orphan']],
    ['service("orders") { fault }', ['two']],
    ['service("orders") { ok }', ['get', 'two', 'progress']],
    ['service("payments") { fault }', ['fault']],
    ['service("frontend") { fault }', []],
    ['service("orders") { http.url CONTAINS "internal" }', ['two']],
    ['service("orders") { duration < 0.85 }', ['get', 'throttled', 'two']],
    ['service() { http.status = 500 }', ['fault', 'two']],
    ['!service("orders") { fault }', ['get', 'fault', 'throttled', 'progress', 'orphan']],
  ]);
});

describe('parseFilter: AND, OR, juxtaposition, parentheses and !', () => {
  expectMatches([
    ['ok OR fault AND http.method = "GET"', ['get', 'two', 'progress']],
    ['ok OR fault AND http.method = "POST"', ['get', 'fault', 'two', 'progress']],
    ['fault OR ok AND http.method = "GET"', ['get', 'fault', 'two', 'progress']],
    ['(fault OR ok) AND http.method = "GET"', ['get', 'two', 'progress']],
    ['ok !fault duration < 0.5', ['get', 'progress']],
    ['http.method = "GET" error', ['throttled']],
    ['error OR ok duration >= 1', ['throttled', 'two']],
    ['!(fault OR error)', ['get', 'two', 'progress', 'orphan']],
    ['!!fault', ['fault']],
    ['fault or error', ['fault', 'throttled']],
    ['ok And http.status = 200', ['get', 'two']],
    ['http.url contains "orders" AND http.url Contains "slow"', ['progress']],
    ['ok AND '.repeat(500) + 'ok', ['get', 'two', 'progress']],
  ]);
});

describe('parseFilter: errors', () => {
  const cases: ReadonlyArray<readonly [string, string, number]> = [
    ['foo', 'unknown keyword "foo"', 0],
    ['FAULT', 'unknown keyword "FAULT"', 0],
    ['fault AND bar = 1', 'unknown keyword "bar"', 10],
    ['(fault OR ok', 'unclosed parenthesis', 0],
    ['fault)', 'unexpected ")"', 5],
    ['ok }', 'unexpected "}"', 3],
    ['fault 500', 'unexpected number 500', 6],
    ['fault AND', 'unexpected end of expression', 9],
    ['http.status', 'expected an operator after "http.status"', 11],
    ['http.status "500"', 'expected an operator after "http.status"', 12],
    ['http.status = "500"', 'http.status compares with a number', 14],
    ['http.status CONTAINS "5"', 'http.status compares with a number', 12],
    ['http.url CONTAINS orders', 'expected a quoted string after CONTAINS', 18],
    ['name contains', 'expected a quoted string after CONTAINS', 13],
    ['http.url < "a"', 'http.url compares with =, !=, CONTAINS, BEGINSWITH or ENDSWITH', 9],
    ['http.method = "GET', 'unterminated string', 14],
    [String.raw`http.url = "a\n"`, String.raw`unknown escape "\n" (only \" and \\)`, 13],
    ['fault < 1', 'fault compares with = or != and true or false', 6],
    ['fault = maybe', 'expected true or false after "="', 8],
    ['fault = "yes"', 'fault compares with true or false', 8],
    ['annotation.total = ', 'expected a number, a quoted string or true or false after "="', 19],
    ['annotation.total CONTAINS 4', 'CONTAINS compares with a quoted string', 26],
    ['annotation.total < "4"', '"<" compares with a number', 19],
    ['annotation.', 'expected a key after "annotation."', 11],
    ['service(orders)', 'expected a quoted service name or ")"', 8],
    ['service "orders"', 'expected "(" after service', 8],
    ['service("orders" fault)', 'expected ")" after the service name', 17],
    ['service("orders") { fault', 'unclosed "{"', 18],
    ['service("orders") {}', 'unexpected "}"', 19],
    ['ok # x', 'unexpected character "#"', 3],
    ['duration > 5abc', 'invalid number', 11],
    ['x'.repeat(4001), 'expression longer than 4000 characters', 4000],
    ['('.repeat(100) + 'fault' + ')'.repeat(100), 'expression nested too deeply', 64],
    ['!'.repeat(3000) + 'fault', 'expression nested too deeply', 64],
  ];
  for (const [expression, error, position] of cases) {
    it(`${shown(expression)} → ${error} at ${position}`, () => {
      assert.deepEqual(parseFilter(expression), { error, position });
    });
  }

  it('reports the leftmost problem, not a bad character further on', () => {
    assert.deepEqual(parseFilter('foo AND "unterminated'), { error: 'unknown keyword "foo"', position: 0 });
  });

  it('accepts an expression of exactly 4000 characters', () => {
    assert.equal(typeof parseFilter('fault' + ' '.repeat(3995)), 'function');
  });

  it('answers a non-string (from an untyped caller) with an error, not an exception', () => {
    assert.deepEqual(parseFilter(undefined as unknown as string), {
      error: 'the filter expression must be a string',
      position: 0,
    });
  });
});

describe('parseFilter: arbitrary input', () => {
  /** A small seeded generator (mulberry32), so a failure reproduces. */
  function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const PIECES = [
    'ok', 'fault', 'error', 'throttle', 'AND', 'or', '!', '(', ')', '{', '}', '=', '!=', '<', '>=', 'CONTAINS',
    'endswith', '"orders"', '"a\\"b"', '"open', '\\', '500', '-1', '0.5', '1e3', '5x', 'true', 'false',
    'http.status', 'http.url', 'duration', 'responsetime', 'user', 'annotation.total', 'annotation.', 'service',
    'service("orders")', 'service()', '#', '|', '-', '.', '\u0000', '\uffff', '\ud800', '€', '\n', 'foo',
  ];

  it('never throws on 2,000 random expressions, and locates every error inside the text', () => {
    const next = random(20240611);
    let parsed = 0;
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const count = 1 + Math.floor(next() * 6);
      let text = '';
      for (let j = 0; j < count; j++) {
        text += PIECES[Math.floor(next() * PIECES.length)]! + (next() < 0.6 ? ' ' : '');
      }
      let result: TraceFilter | FilterError;
      try {
        result = parseFilter(text);
      } catch (e) {
        assert.fail(`parseFilter threw on ${JSON.stringify(text)}: ${String(e)}`);
      }
      if (typeof result === 'function') {
        parsed++;
        for (const trace of TRACES) assert.equal(typeof result(trace), 'boolean', JSON.stringify(text));
      } else {
        rejected++;
        assert.ok(result.error.length > 0, JSON.stringify(text));
        assert.ok(Number.isInteger(result.position), JSON.stringify(text));
        const where = `${JSON.stringify(text)} at ${result.position}`;
        assert.ok(result.position >= 0 && result.position <= text.length, where);
      }
    }
    // Both paths must have been exercised for the loop to prove anything.
    assert.ok(parsed >= 20, `only ${parsed} parsed`);
    assert.ok(rejected >= 1000, `only ${rejected} rejected`);
  });
});
