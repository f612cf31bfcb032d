import * as assert from 'node:assert/strict';
import { relative, resolve } from 'node:path';
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import {
  addError, beginSegment, beginSubsegment, beginSubsegmentWithoutSampling, capture, captureAsyncFunc, captureCallbackFunc,
  captureFunc, configureRecorder, ContextMissingError, currentSegment, currentSubsegment, endSegment, endSubsegment,
  getSegment, getTraceEntity, inSegment, inSubsegment, isSampled, patchModules, putAnnotation, putMetadata, setTraceEntity, setUser,
  traceCarrier, withTraceCarrier, xrayRecorder,
} from '../../src/index';
import type { Segment } from '../../src/index';
import { resetContextMissingLog } from '../../src/recorder/context-missing';
import { entitiesByName, recorderSetup } from './recorder-setup';

const tick = (ms = 1): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A request's segment, as instrumentation-http makes it: a SERVER span active while `fn` runs. */
function inRequest<T>(name: string, fn: () => T): { span: Span; result: T } {
  const span = trace.getTracer('test').startSpan(name, { kind: SpanKind.SERVER, root: true });
  const result = context.with(trace.setSpan(context.active(), span), fn);
  return { span, result };
}

describe('the recorder API', () => {
  const setup = recorderSetup();
  before(() => setup.install());
  after(() => setup.uninstall());
  beforeEach(() => {
    setup.emitter.documents.length = 0;
    setup.logged.length = 0;
    resetContextMissingLog();
    configureRecorder({ contextMissing: 'LOG_ERROR' });
  });

  it('inSubsegment (sync): annotations, metadata and the user land on the right entities', async () => {
    const { span } = inRequest('GET /orders', () => {
      const value = inSubsegment('load order', (sub) => {
        sub.putAnnotation('order_id', 42);
        putAnnotation('customer', 'gold');
        putMetadata('cart', { items: [1, 2] });
        putMetadata('raw', 'x', 'debug');
        setUser('alice');
        return 'loaded';
      });
      assert.equal(value, 'loaded');
    });
    span.end();
    const [doc] = await setup.documents();
    assert.equal((doc as Segment).user, 'alice');
    const sub = doc!.subsegments!.find((s) => s.name === 'load order')!;
    assert.deepEqual(sub.annotations, { order_id: 42, customer: 'gold' });
    assert.deepEqual(sub.metadata?.default, { cart: { items: [1, 2] } });
    assert.deepEqual(sub.metadata?.debug, { raw: 'x' });
  });

  it('inSubsegment (async/await): nested, ended when the promise settles, a rejection becomes the cause and is rethrown', async () => {
    const { span, result } = inRequest('GET /slow', async () => {
      await inSubsegment('outer', async () => {
        await tick();
        await inSubsegment('inner', async (inner) => {
          await tick();
          inner.putAnnotation('step', 'inner');
        });
      });
      await assert.rejects(
        inSubsegment('failing', async () => {
          await tick();
          throw new TypeError('stock service down');
        }),
        /stock service down/,
      );
    });
    await result;
    span.end();
    const docs = await setup.documents();
    const byName = entitiesByName(docs);
    const outer = byName.get('outer')![0]!;
    assert.equal(outer.subsegments?.[0]?.name, 'inner');
    assert.ok(outer.end_time! >= outer.subsegments![0]!.end_time!, 'outer ended after inner');
    assert.deepEqual(byName.get('inner')![0]!.annotations, { step: 'inner' });
    const failing = byName.get('failing')![0]!;
    assert.equal(failing.fault, true);
    assert.equal(failing.cause && 'exceptions' in failing.cause ? failing.cause.exceptions[0]!.type : undefined, 'TypeError');
  });

  it('promise style: inSubsegment returns a promise that resolves to fn\'s value', async () => {
    const { span, result } = inRequest('GET /p', () => inSubsegment('fetch', () => new Promise<number>((resolve) => setTimeout(() => resolve(7), 2))));
    assert.equal(await result, 7);
    span.end();
    assert.ok(entitiesByName(await setup.documents()).has('fetch'));
  });

  it('callback style: captureCallbackFunc closes its subsegment when the callback runs; captureAsyncFunc on close()', async () => {
    const { span, result } = inRequest('GET /cb', () => new Promise<void>((resolve) => {
      const done = captureCallbackFunc('read file', (err: Error | null, text: string) => {
        putAnnotation('length', text.length);
        assert.equal(err, null);
      });
      setTimeout(() => done(null, 'hello'), 2);
      captureAsyncFunc('query', (sub) => {
        setTimeout(() => {
          sub.putMetadata('rows', 3);
          sub.close();
          resolve();
        }, 4);
      });
    }));
    await result;
    await tick(5);
    span.end();
    const byName = entitiesByName(await setup.documents());
    // The callback ran inside its subsegment: the annotation is on it.
    assert.deepEqual(byName.get('read file')![0]!.annotations, { length: 5 });
    assert.deepEqual(byName.get('query')![0]!.metadata?.default, { rows: 3 });
  });

  it('captureFunc runs synchronously in a subsegment and records a throw', async () => {
    const { span } = inRequest('GET /f', () => {
      assert.throws(() => captureFunc('parse', () => {
        throw new SyntaxError('bad json');
      }), /bad json/);
    });
    span.end();
    assert.equal(entitiesByName(await setup.documents()).get('parse')![0]!.fault, true);
  });

  it('capture(name, fn) wraps a function; @capture decorates methods (standard form), and the legacy form works', async () => {
    class Orders {
      constructor(private readonly prefix: string) {}
      @capture('Orders.find')
      find(id: number): string {
        putAnnotation('order', id);
        return `${this.prefix}${id}`;
      }
      @capture()
      async total(): Promise<number> {
        await tick();
        return 12;
      }
    }
    // The legacy (experimentalDecorators) form: (prototype, key, descriptor).
    class Legacy {
      ship(): string {
        return 'shipped';
      }
    }
    const descriptor = Object.getOwnPropertyDescriptor(Legacy.prototype, 'ship')!;
    Object.defineProperty(Legacy.prototype, 'ship', capture('Legacy.ship')(Legacy.prototype, 'ship', descriptor));
    const price = capture('price', (n: number) => n * 2);

    const { span, result } = inRequest('GET /c', async () => {
      const orders = new Orders('#');
      assert.equal(orders.find(3), '#3');
      assert.equal(await orders.total(), 12);
      assert.equal(new Legacy().ship(), 'shipped');
      assert.equal(price(21), 42);
    });
    await result;
    span.end();
    const byName = entitiesByName(await setup.documents());
    assert.deepEqual(byName.get('Orders.find')![0]!.annotations, { order: 3 });
    for (const name of ['total', 'Legacy.ship', 'price']) assert.ok(byName.has(name), name);
  });

  it('100 interleaved concurrent requests keep their own annotations', async () => {
    const requests = Array.from({ length: 100 }, (_, i) => inRequest(`GET /r${i}`, async () => {
      await tick(Math.floor(Math.random() * 3));
      await inSubsegment('work', async () => {
        await tick(Math.floor(Math.random() * 3));
        putAnnotation('request', i);
        await tick(1);
        setUser(`user${i}`);
      });
    }));
    await Promise.all(requests.map(async (r) => {
      await r.result;
      r.span.end();
    }));
    const docs = await setup.documents();
    assert.equal(docs.length, 100);
    for (const doc of docs) {
      const i = Number(doc.subsegments![0]!.annotations!.request);
      assert.equal((doc as Segment).user, `user${i}`);
      assert.equal(doc.subsegments![0]!.name, 'work');
    }
    assert.equal(new Set(docs.map((d) => (d as Segment).user)).size, 100);
  });

  it('inSegment starts a new trace named after its argument', async () => {
    const value = await inSegment('nightly-job', async (segment) => {
      assert.equal(segment.isSegment, true);
      assert.equal(currentSegment(), segment);
      await inSubsegment('step', async () => tick());
      return 'ok';
    });
    assert.equal(value, 'ok');
    const [doc] = await setup.documents();
    assert.equal(doc!.name, 'nightly-job');
    assert.equal(doc!.parent_id, undefined);
    assert.equal(doc!.subsegments?.[0]?.name, 'step');
  });

  it('beginSegment / beginSubsegment / endSubsegment / endSegment, and an unsampled subsegment under a sampled parent', async () => {
    await (async () => {
      const segment = beginSegment('batch');
      const sub = beginSubsegment('phase 1');
      assert.equal(currentSubsegment(), sub);
      assert.equal(currentSegment(), segment);
      putAnnotation('phase', 1);
      inSubsegment('inside', () => undefined);
      endSubsegment();
      const quiet = beginSubsegmentWithoutSampling('health poll');
      assert.equal(quiet.isSampled(), false);
      assert.equal(isSampled(), false);
      inSubsegment('under the unsampled one', () => undefined);
      endSubsegment();
      assert.equal(isSampled(), true);
      endSegment();
    })();
    const docs = await setup.documents();
    const byName = entitiesByName(docs);
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.name, 'batch');
    assert.deepEqual(byName.get('phase 1')![0]!.annotations, { phase: 1 });
    assert.equal(byName.get('phase 1')![0]!.subsegments?.[0]?.name, 'inside');
    assert.ok(!byName.has('health poll') && !byName.has('under the unsampled one'), 'the unsampled subsegment and its children are not sent');
  });

  it('getTraceEntity / setTraceEntity carry a trace into work started elsewhere (a job queue)', async () => {
    const queue: Array<() => void> = [];
    const { span } = inRequest('POST /jobs', () => {
      const entity = getTraceEntity()!;
      // The queue runs the job later, from a context of its own.
      queue.push(() => setTraceEntity(entity, () => inSubsegment('job', () => putAnnotation('queued', true))));
    });
    context.with(context.active(), () => queue.shift()!());
    span.end();
    const [doc] = await setup.documents();
    assert.deepEqual(doc!.subsegments?.[0]?.annotations, { queued: true });
  });

  it('traceCarrier / withTraceCarrier carry a trace as plain headers (what worker_threads and messages can hold)', async () => {
    let carrier: Record<string, string> = {};
    let parentId = '';
    const { span } = inRequest('GET /carry', () => {
      carrier = traceCarrier();
      parentId = getSegment()!.id;
    });
    span.end();
    assert.match(carrier['x-amzn-trace-id'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/);
    withTraceCarrier(JSON.parse(JSON.stringify(carrier)) as Record<string, string>, () => {
      inSegment('worker', () => undefined);
      const remote = trace.getTracer('test').startSpan('continued', { kind: SpanKind.SERVER });
      remote.end();
    });
    const docs = await setup.documents();
    const continued = docs.find((d) => d.parent_id === parentId)!;
    assert.ok(continued, 'a span started from the carrier has the carrying entity as parent');
    assert.equal(continued.trace_id, docs.find((d) => d.id === parentId)!.trace_id);
  });

  it('isSampled(message) reads an SQS message\'s AWSTraceHeader (ReceiveMessage and Lambda event shapes)', () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    assert.equal(isSampled({ Attributes: { AWSTraceHeader: header } }), true);
    assert.equal(isSampled({ attributes: { AWSTraceHeader: header.replace('Sampled=1', 'Sampled=0') } }), false);
    assert.equal(isSampled({ Body: 'no header' }), false);
    assert.equal(xrayRecorder.isSampled({ attributes: { AWSTraceHeader: header } }), true);
  });

  it('annotation keys are sanitised with one warning; bad values, AWS namespaces and cycles are refused without a throw', async () => {
    const { span } = inRequest('GET /k', () => {
      putAnnotation('user-id', 'a');
      putAnnotation('user.name', 'b');
      putAnnotation('obj', { no: 1 } as unknown as string);
      putMetadata('x', 1, 'AWS.reserved');
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      putMetadata('cyclic', cyclic);
      putMetadata('fine', [1]);
      addError(new RangeError('out of range'));
    });
    span.end();
    const [doc] = await setup.documents();
    assert.deepEqual(doc!.annotations, { user_id: 'a', user_name: 'b' });
    assert.deepEqual(doc!.metadata?.default, { fine: [1] });
    assert.equal(doc!.fault, true);
    assert.equal(setup.logged.filter((l) => l.includes('annotation key')).length, 1);
    assert.equal(setup.logged.filter((l) => l.includes('reserved')).length, 1);
    assert.equal(setup.logged.filter((l) => l.includes('cannot be written as JSON')).length, 1);
    assert.equal(setup.logged.filter((l) => l.includes('only strings')).length, 1);
  });

  it('begin/end across awaited helpers: an entity ended in another continuation is never current again', async () => {
    const job = async (i: number): Promise<void> => {
      beginSegment(`job ${i}`);
      await tick();
      putAnnotation('i', i);
      endSegment();
    };
    for (let i = 0; i < 3; i++) await job(i);
    // The caller's copy of the stack still lists the jobs: they are ended, so nothing is current here.
    configureRecorder({ contextMissing: 'IGNORE_ERROR' });
    assert.equal(getSegment(), undefined);
    const docs = await setup.documents();
    assert.deepEqual(docs.map((d) => [d.name, d.annotations?.i]), [['job 0', 0], ['job 1', 1], ['job 2', 2]]);
  });

  it('returns what fn returns: the same promise, the same thenable (query builders keep their methods)', async () => {
    const { span, result } = inRequest('GET /t', () => {
      const native = Promise.resolve(1);
      assert.equal(inSubsegment('native', () => native), native);
      const builder = { where: () => builder, then: (ok: (v: number) => void) => ok(2) };
      assert.equal(inSubsegment('builder', () => builder), builder);
      return native;
    });
    await result;
    await tick();
    span.end();
    const byName = entitiesByName(await setup.documents());
    assert.ok(byName.has('native') && byName.has('builder'));
  });

  it('addError and a thrown value without a prototype never throw; setTraceEntity(subsegment) keeps its segment', async () => {
    let subsegment: ReturnType<typeof getTraceEntity>;
    let segmentId = '';
    const { span } = inRequest('GET /e', () => {
      segmentId = getSegment()!.id;
      assert.throws(() => inSubsegment('odd', () => {
        throw Object.create(null);
      }));
      addError(Object.create(null));
      inSubsegment('kept', (sub) => {
        subsegment = sub;
      });
    });
    inRequest('GET /other', () => setTraceEntity(subsegment!, () => assert.equal(currentSegment()!.id, segmentId))).span.end();
    span.end();
    const byName = entitiesByName(await setup.documents());
    assert.equal(byName.get('odd')![0]!.fault, true);
  });

  it('patchModules patches a module already loaded in place; calls outside a trace run untraced and silently', async () => {
    const file = resolve(__dirname, '../../../test/fixtures/apps/lib/orders/pricing.js');
    const pricing = require(file) as { price: (q: number) => number };
    assert.equal(pricing.price(1), 5);
    patchModules([relative(process.cwd(), file).startsWith('.') ? relative(process.cwd(), file) : `./${relative(process.cwd(), file)}`]);
    assert.equal(pricing.price(2), 10, 'outside a trace: same result, no error');
    assert.deepEqual(setup.logged, []);
    const { span } = inRequest('GET /price', () => assert.equal(pricing.price(3), 15));
    span.end();
    const [doc] = await setup.documents();
    assert.equal(doc!.subsegments?.[0]?.name, 'pricing.price');
  });

  describe('outside any trace (AWS_XRAY_CONTEXT_MISSING)', () => {
    it('LOG_ERROR (default): one error per operation, the function still runs, nothing is sent', async () => {
      let ran = 0;
      for (let i = 0; i < 3; i++) {
        inSubsegment('orphan', (sub) => {
          sub.putAnnotation('a', 1);
          ran++;
        });
        putAnnotation('b', 2);
      }
      assert.equal(ran, 3);
      assert.deepEqual(setup.logged.filter((l) => l.startsWith('error:')).map((l) => l.split(' ')[1]), ['inSubsegment', 'putAnnotation']);
      assert.equal(currentSegment(), undefined);
      assert.equal(isSampled(), false);
      assert.deepEqual(await setup.documents(), []);
    });

    it('RUNTIME_ERROR: throws ContextMissingError before running anything', () => {
      configureRecorder({ contextMissing: 'RUNTIME_ERROR' });
      let ran = false;
      assert.throws(() => inSubsegment('orphan', () => {
        ran = true;
      }), ContextMissingError);
      assert.equal(ran, false);
      assert.throws(() => putMetadata('k', 1), (err: unknown) => err instanceof ContextMissingError && /putMetadata/.test(err.message));
      assert.throws(() => endSegment(), ContextMissingError);
    });

    it('IGNORE_ERROR: silent', () => {
      configureRecorder({ contextMissing: 'IGNORE_ERROR' });
      assert.equal(inSubsegment('orphan', () => 5), 5);
      putAnnotation('a', 1);
      assert.deepEqual(setup.logged, []);
    });
  });
});
