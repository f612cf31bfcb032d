import * as assert from 'node:assert/strict';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { parseAdaptiveSamplingConfig } from '../../src/sampling/adaptive-config';
import type { AdaptiveSamplingConfig } from '../../src/sampling/adaptive-config';
import { judgeSpan, NO_ANOMALY } from '../../src/sampling/anomaly';
import type { AnomalyVerdict } from '../../src/sampling/anomaly';
import { recordSpans } from '../helpers/make-spans';

interface SpanShape {
  attributes?: Attributes;
  error?: boolean;
  durationMs?: number;
}

/** One real ended span with the given attributes, status and duration (whole milliseconds, exact). */
function span({ attributes = {}, error = false, durationMs = 1 }: SpanShape = {}): ReadableSpan {
  const start = 1_700_000_000;
  const spans = recordSpans((tracer) => {
    const s = tracer.startSpan('op', { attributes, startTime: [start, 0] });
    if (error) s.setStatus({ code: SpanStatusCode.ERROR });
    s.end([start + Math.floor(durationMs / 1000), (durationMs % 1000) * 1_000_000]);
  });
  assert.equal(spans.length, 1);
  return spans[0]!;
}

function config(conditions: unknown[] | undefined): AdaptiveSamplingConfig {
  const result = parseAdaptiveSamplingConfig(conditions === undefined ? { version: 1 } : { version: 1, anomalyConditions: conditions });
  if (typeof result === 'string') assert.fail(result);
  return result;
}

const verdict = (v: AnomalyVerdict): string => (v.boost ? (v.capture ? 'both' : 'boost') : v.capture ? 'capture' : 'none');
const judge = (shape: SpanShape, conf: AdaptiveSamplingConfig | undefined, disableDefault = false): string => verdict(judgeSpan(span(shape), conf, disableDefault));

const status = (code: number | string): Attributes => ({ 'http.response.status_code': code });

