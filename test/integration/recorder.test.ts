import * as assert from 'node:assert/strict';
import type { Segment, SegmentDocument, Subsegment } from '../../src/index';
import { httpGet, startApp } from '../helpers/child-app';
import { collectIds } from '../helpers/collect-ids';
import type { RunningApp } from '../helpers/child-app';
import { UdpSink } from '../helpers/udp-sink';

function find(documents: readonly SegmentDocument[], name: string): Subsegment | undefined {
  const visit = (entity: Subsegment): Subsegment | undefined => {
    if (entity.name === name) return entity;
    for (const child of entity.subsegments ?? []) {
      const found = visit(child);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  for (const document of documents) {
    const found = visit(document as Subsegment);
    if (found !== undefined) return found;
  }
  return undefined;
}

describe('the recorder API under the preload, in a real express app', function () {
  this.timeout(20_000);
  const sink = new UdpSink();
  let app: RunningApp;

  before(async () => {
    const port = await sink.start();
    app = await startApp('recorder-app.js', { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`, AWS_XRAY_TRACING_NAME: 'shop', AWS_XRAY_SAMPLING: 'false' });
  });
  after(async () => {
    await app.stop();
    await sink.close();
  });

  it('work started at boot, outside any request, is its own segment (inSegment), with no context-missing error', async () => {
    await sink.until((docs) => docs.some((d) => d.name === 'warm cache'));
    const warm = sink.documents.find((d) => d.name === 'warm cache')!;
    assert.equal(warm.parent_id, undefined);
    assert.deepEqual(warm.annotations, { entries: 3 });
    assert.equal(app.stderr().includes('outside any trace'), false, app.stderr());
  });

  it('subsegments, annotations, metadata and the user in the request\'s document', async () => {
    const reply = await httpGet(app.port, '/orders/7');
    assert.deepEqual(JSON.parse(reply.body), { id: '7', total: 140 });
    await sink.until((docs) => find(docs, 'compute total') !== undefined);
    const segment = sink.documents.find((d) => (d as Segment).http?.request?.url?.includes('/orders/7')) as Segment;
    assert.equal(segment.user, 'alice');
    assert.deepEqual(find(sink.documents, 'price lookup')!.annotations, { sku: '7' });
    assert.deepEqual(find(sink.documents, 'compute total')!.metadata?.default, { lines: [{ id: '7', price: 70 }] });
    assert.equal(app.stderr().includes('outside any trace'), false, app.stderr());
  });

  it('a worker thread continues the request\'s trace from a carrier', async () => {
    const reply = await httpGet(app.port, '/resize');
    assert.deepEqual(JSON.parse(reply.body), { resized: true });
    await sink.until((docs) => find(docs, 'resize image') !== undefined && docs.some((d) => (d as Segment).http?.request?.url?.includes('/resize')));
    const request = sink.documents.find((d) => (d as Segment).http?.request?.url?.includes('/resize')) as Segment;
    const resize = find(sink.documents, 'resize image')!;
    const workerDocument = sink.documents.find((d) => find([d], 'resize image') !== undefined)!;
    // Sent by the worker as a subsegment of the request (of its route handler's subsegment), same trace.
    assert.equal(workerDocument.trace_id, request.trace_id);
    assert.equal((workerDocument as { type?: string }).type, 'subsegment');
    assert.equal(workerDocument.name, 'resize image');
    assert.ok(collectIds([request]).has(workerDocument.parent_id!), 'its parent is an entity of the request');
    assert.deepEqual(resize.annotations, { thread: 'worker' });
  });
});
