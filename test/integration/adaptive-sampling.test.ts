import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IndependentSubsegment, Segment, SegmentDocument, Subsegment } from '../../src/index';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { metadataServer } from '../helpers/metadata-server';
import { UdpSink } from '../helpers/udp-sink';

/**
 * X-Ray adaptive sampling in a traced app under the preload (the demo's shop service: /orders/42 answers 200,
 * /fail throws and answers 500): anomaly trace capture with nothing sampled, and the sampling boost with a
 * loopback stand-in of the daemon's sampling proxy.
 */

const DEMO = '../../../samples/demo/app.js';
const NOTHING_SAMPLED = JSON.stringify({ version: 2, rules: [], default: { fixed_target: 0, rate: 0 } });

/** A request's body (the sampling proxy stand-ins below read what the apps send). */
function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
  });
}

function delay(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

function segmentsOf(documents: readonly SegmentDocument[]): Segment[] {
  return documents.filter((d) => (d as IndependentSubsegment).type !== 'subsegment') as Segment[];
}

function walk(entity: Subsegment, visit: (entity: Subsegment) => void): void {
  visit(entity);
  for (const child of entity.subsegments ?? []) walk(child, visit);
}

describe('adaptive sampling in a traced app', function () {
  this.timeout(60000);
  let sink: UdpSink;
  let sinkPort = 0;
  let app: RunningApp | undefined;

  beforeEach(async () => {
    sink = new UdpSink();
    sinkPort = await sink.start();
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await sink.close();
  });

  it('anomaly trace capture: nothing sampled, every 5xx request arrives whole within the limit, no 2xx request does', async () => {
    app = await startApp(DEMO, {
      DEMO_ROLE: 'shop', AWS_XRAY_TRACING_NAME: 'shop', AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${sinkPort}`,
      AWS_XRAY_SAMPLING_RULES: NOTHING_SAMPLED,
      AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG: '{"version": 1, "anomalyCaptureLimit": {"anomalyTracesPerSecond": 2}}',
    });
    // Two failures a second (the limit) over two seconds, with normal requests around them.
    for (let second = 0; second < 2; second++) {
      const started = Date.now();
      for (const path of ['/orders/42', '/fail', '/orders/42', '/fail', '/orders/42']) {
        const reply = await httpGet(app.port, path);
        assert.match(String(reply.headers['x-amzn-trace-id']), /;Sampled=0$/, 'nothing is sampled');
      }
      await delay(Math.max(0, 1100 - (Date.now() - started)));
    }
    await sink.until((docs) => segmentsOf(docs).length >= 4, 5000);
    await delay(300);
    const segments = segmentsOf(sink.documents);
    assert.equal(segments.length, 4, JSON.stringify(segments.map((s) => s.http?.request?.url)));
    for (const segment of segments) {
      assert.equal(segment.name, 'shop');
      assert.match(segment.http?.request?.url ?? '', /\/fail$/);
      assert.equal(segment.http?.response?.status, 500);
      assert.equal(segment.fault, true);
      assert.equal(segment.metadata?.default?.['aws.trace.flag.sampled'], false, 'marked as captured');
      // Whole: the failing handler under it (sent as soon as it failed, before the request ended), with the
      // exception and its stack.
      const ids = new Set<string>();
      let cause: Subsegment['cause'];
      for (const document of sink.documents.filter((d) => d.trace_id === segment.trace_id)) {
        walk(document, (e) => {
          ids.add(e.id);
          cause ??= e.cause;
        });
        if ((document as IndependentSubsegment).type === 'subsegment') assert.ok(ids.has((document as IndependentSubsegment).parent_id) || (document as IndependentSubsegment).parent_id === segment.id);
      }
      const exception = (cause as { exceptions?: Array<{ message?: string; stack?: unknown[] }> } | undefined)?.exceptions?.[0];
      assert.equal(exception?.message, 'payment declined');
      assert.ok((exception?.stack?.length ?? 0) > 0, 'with its stack');
    }
    assert.equal(sink.documents.filter((d) => JSON.stringify(d).includes('/orders/42')).length, 0, 'no 2xx request is sent');

    // A burst of ten failures at once: the limit holds (two tokens a second, the bucket refilled by now).
    sink.clear();
    await Promise.all(Array.from({ length: 10 }, () => httpGet((app as RunningApp).port, '/fail')));
    await delay(500);
    const burst = segmentsOf(sink.documents).length;
    assert.ok(burst >= 1 && burst <= 3, `${burst} captured of a burst of 10 at 2 per second`);
  });

  it('sampling boost: exact statistics for a known mix, then the boost samples while it lasts', async () => {
    const targetsRequests: Array<Record<string, unknown>> = [];
    let boost: Record<string, unknown> | undefined;
    const rules = {
      SamplingRuleRecords: [
        { SamplingRule: { RuleName: 'shop-api', Priority: 1, FixedRate: 0, ReservoirSize: 0, ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', ResourceARN: '*', Version: 1, Attributes: {}, SamplingRateBoost: { MaxRate: 1, CooldownWindowMinutes: 1 } } },
        { SamplingRule: { RuleName: 'Default', Priority: 10000, FixedRate: 0, ReservoirSize: 0, ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', ResourceARN: '*', Version: 1, Attributes: {} } },
      ],
    };
    const proxy = await metadataServer({
      'POST /GetSamplingRules': (req: IncomingMessage, res: ServerResponse) => void read(req).then(() => res.end(JSON.stringify(rules))),
      'POST /SamplingTargets': (req: IncomingMessage, res: ServerResponse) => void read(req).then((body) => {
        targetsRequests.push(JSON.parse(body) as Record<string, unknown>);
        const now = Math.floor(Date.now() / 1000);
        res.end(JSON.stringify({
          SamplingTargetDocuments: [{ RuleName: 'shop-api', FixedRate: 0, ReservoirQuota: 0, ReservoirQuotaTTL: now + 60, Interval: 10, ...(boost === undefined ? {} : { SamplingBoost: boost }) }],
        }));
      }),
    });
    try {
      app = await startApp(DEMO, {
        DEMO_ROLE: 'shop', AWS_XRAY_TRACING_NAME: 'shop', AWS_XRAY_DAEMON_ADDRESS: `tcp:127.0.0.1:${proxy.port} udp:127.0.0.1:${sinkPort}`,
        // The default condition (5xx), kept explicitly, and slow requests (over 250 ms) as anomalies for the boost.
        AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG: JSON.stringify({
          version: 1,
          anomalyConditions: [{ errorCodeRegex: '^5\\d\\d$', usage: 'both' }, { highLatencyMs: 250, usage: 'sampling-boost' }],
          anomalyCaptureLimit: { anomalyTracesPerSecond: 5 },
        }),
      });
      await delay(500); // the rules arrive
      // The mix: 3 normal requests, 2 failures (5xx), 1 slow report (300 ms), 1 not found (4xx: not an anomaly).
      for (const path of ['/orders/42', '/fail', '/orders/42', '/report', '/missing', '/fail', '/orders/42']) await httpGet(app.port, path);
      boost = { BoostRate: 1, BoostRateTTL: Math.floor(Date.now() / 1000) + 60 };
      // The first targets call comes 10 s after start: it carries the mix, and brings the boost back.
      for (let i = 0; i < 150 && targetsRequests.length === 0; i++) await delay(100);
      const sent = targetsRequests[0]?.SamplingBoostStatisticsDocuments as Array<Record<string, unknown>> | undefined;
      assert.ok(sent !== undefined, JSON.stringify(targetsRequests));
      assert.deepEqual(sent.map(({ Timestamp: _t, ...rest }) => rest), [{ RuleName: 'shop-api', ServiceName: 'shop', TotalCount: 7, AnomalyCount: 3, SampledAnomalyCount: 0 }]);
      // Capture is on too (a configuration is given): the two 5xx requests were sent, the slow one was not (its
      // condition is for the boost only), and nothing normal was.
      assert.deepEqual(segmentsOf(sink.documents).map((s) => s.http?.request?.url?.replace(/^.*\//, '/')), ['/fail', '/fail']);
      sink.clear();
      await delay(200);
      // Boosted to 1: every request is sampled while the boost lasts.
      for (let i = 0; i < 3; i++) assert.match(String((await httpGet(app.port, '/orders/42')).headers['x-amzn-trace-id']), /;Sampled=1$/);
      await sink.until((docs) => segmentsOf(docs).length >= 3, 5000);
      assert.ok(segmentsOf(sink.documents).every((s) => s.aws?.xray?.sampling_rule_name === 'shop-api'));
    } finally {
      await proxy.close();
    }
  });

  it('interop: a downstream service counts its anomalies toward the root\'s rule, carried in the trace header', async () => {
    const targetsRequests: Array<Record<string, unknown>> = [];
    const boostRule = { RuleName: 'shop-api', Priority: 1, FixedRate: 0, ReservoirSize: 0, ServiceName: 'front', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', ResourceARN: '*', Version: 1, Attributes: {}, SamplingRateBoost: { MaxRate: 1, CooldownWindowMinutes: 1 } };
    const proxy = await metadataServer({
      'POST /GetSamplingRules': (req: IncomingMessage, res: ServerResponse) => void read(req).then(() => res.end(JSON.stringify({ SamplingRuleRecords: [{ SamplingRule: boostRule }] }))),
      'POST /SamplingTargets': (req: IncomingMessage, res: ServerResponse) => void read(req).then((body) => {
        targetsRequests.push(JSON.parse(body) as Record<string, unknown>);
        res.end(JSON.stringify({ SamplingTargetDocuments: [] }));
      }),
    });
    const daemon = `tcp:127.0.0.1:${proxy.port} udp:127.0.0.1:${sinkPort}`;
    let back: RunningApp | undefined;
    try {
      back = await startApp('adaptive-chain.js', { ROLE: 'back', AWS_XRAY_TRACING_NAME: 'back', AWS_XRAY_DAEMON_ADDRESS: daemon });
      app = await startApp('adaptive-chain.js', { ROLE: 'front', BACK_PORT: String(back.port), AWS_XRAY_TRACING_NAME: 'front', AWS_XRAY_DAEMON_ADDRESS: daemon });
      await delay(500); // both have the rules
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) seen.push(JSON.parse((await httpGet(app.port, '/order')).body).backSaw);
      // The root's rule, hashed as the AWS distros do (first 8 bytes of SHA-256 of its name), rides in the header.
      const hash = createHash('sha256').update('shop-api').digest('hex').slice(0, 16);
      for (const header of seen) assert.match(header, new RegExp(`;Sampled=0;xrsr=${hash}$`));
      for (let i = 0; i < 150 && new Set(targetsRequests.map((r) => JSON.stringify(r).includes('"back"') ? 'back' : JSON.stringify(r).includes('"front"') ? 'front' : '')).size < 2; i++) await delay(100);
      const boost = targetsRequests.flatMap((r) => (r.SamplingBoostStatisticsDocuments as Array<Record<string, unknown>> | undefined) ?? []);
      const byService = Object.fromEntries(boost.map(({ Timestamp: _t, ServiceName, ...rest }) => [ServiceName as string, rest]));
      assert.deepEqual(byService, {
        front: { RuleName: 'shop-api', TotalCount: 4, AnomalyCount: 0, SampledAnomalyCount: 0 },
        back: { RuleName: 'shop-api', TotalCount: 4, AnomalyCount: 4, SampledAnomalyCount: 0 },
      });
      assert.equal(sink.documents.length, 0, 'nothing was sampled, nothing sent');
    } finally {
      await back?.stop();
      await proxy.close();
    }
  });
});
