import * as assert from 'node:assert/strict';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { XRayPropagator } from '../../src/propagation/xray-propagator';
import { ruleHash } from '../../src/sampling/rule-hash';

/**
 * Adaptive sampling's rule key (`xrsr`) in the X-Ray trace header: written when the trace carries it, read back
 * from the header, or from W3C tracestate / baggage as the AWS distros send it; anything else is ignored.
 */
describe('XRayPropagator: the root\'s sampling rule travels with the trace', () => {
  const propagator = new XRayPropagator();
  const HASH = ruleHash('shop-api');
  const ROOT = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0';

  it('hashes a rule name as the AWS distros do: the first 8 bytes of SHA-256, hex', () => {
    assert.equal(ruleHash('abc'), 'ba7816bf8f01cfea'); // SHA-256("abc"), FIPS 180-2's known answer
    assert.match(HASH, /^[0-9a-f]{16}$/);
    assert.notEqual(ruleHash('Default'), HASH);
  });

  it('writes xrsr after the decision when the span context carries it, and nothing otherwise', () => {
    const spanContext = { traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', traceFlags: TraceFlags.NONE };
    const withRule: Record<string, string> = {};
    propagator.inject(trace.setSpanContext(ROOT_CONTEXT, { ...spanContext, traceState: new TraceState().set('xrsr', HASH) }), withRule, defaultTextMapSetter);
    assert.equal(withRule['x-amzn-trace-id'], `${ROOT};xrsr=${HASH}`);
    const without: Record<string, string> = {};
    propagator.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), without, defaultTextMapSetter);
    assert.equal(without['x-amzn-trace-id'], ROOT);
  });

  const carriers: Array<[string, Record<string, string>]> = [
    ['the X-Ray header', { 'x-amzn-trace-id': `${ROOT};xrsr=${HASH}` }],
    ['W3C tracestate', { 'x-amzn-trace-id': ROOT, tracestate: `other=1,xrsr=${HASH}` }],
    ['W3C baggage', { 'x-amzn-trace-id': ROOT, baggage: `user=alice,xrsr=${HASH};meta=1` }],
  ];
  for (const [where, carrier] of carriers) {
    it(`reads it from ${where}, onto the extracted span context`, () => {
      const extracted = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
      assert.equal(extracted?.traceState?.get('xrsr'), HASH);
      assert.equal(extracted?.traceFlags, TraceFlags.NONE);
    });
  }

  it('ignores a value that is not a rule hash', () => {
    for (const value of ['shop-api', 'ABCDEF0123456789', '12345', `${HASH}00`]) {
      const extracted = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': `${ROOT};xrsr=${value}` }, defaultTextMapGetter));
      assert.equal(extracted?.traceState, undefined, value);
    }
  });
});
