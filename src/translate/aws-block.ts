import type { Attributes } from '@opentelemetry/api';
import { ATTR } from '../attribute-keys';
import { LIMITS, truncate } from '../limits';
import { readInteger, readString, readStringList } from '../attributes/read';
import type { AwsBlock } from './segment-document';

/** True for spans of AWS SDK calls (`rpc.system` = `aws-api`). */
export function isAwsApiSpan(attrs: Attributes): boolean {
  return attrs[ATTR.RPC_SYSTEM] === 'aws-api';
}

/**
 * The fields of the `aws` block that describe an AWS call: operation, account, region, request id, queue and
 * table. Reads the collector's attribute names and what the OTel AWS SDK instrumentation emits (`rpc.method`,
 * `cloud.region`, `aws.request.id`, `messaging.url`, `aws.dynamodb.table_names`). Undefined when none is present.
 */
export function buildAwsCallFields(attrs: Attributes, isAwsApi: boolean): AwsBlock | undefined {
  let block: AwsBlock | undefined;
  const operation = readString(attrs[ATTR.AWS_OPERATION]) ?? (isAwsApi ? readString(attrs[ATTR.RPC_METHOD]) : undefined);
  if (operation !== undefined) (block ??= {}).operation = truncate(operation, 256);
  const account = readString(attrs[ATTR.AWS_ACCOUNT_ID]);
  if (account !== undefined) (block ??= {}).account_id = truncate(account, 64);
  const region = readString(attrs[ATTR.AWS_REGION]) ?? (isAwsApi ? readString(attrs[ATTR.CLOUD_REGION]) : undefined);
  if (region !== undefined) (block ??= {}).region = truncate(region, 64);
  const requestId =
    readString(attrs[ATTR.AWS_REQUEST_ID]) ??
    readString(attrs[ATTR.AWS_REQUEST_ID_CAMEL]) ??
    readString(attrs[ATTR.AWS_REQUEST_ID_DOTTED]);
  if (requestId !== undefined) (block ??= {}).request_id = truncate(requestId, 256);
  const queueUrl =
    readString(attrs[ATTR.AWS_QUEUE_URL]) ??
    readString(attrs[ATTR.AWS_QUEUE_URL_DOTTED]) ??
    (isAwsApi ? readString(attrs[ATTR.MESSAGING_URL]) ?? sqsQueueUrl(attrs) : undefined);
  if (queueUrl !== undefined) (block ??= {}).queue_url = truncate(queueUrl, LIMITS.fieldLength);

  const tables = readStringList(attrs[ATTR.AWS_DYNAMODB_TABLE_NAMES]);
  if (tables.length === 1) {
    (block ??= {}).table_name = truncate(tables[0] as string, 256);
  } else if (tables.length > 1) {
    (block ??= {}).table_names = tables.slice(0, 100).map((t) => truncate(t, 256));
  } else {
    const table = readString(attrs[ATTR.AWS_TABLE_NAME]) ?? readString(attrs[ATTR.AWS_TABLE_NAME_DOTTED]);
    if (table !== undefined) (block ??= {}).table_name = truncate(table, 256);
  }
  const retries = readInteger(attrs[ATTR.AWS_RETRIES]);
  if (retries !== undefined && retries >= 0) (block ??= {}).retries = retries;
  return block;
}

/** instrumentation-aws-sdk 0.78 writes an SQS call's queue URL as `url.full`. */
function sqsQueueUrl(attrs: Attributes): string | undefined {
  if (attrs[ATTR.RPC_SERVICE] !== 'SQS' && attrs['messaging.system'] !== 'aws_sqs') return undefined;
  return readString(attrs[ATTR.URL_FULL]);
}
