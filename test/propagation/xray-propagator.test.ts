import * as assert from 'node:assert/strict';
import { defaultTextMapGetter, defaultTextMapSetter, isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AlwaysOnSampler, ParentBasedSampler, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { XRayPropagator } from '../../src/index';
import { CALLER_ROOT_KEY, UPSTREAM_REQUEST_KEY } from '../../src/propagation/xray-propagator';
import { UpstreamAwareSampler } from '../../src/sampling/upstream-aware-sampler';

const propagator = new XRayPropagator();
const extract = (header: string | undefined, key = 'x-amzn-trace-id') =>
  propagator.extract(ROOT_CONTEXT, header === undefined ? {} : { [key]: header }, defaultTextMapGetter);

describe('XRayPropagator', () => {
  it('extracts Root, Parent and Sampled, keys in any case and order, spaces ignored', () => {
    const context = extract('sampled=1; Parent=53995C3F42CD8AD8 ;Root=1-5759e988-bd862e3fe1be46a994272793;Self=1-abc;Lineage=a:1');
    assert.deepEqual(trace.getSpanContext(context), {
      traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', traceFlags: TraceFlags.SAMPLED, isRemote: true,
    });
    assert.equal(context.getValue(UPSTREAM_REQUEST_KEY), undefined);
  });

  it('continues a Root-only header (load balancers) and asks for a decision', () => {
    const context = extract('Root=1-5759e988-bd862e3fe1be46a994272793');
    assert.equal(trace.getSpanContext(context)?.traceId, '5759e988bd862e3fe1be46a994272793');
    assert.deepEqual({ ...(context.getValue(UPSTREAM_REQUEST_KEY) as object), spanId: undefined }, { traceId: '5759e988bd862e3fe1be46a994272793', spanId: undefined, noParent: true, decide: true });
  });

  it('continues Sampled=? and a missing Sampled, asking for a decision', () => {
    for (const header of ['Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8']) {
      const context = extract(header);
      assert.equal(trace.getSpanContext(context)?.spanId, '53995c3f42cd8ad8');
      assert.deepEqual(context.getValue(UPSTREAM_REQUEST_KEY), { traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', noParent: false, decide: true });
    }
  });

  it('ignores malformed headers', () => {
    for (const header of ['', 'garbage', 'Root=2-5759e988-bd862e3fe1be46a994272793', 'Root=1-5759e988-bd862e3fe1be46a99427279', 'Root=1-00000000-000000000000000000000000;Sampled=1', `Root=1-5759e988-bd862e3fe1be46a994272793;${'x'.repeat(2000)}`]) {
      assert.equal(trace.getSpanContext(extract(header)), undefined, header.slice(0, 40));
    }
  });

  it('honours Sampled=0 whatever the ids: no-op, absent or malformed ids become fresh ones, not sampled', () => {
    for (const header of ['Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0', 'Sampled=0', 'Root=garbage;Parent=zz;Sampled=0']) {
      const context = extract(header);
      const spanContext = trace.getSpanContext(context);
      assert.ok(spanContext !== undefined && isSpanContextValid(spanContext), header);
      assert.equal(spanContext.traceFlags, TraceFlags.NONE);
      assert.equal(spanContext.isRemote, true);
      assert.notEqual(spanContext.traceId, '0'.repeat(32));
      // X-Ray trace ids start with the epoch second they were made.
      assert.ok(Math.abs(Number.parseInt(spanContext.traceId.slice(0, 8), 16) - Date.now() / 1000) < 60, spanContext.traceId);
      assert.equal(context.getValue(CALLER_ROOT_KEY), undefined);
      const sampler = new UpstreamAwareSampler(new ParentBasedSampler({ root: new AlwaysOnSampler() }));
      assert.equal(sampler.shouldSample(context, spanContext.traceId, 'GET /', 1, {}, []).decision, SamplingDecision.NOT_RECORD);
    }
  });

  it('keeps a real Root that comes with Sampled=0, and notes it for the response header', () => {
    const context = extract('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000;Sampled=0');
    assert.equal(trace.getSpanContext(context)?.traceId, '5759e988bd862e3fe1be46a994272793');
    assert.equal(trace.getSpanContext(context)?.traceFlags, TraceFlags.NONE);
    assert.equal(context.getValue(CALLER_ROOT_KEY), '5759e988bd862e3fe1be46a994272793');
  });

  it('drops an invalid Parent but keeps the trace', () => {
    const context = extract('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=zz;Sampled=1');
    assert.equal(trace.getSpanContext(context)?.traceId, '5759e988bd862e3fe1be46a994272793');
    assert.deepEqual({ ...(context.getValue(UPSTREAM_REQUEST_KEY) as object), spanId: undefined }, { traceId: '5759e988bd862e3fe1be46a994272793', spanId: undefined, noParent: true, decide: false });
  });

  it('finds the header in any case on carriers that keep case', () => {
    assert.equal(trace.getSpanContext(extract('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0', 'X-Amzn-Trace-Id'))?.traceFlags, TraceFlags.NONE);
  });

  it('injects Root, Parent and Sampled from the active span context', () => {
    const carrier: Record<string, string> = {};
    const context = trace.setSpanContext(ROOT_CONTEXT, { traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', traceFlags: TraceFlags.SAMPLED });
    propagator.inject(context, carrier, defaultTextMapSetter);
    assert.deepEqual(carrier, { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' });
    const none: Record<string, string> = {};
    propagator.inject(ROOT_CONTEXT, none, defaultTextMapSetter);
    assert.deepEqual(none, {});
  });
});

describe('XRayPropagator with tracecontext: an upstream decision is never overridden', () => {
  it('keeps a W3C Sampled=0 decision when a load balancer also sent a Root-only X-Ray header', () => {
    const { CompositePropagator, W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
    const { UpstreamAwareSampler } = require('../../src/sampling/upstream-aware-sampler') as typeof import('../../src/sampling/upstream-aware-sampler');
    const { ParentBasedSampler, AlwaysOnSampler, SamplingDecision } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
    const composite = new CompositePropagator({ propagators: [new XRayPropagator(), new W3CTraceContextPropagator()] });
    const carrier = {
      'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793',
      traceparent: '00-11111111111111111111111111111111-2222222222222222-00',
    };
    const context = composite.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    const sampler = new UpstreamAwareSampler(new ParentBasedSampler({ root: new AlwaysOnSampler() }));
    const result = sampler.shouldSample(context, '11111111111111111111111111111111', 'GET /', 1, {}, []);
    assert.equal(result.decision, SamplingDecision.NOT_RECORD);
    assert.equal(result.attributes, undefined);
  });
});
