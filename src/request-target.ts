import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { ATTR } from './attribute-keys';
import { hasValidPort, hostWithoutPort, isValidHost } from './url-parts';

/**
 * Attributes of an incoming request that the OTel http instrumentation gets wrong for X-Ray, added as the
 * request's span starts (they override the instrumentation's own):
 * - the path and query exactly as the client sent them. The instrumentation parses the URL against the Host
 *   header, so a malformed Host (`[`, spaces) loses the path, and it re-encodes the query (`a%20b` becomes `a+b`),
 *   unlike the X-Ray SDKs. Secret query values are redacted later, by the translator.
 * - the local address and port, when a Host (or forwarded host) header may not be usable in a URL, so the
 *   translator can build a valid URL from what is valid.
 */
export function requestTargetAttributes(request: IncomingMessage): Attributes {
  const attributes: Attributes = {};
  const target = request.url;
  if (typeof target === 'string' && target !== '') {
    let pathAndQuery = target;
    if (!target.startsWith('/')) {
      // Absolute form (`GET http://host/path`), sent to proxies; or `*` (OPTIONS): keep what a URL can hold.
      const schemeEnd = target.indexOf('://');
      const pathStart = schemeEnd === -1 ? -1 : target.indexOf('/', schemeEnd + 3);
      pathAndQuery = pathStart === -1 ? '/' : target.substring(pathStart);
    }
    const question = pathAndQuery.indexOf('?');
    attributes[ATTR.URL_PATH] = question === -1 ? pathAndQuery : pathAndQuery.substring(0, question);
    if (question !== -1 && question < pathAndQuery.length - 1) attributes[ATTR.URL_QUERY] = pathAndQuery.substring(question + 1);
  }
  const headers = request.headers;
  if (!isUsableHostHeader(headers.host) || headers['x-forwarded-host'] !== undefined || headers.forwarded !== undefined) {
    const socket = request.socket;
    if (typeof socket?.localAddress === 'string') attributes[ATTR.NETWORK_LOCAL_ADDRESS] = socket.localAddress;
    if (typeof socket?.localPort === 'number') attributes[ATTR.NETWORK_LOCAL_PORT] = socket.localPort;
  }
  return attributes;
}

/** The last Host header found usable: nearly every request of an app carries the same one. */
let lastUsableHost: string | undefined;

function isUsableHostHeader(host: string | undefined): boolean {
  if (host === lastUsableHost && host !== undefined) return true;
  const usable = typeof host === 'string' && host.length <= 260 && isValidHost(hostWithoutPort(host)) && hasValidPort(host);
  if (usable) lastUsableHost = host;
  return usable;
}
