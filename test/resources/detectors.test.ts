import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectAws, selectPlugins } from '../../src/resources/aws-detector';
import type { AwsDetectionOptions } from '../../src/resources/aws-detector';
import { detectBeanstalk } from '../../src/resources/beanstalk-detector';
import { detectEc2 } from '../../src/resources/ec2-detector';
import { detectEcs } from '../../src/resources/ecs-detector';
import { detectEks } from '../../src/resources/eks-detector';
import { detectLambda } from '../../src/resources/lambda-detector';
import { ECS_TASK, ecsRoutes, imdsRoutes, metadataServer } from '../helpers/metadata-server';

const EC2_ATTRIBUTES = {
  'cloud.provider': 'aws', 'cloud.platform': 'aws_ec2', 'host.id': 'i-0123456789abcdef0', 'host.type': 'm5.large',
  'host.image.id': 'ami-0abcdef1234567890', 'cloud.availability_zone': 'eu-west-1b', 'cloud.region': 'eu-west-1',
  'cloud.account.id': '123456789012',
};

describe('AWS resource detectors (the X-Ray plugins)', function () {
  this.timeout(5000);

  describe('EC2 (IMDS on a loopback server)', () => {
    it('reads the identity document with an IMDSv2 token', async () => {
      const imds = await metadataServer(imdsRoutes());
      assert.deepEqual(await detectEc2({ endpoint: imds.url, timeoutMillis: 1000 }), EC2_ATTRIBUTES);
      assert.deepEqual(imds.requests, ['PUT /latest/api/token', 'GET /latest/dynamic/instance-identity/document']);
      await imds.close();
    });

    it('falls back to IMDSv1 when the token call is refused', async () => {
      const routes = imdsRoutes();
      routes['PUT /latest/api/token'] = (_req, res) => { res.statusCode = 403; res.end(); };
      routes['GET /latest/dynamic/instance-identity/document'] = (req, res) => res.end(req.headers['x-aws-ec2-metadata-token'] === undefined ? JSON.stringify({ instanceId: 'i-v1' }) : '{}');
      const imds = await metadataServer(routes);
      assert.deepEqual(await detectEc2({ endpoint: imds.url, timeoutMillis: 1000 }), { 'cloud.provider': 'aws', 'cloud.platform': 'aws_ec2', 'host.id': 'i-v1' });
      await imds.close();
    });

    const broken: Array<[string, Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void>]> = [
      ['a 404 for the document', { 'PUT /latest/api/token': (_q, r) => r.end('t') }],
      ['garbage instead of JSON', { 'PUT /latest/api/token': (_q, r) => r.end('t'), 'GET /latest/dynamic/instance-identity/document': (_q, r) => r.end('<html>') }],
      ['a huge body', { 'PUT /latest/api/token': (_q, r) => r.end('t'), 'GET /latest/dynamic/instance-identity/document': (_q, r) => r.end('x'.repeat(1024 * 1024)) }],
      ['a server error on the token', { 'PUT /latest/api/token': (_q, r) => { r.statusCode = 500; r.end(); } }],
      ['no answer at all (slow)', { 'PUT /latest/api/token': () => undefined }],
    ];
    for (const [what, routes] of broken) {
      it(`gives nothing, and no exception, for ${what}`, async () => {
        const imds = await metadataServer(routes);
        assert.deepEqual(await detectEc2({ endpoint: imds.url, timeoutMillis: 300 }), {});
        await imds.close();
      });
    }

    it('gives nothing when nothing listens', async () => {
      assert.deepEqual(await detectEc2({ endpoint: 'http://127.0.0.1:9', timeoutMillis: 300 }), {});
    });
  });

  describe('ECS (task metadata v4 on a loopback server)', () => {
    it('reads the container and task documents', async () => {
      const ecs = await metadataServer(ecsRoutes());
      assert.deepEqual(await detectEcs({ metadataUri: `${ecs.url}/v4/abc`, timeoutMillis: 1000 }), {
        'cloud.provider': 'aws', 'cloud.platform': 'aws_ecs', 'container.name': 'orders',
        'container.id': 'cd189a933e5849daa93386466019ab50-2495160603',
        'aws.ecs.container.arn': 'arn:aws:ecs:eu-west-1:123456789012:container/prod/1f7d/8c4e',
        'aws.ecs.task.arn': ECS_TASK.TaskARN, 'aws.ecs.task.family': 'orders', 'cloud.availability_zone': 'eu-west-1a',
        'aws.ecs.launchtype': 'fargate', 'cloud.region': 'eu-west-1', 'cloud.account.id': '123456789012',
        'aws.ecs.cluster.arn': 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
        'aws.log.group.names': ['/ecs/orders'], 'aws.log.group.arns': ['arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/orders'],
      });
      await ecs.close();
    });

    it('trusts no ARN, region or account from a task ARN that is not one', async () => {
      const routes = ecsRoutes();
      routes['/v4/abc/task'] = (_req, res) => res.end(JSON.stringify({ ...ECS_TASK, TaskARN: 'garbage' }));
      const ecs = await metadataServer(routes);
      const attributes = await detectEcs({ metadataUri: `${ecs.url}/v4/abc`, timeoutMillis: 1000 });
      for (const key of ['aws.ecs.task.arn', 'aws.ecs.cluster.arn', 'cloud.region', 'cloud.account.id', 'aws.log.group.arns']) assert.equal(attributes[key], undefined, key);
      assert.equal(attributes['container.name'], 'orders');
      await ecs.close();
    });

    it('gives nothing when the endpoint does not answer usefully', async () => {
      const ecs = await metadataServer({});
      assert.deepEqual(await detectEcs({ metadataUri: `${ecs.url}/v4/abc`, timeoutMillis: 300 }), {});
      await ecs.close();
    });
  });

  describe('Elastic Beanstalk (the environment file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-xray-eb-'));
    it('reads the file, leaving service.name alone', async () => {
      const file = join(dir, 'environment.conf');
      writeFileSync(file, JSON.stringify({ deployment_id: 23, version_label: 'app-v42', environment_name: 'orders-prod' }));
      assert.deepEqual(await detectBeanstalk(file), {
        'cloud.provider': 'aws', 'cloud.platform': 'aws_elastic_beanstalk', 'service.namespace': 'orders-prod',
        'service.version': 'app-v42', 'service.instance.id': '23',
      });
    });
    it('gives nothing for invalid JSON or a missing file', async () => {
      const file = join(dir, 'broken.conf');
      writeFileSync(file, '{deployment_id');
      assert.deepEqual(await detectBeanstalk(file), {});
      assert.deepEqual(await detectBeanstalk(join(dir, 'missing.conf')), {});
    });
  });

  describe('EKS (the Kubernetes API with the pod service account)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-xray-sa-'));
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    const authorized = (body: unknown) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      if (req.headers.authorization !== 'Bearer sa-token') { res.statusCode = 403; res.end(); return; }
      res.end(JSON.stringify(body));
    };

    it('confirms EKS by the aws-auth ConfigMap and reads the cluster name', async () => {
      const api = await metadataServer({
        'GET /api/v1/namespaces/kube-system/configmaps/aws-auth': authorized({ data: {} }),
        'GET /api/v1/namespaces/amazon-cloudwatch/configmaps/cluster-info': authorized({ data: { 'cluster.name': 'prod-eks' } }),
      });
      const attributes = await detectEks({ apiEndpoint: api.url, serviceAccountDir: dir, timeoutMillis: 1000 });
      assert.equal(attributes['cloud.platform'], 'aws_eks');
      assert.equal(attributes['k8s.cluster.name'], 'prod-eks');
      assert.equal(typeof attributes['k8s.pod.name'], 'string');
      await api.close();
    });

    it('reaches an IPv6 Kubernetes API (host in brackets)', async () => {
      const api = await metadataServer({ 'GET /api/v1/namespaces/kube-system/configmaps/aws-auth': authorized({ data: {} }) }, '::1');
      // The https scheme is what the real API uses; the loopback stand-in speaks http, so call the detector directly.
      const attributes = await detectEks({ apiEndpoint: api.url, serviceAccountDir: dir, timeoutMillis: 1000 });
      assert.equal(attributes['cloud.platform'], 'aws_eks');
      const { bracketHost } = require('../../src/resources/aws-detector') as { bracketHost: (h: string) => string };
      assert.equal(bracketHost('fd00::1'), '[fd00::1]');
      assert.equal(bracketHost('10.100.0.1'), '10.100.0.1');
      await api.close();
    });

    it('gives nothing off EKS (no aws-auth) or without a service account', async () => {
      const api = await metadataServer({});
      assert.deepEqual(await detectEks({ apiEndpoint: api.url, serviceAccountDir: dir, timeoutMillis: 500 }), {});
      assert.deepEqual(await detectEks({ apiEndpoint: api.url, serviceAccountDir: join(dir, 'none'), timeoutMillis: 500 }), {});
      await api.close();
    });
  });

  it('Lambda: reads the runtime\'s variables', () => {
    assert.deepEqual(detectLambda({ AWS_LAMBDA_FUNCTION_NAME: 'orders', AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_VERSION: '$LATEST', AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/orders' }), {
      'cloud.provider': 'aws', 'cloud.platform': 'aws_lambda', 'faas.name': 'orders', 'cloud.region': 'eu-west-1',
      'faas.version': '$LATEST', 'aws.log.group.names': ['/aws/lambda/orders'],
    });
    assert.deepEqual(detectLambda({}), {});
  });

  describe('choosing and combining', () => {
    const base: AwsDetectionOptions = { plugins: [], env: {}, warn: () => undefined, beanstalkConfigPath: '/nonexistent/env.conf', eksServiceAccountDir: '/nonexistent' };

    it('by default runs only what the environment points to, never EC2', () => {
      assert.deepEqual(selectPlugins(base), []);
      assert.deepEqual(selectPlugins({ ...base, env: { ECS_CONTAINER_METADATA_URI_V4: 'http://x', AWS_LAMBDA_FUNCTION_NAME: 'f' } }), ['ECSPlugin', 'LambdaPlugin']);
    });

    it('runs the plugins named in AWS_XRAY_PLUGINS, any case, warning about unknown names', () => {
      const warnings: string[] = [];
      assert.deepEqual(selectPlugins({ ...base, plugins: ['ec2plugin', 'ECSPlugin', 'MarsPlugin'], warn: (m) => warnings.push(m) }), ['EC2Plugin', 'ECSPlugin']);
      assert.deepEqual(warnings, ['AWS_XRAY_PLUGINS names unknown plugins ("MarsPlugin"); known: EC2Plugin, ECSPlugin, ElasticBeanstalkPlugin, EKSPlugin, LambdaPlugin']);
    });

    it('merges with the most specific platform last (ECS over EC2), keeping what only EC2 knows', async () => {
      const imds = await metadataServer(imdsRoutes());
      const ecs = await metadataServer(ecsRoutes());
      const attributes = await detectAws({ ...base, plugins: ['EC2Plugin', 'ECSPlugin'], env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, ECS_CONTAINER_METADATA_URI_V4: `${ecs.url}/v4/abc` } });
      assert.equal(attributes['cloud.platform'], 'aws_ecs');
      assert.equal(attributes['host.image.id'], 'ami-0abcdef1234567890');
      assert.equal(attributes['aws.ecs.launchtype'], 'fargate');
      await imds.close();
      await ecs.close();
    });

    it('stops waiting at the budget: a silent endpoint costs at most the budget', async () => {
      const silent = await metadataServer({ 'PUT /latest/api/token': () => undefined });
      const attributes = await detectAws({ ...base, plugins: ['EC2Plugin', 'LambdaPlugin'], env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: silent.url, AWS_LAMBDA_FUNCTION_NAME: 'f' }, budgetMillis: 200 });
      assert.equal(attributes['cloud.platform'], 'aws_lambda', 'what finished in time is kept');
      await silent.close();
    });
  });
});
