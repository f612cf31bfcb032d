import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TRACE_HEADER_OF_MESSAGE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/**
 * A loopback stand-in for DynamoDB and SQS, speaking their AWS JSON 1.0 protocol as the SDK v3 clients use it:
 * `X-Amz-Target: DynamoDB_20120810.GetItem`, `AmazonSQS.SendMessage`, `AmazonSQS.ReceiveMessage`. Every answer
 * carries a request id; SQS answers carry the MD5 digests the SDK checks.
 */
export async function awsServices(): Promise<{ endpoint: string; targets: string[]; close: () => Promise<void> }> {
  const targets: string[] = [];
  let counter = 0;
  let flakyCalls = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      targets.push(target);
      const input = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      const reply = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `req-${++counter}` });
        res.end(JSON.stringify(payload));
      };
      switch (target) {
        case 'DynamoDB_20120810.GetItem':
          if (input.TableName === 'flaky' && flakyCalls++ === 0) return reply(500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'try again' });
          return reply(200, { Item: { id: { S: '42' }, total: { N: '99' } } });
        case 'AmazonSQS.SendMessage':
          return reply(200, { MessageId: 'msg-1', MD5OfMessageBody: md5(String(input.MessageBody)) });
        case 'AmazonSQS.ReceiveMessage':
          return reply(200, {
            Messages: [{ MessageId: 'msg-1', ReceiptHandle: 'rh-1', Body: 'order 42', MD5OfBody: md5('order 42'), Attributes: { AWSTraceHeader: TRACE_HEADER_OF_MESSAGE } }],
          });
        default:
          return reply(400, { __type: 'UnknownOperationException', message: target });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