describe('anomaly detection', () => {
  describe('the default condition', () => {
    const noConditions = config(undefined);
    for (const conf of [undefined, noConditions]) {
      const label = conf === undefined ? 'without a config' : 'with a config that has no anomalyConditions';
      it(`${label}: 5xx is an anomaly for both, 4xx, 429 and 200 are not`, () => {
        assert.equal(judge({ attributes: status(500) }, conf), 'both');
        assert.equal(judge({ attributes: status(503) }, conf), 'both');
        assert.equal(judge({ attributes: status(499) }, conf), 'none');
        assert.equal(judge({ attributes: status(429) }, conf), 'none');
        assert.equal(judge({ attributes: status(404) }, conf), 'none');
        assert.equal(judge({ attributes: status(200) }, conf), 'none');
      });

      it(`${label}: ERROR without a status code is an anomaly, ERROR with a 200 is not`, () => {
        assert.equal(judge({ error: true }, conf), 'both');
        assert.equal(judge({ error: true, attributes: status(200) }, conf), 'none');
        assert.equal(judge({}, conf), 'none');
      });
    }

    it('reads the old http.status_code attribute, and numeric strings', () => {
      assert.equal(judge({ attributes: { 'http.status_code': 502 } }, undefined), 'both');
      assert.equal(judge({ attributes: { 'http.status_code': 200 }, error: true }, undefined), 'none');
      assert.equal(judge({ attributes: status('504') }, undefined), 'both');
      // The stable attribute wins when both are present.
      assert.equal(judge({ attributes: { 'http.response.status_code': 200, 'http.status_code': 500 } }, undefined), 'none');
    });

    it('is off when the rule disables default detection', () => {
      assert.equal(judge({ attributes: status(500) }, undefined, true), 'none');
      assert.equal(judge({ error: true }, config(undefined), true), 'none');
    });

    it('returns the shared NO_ANOMALY verdict, frozen', () => {
      const result = judgeSpan(span({ attributes: status(200) }), undefined, false);
      assert.equal(result, NO_ANOMALY);
      assert.equal(Object.isFrozen(judgeSpan(span({ attributes: status(500) }), undefined, false)), true);
    });
  });

  describe('configured conditions', () => {
    it('replace the default: an empty list finds nothing, and disabling the default changes nothing', () => {
      assert.equal(judge({ attributes: status(500) }, config([])), 'none');
      assert.equal(judge({ error: true }, config([])), 'none');
      const only429 = config([{ errorCodeRegex: '429' }]);
      assert.equal(judge({ attributes: status(500) }, only429), 'none');
      assert.equal(judge({ attributes: status(429) }, only429), 'both');
      assert.equal(judge({ attributes: status(429) }, only429, true), 'both');
    });

    it('map usage to boost and capture; a missing usage means both', () => {
      assert.equal(judge({ attributes: status(500) }, config([{ errorCodeRegex: '500', usage: 'both' }])), 'both');
      assert.equal(judge({ attributes: status(500) }, config([{ errorCodeRegex: '500', usage: 'sampling-boost' }])), 'boost');
      assert.equal(judge({ attributes: status(500) }, config([{ errorCodeRegex: '500', usage: 'anomaly-trace-capture' }])), 'capture');
      assert.equal(judge({ attributes: status(500) }, config([{ errorCodeRegex: '500', usage: 'anomaly-span-capture' }])), 'capture');
      assert.equal(judge({ attributes: status(500) }, config([{ errorCodeRegex: '500' }])), 'both');
    });

    it('never match a span without a status code with errorCodeRegex, even an ERROR span', () => {
      assert.equal(judge({ error: true }, config([{ errorCodeRegex: '.*' }])), 'none');
    });

    it('match errorCodeRegex against the whole status code', () => {
      const conf = config([{ errorCodeRegex: String.raw`^429|5\d\d$` }]);
      assert.equal(judge({ attributes: status(429) }, conf), 'both');
      assert.equal(judge({ attributes: status(599) }, conf), 'both');
      assert.equal(judge({ attributes: status(404) }, conf), 'none');
      assert.equal(judge({ attributes: { 'http.status_code': '503' } }, conf), 'both');
    });

    it('match highLatencyMs from the boundary on', () => {
      const conf = config([{ highLatencyMs: 300 }]);
      assert.equal(judge({ durationMs: 299 }, conf), 'none');
      assert.equal(judge({ durationMs: 300 }, conf), 'both');
      assert.equal(judge({ durationMs: 2_500 }, conf), 'both');
      assert.equal(judge({ durationMs: 0 }, config([{ highLatencyMs: 0 }])), 'both');
    });

    it('AND errorCodeRegex and highLatencyMs within one item', () => {
      const conf = config([{ errorCodeRegex: '500', highLatencyMs: 300 }]);
      assert.equal(judge({ attributes: status(500), durationMs: 300 }, conf), 'both');
      assert.equal(judge({ attributes: status(500), durationMs: 100 }, conf), 'none');
      assert.equal(judge({ attributes: status(200), durationMs: 900 }, conf), 'none');
      assert.equal(judge({ durationMs: 900 }, conf), 'none', 'no status code: the regex half fails');
    });

    it('never match with an item that has neither criterion', () => {
      assert.equal(judge({ attributes: status(500), durationMs: 5_000, error: true }, config([{ usage: 'sampling-boost' }])), 'none');
    });

    it('OR the items, adding up their usages', () => {
      const conf = config([
        { errorCodeRegex: '500', usage: 'sampling-boost' },
        { highLatencyMs: 1_000, usage: 'anomaly-trace-capture' },
      ]);
      assert.equal(judge({ attributes: status(500) }, conf), 'boost');
      assert.equal(judge({ attributes: status(200), durationMs: 1_000 }, conf), 'capture');
      assert.equal(judge({ attributes: status(500), durationMs: 1_000 }, conf), 'both');
      assert.equal(judge({ attributes: status(200) }, conf), 'none');
    });

    it('stop once both are decided, and skip items that could only repeat a decision', () => {
      let calls = 0;
      const counting = (usage: 'both' | 'sampling-boost') => ({
        errorCode: (s: string) => {
          calls++;
          return s === '500';
        },
        highLatencyMs: undefined,
        operations: undefined,
        usage,
      });
      const conf: AdaptiveSamplingConfig = {
        anomalyConditions: [counting('both'), counting('both'), counting('sampling-boost')],
        anomalyTracesPerSecond: 1,
      };
      assert.equal(verdict(judgeSpan(span({ attributes: status(500) }), conf, false)), 'both');
      assert.equal(calls, 1);
      const boostFirst: AdaptiveSamplingConfig = {
        anomalyConditions: [counting('sampling-boost'), counting('sampling-boost'), counting('both')],
        anomalyTracesPerSecond: 1,
      };
      calls = 0;
      assert.equal(verdict(judgeSpan(span({ attributes: status(500) }), boostFirst, false)), 'both');
      assert.equal(calls, 2, 'the second boost-only item is skipped once boost is decided');
    });
  });

  describe('operations', () => {
    const getApi = config([{ errorCodeRegex: '500', operations: ['GET /api'] }]);

    it('take the operation from aws.local.operation first', () => {
      assert.equal(judge({ attributes: { ...status(500), 'aws.local.operation': 'GET /api' } }, getApi), 'both');
      assert.equal(judge({ attributes: { ...status(500), 'aws.local.operation': 'GET /other', 'url.path': '/api', 'http.request.method': 'GET' } }, getApi), 'none');
    });

    it('generate <METHOD> /<first path segment> without it', () => {
      assert.equal(judge({ attributes: { ...status(500), 'http.request.method': 'GET', 'url.path': '/api/users/42' } }, getApi), 'both');
      assert.equal(judge({ attributes: { ...status(500), 'http.request.method': 'POST', 'url.path': '/api/users' } }, getApi), 'none');
      assert.equal(judge({ attributes: { ...status(500), 'http.request.method': 'GET', 'url.path': '/apis' } }, getApi), 'none');
    });

    it('generate it from the old http.method and http.target, dropping the query', () => {
      assert.equal(judge({ attributes: { ...status(500), 'http.method': 'GET', 'http.target': '/api?user=1' } }, getApi), 'both');
      assert.equal(judge({ attributes: { ...status(500), 'http.method': 'GET', 'http.target': '/api/users?user=1/2' } }, getApi), 'both');
      assert.equal(judge({ attributes: { ...status(500), 'http.method': 'GET', 'http.target': '/apix?q=/api' } }, getApi), 'none');
    });

    it('generate <METHOD> / for the root path, with or without a query', () => {
      const root = config([{ errorCodeRegex: '500', operations: ['GET /'] }]);
      assert.equal(judge({ attributes: { ...status(500), 'http.request.method': 'GET', 'url.path': '/' } }, root), 'both');
      assert.equal(judge({ attributes: { ...status(500), 'http.method': 'GET', 'http.target': '/?q=1' } }, root), 'both');
      assert.equal(judge({ attributes: { ...status(500), 'http.method': 'GET', 'http.target': '/x' } }, root), 'none');
    });

    it('never match a span with no operation at all', () => {
      assert.equal(judge({ attributes: status(500) }, getApi), 'none');
    });

    it('apply an item to no operation when the list is empty, and to all when it is missing', () => {
      const attributes = { ...status(500), 'aws.local.operation': 'GET /api' };
      assert.equal(judge({ attributes }, config([{ errorCodeRegex: '500', operations: [] }])), 'none');
      assert.equal(judge({ attributes }, config([{ errorCodeRegex: '500' }])), 'both');
    });

    it('let a later item for another operation still match', () => {
      const conf = config([
        { highLatencyMs: 0, operations: ['POST /orders'], usage: 'anomaly-trace-capture' },
        { highLatencyMs: 0, operations: ['GET /api'], usage: 'sampling-boost' },
      ]);
      assert.equal(judge({ attributes: { 'aws.local.operation': 'GET /api' } }, conf), 'boost');
      assert.equal(judge({ attributes: { 'aws.local.operation': 'POST /orders' } }, conf), 'capture');
    });
  });
});
