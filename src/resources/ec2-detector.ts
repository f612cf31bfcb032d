import type { Attributes } from '@opentelemetry/api';
import { readString } from '../attributes/read';
import { fetchMetadata, parseJsonObject } from './metadata-http';

export interface Ec2DetectorOptions {
  /** IMDS base URL. Default: env AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254. */
  readonly endpoint: string;
  readonly timeoutMillis: number;
}

/**
 * EC2 through IMDSv2: a session token (PUT), then the instance identity document. IMDSv1 is used only when the
 * token call is refused (403/404/405, as on instances without v2); no answer at all means "not on EC2".
 */
export async function detectEc2(options: Ec2DetectorOptions): Promise<Attributes> {
  const base = options.endpoint.replace(/\/+$/, '');
  const token = await fetchMetadata({
    method: 'PUT',
    url: `${base}/latest/api/token`,
    headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' },
    timeoutMillis: options.timeoutMillis,
    maxBytes: 4096,
  });
  if (token === undefined) return {};
  const headers: Record<string, string> = {};
  if (token.status === 200 && token.body !== '') headers['X-aws-ec2-metadata-token'] = token.body.trim();
  else if (![403, 404, 405].includes(token.status)) return {};
  const identity = await fetchMetadata({
    url: `${base}/latest/dynamic/instance-identity/document`,
    headers,
    timeoutMillis: options.timeoutMillis,
    maxBytes: 16 * 1024,
  });
  const doc = identity?.status === 200 ? parseJsonObject(identity.body) : undefined;
  const instanceId = readString(doc?.instanceId);
  if (doc === undefined || instanceId === undefined) return {};
  const attributes: Attributes = { 'cloud.provider': 'aws', 'cloud.platform': 'aws_ec2', 'host.id': instanceId };
  const copy = (key: string, value: unknown): void => {
    const text = readString(value);
    if (text !== undefined) attributes[key] = text;
  };
  copy('host.type', doc.instanceType);
  copy('host.image.id', doc.imageId);
  copy('cloud.availability_zone', doc.availabilityZone);
  copy('cloud.region', doc.region);
  copy('cloud.account.id', doc.accountId);
  return attributes;
}
