import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { SegmentDocument } from '../../src/index';
import { httpGet, startApp } from '../helpers/child-app';
import type { Reply, RunningApp } from '../helpers/child-app';
import { collectIds } from '../helpers/collect-ids';
import { SharedDaemon, summarize } from '../helpers/shared-daemon';
import type { XRayDocument, XRayEntity } from '../helpers/shared-daemon';

// A migration: one trace crosses services still on the AWS X-Ray SDK for Node (aws-xray-sdk-core and
// aws-xray-sdk-express 3.12.0, started with plain node) and services on otel-xray (the same express app under
// `node --require ./register.js`, configured by environment variables only), all sending to ONE stand-in daemon.
// Fixture apps: test/fixtures/apps/interop/.

const NO_OP_HEADER = 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0';
/** How long a trace may take to arrive in full, and how long we give documents that should not come. */
const TRACE_SECONDS = 5;
const STRAGGLER_MILLIS = 300;

interface Chain {
  readonly title: string;
  /** Service names, the first hop (the one the test calls) first. */
  readonly names: readonly [string, string, string];
  front?: RunningApp;
}

describe('interop with the AWS X-Ray SDK for Node: one trace across X-Ray SDK and otel-xray services, one daemon', function () {
  this.timeout(30_000);
  const daemon = new SharedDaemon();
  let daemonAddress = '';
  const running: RunningApp[] = [];
  let backend: Server;
  let backendUrl = '';

  const xrayFirst: Chain = { title: 'X-Ray SDK → otel-xray → X-Ray SDK', names: ['xray-front', 'otel-middle', 'xray-back'] };
  const otelFirst: Chain = { title: 'otel-xray → X-Ray SDK → otel-xray', names: ['otel-front', 'xray-middle', 'otel-back'] };
  let otelBack: RunningApp;
  let xrayNeverSampling: RunningApp;
  let xrayCaller: RunningApp;
  let otelCaller: RunningApp;

  /** A service on the X-Ray SDK, named `name`, calling `downstream` (a URL) on every request if given. */
  async function startXRaySdkService(name: string, downstream?: string, env: Record<string, string> = {}): Promise<RunningApp> {
    // Plain node: no otel-xray in this process.
    const app = await startApp('interop/xray-sdk-app.js', {
      AWS_XRAY_DAEMON_ADDRESS: daemonAddress, SERVICE_NAME: name, ...(downstream === undefined ? {} : { DOWNSTREAM_URL: downstream }), ...env,
    }, null);
    running.push(app);
    return app;
  }

  /** The same service on otel-xray, recording every request its caller did not decide against (AWS_XRAY_SAMPLING=false). */
  async function startOtelService(name: string, downstream?: string): Promise<RunningApp> {
    const app = await startApp('interop/otel-app.js', {
      AWS_XRAY_DAEMON_ADDRESS: daemonAddress, AWS_XRAY_TRACING_NAME: name, AWS_XRAY_SAMPLING: 'false',
      ...(downstream === undefined ? {} : { DOWNSTREAM_URL: downstream }),
    });
    running.push(app);
    return app;
  }

  /** A GET from this (untraced) test process, bounded. */
  function ask(app: RunningApp, path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return withinSeconds(TRACE_SECONDS, `an answer to GET ${path}`, httpGet(app.port, path, headers));
  }

  /** Waits for the trace whose first hop served `path`, until every service of `names` has sent its finished segment. */
  async function waitForTrace(names: readonly string[], path: string): Promise<string> {
    let traceId = '';
    await daemon.until((docs) => {
      const first = finishedSegments(docs).find((s) => s.name === names[0] && pathOf(s) === path);
      if (first === undefined) return false;
      traceId = first.trace_id;
      const inTrace = finishedSegments(docs).filter((s) => s.trace_id === traceId);
      return names.every((name) => inTrace.some((s) => s.name === name));
    }, TRACE_SECONDS, `the trace of ${path} through ${names.join(', ')}`);
    return traceId;
  }

  /** The documents of one trace. */
  const documentsOf = (traceId: string): XRayDocument[] => daemon.documents.filter((d) => d.trace_id === traceId);

  /**
   * After a request that should record nothing: documents go out as each segment ends, so some may still be on
   * their way. A sampled request through the same first hop, then a short pause, bounds that wait; afterwards every
   * document must belong to that marker's trace.
   */
  async function assertNothingRecordedBesidesMarker(first: RunningApp, names: readonly string[], markerPath: string): Promise<void> {
    const marker = await ask(first, markerPath);
    assert.equal(marker.status, 200);
    const markerTrace = await waitForTrace(names, markerPath);
    await sleep(STRAGGLER_MILLIS);
    const stray = daemon.documents.filter((d) => d.trace_id !== markerTrace);
    assert.equal(stray.length, 0, `documents were recorded for a request that was not sampled:\n${summarize(stray)}`);
  }

  /** The schema found nothing wrong with any document received (the X-Ray SDK's own two extra fields aside). */
  function assertDocumentsValid(): void {
    assert.deepEqual(daemon.problems, []);
  }

  before(async () => {
    daemonAddress = await daemon.start();
    backend = await startBackend();
    backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}/inventory?item=7`;

    // Last hops first: each service is given the URL of the next one.
    const [xrayBack, otelBackStarted] = await Promise.all([startXRaySdkService('xray-back'), startOtelService('otel-back')]);
    otelBack = otelBackStarted;
    const [otelMiddle, xrayMiddle] = await Promise.all([
      startOtelService('otel-middle', urlOf(xrayBack, '/from-otel-middle')),
      startXRaySdkService('xray-middle', urlOf(otelBack, '/from-xray-middle')),
    ]);
    [xrayFirst.front, otelFirst.front, xrayNeverSampling, xrayCaller, otelCaller] = await Promise.all([
      startXRaySdkService('xray-front', urlOf(otelMiddle, '/from-xray-front')),
      startOtelService('otel-front', urlOf(xrayMiddle, '/from-otel-front')),
      startXRaySdkService('xray-never-sampling', urlOf(otelBack, '/from-xray-never-sampling'), { NEVER_SAMPLE: '1' }),
      startXRaySdkService('xray-caller', backendUrl),
      startOtelService('otel-caller', backendUrl),
    ]);
  });
  beforeEach(() => daemon.clear());
  after(async () => {
    await Promise.all(running.map((app) => withinSeconds(5, 'a service to stop', app.stop())));
    await daemon.close();
    backend.closeAllConnections(); // the services' keep-alive sockets would hold close() open
    await new Promise((resolve) => backend.close(resolve));
  });

  for (const chain of [xrayFirst, otelFirst]) {
    describe(chain.title, () => {
      it('is one trace: every hop answers 200, and every parent_id names an entity that was received', async () => {
        const reply = await ask(chain.front!, '/checkout');
        assert.deepEqual(hopStatuses(reply), [200, 200, 200]);
        const traceId = await waitForTrace(chain.names, '/checkout');
        await sleep(STRAGGLER_MILLIS);
        assert.deepEqual(traceIdsReceived(daemon.documents), [traceId], `one trace id across all hops:\n${summarize(daemon.documents)}`);
        assertEveryParentReceived(daemon.documents);
        assertCallerToCallee(documentsOf(traceId), chain.names);
        assert.equal(segmentNamed(documentsOf(traceId), chain.names[0]).parent_id, undefined, 'the first hop starts the trace');
        assertDocumentsValid();
      });

      it('continues a load balancer\'s Root-only header at the first hop: its trace id everywhere, no parent_id there', async () => {
        const root = newRootId();
        const reply = await ask(chain.front!, '/from-load-balancer', { 'X-Amzn-Trace-Id': `Root=${root}` });
        assert.deepEqual(hopStatuses(reply), [200, 200, 200]);
        const traceId = await waitForTrace(chain.names, '/from-load-balancer');
        assert.equal(traceId, root, 'the first hop keeps the load balancer\'s trace id');
        await sleep(STRAGGLER_MILLIS);
        assert.deepEqual(traceIdsReceived(daemon.documents), [root], summarize(daemon.documents));
        assert.equal(segmentNamed(documentsOf(root), chain.names[0]).parent_id, undefined, 'no Parent in the header, no parent_id');
        assertEveryParentReceived(daemon.documents);
        assertCallerToCallee(documentsOf(root), chain.names);
        assertDocumentsValid();
      });

      const unsampledHeaders: Array<[string, () => string]> = [
        ['the no-op ids (Root=1-00000000-…;Parent=0000000000000000;Sampled=0)', () => NO_OP_HEADER],
        // What the X-Ray SDK itself sends on when it got the no-op ids: the no-op Root, its own subsegment as Parent.
        ['the no-op Root with a real Parent (Root=1-00000000-…;Parent=<id>;Sampled=0)', () => `Root=1-00000000-000000000000000000000000;Parent=${randomBytes(8).toString('hex')};Sampled=0`],
        ['a real Root and Parent with Sampled=0', () => `Root=${newRootId()};Parent=${randomBytes(8).toString('hex')};Sampled=0`],
      ];
      for (const [label, header] of unsampledHeaders) {
        it(`records nothing at any hop for ${label}, and every hop still answers 200`, async () => {
          const reply = await ask(chain.front!, '/not-sampled', { 'X-Amzn-Trace-Id': header() });
          assert.deepEqual(hopStatuses(reply), [200, 200, 200]);
          await assertNothingRecordedBesidesMarker(chain.front!, chain.names, '/marker');
          assertDocumentsValid();
        });
      }
    });
  }

  it('an X-Ray SDK service that decides not to sample (rate 0, fixed_target 0) → the otel-xray service records nothing either', async () => {
    // No trace header: the X-Ray SDK's own rules decide, and it calls on with Sampled=0.
    const reply = await ask(xrayNeverSampling, '/never');
    assert.deepEqual(hopStatuses(reply), [200, 200]);
    assert.match(String(downstreamOf(reply)?.traceHeader), /;Sampled=0$/, 'the otel-xray service tells its caller it did not sample');
    // The marker goes straight to the otel-xray service (the X-Ray SDK service samples nothing).
    await assertNothingRecordedBesidesMarker(otelBack, ['otel-back'], '/marker');
    assertDocumentsValid();
  });

  describe('the trace header answered to a caller that did not sample (real Root, Sampled=0)', () => {
    it('otel-xray as the first hop answers with the caller\'s Root, not the no-op one', async () => {
      const root = newRootId();
      const reply = await ask(otelFirst.front!, '/not-sampled', { 'X-Amzn-Trace-Id': `Root=${root};Parent=53995c3f42cd8ad8;Sampled=0` });
      assert.equal(reply.headers['x-amzn-trace-id'], `Root=${root};Sampled=0`);
    });

    it('otel-xray called by an X-Ray SDK service that did not sample answers with the Root the X-Ray SDK sent', async () => {
      // The X-Ray SDK front keeps the caller's Root and sends it on with Sampled=0; the body reports what otel-xray answered.
      const root = newRootId();
      const reply = await ask(xrayFirst.front!, '/not-sampled', { 'X-Amzn-Trace-Id': `Root=${root};Parent=53995c3f42cd8ad8;Sampled=0` });
      assert.equal(downstreamOf(reply)?.traceHeader, `Root=${root};Sampled=0`);
    });
  });

  describe('the same request to an X-Ray SDK service and to an otel-xray service records the same http fields', () => {
    // Both serve the same route (test/fixtures/apps/interop/routes.js) and both call the same backend, so the
    // answers are byte for byte the same. The same Host header makes the URLs comparable.
    const headers = { Host: 'shop.example.com', 'User-Agent': 'interop-test/1.0' };

    /** Sends one request to each caller and returns both finished segments, with both replies. */
    async function sameRequestToBoth(path: string, extraHeaders: Record<string, string> = {}) {
      const [xrayReply, otelReply] = await Promise.all([
        ask(xrayCaller, path, { ...headers, ...extraHeaders }),
        ask(otelCaller, path, { ...headers, ...extraHeaders }),
      ]);
      assert.equal(xrayReply.body, otelReply.body, 'both services answered the same bytes');
      await waitForTrace(['xray-caller'], pathOnly(path));
      await waitForTrace(['otel-caller'], pathOnly(path));
      const find = (name: string): XRayDocument => finishedSegments(daemon.documents).find((s) => s.name === name && pathOf(s) === pathOnly(path))!;
      return { xray: find('xray-caller'), otel: find('otel-caller'), xrayReply, otelReply };
    }

    it('for a forwarded request: method, url, user_agent, client_ip, x_forwarded_for, status', async () => {
      const { xray, otel } = await sameRequestToBoth('/compare?id=42&lang=en', { 'X-Forwarded-For': '203.0.113.9, 10.0.0.1' });
      assert.deepEqual(incomingHttpFields(otel), incomingHttpFields(xray));
      // And what both should say, so that agreeing on something wrong does not pass.
      assert.deepEqual(incomingHttpFields(otel), {
        method: 'GET', url: 'http://shop.example.com/compare?id=42&lang=en', user_agent: 'interop-test/1.0',
        client_ip: '203.0.113.9', x_forwarded_for: true, status: 200,
      });
      assertDocumentsValid();
    });

    it('url: the query string as the client sent it (percent-encoding, "/", a key without a value)', async () => {
      const path = '/search?q=a%20b&next=/home&flag';
      const { xray, otel } = await sameRequestToBoth(path);
      assert.equal(xray.http?.request?.url, `http://shop.example.com${path}`, 'the X-Ray SDK records the request target as sent');
      assert.equal(otel.http?.request?.url, xray.http?.request?.url);
    });

    it('for a request straight from the client: client_ip is the socket address in both, not marked forwarded', async () => {
      const { xray, otel } = await sameRequestToBoth('/direct');
      assert.deepEqual(incomingHttpFields(otel), incomingHttpFields(xray));
      assert.equal(otel.http?.request?.client_ip, '127.0.0.1');
      assert.equal(otel.http?.request?.x_forwarded_for, undefined);
    });

    it('content_length of the response: the Content-Length the client got (and the X-Ray SDK\'s, where it records one)', async () => {
      const { xray, otel, otelReply } = await sameRequestToBoth('/length');
      const sent = Number(otelReply.headers['content-length']);
      assert.ok(sent > 0, 'the app answers with a Content-Length');
      assert.equal(otel.http?.response?.content_length, sent, `otel-xray's http.response: ${JSON.stringify(otel.http?.response)}`);
      // The X-Ray SDK reads `res.headers`, which a ServerResponse does not have: it records none for incoming requests.
      if (xray.http?.response?.content_length !== undefined) assert.equal(otel.http?.response?.content_length, xray.http.response.content_length);
    });

    it('for the call to the same backend: name, namespace, method, url (but port and query), status', async () => {
      const { xray, otel } = await sameRequestToBoth('/calls-backend');
      const { content_length: _xrayLength, ...xrayCall } = outgoingHttpFields(remoteCallOf(xray));
      const { content_length: _otelLength, ...otelCall } = outgoingHttpFields(remoteCallOf(otel));
      assert.deepEqual(otelCall, xrayCall);
      assert.deepEqual(otelCall, { name: '127.0.0.1', namespace: 'remote', method: 'GET', url: 'http://127.0.0.1/inventory', status: 200 });
      assertDocumentsValid();
    });

    it('for the call to the same backend: content_length of the backend\'s answer, as the X-Ray SDK records it', async () => {
      const { xray, otel } = await sameRequestToBoth('/calls-backend-length');
      const xrayCall = remoteCallOf(xray);
      assert.equal(xrayCall.http?.response?.content_length, Buffer.byteLength(BACKEND_BODY), 'the X-Ray SDK records it from Content-Length');
      const otelCall = remoteCallOf(otel);
      assert.equal(otelCall.http?.response?.content_length, xrayCall.http?.response?.content_length, `otel-xray's call: ${JSON.stringify(otelCall.http)}`);
    });
  });
});

