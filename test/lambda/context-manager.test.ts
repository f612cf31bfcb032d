import * as assert from 'node:assert/strict';
import { createContextKey, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { LambdaContextManager } from '../../src/lambda/context-manager';
import { LambdaParentSource } from '../../src/lambda/trace-header';

const HEADER_1 = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const PARENT_1 = { traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', traceFlags: TraceFlags.SAMPLED, isRemote: true };
const HEADER_2 = 'Root=1-6a0b1c2d-0123456789abcdef01234567;Parent=aaaaaaaaaaaaaaaa;Sampled=0';
const PARENT_2 = { traceId: '6a0b1c2d0123456789abcdef01234567', spanId: 'aaaaaaaaaaaaaaaa', traceFlags: TraceFlags.NONE, isRemote: true };

describe('LambdaContextManager (around a real AsyncLocalStorageContextManager)', () => {
  let env: Record<string, string | undefined>;
  let manager: LambdaContextManager;

  beforeEach(() => {
    env = {};
    manager = new LambdaContextManager(new AsyncLocalStorageContextManager(), new LambdaParentSource(env)).enable();
  });
  afterEach(() => {
    manager.disable();
  });

  it('outside any span and with no header: the root context, no span', () => {
    const active = manager.active();
    assert.equal(trace.getSpan(active), undefined);
    assert.equal(trace.getSpanContext(active), undefined);
    assert.equal(active, ROOT_CONTEXT);
  });

  it('outside any span while a header is present: Lambda\'s parent is the active span context', () => {
    env._X_AMZN_TRACE_ID = HEADER_1;
    assert.deepEqual(trace.getSpanContext(manager.active()), PARENT_1);
    delete env._X_AMZN_TRACE_ID;
    assert.equal(trace.getSpanContext(manager.active()), undefined, 'nothing once the header is gone');
  });

  it('returns the same context for one header, a new one (with the new parent) when the header changes', () => {
    env._X_AMZN_TRACE_ID = HEADER_1;
    const first = manager.active();
    assert.equal(manager.active(), first);
    assert.equal(manager.active(), first);
    env._X_AMZN_TRACE_ID = HEADER_2;
    const second = manager.active();
    assert.notEqual(second, first);
    assert.deepEqual(trace.getSpanContext(second), PARENT_2);
    assert.equal(manager.active(), second);
    assert.deepEqual(trace.getSpanContext(first), PARENT_1, 'the earlier context is left as it was');
  });

  it('inside with(a context holding a real span), the real span wins over the header', () => {
    env._X_AMZN_TRACE_ID = HEADER_1;
    const tracer = new BasicTracerProvider().getTracer('test');
    const span = tracer.startSpan('handler');
    const withSpan = trace.setSpan(ROOT_CONTEXT, span);
    manager.with(withSpan, () => {
      const active = manager.active();
      assert.equal(active, withSpan);
      assert.equal(trace.getSpan(active), span);
      assert.notEqual(trace.getSpanContext(active)?.spanId, PARENT_1.spanId);
    });
    span.end();
    assert.deepEqual(trace.getSpanContext(manager.active()), PARENT_1, 'outside with() again: the parent');
  });

  it('the active context flows through with() into async work', async () => {
    env._X_AMZN_TRACE_ID = HEADER_1;
    const span = new BasicTracerProvider().getTracer('test').startSpan('handler');
    const withSpan = trace.setSpan(ROOT_CONTEXT, span);
    const seen = await manager.with(withSpan, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return trace.getSpan(manager.active());
    });
    assert.equal(seen, span);
    span.end();
  });

  it('a non-root context without a span keeps its values and gets the parent added', () => {
    const key = createContextKey('otel-xray.test.key');
    const carrying = ROOT_CONTEXT.setValue(key, 'kept');
    env._X_AMZN_TRACE_ID = HEADER_1;
    manager.with(carrying, () => {
      const active = manager.active();
      assert.equal(active.getValue(key), 'kept');
      assert.deepEqual(trace.getSpanContext(active), PARENT_1);
      assert.equal(trace.getSpanContext(carrying), undefined, 'the given context itself is not changed');
    });
    delete env._X_AMZN_TRACE_ID;
    manager.with(carrying, () => {
      const active = manager.active();
      assert.equal(active, carrying, 'with no header the context is returned as it is');
      assert.equal(trace.getSpanContext(active), undefined);
    });
  });

  it('bind() runs the target under the given context', () => {
    const key = createContextKey('otel-xray.test.bound');
    const bound = manager.bind(ROOT_CONTEXT.setValue(key, 42), () => manager.active().getValue(key));
    assert.equal(bound(), 42);
  });

  it('asks the parent source, so the first question with a header counts as the first invocation', () => {
    const told: unknown[] = [];
    const localEnv: Record<string, string | undefined> = {};
    const parents = new LambdaParentSource(localEnv, (parent) => told.push(parent));
    const local = new LambdaContextManager(new AsyncLocalStorageContextManager(), parents).enable();
    try {
      local.active();
      assert.equal(parents.invoked, false);
      localEnv._X_AMZN_TRACE_ID = HEADER_1;
      local.active();
      assert.equal(parents.invoked, true);
      assert.equal(told.length, 1);
    } finally {
      local.disable();
    }
  });
});
