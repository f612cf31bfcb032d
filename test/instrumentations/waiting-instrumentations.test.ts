import * as assert from 'node:assert/strict';
import { TRIGGER_PACKAGES, WaitingInstrumentations } from '../../src/waiting-instrumentations';

/** Which require() brings in an instrumentation that waits for its library, and that it does so once. */
describe('WaitingInstrumentations', () => {
  const all = Object.keys(TRIGGER_PACKAGES);

  it('names the instrumentation for a package, a file in it, or a package of its scope', () => {
    const cases: Array<[string, string]> = [
      ['express', 'express'],
      ['express/lib/router', 'express'],
      ['pg', 'pg'],
      ['pg-pool', 'pg'],
      ['@aws-sdk/client-s3', 'aws-sdk'],
      ['@aws-sdk/client-dynamodb/dist-cjs/index.js', 'aws-sdk'],
      ['@smithy/smithy-client', 'aws-sdk'],
      ['mongodb', 'mongodb'],
    ];
    for (const [id, expected] of cases) assert.equal(new WaitingInstrumentations(all).take(id), expected, id);
  });

  it('names the instrumentation for a path into its package folder', () => {
    assert.equal(new WaitingInstrumentations(all).take('/srv/app/node_modules/express/index.js'), 'express');
    assert.equal(new WaitingInstrumentations(all).take('C:\\app\\node_modules\\koa\\lib\\application.js'), 'koa');
    assert.equal(new WaitingInstrumentations(all).take('../node_modules/@aws-sdk/client-sqs/dist-cjs/index.js'), 'aws-sdk');
  });

  it('names nothing for other packages, look-alikes, built-ins and relative files', () => {
    const waiting = new WaitingInstrumentations(all);
    for (const id of ['expressive', 'pg-native', 'express-session', '@aws-sdkx/a', '@fastify/otel', 'http', 'node:http', './express', '../pg', '/srv/express/index.js', '/srv/node_modules/expressive/index.js', '#express']) {
      assert.equal(waiting.take(id), undefined, id);
    }
    assert.equal(waiting.empty, false);
  });

  it('names each instrumentation once, whichever of its packages comes first', () => {
    const waiting = new WaitingInstrumentations(['pg', 'aws-sdk']);
    assert.equal(waiting.take('pg-pool'), 'pg');
    assert.equal(waiting.take('pg'), undefined);
    assert.equal(waiting.take('@smithy/core'), 'aws-sdk');
    assert.equal(waiting.take('@aws-sdk/client-s3'), undefined);
    assert.equal(waiting.empty, true);
  });

  it('waits only for the instrumentations it was given, and for none once cleared', () => {
    const waiting = new WaitingInstrumentations(['koa', 'http']);
    assert.equal(waiting.take('express'), undefined);
    waiting.clear();
    assert.equal(waiting.take('koa'), undefined);
    assert.equal(waiting.empty, true);
    assert.equal(new WaitingInstrumentations([]).empty, true);
  });
});