// ---- the services' answers ----

interface Downstream {
  status: number;
  traceHeader: string | null;
  body: string;
}

/** What the service's own downstream call answered, as the route reports it in its JSON body. */
function downstreamOf(reply: { body: string }): Downstream | undefined {
  try {
    return (JSON.parse(reply.body) as { downstream?: Downstream }).downstream ?? undefined;
  } catch {
    return undefined;
  }
}

/** The status of every hop, the first hop's first: each route reports its downstream's answer inside its own. */
function hopStatuses(reply: Reply): number[] {
  const statuses = [reply.status];
  for (let hop = downstreamOf(reply); hop !== undefined; hop = downstreamOf(hop)) statuses.push(hop.status);
  return statuses;
}

// ---- the documents ----

/** Finished segments (not subsegment documents, not in-progress ones: the X-Ray SDK may send both). */
function finishedSegments(documents: readonly XRayDocument[]): XRayDocument[] {
  return documents.filter((d) => d.type === undefined && d.in_progress !== true && d.end_time !== undefined);
}

function segmentNamed(documents: readonly XRayDocument[], name: string): XRayDocument {
  const segment = finishedSegments(documents).find((s) => s.name === name);
  assert.ok(segment, `no finished segment named ${name}:\n${summarize(documents)}`);
  return segment;
}

