import type { Attributes } from '@opentelemetry/api';
import { readString } from '../attributes/read';
import { fetchMetadata, parseJsonObject } from './metadata-http';

const TASK_ARN = /^arn:[^:]+:ecs:[^:]+:\d{12}:task\//;

export interface EcsDetectorOptions {
  /** ECS_CONTAINER_METADATA_URI_V4 (or the v3 URI). */
  readonly metadataUri: string;
  readonly timeoutMillis: number;
}

/**
 * ECS through the task metadata endpoint: the container document (name, id, ARN, awslogs options) and the task
 * document (cluster, task ARN, family, launch type, zone). The v3 endpoint has the same two documents.
 */
export async function detectEcs(options: EcsDetectorOptions): Promise<Attributes> {
  const base = options.metadataUri.replace(/\/+$/, '');
  const [containerReply, taskReply] = await Promise.all([
    fetchMetadata({ url: base, timeoutMillis: options.timeoutMillis }),
    fetchMetadata({ url: `${base}/task`, timeoutMillis: options.timeoutMillis }),
  ]);
  const container = containerReply?.status === 200 ? parseJsonObject(containerReply.body) : undefined;
  const task = taskReply?.status === 200 ? parseJsonObject(taskReply.body) : undefined;
  if (container === undefined && task === undefined) return {};
  const attributes: Attributes = { 'cloud.provider': 'aws', 'cloud.platform': 'aws_ecs' };
  const copy = (key: string, value: unknown): void => {
    const text = readString(value);
    if (text !== undefined) attributes[key] = text;
  };
  copy('container.name', container?.Name);
  copy('container.id', container?.DockerId);
  copy('aws.ecs.container.arn', container?.ContainerARN);
  const rawTaskArn = readString(task?.TaskARN);
  // arn:<partition>:ecs:<region>:<account>:task/<cluster>/<id>; anything else is not trusted for ARNs, region or account.
  const taskArn = rawTaskArn !== undefined && TASK_ARN.test(rawTaskArn) ? rawTaskArn : undefined;
  copy('aws.ecs.task.arn', taskArn);
  copy('aws.ecs.task.family', task?.Family);
  copy('cloud.availability_zone', task?.AvailabilityZone);
  const launchType = readString(task?.LaunchType);
  if (launchType !== undefined) attributes['aws.ecs.launchtype'] = launchType.toLowerCase();
  const arnParts = taskArn?.split(':');
  const partition = arnParts?.[1] ?? 'aws';
  const region = arnParts?.[3];
  const account = arnParts?.[4];
  if (region !== undefined && region !== '') attributes['cloud.region'] = region;
  if (account !== undefined && account !== '') attributes['cloud.account.id'] = account;
  const cluster = readString(task?.Cluster);
  if (cluster !== undefined) {
    attributes['aws.ecs.cluster.arn'] =
      cluster.startsWith('arn:') ? cluster : arnParts === undefined ? undefined : `${arnParts.slice(0, 5).join(':')}:cluster/${cluster}`;
    if (attributes['aws.ecs.cluster.arn'] === undefined) delete attributes['aws.ecs.cluster.arn'];
  }
  const options2 = container?.LogOptions as Record<string, unknown> | undefined;
  const group = readString(options2?.['awslogs-group']);
  if (container?.LogDriver === 'awslogs' && group !== undefined) {
    attributes['aws.log.group.names'] = [group];
    const logRegion = readString(options2?.['awslogs-region']) ?? region;
    if (logRegion !== undefined && account !== undefined) {
      attributes['aws.log.group.arns'] = [`arn:${partition}:logs:${logRegion}:${account}:log-group:${group}`];
    }
  }
  return attributes;
}
