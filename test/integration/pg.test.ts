import * as assert from 'node:assert/strict';
import type { Segment, Subsegment } from '../../src/index';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { startPostgres } from '../helpers/postgres';
import { UdpSink } from '../helpers/udp-sink';

function sqlCalls(documents: readonly unknown[]): Subsegment[] {
  const found: Subsegment[] = [];
  const visit = (entity: Subsegment): void => {
    if (entity.sql !== undefined) found.push(entity);
    for (const child of entity.subsegments ?? []) visit(child);
  };
  for (const doc of documents) visit(doc as Subsegment);
  return found;
}

describe('pg against a real PostgreSQL server: the sql block, query text only when asked, parameters never', function () {
  this.timeout(60_000);
  const sink = new UdpSink();
  let postgres: Awaited<ReturnType<typeof startPostgres>>;
  let daemon = '';
  const apps: RunningApp[] = [];
  const run = async (env: Record<string, string>): Promise<RunningApp> => {
    const app = await startApp('pg-app.js', { AWS_XRAY_DAEMON_ADDRESS: daemon, AWS_XRAY_TRACING_NAME: 'orders', AWS_XRAY_SAMPLING: 'false', PGPORT: String(postgres.port), ...env });
    apps.push(app);
    return app;
  };

  before(async () => {
    postgres = await startPostgres();
    daemon = `127.0.0.1:${await sink.start()}`;
  });
  beforeEach(() => sink.clear());
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await sink.close();
    postgres.stop();
  });

  it('by default: an sql block with the database type and url (no password), and no query text', async () => {
    const app = await run({});
    const reply = await httpGet(app.port, '/');
    assert.deepEqual(JSON.parse(reply.body), { word: 'secret-param', n: 42 });
    await sink.until((docs) => sqlCalls(docs).length > 0 && docs.some((d) => (d as Segment).http !== undefined));
    const [call] = sqlCalls(sink.documents);
    assert.equal(call!.namespace, 'remote');
    assert.equal(call!.sql?.database_type, 'postgresql'); // db.system, as the collector's translation (spec)
    assert.match(String(call!.sql?.url), /^(postgresql|postgres):\/\/127\.0\.0\.1:\d+\/postgres$/);
    assert.equal(call!.sql?.sanitized_query, undefined);
    const everything = JSON.stringify(sink.documents);
    assert.equal(everything.includes('secret-param'), false, 'no parameter anywhere');
    assert.equal(everything.includes('hunter2'), false, 'no password anywhere');
    assert.equal(everything.includes('SELECT $1'), false, 'no query text unless asked');
  });

  it('with AWS_XRAY_STREAM_SQL=true: the query text as sanitized_query, still no parameters; a failing query is a fault', async () => {
    const app = await run({ AWS_XRAY_STREAM_SQL: 'true' });
    await httpGet(app.port, '/');
    const failed = await httpGet(app.port, '/fail');
    assert.equal(failed.status, 500);
    const texts = (): unknown[] => sqlCalls(sink.documents).map((c) => c.sql?.sanitized_query);
    await sink.until(() => texts().includes('SELECT $1::text AS word, 40 + $2::int AS n') && texts().includes('SELECT * FROM no_such_table WHERE id = $1'));
    const calls = sqlCalls(sink.documents);
    const broken = calls.find((c) => c.sql?.sanitized_query?.includes('no_such_table'))!;
    assert.equal(broken.fault, true);
    assert.equal(JSON.stringify(sink.documents).includes('secret-param'), false, 'parameters are never recorded');
  });
});
