import type { Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { ATTR, RES } from '../attribute-keys';
import { sanitizeName } from '../naming/segment-name';
import { readInteger, readString, readStringList } from '../attributes/read';
import type { AnnotationValue, AwsBlock, CloudwatchLogsEntry, JsonValue, ServiceBlock } from './segment-document';
import type { ResolvedTranslateOptions } from './options';
import { toAnnotationKey, toAnnotationValue } from './annotations';
import { toJsonValue } from './json-value';
import { stackFormatFor } from './stack-trace';
import type { StackFormat } from './stack-trace';

/** What a segment takes from the resource it ran on. Derived once per Resource and shared by its documents. */
export interface ResourceInfo {
  /** Sanitized `service.name` (or the configured fixed name). */
  readonly serviceName: string;
  readonly origin: string | undefined;
  /** `cloud.region`: written on a Lambda invocation's subsegment, where no segment carries the resource. */
  readonly region: string | undefined;
  /** The resource part of the `aws` block; undefined when the resource names a cloud other than AWS. */
  readonly aws: Readonly<AwsBlock> | undefined;
  readonly service: Readonly<ServiceBlock> | undefined;
  readonly stackFormat: StackFormat;
  /** Resource attributes listed in indexedAttributes as `otel.resource.<key>`. */
  readonly annotations: ReadonlyArray<readonly [string, AnnotationValue]>;
  /** `otel.resource.<key>` entries, when resourceAttributesInMetadata is on. */
  readonly metadata: ReadonlyArray<readonly [string, JsonValue]>;
}

export const UNKNOWN_SERVICE_NAME = 'unknown_service';

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

const ORIGIN_BY_PLATFORM: Readonly<Record<string, string>> = {
  aws_ec2: 'AWS::EC2::Instance',
  aws_eks: 'AWS::EKS::Container',
  aws_elastic_beanstalk: 'AWS::ElasticBeanstalk::Environment',
  aws_app_runner: 'AWS::AppRunner::Service',
  aws_lambda: 'AWS::Lambda::Function',
};

/** Keys the `aws`, `service` and naming blocks already carry; not repeated as `otel.resource.*` metadata. */
const MAPPED_KEYS: ReadonlySet<string> = new Set(Object.values(RES));

/** Caches ResourceInfo per Resource object (resources are long-lived and shared by every span of a provider). */
export class ResourceInfoCache {
  private readonly _cache = new WeakMap<Resource, ResourceInfo>();
  constructor(private readonly _options: ResolvedTranslateOptions) {}

  private readonly _settling = new WeakSet<Resource>();

  get(resource: Resource | undefined): ResourceInfo {
    if (resource === undefined || resource === null) return describeResource({}, this._options);
    const cached = this._cache.get(resource);
    if (cached !== undefined) return cached;
    if (resource.asyncAttributesPending === true) {
      // Detection still running (the AWS plugins): use what has settled, without the error OTel logs when
      // `attributes` is read early, and ask the resource to settle so the next documents get everything.
      if (!this._settling.has(resource)) {
        this._settling.add(resource);
        resource.waitForAsyncAttributes?.().catch(() => undefined);
      }
      return describeResource(settledAttributes(resource), this._options);
    }
    const info = describeResource(resource.attributes ?? {}, this._options);
    this._cache.set(resource, info);
    return info;
  }
}

/**
 * The attributes of a resource whose asynchronous ones have not all settled: the settled ones, first entry wins
 * as in OTel. A pending entry still claims its key, so a lower-priority value never stands in for it.
 */
function settledAttributes(resource: Resource): Attributes {
  const attributes: Attributes = {};
  const claimed = new Set<string>();
  for (const [key, value] of resource.getRawAttributes()) {
    if (claimed.has(key) || value === undefined || value === null) continue;
    claimed.add(key);
    if (typeof (value as { then?: unknown }).then !== 'function') attributes[key] = value as Attributes[string];
  }
  return attributes;
}

export function describeResource(attrs: Attributes, options: ResolvedTranslateOptions): ResourceInfo {
  const provider = readString(attrs[RES.CLOUD_PROVIDER]);
  const onAws = provider === undefined || provider === 'aws';
  const platform = readString(attrs[RES.CLOUD_PLATFORM]);
  const name = options.segmentName ?? readString(attrs[RES.SERVICE_NAME]) ?? UNKNOWN_SERVICE_NAME;
  const annotations: Array<readonly [string, AnnotationValue]> = [];
  const metadata: Array<readonly [string, JsonValue]> = [];
  for (const key of Object.keys(attrs)) {
    const prefixed = 'otel.resource.' + key;
    const value = attrs[key];
    if (options.indexedAttributes.has(prefixed) || options.indexAllAttributes) {
      const annotation = toAnnotationValue(value);
      if (annotation !== undefined) {
        annotations.push([toAnnotationKey(prefixed, options.allowDotInAnnotationKeys), annotation]);
        continue;
      }
    }
    if (options.resourceAttributesInMetadata && !MAPPED_KEYS.has(key)) {
      const json = toJsonValue(value, options.problems);
      if (json !== undefined) metadata.push([prefixed, json]);
    }
  }
  return Object.freeze({
    serviceName: sanitizeName(name, UNKNOWN_SERVICE_NAME),
    origin: onAws && platform !== undefined ? originOf(platform, attrs) : undefined,
    region: readString(attrs[ATTR.CLOUD_REGION]),
    aws: onAws ? Object.freeze(buildResourceAws(attrs, platform, provider === 'aws', options)) : undefined,
    service: buildService(attrs),
    stackFormat: stackFormatFor(readString(attrs[RES.TELEMETRY_SDK_LANGUAGE])),
    annotations: Object.freeze(annotations),
    metadata: Object.freeze(metadata),
  });
}

export function originOf(platform: string, attrs: Attributes): string | undefined {
  if (platform === 'aws_ecs') {
    const launchType = readString(attrs[RES.ECS_LAUNCH_TYPE])?.toLowerCase();
    if (launchType === 'ec2') return 'AWS::ECS::EC2';
    if (launchType === 'fargate') return 'AWS::ECS::Fargate';
    return 'AWS::ECS::Container';
  }
  return ORIGIN_BY_PLATFORM[platform];
}

function buildResourceAws(
  attrs: Attributes,
  platform: string | undefined,
  providerIsAws: boolean,
  options: ResolvedTranslateOptions,
): AwsBlock {
  const aws: AwsBlock = {};
  const str = (key: string): string | undefined => readString(attrs[key]);
  const account = str(RES.CLOUD_ACCOUNT_ID);
  if (account !== undefined) aws.account_id = account;
  const zone = str(RES.CLOUD_AVAILABILITY_ZONE);
  const hostId = str(RES.HOST_ID);
  // host.id is often a machine id (OTel's host detector reads /etc/machine-id), not an instance id: an ec2 block
  // needs the EC2 platform, or an id shaped like an instance's on an AWS resource (ECS or EKS on EC2).
  if (platform === 'aws_ec2' || (providerIsAws && hostId !== undefined && INSTANCE_ID.test(hostId))) {
    aws.ec2 = compact({ instance_id: hostId, availability_zone: zone, instance_size: str(RES.HOST_TYPE), ami_id: str(RES.HOST_IMAGE_ID) });
  }
  if (platform === 'aws_ecs') {
    aws.ecs = compact({
      container: str(RES.CONTAINER_NAME),
      container_id: str(RES.CONTAINER_ID),
      availability_zone: zone,
      container_arn: str(RES.ECS_CONTAINER_ARN),
      cluster_arn: str(RES.ECS_CLUSTER_ARN),
      task_arn: str(RES.ECS_TASK_ARN),
      task_family: str(RES.ECS_TASK_FAMILY),
      launch_type: str(RES.ECS_LAUNCH_TYPE),
    });
  }
  const instanceId = attrs[RES.SERVICE_INSTANCE_ID];
  if (platform === 'aws_elastic_beanstalk' && instanceId !== undefined && instanceId !== '') {
    const deployment = readInteger(instanceId);
    aws.elastic_beanstalk = compact({
      environment_name: str(RES.SERVICE_NAMESPACE),
      version_label: str(RES.SERVICE_VERSION),
      deployment_id: deployment,
    });
  }
  const cluster = str(RES.K8S_CLUSTER_NAME);
  if (platform === 'aws_eks' || cluster !== undefined) {
    aws.eks = compact({ cluster_name: cluster, pod: str(RES.K8S_POD_NAME), container_id: str(RES.CONTAINER_ID) });
  }
  const logs = logGroups(attrs, options.logGroupNames);
  if (logs.length > 0) aws.cloudwatch_logs = logs;

  const sdkName = str(RES.TELEMETRY_SDK_NAME);
  const language = str(RES.TELEMETRY_SDK_LANGUAGE);
  aws.xray = compact({
    sdk: sdkName === undefined ? undefined : language === undefined ? sdkName : `${sdkName} for ${language}`,
    sdk_version: str(RES.TELEMETRY_SDK_VERSION),
    auto_instrumentation: str(RES.TELEMETRY_AUTO_VERSION) !== undefined || str(RES.TELEMETRY_DISTRO_VERSION) !== undefined,
  });
  return aws;
}

/** Log groups from `aws.log.group.arns`, else `aws.log.group.names`, else the configured names. */
function logGroups(attrs: Attributes, configured: readonly string[]): CloudwatchLogsEntry[] {
  const arns = splitAmpersands(readStringList(attrs[RES.LOG_GROUP_ARNS]));
  if (arns.length > 0) {
    return arns.map((arn) => {
      const group = arn.split(':')[6];
      return group === undefined || group === '' ? { arn } : { log_group: group, arn };
    });
  }
  const names = splitAmpersands(readStringList(attrs[RES.LOG_GROUP_NAMES]));
  return (names.length > 0 ? names : configured).map((name) => ({ log_group: name }));
}

/** `OTEL_RESOURCE_ATTRIBUTES` can only carry strings, so several names arrive joined with `&`. */
function splitAmpersands(values: string[]): string[] {
  return values.flatMap((v) => v.split('&')).filter((v) => v !== '');
}

function buildService(attrs: Attributes): Readonly<ServiceBlock> | undefined {
  const service = compact({
    version: readString(attrs[RES.SERVICE_VERSION]) ?? readString(attrs[RES.CONTAINER_IMAGE_TAG]),
    runtime: readString(attrs[RES.PROCESS_RUNTIME_NAME]),
    runtime_version: readString(attrs[RES.PROCESS_RUNTIME_VERSION]),
  });
  return Object.keys(service).length === 0 ? undefined : Object.freeze(service);
}

/**
 * The defined fields only, so none is written as a key. Copied into a new object rather than deleted from this
 * one: a `delete` puts an object in dictionary mode, which `JSON.stringify` walks more slowly, and these blocks
 * go into every document.
 */
function compact<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const defined: Partial<T> = {};
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] !== undefined) defined[key] = value[key];
  return defined as { [K in keyof T]: Exclude<T[K], undefined> };
}
