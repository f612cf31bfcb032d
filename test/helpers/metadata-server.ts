import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback HTTP server standing in for a metadata endpoint (IMDS, ECS task metadata, the Kubernetes API). */
export async function metadataServer(routes: Record<string, Handler>, host = '127.0.0.1'): Promise<{ url: string; port: number; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const handler = routes[`${req.method} ${req.url}`] ?? routes[req.url ?? ''];
    if (handler === undefined) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export const IDENTITY_DOCUMENT = {
  accountId: '123456789012', architecture: 'x86_64', availabilityZone: 'eu-west-1b', imageId: 'ami-0abcdef1234567890',
  instanceId: 'i-0123456789abcdef0', instanceType: 'm5.large', pendingTime: '2026-11-01T10:00:00Z', privateIp: '10.0.1.23',
  region: 'eu-west-1', version: '2017-09-30',
};

/** IMDSv2: a token from PUT /latest/api/token, required by the identity document. */
export function imdsRoutes(token = 'AQAEAB-token'): Record<string, Handler> {
  return {
    'PUT /latest/api/token': (req, res) => {
      if (req.headers['x-aws-ec2-metadata-token-ttl-seconds'] !== '60') {
        res.statusCode = 400;
        res.end();
        return;
      }
      res.end(token);
    },
    'GET /latest/dynamic/instance-identity/document': (req, res) => {
      if (req.headers['x-aws-ec2-metadata-token'] !== token) {
        res.statusCode = 401;
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(IDENTITY_DOCUMENT));
    },
  };
}

export const ECS_CONTAINER = {
  DockerId: 'cd189a933e5849daa93386466019ab50-2495160603', Name: 'orders', DockerName: 'orders',
  Image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:1.4', ContainerARN: 'arn:aws:ecs:eu-west-1:123456789012:container/prod/1f7d/8c4e',
  LogDriver: 'awslogs', LogOptions: { 'awslogs-group': '/ecs/orders', 'awslogs-region': 'eu-west-1', 'awslogs-stream': 'ecs/orders/1f7d' },
};

export const ECS_TASK = {
  Cluster: 'prod', TaskARN: 'arn:aws:ecs:eu-west-1:123456789012:task/prod/1f7d9a2b3c4d', Family: 'orders', Revision: '7',
  LaunchType: 'FARGATE', AvailabilityZone: 'eu-west-1a', Containers: [ECS_CONTAINER],
};

export function ecsRoutes(prefix = '/v4/abc'): Record<string, Handler> {
  const json = (body: unknown): Handler => (_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(body)); };
  return { [prefix]: json(ECS_CONTAINER), [`${prefix}/task`]: json(ECS_TASK) };
}
