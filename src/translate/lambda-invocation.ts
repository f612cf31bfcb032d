import type { Attributes } from '@opentelemetry/api';
import { ATTR } from '../attribute-keys';
import { readString } from '../attributes/read';
import type { AwsBlock } from './segment-document';
import type { ResourceInfo } from './resource-info';
import { addUrlAnnotations } from './translate-span';
import type { Entity } from './translate-span';

/**
 * A Lambda invocation's subsegment (the handler's span, under Lambda's function segment) carries what a segment
 * would take from the resource, where X-Ray shows it for a subsegment: `aws.request_id` (the invocation id),
 * `aws.account_id` and `aws.region`; and, as URLS_AS_ANNOTATION asks (LAMBDA by default), the url annotations.
 */
export function describeInvocation(entity: Entity, attrs: Attributes, resource: ResourceInfo, urlsAsAnnotations: boolean): void {
  const aws: AwsBlock = { ...entity.aws };
  const account = readString(attrs[ATTR.CLOUD_ACCOUNT_ID]);
  if (account !== undefined) aws.account_id = account;
  if (resource.region !== undefined) aws.region = resource.region;
  const invocation = readString(attrs[ATTR.FAAS_INVOCATION_ID]);
  if (invocation !== undefined) aws.request_id = invocation;
  if (Object.keys(aws).length > 0) entity.aws = aws;
  // Now in the aws block: not repeated as metadata.
  const metadata = entity.metadata?.default;
  if (metadata !== undefined) {
    if (account !== undefined) delete metadata[ATTR.CLOUD_ACCOUNT_ID];
    if (invocation !== undefined) delete metadata[ATTR.FAAS_INVOCATION_ID];
    if (Object.keys(metadata).length === 0) delete (entity.metadata as Record<string, unknown>).default;
    if (entity.metadata !== undefined && Object.keys(entity.metadata).length === 0) delete entity.metadata;
  }
  if (urlsAsAnnotations && entity.http !== undefined) addUrlAnnotations(entity);
}
