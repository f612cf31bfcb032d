import * as assert from 'node:assert/strict';
import type { Segment, Subsegment } from '../../src/index';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { collectIds } from '../helpers/collect-ids';
import { UdpSink } from '../helpers/udp-sink';
import { assertChildHealthy } from './harness';

/** Every secret the app and its caller pass around; none may be in any datagram. */
const SECRETS = [
  'in-basic-444', 'in-cookie-555', 'in-apikey-666', 'hunter2', 'in-ssn-777', // incoming headers and query
  'out-token-123', 'url-pass-456', 'out-bearer-789', 'out-apikey-000', // node:http call: query, URL credentials, headers
  'fetch-key-111', 'fetch-cookie-222', // fetch call: query, Cookie
  'set-cookie-333', 'backend-cookie-888', // Set-Cookie of both responses
];

describe('reliability: secrets are in no datagram', function () {
  this.timeout(20_000);
  const sink = new UdpSink();
  let app: RunningApp;

  before(async () => {
    const daemon = `127.0.0.1:${await sink.start()}`;
    app = await startApp('reliability/secrets-app.js', {
      AWS_XRAY_DAEMON_ADDRESS: daemon,
      AWS_XRAY_TRACING_NAME: 'login',
      AWS_XRAY_SAMPLING: 'false',
      // Everything that copies URLs elsewhere, on: annotations too must stay clean.
      AWS_XRAY_URLS_AS_ANNOTATION: 'ALL',
      AWS_XRAY_REDACTED_QUERY_PARAMS: 'ssn',
    });
  });
  after(async () => {
    await app.stop();
    await sink.close();
  });

  it('Authorization, Cookie, Set-Cookie, x-api-key, secret query values and URL credentials: recorded nowhere', async () => {
    const reply = await httpGet(app.port, '/login?user=ann&password=hunter2&ssn=in-ssn-777', {
      Authorization: 'Basic in-basic-444',
      Cookie: 'sid=in-cookie-555',
      'x-api-key': 'in-apikey-666',
    });
    assert.equal(reply.body, 'welcome');
    // The request's segment with its two calls, and the backend's two segments.
    await sink.until((docs) => collectIds(docs).size >= 5 && docs.filter((d) => (d as { type?: string }).type === undefined).length >= 3);
    const everything = JSON.stringify(sink.documents);
    assert.deepEqual(SECRETS.filter((secret) => everything.includes(secret)), []);

    // What is recorded instead: the URLs with the secret values redacted, other parameters as sent.
    const login = sink.documents.find((d) => d.name === 'login' && d.http?.request?.url?.includes('/login')) as Segment;
    assert.equal(login.http?.request?.url, `http://127.0.0.1:${app.port}/login?user=ann&password=REDACTED&ssn=REDACTED`);
    const calls: Subsegment[] = [];
    const visit = (entity: Subsegment): void => {
      if (entity.namespace === 'remote') calls.push(entity);
      for (const child of entity.subsegments ?? []) visit(child);
    };
    visit(login as unknown as Subsegment);
    const urls = calls.map((call) => call.http?.request?.url ?? '').sort();
    assert.equal(urls.length, 2);
    assert.match(urls[0]!, /^http:\/\/127\.0\.0\.1:\d+\/api\?token=REDACTED&item=7$/);
    assert.match(urls[1]!, /^http:\/\/127\.0\.0\.1:\d+\/f\?api_key=REDACTED&page=2$/);
    await assertChildHealthy(app);
  });
});
