import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { assertValidDocument } from '../helpers/assert-document';

const ROOT = resolve(__dirname, '../../..');

function runSample(name: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [resolve(ROOT, 'samples/run.js'), name], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } }, (err, stdout) => {
      done({ code: err === null ? 0 : (err as { code?: number }).code ?? 1, out: stdout });
    });
  });
}

describe('the samples the README points to run end to end', function () {
  this.timeout(20_000);
  for (const name of ['express', 'fastify', 'koa', 'env-only', 'nodesdk']) {
    it(`${name}: three requests, three traces`, async () => {
      const { code, out } = await runSample(name);
      assert.equal(code, 0, out);
      const received = Number(/(\d+) segment documents received/.exec(out)?.[1]);
      assert.ok(received >= 3, out);
      assert.equal(out.match(/^trace 1-/gm)?.length, 3, out);
      assert.match(out, /^trace 1-5759e988-bd862e3fe1be46a994272793$/m, 'the Root-only request continued its trace');
      assert.match(out, /Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1/, 'the response carries the trace header');
    });
  }

  it('recorder: subsegments from inSubsegment, capture and patched modules; a worker thread in the request\'s trace; a failure', async () => {
    const { code, out } = await runSample('recorder');
    assert.equal(code, 0, out);
    // Four traces: the three requests, and the health check the ignored outgoing call made (it carried no header).
    assert.equal(out.match(/^trace 1-/gm)?.length, 4, out);
    assert.match(out, /└ price lookup /);
    assert.match(out, /└ load order [^\n]*\n\s+└ inventory\.reserve /);
    assert.match(out, /└ charge card [^\n]*!fault/);
    const checkout = out.split('\n\n').find((block) => block.startsWith('trace ') && block.includes('/checkout'))!;
    assert.match(checkout, /render invoice in a worker/, 'the worker\'s subsegment is in the checkout trace');
  });

  it('lambda: the function\'s work under Lambda\'s segments, sent before each invocation returns; nothing for Sampled=0', async () => {
    const { code, out } = await runSample('lambda');
    assert.equal(code, 0, out);
    assert.match(out, /^2 segment documents received/m, out);
    assert.equal(out.match(/^trace 1-/gm)?.length, 2, out);
    assert.match(out, /■ order-function [^\n]*GET https:\/\/api\.example\.com\/orders\/42 → 200\n\s+└ DynamoDB \[aws\] GetItem [^\n]*\n\s+└ 127\.0\.0\.1 \[remote\]/);
    assert.match(out, /■ order-function [^\n]*\/orders\/7 [^\n]*!fault/);
    const handler = JSON.parse(out.slice(out.indexOf('{', out.indexOf("The handler's subsegment, as sent:")))) as { type: string; parent_id: string };
    assertValidDocument(handler);
    assert.equal(handler.type, 'subsegment');
  });

  it('demo (npm run demo -- --once): otel-xray local and two traced services; the trees, the map, the viewer', async () => {
    const out = await new Promise<string>((done, fail) => {
      execFile(process.execPath, [resolve(ROOT, 'samples/demo/run.js'), '--once'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } }, (err, stdout) => (err ? fail(new Error(`${String(err)}\n${stdout}`)) : done(stdout)));
    });
    assert.match(out, /^GET \/missing → 404$/m);
    assert.match(out, /^GET \/fail → 500$/m);
    assert.equal(out.match(/^trace 1-/gm)?.length, 4, out);
    // The checkout crosses both services, with each one's query, and the worker thread's subsegment.
    assert.match(out, /└ 127\.0\.0\.1 \[remote\][^\n]*\/stock\/7 → 200\n\s+└ inventory [^\n]*\n\s+└ request handler[^\n]*\n\s+└ inventory@db\.internal \[remote\]/);
    assert.match(out, /└ render invoice in a worker /);
    assert.match(out, /■ shop [^\n]*\/fail → 500  !fault/);
    assert.match(out, /^4 traces; service map: inventory, inventory@db\.internal, shop, shop@db\.internal; edges: inventory → inventory@db\.internal, shop → inventory, shop → shop@db\.internal$/m);
    assert.match(out, /^Open http:\/\/127\.0\.0\.1:\d+ to see them/m);
  });

  it('translate-spans: prints each document as the daemon receives it, every one valid', async () => {
    const out = await new Promise<string>((done, fail) => {
      execFile(process.execPath, [resolve(ROOT, 'samples/translate-spans/main.js')], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } }, (err, stdout) => (err ? fail(err) : done(stdout)));
    });
    const parts = out.split(/^--- one UDP datagram, \d+ bytes ---\n/m).slice(1);
    assert.ok(parts.length >= 1, out);
    for (const part of parts) {
      const [header, ...json] = part.split('\n');
      assert.equal(header, '{"format":"json","version":1}');
      assertValidDocument(JSON.parse(json.join('\n')));
    }
  });

  it('env-only: dynamic naming and URLs as annotations come from env.json alone', async () => {
    const { out } = await runSample('env-only');
    assert.match(out, /■ eu\.shop\.example /);
    assert.match(out, /"http_url": "http:\/\/127\.0\.0\.1:\d+\/orders\/42"|"http_url"/);
  });
});
