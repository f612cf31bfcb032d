import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Attributes } from '@opentelemetry/api';
import { readString } from '../attributes/read';
import { fetchMetadata, parseJsonObject } from './metadata-http';

export interface EksDetectorOptions {
  /** The Kubernetes API. Default https://kubernetes.default.svc. */
  readonly apiEndpoint: string;
  /** The service account folder with `token` and `ca.crt`. */
  readonly serviceAccountDir: string;
  readonly timeoutMillis: number;
}

/**
 * EKS: a Kubernetes pod whose cluster has the `aws-auth` ConfigMap (EKS's own), read with the pod's service
 * account. The cluster name comes from Container Insights' `cluster-info` ConfigMap when it exists.
 */
export async function detectEks(options: EksDetectorOptions): Promise<Attributes> {
  let token: string;
  let ca: string | undefined;
  try {
    token = (await readFile(`${options.serviceAccountDir}/token`, 'utf8')).trim();
  } catch {
    return {};
  }
  try {
    ca = await readFile(`${options.serviceAccountDir}/ca.crt`, 'utf8');
  } catch {
    ca = undefined;
  }
  const base = options.apiEndpoint.replace(/\/+$/, '');
  const get = (path: string) =>
    fetchMetadata({ url: base + path, headers: { Authorization: `Bearer ${token}` }, timeoutMillis: options.timeoutMillis, ...(ca === undefined ? {} : { ca }) });
  const [awsAuth, clusterInfo] = await Promise.all([
    get('/api/v1/namespaces/kube-system/configmaps/aws-auth'),
    get('/api/v1/namespaces/amazon-cloudwatch/configmaps/cluster-info'),
  ]);
  if (awsAuth?.status !== 200) return {};
  const attributes: Attributes = { 'cloud.provider': 'aws', 'cloud.platform': 'aws_eks', 'k8s.pod.name': hostname() };
  const data = parseJsonObject(clusterInfo?.status === 200 ? clusterInfo.body : undefined)?.data as Record<string, unknown> | undefined;
  const cluster = readString(data?.['cluster.name']);
  if (cluster !== undefined) attributes['k8s.cluster.name'] = cluster;
  return attributes;
}
