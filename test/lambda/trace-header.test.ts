import * as assert from 'node:assert/strict';
import { TraceFlags } from '@opentelemetry/api';
import { lambdaTraceHeader, LambdaParentSource, parseLambdaHeader } from '../../src/lambda/trace-header';
import type { LambdaParent } from '../../src/lambda/trace-header';

const ROOT = '1-5759E988-BD862E3FE1BE46A994272793';
const TRACE_ID = '5759e988bd862e3fe1be46a994272793';
const PARENT = '53995C3F42CD8AD8';
const PARENT_ID = '53995c3f42cd8ad8';
const HEX16 = /^[0-9a-f]{16}$/;

const OTHER_ROOT = '1-6a0b1c2d-0123456789abcdef01234567';
const OTHER_TRACE_ID = '6a0b1c2d0123456789abcdef01234567';

type GlobalWithLambda = { awslambda?: unknown };

/** Sets globalThis.awslambda for one test, restoring what was there. */
function withAwsLambda<T>(value: unknown, body: () => T): T {
  const g = globalThis as GlobalWithLambda;
  const had = Object.prototype.hasOwnProperty.call(g, 'awslambda');
  const before = g.awslambda;
  g.awslambda = value;
  try {
    return body();
  } finally {
    if (had) g.awslambda = before;
    else delete g.awslambda;
  }
}

function parsed(header: string): LambdaParent {
  const parent = parseLambdaHeader(header);
  assert.ok(parent !== undefined, `"${header}" should parse`);
  return parent;
}

