import * as assert from 'node:assert/strict';
import type { Segment, Subsegment } from '../../src/index';
import { awsServices } from '../helpers/aws-services';
import { httpGet, startApp } from '../helpers/child-app';
import type { RunningApp } from '../helpers/child-app';
import { UdpSink } from '../helpers/udp-sink';

describe('AWS SDK v3 calls → subsegments with the aws block (DynamoDB and SQS on a loopback stand-in)', function () {
  this.timeout(30_000);
  const sink = new UdpSink();
  let services: Awaited<ReturnType<typeof awsServices>>;
  let app: RunningApp;

  before(async () => {
    services = await awsServices();
    const daemonPort = await sink.start();
    app = await startApp('aws-app.js', {
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemonPort}`,
      AWS_XRAY_TRACING_NAME: 'orders-api',
      AWS_XRAY_SAMPLING: 'false',
      SERVICES_ENDPOINT: services.endpoint,
    });
  });
  after(async () => {
    await app.stop();
    await sink.close();
    await services.close();
  });

  it('GetItem, SendMessage and ReceiveMessage each become a subsegment named after the service', async () => {
    const reply = await httpGet(app.port, '/');
    assert.equal(reply.status, 200, reply.body);
    assert.deepEqual(JSON.parse(reply.body), { id: '42', messageId: 'msg-1', body: 'order 42', sampled: true });
    assert.deepEqual(services.targets, ['DynamoDB_20120810.GetItem', 'DynamoDB_20120810.GetItem', 'DynamoDB_20120810.GetItem', 'AmazonSQS.SendMessage', 'AmazonSQS.ReceiveMessage']);
    await sink.until((docs) => docs.some((d) => (d as Segment).http !== undefined));
    const segment = sink.documents.find((d) => (d as Segment).http !== undefined) as Segment;
    const calls = new Map<string, Subsegment[]>();
    const visit = (entity: Subsegment): void => {
      if (entity.aws?.operation !== undefined) calls.set(String(entity.aws.operation), [...(calls.get(String(entity.aws.operation)) ?? []), entity]);
      for (const child of entity.subsegments ?? []) visit(child);
    };
    for (const doc of sink.documents) visit(doc as Subsegment);

    const getItem = calls.get('GetItem')!.find((c) => c.aws?.table_name === 'orders')!;
    assert.equal(getItem.aws?.retries, undefined, 'no retry, no retries field');
    const retried = calls.get('GetItem')!.find((c) => c.aws?.table_name === 'flaky')!;
    assert.equal(retried.aws?.retries, 1);
    assert.equal(getItem.name, 'DynamoDB');
    assert.equal(getItem.namespace, 'aws');
    assert.equal(getItem.aws?.region, 'eu-west-1');
    assert.equal(getItem.aws?.table_name, 'orders');
    assert.match(String(getItem.aws?.request_id), /^req-\d+$/);

    for (const operation of ['SendMessage', 'ReceiveMessage']) {
      const call = calls.get(operation)![0]!;
      assert.equal(call.name, 'SQS', operation);
      assert.equal(call.namespace, 'aws');
      assert.equal(call.aws?.queue_url, `${services.endpoint}/123456789012/orders`, operation);
      assert.match(String(call.aws?.request_id), /^req-\d+$/);
    }
    // The calls hang under the request's segment, in its trace.
    assert.equal(sink.documents.every((d) => d.trace_id === segment.trace_id), true);
  });
});
