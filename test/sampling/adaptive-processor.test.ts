import * as assert from 'node:assert/strict';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { AlwaysOffSampler, BasicTracerProvider, ParentBasedSampler, SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { parseAdaptiveSamplingConfig } from '../../src/sampling/adaptive-config';
import type { AdaptiveSamplingConfig } from '../../src/sampling/adaptive-config';
import { adaptiveRecording, AdaptiveSamplingProcessor, RecordForAdaptiveSampling } from '../../src/sampling/adaptive-processor';
import type { CentralizedSampler } from '../../src/sampling/centralized-sampler';

/**
 * The adaptive sampling span processor and the sampler wrapper that records what it needs: traces counted once
 * under their rule, anomalies once per trace, unsampled spans held only until their request ends normally, and a
 * captured trace sent whole, within the per-second limit.
 */

interface Counted {
  rule: string;
  event: string;
  sampled: boolean;
}

/** Stands in for the centralized sampler's adaptive surface (its reporting is tested against a proxy elsewhere). */
function boostSampler(counted: Counted[], boostRules: string[] = ['checkout']): CentralizedSampler {
  return {
    hasBoostRules: boostRules.length > 0,
    boostRule: (name: string) => (boostRules.includes(name) ? { name, boost: { disableDefaultAnomalyDetection: false } } : undefined),
    countTrace: (rule: string, event: string, sampled: boolean) => counted.push({ rule, event, sampled }),
  } as unknown as CentralizedSampler;
}

function config(text: string): AdaptiveSamplingConfig {
  const parsed = parseAdaptiveSamplingConfig(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

/** A provider whose sampler samples nothing, recording for adaptive sampling as `recording` says. */
function setup(processor: AdaptiveSamplingProcessor, recording: () => 'off' | 'entries' | 'traces', rule = 'checkout'): { tracer: Tracer } {
  const inner = new ParentBasedSampler({ root: new AlwaysOffSampler() });
  const named = {
    shouldSample: (...args: Parameters<typeof inner.shouldSample>) => {
      const result = inner.shouldSample(...args);
      const parent = trace.getSpanContext(args[0]);
      return parent === undefined ? { ...result, attributes: { 'aws.xray.sampling_rule_name': rule } } : result;
    },
    toString: () => 'named',
  };
  const provider = new BasicTracerProvider({ sampler: new RecordForAdaptiveSampling(named, recording), spanProcessors: [processor] });
  return { tracer: provider.getTracer('test') };
}

/** One request: an entry span with a child, the child failing or not, the entry answering `status`. */
function request(tracer: Tracer, status: number, childFails = false): void {
  const entry = tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'url.path': '/checkout' } });
  const child = tracer.startSpan('handler', {}, trace.setSpan(ROOT_CONTEXT, entry));
  if (childFails) child.setStatus({ code: SpanStatusCode.ERROR });
  child.end();
  entry.setAttribute('http.response.status_code', status);
  entry.end();
}

