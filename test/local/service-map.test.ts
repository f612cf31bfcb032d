import * as assert from 'node:assert/strict';
import type { AssembledTrace, RawEntity, TraceEntity } from '../../src/local/model';
import { buildServiceMap, ServiceMapEdge, ServiceMapNode } from '../../src/local/service-map';

/** A realistic epoch second, so that durations carry the floating-point noise real timestamps do. */
const T = 1_700_000_000;

/**
 * An AssembledTrace from documents, flattened as model.ts describes: embedded subsegments get the enclosing entity as
 * parent and the enclosing segment's name as service; a subsegment sent as its own document takes the service of its
 * parent (documents are given parents first). Only the fields the service map reads are filled with care.
 */
function trace(id: string, ...documents: RawEntity[]): AssembledTrace {
  const entities: TraceEntity[] = [];
  const byId = new Map<string, TraceEntity>();
  const add = (raw: RawEntity, kind: TraceEntity['kind'], parent: TraceEntity | undefined, service: string): void => {
    const entity: TraceEntity = {
      id: raw.id,
      parent_id: parent?.id ?? raw.parent_id,
      name: raw.name,
      namespace: raw.namespace,
      start_time: raw.start_time,
      end_time: raw.in_progress === true ? undefined : raw.end_time,
      kind,
      service,
      depth: parent === undefined ? 0 : parent.depth + 1,
      raw,
    };
    entities.push(entity);
    byId.set(entity.id, entity);
    for (const child of raw.subsegments ?? []) add(child, 'subsegment', entity, service);
  };
  for (const doc of documents) {
    if (doc.type === 'subsegment') {
      const parent = byId.get(doc.parent_id ?? '');
      assert.ok(parent, `test setup: parent of ${doc.id} must come first`);
      add(doc, 'subsegment', undefined, parent.service);
    } else {
      add(doc, 'segment', undefined, doc.name);
    }
  }
  const segments = entities.filter((e) => e.kind === 'segment');
  const starts = entities.map((e) => e.start_time);
  return {
    id,
    documents,
    entities,
    segments,
    root: segments.find((s) => s.parent_id === undefined),
    start_time: Math.min(...starts),
    end_time: Math.max(...entities.map((e) => e.end_time ?? e.start_time)),
    updated_at: 0,
  };
}

let ids = 0;
/** A raw entity from start and end in milliseconds after T (end null: in progress). */
function doc(name: string, startMs: number, endMs: number | null, fields: Partial<RawEntity> = {}): RawEntity {
  const times = endMs === null ? { in_progress: true } : { end_time: T + endMs / 1000 };
  return { name, id: (++ids).toString(16).padStart(16, '0'), start_time: T + startMs / 1000, ...times, ...fields };
}

const node = (name: string, type: string, requests: number, errors: number, faults: number, throttles: number, mean_ms: number): ServiceMapNode => ({
  name,
  type,
  requests,
  errors,
  faults,
  throttles,
  mean_ms,
});
const edge = (source: string, target: string, requests: number, errors: number, faults: number, throttles: number, mean_ms: number): ServiceMapEdge => ({
  source,
  target,
  requests,
  errors,
  faults,
  throttles,
  mean_ms,
});

/** frontend calls orders over HTTP: frontend's subsegment is the parent of orders' segment. */
function frontendToOrders(traceId: string, callMs: number, flags: Partial<RawEntity>): AssembledTrace {
  const call = doc('orders', 10, 10 + callMs, { namespace: 'remote', ...flags });
  const frontend = doc('frontend', 0, callMs + 50, { subsegments: [call] });
  const orders = doc('orders', 12, 8 + callMs, { parent_id: call.id, ...flags });
  return trace(traceId, frontend, orders);
}