function traceIdsReceived(documents: readonly XRayDocument[]): string[] {
  return [...new Set(documents.map((d) => d.trace_id))];
}

/** Every parent_id, of segments and of subsegments sent alone, names a segment or subsegment received. */
function assertEveryParentReceived(documents: readonly XRayDocument[]): void {
  const ids = collectIds(documents as unknown as SegmentDocument[]);
  const dangling = documents.filter((d) => d.parent_id !== undefined && !ids.has(d.parent_id));
  assert.equal(dangling.length, 0, `parent_id naming nothing received:\n${summarize(dangling)}\namong:\n${summarize(documents)}`);
}

/**
 * Each service's segment hangs under the outgoing-call subsegment of the service before it: its parent_id is a
 * `remote` subsegment of the caller (embedded in the caller's segment, or sent alone under it).
 */
function assertCallerToCallee(documents: readonly XRayDocument[], names: readonly string[]): void {
  for (let hop = 1; hop < names.length; hop++) {
    const caller = segmentNamed(documents, names[hop - 1]!);
    const callee = segmentNamed(documents, names[hop]!);
    assert.ok(callee.parent_id !== undefined, `${callee.name} has no parent_id`);
    const call = findEntity(documents, callee.parent_id);
    assert.ok(call, `${callee.name}'s parent_id ${callee.parent_id} names nothing received`);
    assert.equal(ownerSegment(documents, callee.parent_id)?.id, caller.id, `${callee.name}'s parent belongs to ${caller.name}`);
    assert.equal(call.namespace, 'remote', `${callee.name}'s parent is ${caller.name}'s outgoing call: ${JSON.stringify(call)}`);
  }
}

