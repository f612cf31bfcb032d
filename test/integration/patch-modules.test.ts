import * as assert from 'node:assert/strict';
import type { Segment, Subsegment } from '../../src/index';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { UdpSink } from '../helpers/udp-sink';

/** The tree of entity names under the request's segment, as 'parent > child' paths. */
function paths(entity: Subsegment, prefix = ''): string[] {
  const here = prefix === '' ? entity.name : `${prefix} > ${entity.name}`;
  return [here, ...(entity.subsegments ?? []).flatMap((child) => paths(child, here))];
}

describe('module patching: AWS_XRAY_PATCH_MODULES with local modules, AWS_XRAY_IGNORE_MODULE_PATTERNS', function () {
  this.timeout(20_000);
  const sink = new UdpSink();
  let app: RunningApp;

  before(async () => {
    const port = await sink.start();
    app = await startApp('patch-app.js', {
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`,
      AWS_XRAY_TRACING_NAME: 'shop',
      AWS_XRAY_SAMPLING: 'false',
      // An instrumentation-free list: every instrumentation stays on, and the module is patched.
      AWS_XRAY_PATCH_MODULES: './test/fixtures/apps/lib/orders',
      AWS_XRAY_IGNORE_MODULE_PATTERNS: 'internal',
    });
  });
  after(async () => {
    await app.stop();
    await sink.close();
  });

  it('exported functions and class methods of the module and its local submodules become nested subsegments', async () => {
    const reply = await httpGet(app.port, '/');
    assert.deepEqual(JSON.parse(reply.body), { order: { quantity: 2, total: 10, signature: 'signed:10' }, total: 15, atStart: 5 });
    await sink.waitFor(1);
    const segment = sink.documents.find((d) => (d as Segment).http !== undefined) as Subsegment;
    assert.deepEqual(paths(segment).sort(), [
      'shop',
      'shop > orders.OrderService.total',
      'shop > orders.OrderService.total > pricing.price',
      'shop > orders.OrderService.total > pricing.price',
      'shop > orders.createOrder',
      'shop > orders.createOrder > pricing.price',
    ].sort());
    // The ignored module made no subsegment; the call at start made no document and no error.
    assert.equal(sink.documents.length, 1);
    assert.equal(app.stderr(), '');
  });
});
