import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Segment, Subsegment } from '../../src/index';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { UdpSink } from '../helpers/udp-sink';

describe('outgoing ignore rules in a traced app (AWS_XRAY_IGNORE_OUTGOING and ignoreOutgoing())', function () {
  this.timeout(20_000);
  const sink = new UdpSink();
  let backend: Server;
  let app: RunningApp;
  const seen: string[] = [];

  before(async () => {
    backend = createServer((req, res) => {
      seen.push(`${String(req.headers.host)}${req.url} ${req.headers['x-amzn-trace-id'] === undefined ? 'no-header' : 'header'}`);
      res.end(req.url);
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const daemonPort = await sink.start();
    app = await startApp('outgoing-app.js', {
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemonPort}`,
      AWS_XRAY_SAMPLING: 'false',
      AWS_XRAY_IGNORE_OUTGOING: '[{"hostname":"localhost"}]',
      BACKEND_PORT: String((backend.address() as AddressInfo).port),
    });
  });
  after(async () => {
    await app.stop();
    await sink.close();
    await new Promise((resolve) => backend.close(resolve));
  });

  it('traces only the calls no rule matches; ignored calls still happen, without a trace header', async () => {
    const reply = await httpGet(app.port, '/');
    assert.deepEqual(JSON.parse(reply.body), ['/data', '/health?deep=1', '/data', '/fetched']);
    await sink.waitFor(1);
    const segment = sink.documents[0] as Segment;
    const calls = (segment.subsegments ?? []) as Subsegment[];
    assert.deepEqual(calls.map((c) => c.http?.request?.url), [`http://127.0.0.1:${(backend.address() as AddressInfo).port}/data`]);
    // Only the traced call carried the trace onward.
    assert.deepEqual(seen.filter((s) => s.endsWith(' header')).map((s) => s.replace(/:\d+/, '')), ['127.0.0.1/data header']);
    assert.equal(app.stderr(), '');
  });
});
