import * as assert from 'node:assert/strict';
import { AwsLambdaInstrumentation } from '@opentelemetry/instrumentation-aws-lambda';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { endOnCallback } from '../../src/lambda/callback-handlers';

/**
 * The fix over OTel's Lambda instrumentation for handlers that declare a callback: the handler's span ends when
 * the callback is called, not when the handler function returns; handlers that declare none are left as upstream.
 * The handlers are wrapped as the instrumentation's hook wraps a module's export, and called as the Node 20
 * runtime calls them: always with a callback.
 */
describe('Lambda callback handlers: the handler span ends with the invocation', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const context = { awsRequestId: 'r-1', functionName: 'fn', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn' };
  let savedEnv: string | undefined;

  before(() => {
    savedEnv = process.env.AWS_EXECUTION_ENV;
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs20.x'; // callbacks are supported before Node 24
  });
  after(() => {
    if (savedEnv === undefined) delete process.env.AWS_EXECUTION_ENV;
    else process.env.AWS_EXECUTION_ENV = savedEnv;
  });
  beforeEach(() => exporter.reset());

  function wrap(handler: (...args: never[]) => unknown, fixed: boolean): (...args: unknown[]) => unknown {
    const instrumentation = new AwsLambdaInstrumentation();
    instrumentation.setTracerProvider(provider);
    if (fixed) endOnCallback(instrumentation);
    const getHandler = (instrumentation as unknown as { _getHandler: (start: number) => (h: unknown) => (...args: unknown[]) => unknown })._getHandler;
    return getHandler.call(instrumentation, Date.now())(handler);
  }

  /** Calls the handler as the runtime does and resolves with the callback's result and when it came. */
  function invoke(handler: (...args: unknown[]) => unknown): Promise<{ result: unknown; at: number }> {
    return new Promise((resolve) => {
      const returned = handler({}, context, (_err: unknown, result: unknown) => resolve({ result, at: Date.now() }));
      if (returned !== undefined && typeof (returned as Promise<unknown>).then !== 'function') resolve({ result: returned, at: Date.now() });
    });
  }

  const lateCallback = (_event: unknown, _context: unknown, callback: (err: null, result: unknown) => void): void => {
    setTimeout(() => callback(null, 'late'), 30);
  };

  it('upstream alone ends the span when a callback handler returns, before its callback (what is fixed)', async () => {
    const returnedAt = Date.now();
    await invoke(wrap(lateCallback as never, false));
    const span = exporter.getFinishedSpans()[0];
    assert.ok(span !== undefined);
    assert.ok(span.endTime[0] * 1000 + span.endTime[1] / 1e6 < returnedAt + 25, 'the span ended at the callback: upstream fixed, drop endOnCallback');
  });

  it('a handler that declares a callback: its span ends when the callback is called, once', async () => {
    const { result, at } = await invoke(wrap(lateCallback as never, true));
    assert.equal(result, 'late');
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 1);
    const endMillis = (spans[0] as { endTime: [number, number] }).endTime[0] * 1000 + (spans[0] as { endTime: [number, number] }).endTime[1] / 1e6;
    assert.ok(endMillis >= at - 5, 'the span ended before the callback');
  });

  it('a callback called before the handler returns: one span, ended once', async () => {
    const handler = wrap(((_e: unknown, _c: unknown, callback: (err: null, r: string) => void) => callback(null, 'now')) as never, true);
    assert.equal((await invoke(handler)).result, 'now');
    assert.equal(exporter.getFinishedSpans().length, 1);
  });

  it('a handler that declares no callback and returns a value: its span ends when it returns, as upstream', async () => {
    const handler = wrap(((_e: unknown, _c: unknown) => 'value') as never, true);
    const returned = handler({}, context, () => undefined);
    assert.equal(returned, 'value');
    assert.equal(exporter.getFinishedSpans().length, 1);
  });

  it('an async handler that declares a callback: its span ends when its promise settles', async () => {
    const handler = wrap((async (_e: unknown, _c: unknown, _cb: unknown) => 'async') as never, true);
    assert.equal(await handler({}, context, () => undefined), 'async');
    assert.equal(exporter.getFinishedSpans().length, 1);
  });

  it('a wrapped callback handler keeps its three parameters (the runtime counts them)', () => {
    assert.equal(wrap(lateCallback as never, true).length, 3);
  });
});