function* entitiesOf(entity: XRayEntity): Generator<XRayEntity> {
  yield entity;
  for (const child of entity.subsegments ?? []) yield* entitiesOf(child);
}

function findEntity(documents: readonly XRayDocument[], id: string): XRayEntity | undefined {
  for (const doc of documents) for (const entity of entitiesOf(doc)) if (entity.id === id) return entity;
  return undefined;
}

/** The segment an entity belongs to, following subsegments sent alone up their parent_id. */
function ownerSegment(documents: readonly XRayDocument[], id: string, depth = 0): XRayDocument | undefined {
  const doc = documents.find((d) => [...entitiesOf(d)].some((e) => e.id === id));
  if (doc === undefined || depth > 20) return undefined;
  if (doc.type !== 'subsegment') return doc;
  return doc.parent_id === undefined ? undefined : ownerSegment(documents, doc.parent_id, depth + 1);
}

/** The first outgoing-call (`remote`) subsegment anywhere under a segment. */
function remoteCallOf(segment: XRayDocument): XRayEntity {
  const call = [...entitiesOf(segment)].find((e) => e.namespace === 'remote');
  assert.ok(call, `${segment.name} has no remote subsegment: ${JSON.stringify(segment)}`);
  return call;
}

/** The incoming-request fields both record (content_length apart: the X-Ray SDK does not record it, see above). */
function incomingHttpFields(segment: XRayDocument): Record<string, unknown> {
  const request = segment.http?.request ?? {};
  return {
    method: request.method, url: request.url, user_agent: request.user_agent,
    client_ip: request.client_ip, x_forwarded_for: request.x_forwarded_for, status: segment.http?.response?.status,
  };
}

