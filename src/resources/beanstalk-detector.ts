import { readFile, stat } from 'node:fs/promises';
import type { Attributes } from '@opentelemetry/api';
import { readString } from '../attributes/read';
import { parseJsonObject } from './metadata-http';

export const BEANSTALK_CONFIG_PATH = '/var/elasticbeanstalk/xray/environment.conf';

/**
 * Elastic Beanstalk from the file the platform writes. Unlike OTel's detector it leaves `service.name` alone:
 * the segment name is the application's, not "aws_elastic_beanstalk".
 */
export async function detectBeanstalk(path: string): Promise<Attributes> {
  let text: string;
  try {
    // A few hundred bytes in practice: anything large is not the platform's file.
    if ((await stat(path)).size > 64 * 1024) return {};
    text = await readFile(path, { encoding: 'utf8' });
  } catch {
    return {};
  }
  const doc = parseJsonObject(text);
  if (doc === undefined) return {};
  const attributes: Attributes = { 'cloud.provider': 'aws', 'cloud.platform': 'aws_elastic_beanstalk' };
  const name = readString(doc.environment_name);
  const version = readString(doc.version_label);
  const deployment = doc.deployment_id;
  if (name !== undefined) attributes['service.namespace'] = name;
  if (version !== undefined) attributes['service.version'] = version;
  if (typeof deployment === 'number' || typeof deployment === 'string') attributes['service.instance.id'] = String(deployment);
  return attributes;
}
