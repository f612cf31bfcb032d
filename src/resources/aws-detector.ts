import { existsSync } from 'node:fs';
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { Env } from '../config/setting';
import { quoteNames } from '../diag';
import { BEANSTALK_CONFIG_PATH, detectBeanstalk } from './beanstalk-detector';
import { detectEc2 } from './ec2-detector';
import { detectEcs } from './ecs-detector';
import { detectEks } from './eks-detector';
import { detectLambda } from './lambda-detector';

/** The X-Ray SDK's plugin names (and ours for EKS and Lambda), case-insensitive. */
export const PLUGINS = ['EC2Plugin', 'ECSPlugin', 'ElasticBeanstalkPlugin', 'EKSPlugin', 'LambdaPlugin'] as const;
export type PluginName = (typeof PLUGINS)[number];

export interface AwsDetectionOptions {
  /** The plugins asked for (AWS_XRAY_PLUGINS); empty: the ones the environment points to. */
  readonly plugins: readonly string[];
  readonly env: Env;
  /** The whole detection's budget. Default 1000 ms. */
  readonly budgetMillis?: number;
  readonly beanstalkConfigPath?: string;
  readonly eksServiceAccountDir?: string;
  readonly warn: (message: string) => void;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Every attribute a detector may set: the keys of the asynchronous resource. */
const KEYS = [
  'cloud.provider', 'cloud.platform', 'cloud.region', 'cloud.account.id', 'cloud.availability_zone', 'host.id',
  'host.type', 'host.image.id', 'container.name', 'container.id', 'aws.ecs.container.arn', 'aws.ecs.cluster.arn',
  'aws.ecs.task.arn', 'aws.ecs.task.family', 'aws.ecs.launchtype', 'aws.log.group.names', 'aws.log.group.arns',
  'service.namespace', 'service.version', 'service.instance.id', 'k8s.cluster.name', 'k8s.pod.name', 'faas.name',
  'faas.version',
] as const;

/**
 * Which plugins run. Asked for by name, or by default those the environment points to at no cost: Lambda and
 * ECS by their variables, EKS by the service account token, Beanstalk by its file. EC2 only when asked for:
 * nothing local tells an EC2 instance apart, and probing the metadata address off-cloud costs time.
 */
export function selectPlugins(options: AwsDetectionOptions): PluginName[] {
  const known = new Map(PLUGINS.map((p) => [p.toLowerCase(), p]));
  if (options.plugins.length > 0) {
    const chosen: PluginName[] = [];
    const unknown: string[] = [];
    for (const name of options.plugins) {
      const plugin = known.get(name.toLowerCase());
      if (plugin === undefined) unknown.push(name);
      else if (!chosen.includes(plugin)) chosen.push(plugin);
    }
    if (unknown.length > 0) options.warn(`AWS_XRAY_PLUGINS names unknown plugins (${quoteNames(unknown)}); known: ${PLUGINS.join(', ')}`);
    return chosen;
  }
  const env = options.env;
  const chosen: PluginName[] = [];
  if (env.ECS_CONTAINER_METADATA_URI_V4 || env.ECS_CONTAINER_METADATA_URI) chosen.push('ECSPlugin');
  if (env.KUBERNETES_SERVICE_HOST && existsSync(`${options.eksServiceAccountDir ?? SERVICE_ACCOUNT_DIR}/token`)) chosen.push('EKSPlugin');
  if (existsSync(options.beanstalkConfigPath ?? BEANSTALK_CONFIG_PATH)) chosen.push('ElasticBeanstalkPlugin');
  if (env.AWS_LAMBDA_FUNCTION_NAME) chosen.push('LambdaPlugin');
  return chosen;
}

/** Runs one plugin; never rejects. */
function runPlugin(plugin: PluginName, options: AwsDetectionOptions, timeoutMillis: number): Promise<Attributes> {
  const env = options.env;
  switch (plugin) {
    case 'EC2Plugin':
      return detectEc2({ endpoint: env.AWS_EC2_METADATA_SERVICE_ENDPOINT || 'http://169.254.169.254', timeoutMillis });
    case 'ECSPlugin': {
      const uri = env.ECS_CONTAINER_METADATA_URI_V4 || env.ECS_CONTAINER_METADATA_URI;
      return uri ? detectEcs({ metadataUri: uri, timeoutMillis }) : Promise.resolve({});
    }
    case 'EKSPlugin':
      return detectEks({
        apiEndpoint: env.KUBERNETES_SERVICE_HOST ? `https://${bracketHost(env.KUBERNETES_SERVICE_HOST)}:${env.KUBERNETES_SERVICE_PORT ?? '443'}` : 'https://kubernetes.default.svc',
        serviceAccountDir: options.eksServiceAccountDir ?? SERVICE_ACCOUNT_DIR,
        timeoutMillis,
      });
    case 'ElasticBeanstalkPlugin':
      return detectBeanstalk(options.beanstalkConfigPath ?? BEANSTALK_CONFIG_PATH);
    case 'LambdaPlugin':
      return Promise.resolve(detectLambda(env));
  }
}

/** An IPv6 host in a URL needs brackets (IPv6 EKS clusters). */
export function bracketHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Most specific last: later results win where they set a value (Beanstalk > EKS > ECS > EC2; Lambda on top). */
const ORDER: readonly PluginName[] = ['EC2Plugin', 'ECSPlugin', 'EKSPlugin', 'ElasticBeanstalkPlugin', 'LambdaPlugin'];

/**
 * Runs the plugins in the background, all at once, within the budget, and merges their attributes. Resolves
 * (never rejects) with whatever finished in time.
 */
export async function detectAws(options: AwsDetectionOptions): Promise<Attributes> {
  const plugins = selectPlugins(options);
  if (plugins.length === 0) return {};
  const budget = options.budgetMillis ?? 1000;
  const results = new Map<PluginName, Attributes>();
  const all = Promise.all(
    plugins.map((plugin) =>
      runPlugin(plugin, options, budget)
        .then((attributes) => void results.set(plugin, attributes))
        .catch(() => undefined),
    ),
  );
  await Promise.race([all, new Promise<void>((resolve) => setTimeout(resolve, budget).unref())]);
  const merged: Attributes = {};
  for (const plugin of ORDER) Object.assign(merged, results.get(plugin) ?? {});
  return merged;
}

/**
 * An OTel resource detector for the plugins: every attribute is a promise, so the resource is usable at once
 * and documents carry the AWS attributes once detection settles (start-up never waits for it).
 */
export function awsResourceDetector(options: AwsDetectionOptions): { detect(): { attributes: Record<string, Promise<AttributeValue | undefined>> } } {
  return {
    detect() {
      const detected = detectAws(options);
      const attributes: Record<string, Promise<AttributeValue | undefined>> = {};
      for (const key of KEYS) attributes[key] = detected.then((a) => a[key]);
      return { attributes };
    },
  };
}