describe('adaptive sampling: the span processor', () => {
  it('counts each trace once under its boost rule, and its first anomaly once (as not sampled)', () => {
    const counted: Counted[] = [];
    const processor = new AdaptiveSamplingProcessor({ sampler: boostSampler(counted), config: undefined, capture: () => assert.fail('no capture without a config') });
    const { tracer } = setup(processor, () => 'entries');
    request(tracer, 200);
    request(tracer, 500);
    request(tracer, 404);
    assert.deepEqual(counted, [
      { rule: 'checkout', event: 'seen', sampled: false },
      { rule: 'checkout', event: 'seen', sampled: false },
      { rule: 'checkout', event: 'anomaly', sampled: false },
      { rule: 'checkout', event: 'seen', sampled: false },
    ]);
  });

  it('records only the entry spans of unsampled traces when capture is off', () => {
    const ended: ReadableSpan[] = [];
    const processor = new AdaptiveSamplingProcessor({ sampler: boostSampler([]), config: undefined, capture: () => undefined });
    const recorder = { onStart: () => undefined, onEnd: (span: ReadableSpan) => ended.push(span), forceFlush: async () => {}, shutdown: async () => {} };
    const provider = new BasicTracerProvider({
      sampler: new RecordForAdaptiveSampling(new ParentBasedSampler({ root: new AlwaysOffSampler() }), () => 'entries'),
      spanProcessors: [processor, recorder],
    });
    request(provider.getTracer('t'), 200);
    assert.deepEqual(ended.map((s) => s.name), ['GET /checkout']);
    assert.equal(ended[0]?.spanContext().traceFlags & TraceFlags.SAMPLED, 0, 'recorded, not sampled');
  });

  it('captures an anomalous unsampled trace whole (held spans first), and nothing of a normal one', () => {
    const captured: string[][] = [];
    const processor = new AdaptiveSamplingProcessor({ sampler: undefined, config: config('{"version": 1}'), capture: (spans) => captured.push(spans.map((s) => s.name)) });
    const { tracer } = setup(processor, () => 'traces');
    request(tracer, 200);
    assert.deepEqual(captured, []);
    request(tracer, 503);
    assert.deepEqual(captured, [['handler', 'GET /checkout']]);
  });

  it('captures from the span that failed, then the rest of its trace as it ends', () => {
    const captured: string[][] = [];
    const processor = new AdaptiveSamplingProcessor({ sampler: undefined, config: config('{"version": 1, "anomalyCaptureLimit": {"anomalyTracesPerSecond": 5}}'), capture: (spans) => captured.push(spans.map((s) => s.name)) });
    const { tracer } = setup(processor, () => 'traces');
    request(tracer, 200, true); // the handler fails (ERROR, no status): an anomaly by default
    assert.deepEqual(captured, [['handler'], ['GET /checkout']]);
  });

  it('keeps to anomalyTracesPerSecond: a token per trace, refilled with time', () => {
    let now = 1_000_000;
    const captured: number[] = [];
    const processor = new AdaptiveSamplingProcessor({ sampler: undefined, config: config('{"version": 1, "anomalyCaptureLimit": {"anomalyTracesPerSecond": 2}}'), capture: (spans) => captured.push(spans.length), now: () => now });
    const { tracer } = setup(processor, () => 'traces');
    for (let i = 0; i < 5; i++) request(tracer, 500);
    assert.equal(captured.length, 2, 'the bucket starts full: two traces');
    now += 500;
    for (let i = 0; i < 5; i++) request(tracer, 500);
    assert.equal(captured.length, 3, 'half a second: one more');
  });

  it('follows the configured conditions: a 429 by errorCodeRegex, for capture only', () => {
    const counted: Counted[] = [];
    const captured: number[] = [];
    const processor = new AdaptiveSamplingProcessor({
      sampler: boostSampler(counted),
      config: config('{"version": 1, "anomalyConditions": [{"errorCodeRegex": "429", "usage": "anomaly-trace-capture"}]}'),
      capture: (spans) => captured.push(spans.length),
    });
    const { tracer } = setup(processor, () => 'traces');
    request(tracer, 500); // not an anomaly any more: the conditions replace the default
    request(tracer, 429);
    assert.deepEqual(captured, [2]);
    assert.deepEqual(counted.filter((c) => c.event === 'anomaly'), [], 'capture only: no boost statistics');
  });

  it('stays bounded under a flood: traces remembered and spans held have caps, and the limit holds', () => {
    const captured: number[] = [];
    const processor = new AdaptiveSamplingProcessor({
      sampler: undefined, config: config('{"version": 1}'), capture: (spans) => captured.push(spans.length), maxTraces: 50, maxHeldSpans: 20,
    });
    const { tracer } = setup(processor, () => 'traces');
    // Requests left open (their entry spans never end): each holds its ended child, up to the cap.
    for (let i = 0; i < 200; i++) {
      const entry = tracer.startSpan('GET /slow', { kind: SpanKind.SERVER });
      tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, entry)).end();
    }
    assert.deepEqual(processor.size, { traces: 50, heldSpans: 20 });
    // A flood of anomalies: one token (the default limit), one trace captured.
    for (let i = 0; i < 500; i++) request(tracer, 500);
    assert.equal(captured.length, 1);
    assert.ok(processor.size.traces <= 50 && processor.size.heldSpans <= 20);
  });

  it('remembers a finished normal trace only for a boost rule, which must count it once', () => {
    const counted: Counted[] = [];
    const captureOnly = new AdaptiveSamplingProcessor({ sampler: undefined, config: config('{"version": 1}'), capture: () => undefined });
    const local = setup(captureOnly, () => 'traces');
    for (let i = 0; i < 20; i++) request(local.tracer, 200);
    assert.deepEqual(captureOnly.size, { traces: 0, heldSpans: 0 }, 'capture alone keeps in-flight traces only');
    const boosted = new AdaptiveSamplingProcessor({ sampler: boostSampler(counted), config: config('{"version": 1}'), capture: () => undefined });
    const central = setup(boosted, () => 'traces');
    for (let i = 0; i < 20; i++) request(central.tracer, 200);
    assert.deepEqual(boosted.size, { traces: 20, heldSpans: 0 });
    assert.equal(counted.filter((c) => c.event === 'seen').length, 20);
  });

  it('is off without boost rules or a configuration: nothing recorded, nothing kept', () => {
    assert.equal(adaptiveRecording({ sampler: undefined, config: undefined }), 'off');
    assert.equal(adaptiveRecording({ sampler: boostSampler([], []), config: undefined }), 'off');
    assert.equal(adaptiveRecording({ sampler: boostSampler([]), config: undefined }), 'entries');
    assert.equal(adaptiveRecording({ sampler: undefined, config: config('{"version": 1}') }), 'traces');
    const sampler = new RecordForAdaptiveSampling(new AlwaysOffSampler(), () => 'off');
    assert.equal(sampler.shouldSample(context.active(), '5759e988bd862e3fe1be46a994272793', 'x', SpanKind.SERVER, {}, []).decision, SamplingDecision.NOT_RECORD);
  });
});
