import * as assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { XRaySpanProcessor } from '../../src/index';
import { captureProblems } from '../helpers/capture-problems';
import { UdpSink } from '../helpers/udp-sink';
import { unusedUdpPort } from '../helpers/ports';

function tracedApp(daemonAddress: string) {
  const { problems, warnings } = captureProblems();
  const processor = new XRaySpanProcessor({ daemonAddress, env: {}, problems });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'faulty' }),
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('faults');
  /** One "request": a server span with a child, as the app would make. */
  const serve = (): string => {
    const server = tracer.startSpan('GET /', { kind: SpanKind.SERVER });
    tracer.startSpan('work', {}, trace.setSpan(ROOT_CONTEXT, server)).end();
    server.end();
    return 'served';
  };
  return { processor, problems, warnings, serve };
}

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

describe('faults between the processor and the daemon: the app keeps serving, the counters say what happened', function () {
  this.timeout(10_000);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => {
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, []);
  });

  it('nothing listens on the daemon port: sends fail with ECONNREFUSED, counted, warned once', async () => {
    const app = tracedApp(`127.0.0.1:${await unusedUdpPort()}`);
    for (let round = 0; round < 5; round++) {
      assert.equal(app.serve(), 'served');
      await app.processor.forceFlush();
    }
    await waitUntil(() => app.problems.count('udp-ECONNREFUSED') > 0, 'ECONNREFUSED is counted');
    assert.equal(app.warnings.filter((w) => w.includes('ECONNREFUSED')).length, 1);
    const stats = app.processor.stats();
    assert.equal(stats.emitter!.datagramsSent + stats.emitter!.datagramsFailed, 5);
    await app.processor.shutdown();
  });

  it('the daemon host does not resolve: one warning, documents dropped and counted, no retry storm', async () => {
    const app = tracedApp('no-such-daemon.invalid:2000');
    for (let i = 0; i < 20; i++) assert.equal(app.serve(), 'served');
    await app.processor.forceFlush();
    await waitUntil(() => app.processor.stats().emitter!.datagramsFailed === 20, 'all 20 documents counted as failed');
    const connectProblems = Object.keys(app.processor.stats().problems).filter((k) => k.startsWith('udp-connect-'));
    assert.equal(connectProblems.length, 1);
    assert.match(app.warnings[0]!, /cannot reach the X-Ray daemon at no-such-daemon\.invalid:2000/);
    // Within the retry delay, further documents are dropped without another lookup.
    app.serve();
    await app.processor.forceFlush();
    assert.equal(app.problems.count('unconnected'), 1);
    await app.processor.shutdown();
  });

  it('after shutdown the socket is closed: spans still end, nothing is sent, nothing throws', async () => {
    const sink = new UdpSink();
    const app = tracedApp(`127.0.0.1:${await sink.start()}`);
    app.serve();
    await app.processor.forceFlush();
    await sink.waitFor(1);
    await app.processor.shutdown();
    for (let i = 0; i < 10; i++) assert.equal(app.serve(), 'served');
    await app.processor.forceFlush();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sink.documents.length, 1);
    await sink.close();
  });

  it('shutdown in the middle of load: every request is served, what ended before shutdown is delivered', async () => {
    const sink = new UdpSink();
    const app = tracedApp(`127.0.0.1:${await sink.start()}`);
    let served = 0;
    let shutdown: Promise<void> | undefined;
    for (let i = 0; i < 400; i++) {
      if (i === 200) shutdown = app.processor.shutdown();
      if (app.serve() === 'served') served++;
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await shutdown;
    assert.equal(served, 400);
    await sink.waitFor(200);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sink.documents.length, 200);
    assert.equal(app.processor.stats().spansEnded, 400);
    await sink.close();
  });
});
