/**
 * The service map of `otel-xray local`, computed the way the X-Ray console draws it: a node per instrumented service
 * (its segments), a node per downstream resource it called without instrumentation (its remote/aws subsegments),
 * and an edge per caller → callee pair, counted from the calling subsegments.
 */

import type { AssembledTrace, TraceEntity } from './model';

export interface ServiceMapNode {
  name: string;
  type: string;
  requests: number;
  errors: number;
  faults: number;
  throttles: number;
  mean_ms: number;
}

export interface ServiceMapEdge {
  source: string;
  target: string;
  requests: number;
  errors: number;
  faults: number;
  throttles: number;
  mean_ms: number;
}

export interface ServiceMap {
  nodes: ServiceMapNode[];
  edges: ServiceMapEdge[];
}

/** The type of an instrumented service whose segments name no origin. */
const SERVICE = 'service';

/**
 * Resource types X-Ray gives the AWS services an SDK calls, by subsegment name. A Map rather than an object literal,
 * so that a subsegment named `constructor` or `toString` cannot pick up a prototype member.
 */
const AWS_RESOURCE_TYPES: ReadonlyMap<string, string> = new Map([
  ['DynamoDB', 'AWS::DynamoDB::Table'],
  ['SQS', 'AWS::SQS::Queue'],
  ['SNS', 'AWS::SNS::Topic'],
  ['S3', 'AWS::S3::Bucket'],
  ['Lambda', 'AWS::Lambda::Function'],
  ['Kinesis', 'AWS::Kinesis::Stream'],
]);

/** Running counts of a node or edge; the mean is taken at the end, over completed entities only. */
interface Tally {
  requests: number;
  errors: number;
  faults: number;
  throttles: number;
  completed: number;
  totalMs: number;
}

const newTally = (): Tally => ({ requests: 0, errors: 0, faults: 0, throttles: 0, completed: 0, totalMs: 0 });

function count(tally: Tally, entity: TraceEntity): void {
  tally.requests++;
  // Flags are counted independently: a 429 is both an error and a throttle.
  if (entity.raw.error === true) tally.errors++;
  if (entity.raw.fault === true) tally.faults++;
  if (entity.raw.throttle === true) tally.throttles++;
  // An in-progress entity is a request, but has no duration yet.
  if (entity.end_time !== undefined) {
    tally.completed++;
    tally.totalMs += (entity.end_time - entity.start_time) * 1000;
  }
}

function merge(into: Tally, from: Tally): void {
  into.requests += from.requests;
  into.errors += from.errors;
  into.faults += from.faults;
  into.throttles += from.throttles;
  into.completed += from.completed;
  into.totalMs += from.totalMs;
}

function stats(tally: Tally): Omit<ServiceMapNode, 'name' | 'type'> {
  // Epoch seconds in a double carry noise below the microsecond (1e-3 ms), the precision X-Ray timestamps have.
  const mean = tally.completed === 0 ? 0 : Math.round((tally.totalMs / tally.completed) * 1000) / 1000;
  const { requests, errors, faults, throttles } = tally;
  return { requests, errors, faults, throttles, mean_ms: mean };
}

/** The node type of an uninstrumented callee, or undefined for a subsegment that is local work. */
function downstreamType(subsegment: TraceEntity): string | undefined {
  if (subsegment.namespace === 'remote') return 'remote';
  if (subsegment.namespace === 'aws') return AWS_RESOURCE_TYPES.get(subsegment.name) ?? `AWS::${subsegment.name}`;
  return undefined;
}

/** Code-unit order, not localeCompare: the map must come out the same whatever the machine's locale. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function buildServiceMap(traces: Iterable<AssembledTrace>): ServiceMap {
  const services = new Map<string, { type: string; tally: Tally }>();
  // JSON keys for pairs: no separator character a name could contain can make two pairs collide.
  const downstream = new Map<string, { name: string; type: string; tally: Tally }>();
  const edges = new Map<string, { source: string; target: string; tally: Tally }>();

  // A caller gets a node even before its own segment arrives (only streamed subsegments so far), so that every
  // edge's source is a node of the map.
  const service = (name: string): { type: string; tally: Tally } => {
    let node = services.get(name);
    if (node === undefined) services.set(name, (node = { type: SERVICE, tally: newTally() }));
    return node;
  };
  const edge = (source: string, target: string): Tally => {
    const key = JSON.stringify([source, target]);
    let found = edges.get(key);
    if (found === undefined) edges.set(key, (found = { source, target, tally: newTally() }));
    return found.tally;
  };
  const downstreamNode = (name: string, type: string): Tally => {
    const key = JSON.stringify([name, type]);
    let found = downstream.get(key);
    if (found === undefined) downstream.set(key, (found = { name, type, tally: newTally() }));
    return found.tally;
  };

  for (const trace of traces) {
    // The services each entity is the parent of: links are by id, so only within one trace.
    const callees = new Map<string, Set<string>>();
    for (const segment of trace.segments) {
      const node = service(segment.name);
      const origin = segment.raw.origin;
      if (node.type === SERVICE && typeof origin === 'string' && origin !== '') node.type = origin;
      count(node.tally, segment);
      if (segment.parent_id === undefined) continue;
      let called = callees.get(segment.parent_id);
      if (called === undefined) callees.set(segment.parent_id, (called = new Set()));
      called.add(segment.name);
    }

    for (const entity of trace.entities) {
      if (entity.kind !== 'subsegment') continue;
      const called = callees.get(entity.id);
      if (called !== undefined) {
        // An instrumented callee: the call is an edge, and the callee's segments already make its node.
        for (const callee of called) {
          if (callee === entity.service) continue;
          service(entity.service);
          count(edge(entity.service, callee), entity);
        }
        continue;
      }
      const type = downstreamType(entity);
      if (type === undefined) continue;
      count(downstreamNode(entity.name, type), entity);
      service(entity.service);
      count(edge(entity.service, entity.name), entity);
    }
  }

  const nodes: ServiceMapNode[] = [];
  for (const { name, type, tally } of downstream.values()) {
    // A downstream resource with the name and type of an instrumented service is that service's node.
    const same = services.get(name);
    if (same?.type === type) merge(same.tally, tally);
    else nodes.push({ name, type, ...stats(tally) });
  }
  for (const [name, { type, tally }] of services) nodes.push({ name, type, ...stats(tally) });
  nodes.sort((a, b) => compare(a.name, b.name) || compare(a.type, b.type));

  const edgeList: ServiceMapEdge[] = [...edges.values()].map(({ source, target, tally }) => ({ source, target, ...stats(tally) }));
  edgeList.sort((a, b) => compare(a.source, b.source) || compare(a.target, b.target));
  return { nodes, edges: edgeList };
}