describe('Lambda trace header: parseLambdaHeader', () => {
  it('Sampled=1 with Root and Parent: a sampled remote span context with those ids, lower-cased', () => {
    const parent = parsed(`Root=${ROOT};Parent=${PARENT};Sampled=1`);
    assert.deepEqual(parent.spanContext, { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    assert.equal(parent.passThrough, false);
  });

  it('Sampled=0 with Root and Parent: not sampled, the Root and Parent kept, not PassThrough', () => {
    const parent = parsed(`Root=${ROOT};Parent=${PARENT};Sampled=0`);
    assert.deepEqual(parent.spanContext, { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: TraceFlags.NONE, isRemote: true });
    assert.equal(parent.passThrough, false);
  });

  it('Sampled=0 with no Parent: not sampled, Root kept, not PassThrough', () => {
    const parent = parsed(`Root=${ROOT};Sampled=0`);
    assert.equal(parent.spanContext.traceId, TRACE_ID);
    assert.equal(parent.spanContext.traceFlags, TraceFlags.NONE);
    assert.match(parent.spanContext.spanId, HEX16);
    assert.equal(parent.passThrough, false);
  });

  it('Root only: PassThrough, not sampled, with a fresh 16-hex span id', () => {
    const first = parsed(`Root=${ROOT}`);
    const second = parsed(`Root=${ROOT}`);
    for (const parent of [first, second]) {
      assert.equal(parent.passThrough, true);
      assert.equal(parent.spanContext.traceId, TRACE_ID);
      assert.equal(parent.spanContext.traceFlags, TraceFlags.NONE);
      assert.equal(parent.spanContext.isRemote, true);
      assert.match(parent.spanContext.spanId, HEX16);
      assert.notEqual(parent.spanContext.spanId, '0000000000000000');
    }
    assert.notEqual(first.spanContext.spanId, second.spanContext.spanId, 'each parse makes a new span id');
  });

  it('Root and Parent without Sampled: PassThrough, not sampled, the Parent kept', () => {
    const parent = parsed(`Root=${ROOT};Parent=${PARENT}`);
    assert.equal(parent.passThrough, true);
    assert.equal(parent.spanContext.traceFlags, TraceFlags.NONE);
    assert.equal(parent.spanContext.spanId, PARENT_ID);
    assert.equal(parent.spanContext.traceId, TRACE_ID);
  });

  it('Sampled=1 without Parent (or with an all-zero or malformed Parent): PassThrough, not sampled', () => {
    for (const header of [`Root=${ROOT};Sampled=1`, `Root=${ROOT};Parent=0000000000000000;Sampled=1`, `Root=${ROOT};Parent=53995c3f42cd8ad;Sampled=1`]) {
      const parent = parsed(header);
      assert.equal(parent.passThrough, true, header);
      assert.equal(parent.spanContext.traceFlags, TraceFlags.NONE, header);
      assert.equal(parent.spanContext.traceId, TRACE_ID, header);
      assert.match(parent.spanContext.spanId, HEX16, header);
      assert.notEqual(parent.spanContext.spanId, '0000000000000000', header);
    }
  });

  it('Sampled with a value other than 0 or 1 is not a decision: PassThrough', () => {
    const parent = parsed(`Root=${ROOT};Parent=${PARENT};Sampled=?`);
    assert.equal(parent.passThrough, true);
    assert.equal(parent.spanContext.traceFlags, TraceFlags.NONE);
  });

  it('a malformed, missing or all-zero Root gives undefined', () => {
    const bad = [
      '',
      'garbage',
      `Parent=${PARENT};Sampled=1`,
      `Root=;Parent=${PARENT};Sampled=1`,
      `Root=2-5759e988-bd862e3fe1be46a994272793;Parent=${PARENT};Sampled=1`,
      `Root=1-5759e98-bd862e3fe1be46a994272793;Parent=${PARENT};Sampled=1`,
      `Root=1-5759e988-bd862e3fe1be46a99427279;Parent=${PARENT};Sampled=1`,
      `Root=1-5759e988-bd862e3fe1be46a99427279z;Parent=${PARENT};Sampled=1`,
      `Root=1-5759e988bd862e3fe1be46a994272793;Parent=${PARENT};Sampled=1`,
      `Root=1-00000000-000000000000000000000000;Parent=${PARENT};Sampled=1`,
    ];
    for (const header of bad) assert.equal(parseLambdaHeader(header), undefined, header);
    assert.equal(parseLambdaHeader(undefined), undefined);
  });

  it('a header longer than 1024 characters gives undefined; one of exactly 1024 is read', () => {
    const base = `Root=${ROOT};Parent=${PARENT};Sampled=1;Lineage=`;
    const exact = base + 'a'.repeat(1024 - base.length);
    assert.equal(exact.length, 1024);
    assert.equal(parsed(exact).spanContext.spanId, PARENT_ID);
    assert.equal(parseLambdaHeader(exact + 'a'), undefined);
    assert.equal(parseLambdaHeader(`Root=${ROOT};Parent=${PARENT};Sampled=1;` + 'x'.repeat(5000)), undefined);
  });

  it('reads keys in any case, in any order, with spaces around keys and values, ignoring other parts', () => {
    const parent = parsed(` sampled = 1 ; junk ; PARENT=${PARENT} ;Lineage=a87bd80c:1|68fd508a:5 ;  rOOt =  ${ROOT} `);
    assert.deepEqual(parent.spanContext, { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    assert.equal(parent.passThrough, false);
  });
});

describe('Lambda trace header: lambdaTraceHeader, where the runtime puts it', () => {
  const storeHeader = `Root=${OTHER_ROOT};Parent=1111111111111111;Sampled=1`;
  const contextHeader = `Root=${ROOT};Parent=2222222222222222;Sampled=1`;
  const envHeader = `Root=${ROOT};Parent=3333333333333333;Sampled=0`;
  const env = { _X_AMZN_TRACE_ID: envHeader };

  it('the InvokeStore on globalThis.awslambda comes first', () => {
    withAwsLambda({ InvokeStore: { getXRayTraceId: () => storeHeader } }, () => {
      assert.equal(lambdaTraceHeader(env, { xRayTraceId: contextHeader }), storeHeader);
      assert.equal(lambdaTraceHeader({}), storeHeader);
    });
  });

  it('with no InvokeStore, the handler context\'s xRayTraceId beats _X_AMZN_TRACE_ID', () => {
    withAwsLambda(undefined, () => {
      assert.equal(lambdaTraceHeader(env, { xRayTraceId: contextHeader }), contextHeader);
      assert.equal(lambdaTraceHeader(env), envHeader);
      assert.equal(lambdaTraceHeader(env, null), envHeader);
      assert.equal(lambdaTraceHeader(env, 'not an object'), envHeader);
      assert.equal(lambdaTraceHeader(env, { xRayTraceId: 42 }), envHeader);
      assert.equal(lambdaTraceHeader({}), undefined);
    });
  });

  it('a throwing InvokeStore (or one without getXRayTraceId, or answering a non-string) falls back', () => {
    const stores = [
      { InvokeStore: { getXRayTraceId: () => { throw new Error('not ready'); } } },
      { InvokeStore: {} },
      { InvokeStore: { getXRayTraceId: () => undefined } },
      { InvokeStore: { getXRayTraceId: () => 7 } },
      {},
    ];
    for (const awslambda of stores) {
      withAwsLambda(awslambda, () => {
        assert.equal(lambdaTraceHeader(env, { xRayTraceId: contextHeader }), contextHeader);
        assert.equal(lambdaTraceHeader(env), envHeader);
      });
    }
  });

  it('a getter on globalThis.awslambda that throws falls back too', () => {
    const g = globalThis as GlobalWithLambda;
    const had = Object.prototype.hasOwnProperty.call(g, 'awslambda');
    const before = g.awslambda;
    Object.defineProperty(g, 'awslambda', { configurable: true, get: () => { throw new Error('boom'); } });
    try {
      assert.equal(lambdaTraceHeader(env), envHeader);
    } finally {
      delete g.awslambda;
      if (had) g.awslambda = before;
    }
  });

  it('empty strings are skipped at every level', () => {
    withAwsLambda({ InvokeStore: { getXRayTraceId: () => '' } }, () => {
      assert.equal(lambdaTraceHeader(env, { xRayTraceId: '' }), envHeader);
      assert.equal(lambdaTraceHeader({ _X_AMZN_TRACE_ID: '' }, { xRayTraceId: '' }), undefined);
      assert.equal(lambdaTraceHeader({ _X_AMZN_TRACE_ID: '' }, { xRayTraceId: contextHeader }), contextHeader);
    });
  });
});

describe('Lambda trace header: LambdaParentSource', () => {
  const header1 = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
  const header2 = `Root=${OTHER_ROOT};Parent=aaaaaaaaaaaaaaaa;Sampled=0`;

  it('parses once per header: the same object while the header stays, a new one when it changes', () => {
    const env: Record<string, string | undefined> = { _X_AMZN_TRACE_ID: header1 };
    const source = new LambdaParentSource(env);
    const first = source.current();
    assert.ok(first !== undefined);
    assert.equal(first.spanContext.spanId, PARENT_ID);
    assert.equal(source.current(), first, 'cached');
    assert.equal(source.current({ xRayTraceId: header1 }), first, 'the same header from the context: still cached');
    env._X_AMZN_TRACE_ID = header2;
    const second = source.current();
    assert.ok(second !== undefined);
    assert.notEqual(second, first);
    assert.equal(second.spanContext.traceId, OTHER_TRACE_ID);
    assert.equal(second.spanContext.traceFlags, TraceFlags.NONE);
    assert.equal(source.current(), second);
  });

  it('keeps the fresh span id of a Root-only header for as long as the header stays', () => {
    const source = new LambdaParentSource({ _X_AMZN_TRACE_ID: `Root=${ROOT}` });
    const first = source.current();
    assert.ok(first !== undefined && first.passThrough);
    assert.equal(source.current()?.spanContext.spanId, first.spanContext.spanId);
  });

  it('a handler context header is used over the env var', () => {
    const source = new LambdaParentSource({ _X_AMZN_TRACE_ID: header1 });
    assert.equal(source.current({ xRayTraceId: header2 })?.spanContext.traceId, OTHER_TRACE_ID);
    assert.equal(source.forInvocation({ xRayTraceId: header2 })?.spanContext.traceId, OTHER_TRACE_ID);
  });

  it('current() with no header: undefined, not invoked, nothing told', () => {
    const told: Array<LambdaParent | undefined> = [];
    const source = new LambdaParentSource({}, (parent) => told.push(parent));
    assert.equal(source.current(), undefined);
    assert.equal(source.current({}), undefined);
    assert.equal(source.invoked, false);
    assert.equal(told.length, 0);
  });

  it('invoked flips at the first current() with a header; onFirstInvocation is told exactly once, of that parent', () => {
    const env: Record<string, string | undefined> = {};
    const told: Array<LambdaParent | undefined> = [];
    const source = new LambdaParentSource(env, (parent) => told.push(parent));
    assert.equal(source.current(), undefined);
    assert.equal(source.invoked, false);
    env._X_AMZN_TRACE_ID = header1;
    const parent = source.current();
    assert.equal(source.invoked, true);
    assert.equal(told.length, 1);
    assert.equal(told[0], parent);
    source.current();
    env._X_AMZN_TRACE_ID = header2;
    source.current();
    source.forInvocation({});
    delete env._X_AMZN_TRACE_ID;
    assert.equal(source.current(), undefined);
    assert.equal(source.invoked, true, 'stays invoked');
    assert.equal(told.length, 1, 'told once only');
  });

  it('invoked flips at the first forInvocation() even without a header, telling undefined', () => {
    const env: Record<string, string | undefined> = {};
    const told: Array<LambdaParent | undefined> = [];
    const source = new LambdaParentSource(env, (parent) => told.push(parent));
    assert.equal(source.forInvocation({}), undefined);
    assert.equal(source.invoked, true);
    assert.deepEqual(told, [undefined]);
    env._X_AMZN_TRACE_ID = header1;
    assert.equal(source.forInvocation({})?.spanContext.spanId, PARENT_ID);
    assert.equal(told.length, 1);
  });

  it('forInvocation() with a header tells that parent, once', () => {
    const told: Array<LambdaParent | undefined> = [];
    const source = new LambdaParentSource({}, (parent) => told.push(parent));
    const parent = source.forInvocation({ xRayTraceId: header1 });
    assert.ok(parent !== undefined);
    assert.equal(told.length, 1);
    assert.equal(told[0], parent);
    source.forInvocation({ xRayTraceId: header2 });
    assert.equal(told.length, 1);
  });

  it('a malformed header counts as an invocation with no parent', () => {
    const told: Array<LambdaParent | undefined> = [];
    const source = new LambdaParentSource({ _X_AMZN_TRACE_ID: 'Root=nonsense' }, (parent) => told.push(parent));
    assert.equal(source.current(), undefined);
    assert.equal(source.invoked, true);
    assert.deepEqual(told, [undefined]);
  });
});
