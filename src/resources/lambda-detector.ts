import type { Attributes } from '@opentelemetry/api';
import type { Env } from '../config/setting';

/** Lambda from the environment the runtime sets (synchronous, no I/O). */
export function detectLambda(env: Env): Attributes {
  const name = env.AWS_LAMBDA_FUNCTION_NAME;
  if (name === undefined || name === '') return {};
  const attributes: Attributes = { 'cloud.provider': 'aws', 'cloud.platform': 'aws_lambda', 'faas.name': name };
  if (env.AWS_REGION) attributes['cloud.region'] = env.AWS_REGION;
  if (env.AWS_LAMBDA_FUNCTION_VERSION) attributes['faas.version'] = env.AWS_LAMBDA_FUNCTION_VERSION;
  if (env.AWS_LAMBDA_LOG_GROUP_NAME) attributes['aws.log.group.names'] = [env.AWS_LAMBDA_LOG_GROUP_NAME];
  return attributes;
}