/**
 * The outgoing-call fields, the URL as scheme://hostname/path: the X-Ray SDK drops the port and the query from
 * the URLs of calls.
 */
function outgoingHttpFields(call: XRayEntity): Record<string, unknown> {
  const url = call.http?.request?.url;
  const parsed = url === undefined ? undefined : new URL(url);
  return {
    name: call.name, namespace: call.namespace, method: call.http?.request?.method,
    url: parsed === undefined ? undefined : `${parsed.protocol}//${parsed.hostname}${parsed.pathname}`,
    status: call.http?.response?.status, content_length: call.http?.response?.content_length,
  };
}

/** The path of a segment's request URL (query excluded). */
function pathOf(segment: XRayDocument): string | undefined {
  const url = segment.http?.request?.url;
  return url === undefined ? undefined : new URL(url).pathname;
}

const pathOnly = (path: string): string => path.split('?')[0]!;

// ---- small utilities ----

const BACKEND_BODY = '{"item":7,"stock":3}';

/** An untraced backend in this process that both callers call: the same answer for both. */
async function startBackend(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', Buffer.byteLength(BACKEND_BODY));
    res.end(BACKEND_BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const urlOf = (app: RunningApp, path: string): string => `http://127.0.0.1:${app.port}${path}`;

/** A fresh X-Ray trace id: 1-<epoch seconds, hex>-<96 random bits>. */
function newRootId(): string {
  return `1-${Math.floor(Date.now() / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
}

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

/** `promise`, or a rejection naming `what` after `seconds`. */
function withinSeconds<T>(seconds: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${seconds} s for ${what}`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