describe('service map of the local daemon', () => {
  it('shows a single service with no calls as one node and no edge', () => {
    const map = buildServiceMap([trace('1-a', doc('api', 0, 100)), trace('1-b', doc('api', 0, 300))]);
    assert.deepEqual(map, { nodes: [node('api', 'service', 2, 0, 0, 0, 200)], edges: [] });
  });

  it('counts an edge between instrumented services from the calling subsegments, flags and durations', () => {
    const map = buildServiceMap([
      frontendToOrders('1-a', 300, {}),
      frontendToOrders('1-b', 200, { fault: true, http: { response: { status: 500 } } }),
      frontendToOrders('1-c', 100, { error: true, throttle: true, http: { response: { status: 429 } } }),
    ]);
    assert.deepEqual(map, {
      nodes: [
        // frontend segments: 350, 250, 150 ms; orders segments: 296, 196, 96 ms.
        node('frontend', 'service', 3, 0, 0, 0, 250),
        node('orders', 'service', 3, 1, 1, 1, 196),
      ],
      // The calling subsegments: 300, 200, 100 ms; the remote subsegment is the call, not a node of its own.
      edges: [edge('frontend', 'orders', 3, 1, 1, 1, 200)],
    });
  });

  it('infers AWS resource nodes from aws subsegments, with an edge from the calling service', () => {
    const get = doc('DynamoDB', 0, 20, { namespace: 'aws' });
    const put = doc('DynamoDB', 30, 70, { namespace: 'aws', error: true, throttle: true });
    const send = doc('SQS', 80, 90, { namespace: 'aws', fault: true });
    const assume = doc('STS', 90, 95, { namespace: 'aws' });
    const map = buildServiceMap([trace('1-a', doc('api', 0, 100, { subsegments: [get, put, send, assume] }))]);
    assert.deepEqual(map, {
      nodes: [
        node('DynamoDB', 'AWS::DynamoDB::Table', 2, 1, 0, 1, 30),
        node('SQS', 'AWS::SQS::Queue', 1, 0, 1, 0, 10),
        node('STS', 'AWS::STS', 1, 0, 0, 0, 5),
        node('api', 'service', 1, 0, 0, 0, 100),
      ],
      edges: [
        edge('api', 'DynamoDB', 2, 1, 0, 1, 30),
        edge('api', 'SQS', 1, 0, 1, 0, 10),
        edge('api', 'STS', 1, 0, 0, 0, 5),
      ],
    });
  });

  it('infers a remote node from a remote call with no instrumented callee', () => {
    const pay = doc('payments.example.com', 10, 60, { namespace: 'remote', error: true });
    const map = buildServiceMap([trace('1-a', doc('checkout', 0, 100, { subsegments: [pay] }))]);
    assert.deepEqual(map, {
      nodes: [node('checkout', 'service', 1, 0, 0, 0, 100), node('payments.example.com', 'remote', 1, 1, 0, 0, 50)],
      edges: [edge('checkout', 'payments.example.com', 1, 1, 0, 0, 50)],
    });
  });

  it('links a callee segment to a caller subsegment sent as its own document, only within the same trace', () => {
    const frontend = doc('frontend', 0, 100);
    // A nested call: the edge's source is the service of the subsegment document, found through its parent.
    const inner = doc('inventory', 20, 60, { namespace: 'remote' });
    const lost = doc('billing', 60, 70, { namespace: 'remote' });
    const outer = doc('handler', 10, 80, { type: 'subsegment', parent_id: frontend.id, subsegments: [inner, lost] });
    const inventory = doc('inventory', 25, 55, { parent_id: inner.id });
    // Ids link within a trace only: a segment of another trace naming a parent of this one is not its callee,
    // so the subsegment stays a remote call and the segment an unconnected service.
    const billing = doc('billing', 0, 10, { parent_id: lost.id });
    const map = buildServiceMap([trace('1-a', frontend, outer, inventory), trace('1-b', billing)]);
    assert.deepEqual(map, {
      nodes: [
        node('billing', 'remote', 1, 0, 0, 0, 10),
        node('billing', 'service', 1, 0, 0, 0, 10),
        node('frontend', 'service', 1, 0, 0, 0, 100),
        node('inventory', 'service', 1, 0, 0, 0, 30),
      ],
      edges: [edge('frontend', 'billing', 1, 0, 0, 0, 10), edge('frontend', 'inventory', 1, 0, 0, 0, 40)],
    });
  });

  it('counts in-progress segments and calls as requests, but not in the mean duration', () => {
    const done = doc('orders', 10, 40, { namespace: 'remote' });
    const pending = doc('orders', 50, null, { namespace: 'remote' });
    const frontend = doc('frontend', 0, null, { subsegments: [done, pending] });
    const map = buildServiceMap([
      trace('1-a', frontend, doc('orders', 12, 38, { parent_id: done.id }), doc('orders', 52, null, { parent_id: pending.id })),
    ]);
    assert.deepEqual(map, {
      nodes: [node('frontend', 'service', 1, 0, 0, 0, 0), node('orders', 'service', 2, 0, 0, 0, 26)],
      edges: [edge('frontend', 'orders', 2, 0, 0, 0, 30)],
    });
  });

  it('gives a caller whose segment has not arrived yet a node without requests, so every edge has both ends', () => {
    const query = doc('DynamoDB', 10, 30, { namespace: 'aws' });
    const api = doc('api', 0, null);
    const whole = trace('1-a', api, doc('handler', 5, 40, { type: 'subsegment', parent_id: api.id, subsegments: [query] }));
    // Only the streamed subsegment document has arrived: drop the segment the helper needed to flatten it.
    const streamed: AssembledTrace = { ...whole, segments: [], root: undefined, entities: whole.entities.filter((e) => e.kind === 'subsegment') };
    assert.deepEqual(buildServiceMap([streamed]), {
      nodes: [node('DynamoDB', 'AWS::DynamoDB::Table', 1, 0, 0, 0, 20), node('api', 'service', 0, 0, 0, 0, 0)],
      edges: [edge('api', 'DynamoDB', 1, 0, 0, 0, 20)],
    });
  });

  it('makes no node or edge for local subsegments, nor for a call to a segment of the same service', () => {
    const local = doc('render', 10, 20, { subsegments: [doc('template', 12, 18)] });
    const self = doc('worker', 30, 80, { namespace: 'remote' });
    const worker = doc('worker', 0, 100, { subsegments: [local, self] });
    const map = buildServiceMap([trace('1-a', worker, doc('worker', 32, 78, { parent_id: self.id }))]);
    assert.deepEqual(map, { nodes: [node('worker', 'service', 2, 0, 0, 0, 73)], edges: [] });
  });

  it("types a service by its segments' origin, the first one seen", () => {
    const map = buildServiceMap([
      trace('1-a', doc('api', 0, 10)),
      trace('1-b', doc('api', 0, 10, { origin: 'AWS::ECS::Fargate' })),
      trace('1-c', doc('api', 0, 10, { origin: 'AWS::EC2::Instance' })),
    ]);
    assert.deepEqual(map.nodes, [node('api', 'AWS::ECS::Fargate', 3, 0, 0, 0, 10)]);
  });

  it('merges a downstream node into the service of the same name and type, and keeps it apart otherwise', () => {
    const invoke = doc('Lambda', 10, 30, { namespace: 'aws' });
    const fetch = doc('orders', 40, 50, { namespace: 'remote' });
    const api = doc('api', 0, 100, { subsegments: [invoke, fetch] });
    const lambda = doc('Lambda', 0, 40, { origin: 'AWS::Lambda::Function' });
    const orders = doc('orders', 0, 30);
    const map = buildServiceMap([trace('1-a', api), trace('1-b', lambda), trace('1-c', orders)]);
    assert.deepEqual(map.nodes, [
      node('Lambda', 'AWS::Lambda::Function', 2, 0, 0, 0, 30),
      node('api', 'service', 1, 0, 0, 0, 100),
      node('orders', 'remote', 1, 0, 0, 0, 10),
      node('orders', 'service', 1, 0, 0, 0, 30),
    ]);
  });

  it('sorts nodes by name then type and edges by source then target, whatever the order of traces', () => {
    const calls = (service: string, ...targets: string[]): AssembledTrace =>
      trace(`1-${service}`, doc(service, 0, 100, { subsegments: targets.map((t, i) => doc(t, i, i + 1, { namespace: 'remote' })) }));
    // zeta's origin makes its service node sort before its remote node of the same name.
    const origin = trace('1-origin', doc('zeta', 0, 10, { origin: 'AWS::EC2::Instance' }));
    const traces = [calls('zeta', 'b.example', 'a.example'), calls('Zeta', 'zeta'), calls('alpha', 'c.example', 'a.example'), origin];
    const map = buildServiceMap(traces);
    // Code-unit order, so that the map does not depend on the locale: upper case sorts before lower case.
    assert.deepEqual(
      map.nodes.map((n) => `${n.name}/${n.type}`),
      ['Zeta/service', 'a.example/remote', 'alpha/service', 'b.example/remote', 'c.example/remote', 'zeta/AWS::EC2::Instance', 'zeta/remote'],
    );
    assert.deepEqual(
      map.edges.map((e) => `${e.source}->${e.target}`),
      ['Zeta->zeta', 'alpha->a.example', 'alpha->c.example', 'zeta->a.example', 'zeta->b.example'],
    );
    assert.deepEqual(buildServiceMap([...traces].reverse()), map);
    assert.deepEqual(buildServiceMap(traces), map);
  });
});
