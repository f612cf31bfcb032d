import { SpanKind } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { ATTR } from '../attribute-keys';
import { dbHostOf, dbNameOf, dbSystemOf } from '../attributes/db';
import { readString } from '../attributes/read';
import { hostOfUrl, hostWithoutPort } from '../url-parts';
import { sanitizeName } from './segment-name';

export interface SubsegmentNaming {
  readonly name: string;
  readonly namespace: 'aws' | 'remote' | undefined;
}

/**
 * How the X-Ray SDKs name subsegments, from the span's attributes: the service an AWS SDK call went to, the
 * `database@host` of a SQL call, the host of an outgoing HTTP call (never the bare method), else the span name.
 * `namespace` is `aws` for AWS SDK calls and `remote` for other outgoing calls.
 */
export function nameSubsegment(spanName: string, attrs: Attributes, kind: SpanKind, isAwsApi: boolean): SubsegmentNaming {
  const outgoing = kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER;
  const remoteNamespace = isAwsApi ? 'aws' : outgoing ? 'remote' : undefined;

  if (kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER || kind === SpanKind.CONSUMER) {
    const remoteService = readString(attrs[ATTR.AWS_REMOTE_SERVICE]);
    if (remoteService !== undefined) {
      return { name: sanitizeName(isAwsApi ? withoutAwsPrefix(remoteService) : remoteService), namespace: isAwsApi ? 'aws' : 'remote' };
    }
  }
  const peerService = readString(attrs[ATTR.PEER_SERVICE]);
  if (peerService !== undefined) return { name: sanitizeName(peerService), namespace: remoteNamespace };

  const awsService = readString(attrs[ATTR.AWS_SERVICE]);
  if (awsService !== undefined) return { name: sanitizeName(awsService), namespace: 'aws' };

  const rpcService = readString(attrs[ATTR.RPC_SERVICE]);
  if (isAwsApi && rpcService !== undefined) return { name: sanitizeName(rpcService), namespace: 'aws' };

  if (dbSystemOf(attrs) !== undefined) {
    const dbName = dbNameOf(attrs);
    const host = dbHostOf(attrs) ?? connectionHost(attrs);
    const name = dbName !== undefined && host !== undefined ? `${dbName}@${host}` : dbName ?? host;
    if (name !== undefined) return { name: sanitizeName(name), namespace: remoteNamespace };
  }
  if (rpcService !== undefined) return { name: sanitizeName(rpcService), namespace: remoteNamespace };

  if (outgoing) {
    const host = remoteHost(attrs);
    if (host !== undefined) return { name: sanitizeName(host), namespace: remoteNamespace };
  }
  return { name: sanitizeName(spanName), namespace: remoteNamespace };
}

function withoutAwsPrefix(service: string): string {
  if (service.startsWith('AWS.SDK.')) return service.substring('AWS.SDK.'.length);
  if (service.startsWith('AWS::')) return service.substring('AWS::'.length);
  return service;
}

function connectionHost(attrs: Attributes): string | undefined {
  const connection = readString(attrs[ATTR.DB_CONNECTION_STRING]);
  if (connection === undefined) return undefined;
  return hostOfUrl(connection.startsWith('jdbc:') ? connection.substring(5) : connection);
}

/** The host an outgoing HTTP call went to, without the port. */
function remoteHost(attrs: Attributes): string | undefined {
  const httpHost = readString(attrs[ATTR.HTTP_HOST]);
  if (httpHost !== undefined) return hostWithoutPort(httpHost);
  const url = readString(attrs[ATTR.URL_FULL]) ?? readString(attrs[ATTR.HTTP_URL]);
  return (
    readString(attrs[ATTR.NET_PEER_NAME]) ??
    readString(attrs[ATTR.SERVER_ADDRESS]) ??
    (url === undefined ? undefined : hostOfUrl(url)) ??
    readString(attrs[ATTR.NET_PEER_IP])
  );
}
