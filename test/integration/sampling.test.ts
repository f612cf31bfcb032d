import * as assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Segment } from '../../src/index';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { metadataServer } from '../helpers/metadata-server';
import { UdpSink } from '../helpers/udp-sink';

function ruleRecord(name: string, priority: number, fields: Record<string, unknown>) {
  return { SamplingRule: { RuleName: name, Priority: priority, FixedRate: 0, ReservoirSize: 0, ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', ResourceARN: '*', Version: 1, Attributes: {}, ...fields } };
}

describe('sampling end to end (an app under --require ./register)', function () {
  this.timeout(30_000);
  const sink = new UdpSink();
  const apps: RunningApp[] = [];
  let udpPort = 0;
  before(async () => {
    udpPort = await sink.start();
  });
  beforeEach(() => sink.clear());
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await sink.close();
  });

  it('follows centralized rules from the daemon\'s proxy and names the rule on the segment', async () => {
    const rules = { SamplingRuleRecords: [ruleRecord('health', 1, { URLPath: '/health' }), ruleRecord('Default', 10000, { FixedRate: 1 })] };
    const proxy = await metadataServer({
      'POST /GetSamplingRules': (_req: IncomingMessage, res: ServerResponse) => res.end(JSON.stringify(rules)),
      'POST /SamplingTargets': (_req: IncomingMessage, res: ServerResponse) => res.end(JSON.stringify({ SamplingTargetDocuments: [] })),
    });
    const app = await startApp('plain-http.js', { AWS_XRAY_DAEMON_ADDRESS: `tcp:127.0.0.1:${proxy.port} udp:127.0.0.1:${udpPort}`, AWS_XRAY_TRACING_NAME: 'shop' });
    apps.push(app);
    // Rules arrive in the background right after start; ask until a segment shows one decided.
    for (let i = 0; i < 30 && !sink.documents.some((d) => (d as Segment).aws?.xray?.sampling_rule_name !== undefined); i++) {
      await httpGet(app.port, '/warmup');
      await new Promise((r) => setTimeout(r, 50));
    }
    sink.clear();
    for (let i = 0; i < 20; i++) await httpGet(app.port, i % 2 === 0 ? '/health' : `/orders/${i}`);
    await sink.waitFor(10);
    await new Promise((r) => setTimeout(r, 200));
    const paths = sink.documents.map((d) => new URL((d as Segment).http!.request!.url!).pathname);
    assert.equal(paths.length, 10);
    assert.ok(paths.every((p) => p.startsWith('/orders/')), 'the health rule (rate 0) samples nothing');
    assert.ok(sink.documents.every((d) => (d as Segment).aws?.xray?.sampling_rule_name === 'Default'));
    assert.ok(proxy.requests.includes('POST /GetSamplingRules'));
    await proxy.close();
  });

  it('under X-Ray\'s default rule sends about 1 a second plus 5% of 2,000 requests; all of them with AWS_XRAY_SAMPLING=false', async () => {
    const dead = `127.0.0.1:${udpPort}`; // no TCP proxy there: the local default rule decides
    const sampled = await startApp('plain-http.js', { AWS_XRAY_DAEMON_ADDRESS: dead, AWS_XRAY_TRACING_NAME: 'shop' });
    apps.push(sampled);
    const started = Date.now();
    for (let i = 0; i < 2000; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => httpGet(sampled.port, `/r${i + j}`)));
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    await new Promise((r) => setTimeout(r, 300));
    const count = sink.documents.length;
    // Binomial(2000, 0.05) has mean 100 and a standard deviation of about 10; the reservoir adds one a second.
    assert.ok(count >= 60 && count <= 140 + seconds, `${count} of 2,000 sampled over ${seconds} s`);

    sink.clear();
    const all = await startApp('plain-http.js', { AWS_XRAY_DAEMON_ADDRESS: dead, AWS_XRAY_TRACING_NAME: 'shop', AWS_XRAY_SAMPLING: 'false' });
    apps.push(all);
    for (let i = 0; i < 2000; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => httpGet(all.port, `/r${i + j}`)));
    await sink.waitFor(2000, 10_000);
    assert.equal(sink.documents.length, 2000);
  });
});
