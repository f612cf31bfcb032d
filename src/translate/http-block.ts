import { isIP } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '../attribute-keys';
import { LIMITS, truncate } from '../limits';
import { readInteger, readString } from '../attributes/read';
import type { HttpBlock, HttpRequest, HttpResponse } from './segment-document';
import { hasValidPort, hostWithoutPort, isValidHost, withoutCredentials } from '../url-parts';
import { redactQuery, secretQueryParams } from '../redact-query';
import type { QueryParamFilter } from '../redact-query';

/** The response status code, from the stable or the old attribute; undefined when absent or not an integer. */
export function readStatusCode(attrs: Attributes): number | undefined {
  return readInteger(attrs[ATTR.HTTP_RESPONSE_STATUS_CODE]) ?? readInteger(attrs[ATTR.HTTP_STATUS_CODE]);
}

/** A span is incoming work (a request or message this service handles) unless it calls out. */
export function isOutgoingKind(kind: SpanKind): boolean {
  return kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER;
}

/**
 * The `http` block from old and new semantic-convention attributes alike. Undefined when the span carries no
 * HTTP information.
 */
export function buildHttpBlock(
  attrs: Attributes,
  kind: SpanKind,
  events: readonly TimedEvent[],
  isSecretQueryParam: QueryParamFilter = secretQueryParams(),
): HttpBlock | undefined {
  const outgoing = isOutgoingKind(kind);
  let request: HttpRequest | undefined;
  let response: HttpResponse | undefined;

  const method = readMethod(attrs);
  if (method !== undefined) (request ??= {}).method = method;

  const url = readUrl(attrs, outgoing, isSecretQueryParam);
  if (url !== undefined) (request ??= {}).url = url;

  const userAgent = readString(attrs[ATTR.USER_AGENT_ORIGINAL]) ?? readString(attrs[ATTR.HTTP_USER_AGENT]);
  if (userAgent !== undefined) (request ??= {}).user_agent = truncate(userAgent, LIMITS.fieldLength);

  if (outgoing) {
    if (attrs[ATTR.XRAY_TRACED] === true) (request ??= {}).traced = true;
  } else {
    request = addClientIp(attrs, request);
  }

  const status = readStatusCode(attrs);
  if (status !== undefined) (response ??= {}).status = status;
  const contentLength = readContentLength(attrs, events);
  if (contentLength !== undefined) (response ??= {}).content_length = contentLength;

  if (request === undefined && response === undefined) return undefined;
  const block: HttpBlock = {};
  if (request !== undefined) block.request = request;
  if (response !== undefined) block.response = response;
  return block;
}

function readMethod(attrs: Attributes): string | undefined {
  let method = readString(attrs[ATTR.HTTP_REQUEST_METHOD]);
  // Stable semconv reports unknown methods as `_OTHER` and keeps the real one aside.
  if (method === undefined || method === '_OTHER') {
    method = readString(attrs[ATTR.HTTP_REQUEST_METHOD_ORIGINAL]) ?? method ?? readString(attrs[ATTR.HTTP_METHOD]);
  }
  return method === undefined ? undefined : truncate(method, 64);
}

/**
 * Client IP of an incoming request. `x_forwarded_for` is set when the address came from a forwarding header
 * rather than from the socket: the old `http.client_ip` is only ever read from X-Forwarded-For, and the stable
 * `client.address` differs from the socket's `network.peer.address` exactly when a header supplied it.
 */
function addClientIp(attrs: Attributes, request: HttpRequest | undefined): HttpRequest | undefined {
  const socketIp = ipOrUndefined(attrs[ATTR.NETWORK_PEER_ADDRESS]) ?? ipOrUndefined(attrs[ATTR.NET_PEER_IP]);
  const forwarded = ipOrUndefined(attrs[ATTR.CLIENT_ADDRESS]) ?? ipOrUndefined(attrs[ATTR.HTTP_CLIENT_IP]);
  if (forwarded !== undefined) {
    const out = request ?? {};
    out.client_ip = forwarded;
    if (forwarded !== socketIp) out.x_forwarded_for = true;
    return out;
  }
  if (socketIp !== undefined) {
    const out = request ?? {};
    out.client_ip = socketIp;
    return out;
  }
  return request;
}

const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** IPv4 by a small regex (the common case, and much cheaper than node:net's), else node:net for IPv6. */
function isIpAddress(text: string): boolean {
  return DOTTED_QUAD.test(text) || (text.includes(':') && isIP(text) === 6);
}

function ipOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const trimmed = value.trim();
  return isIpAddress(trimmed) ? trimmed : undefined;
}

function readContentLength(attrs: Attributes, events: readonly TimedEvent[]): number | undefined {
  const direct =
    readInteger(attrs[ATTR.HTTP_RESPONSE_BODY_SIZE]) ??
    readInteger(attrs[ATTR.HTTP_RESPONSE_CONTENT_LENGTH]) ??
    readInteger(attrs[ATTR.MESSAGING_PAYLOAD_SIZE]) ??
    readInteger(attrs[ATTR.MESSAGING_BODY_SIZE]);
  if (direct !== undefined) return direct >= 0 ? direct : undefined;
  for (const event of events) {
    const eventAttrs = event.attributes;
    if (eventAttrs === undefined || eventAttrs[ATTR.MESSAGE_TYPE] !== 'RECEIVED') continue;
    const size = readInteger(eventAttrs[ATTR.MESSAGING_PAYLOAD_SIZE]) ?? readInteger(eventAttrs[ATTR.MESSAGING_BODY_SIZE]);
    if (size !== undefined && size >= 0) return size;
  }
  return undefined;
}

/**
 * The request's URL: `url.full` / `http.url` when given, else built from scheme, host, port, path and query.
 * Credentials are removed and secret query values redacted. A host that cannot stand in a URL (a forged Host
 * header: `[`, spaces …) is replaced by the local address, so the path is kept and the URL stays valid.
 */
function readUrl(attrs: Attributes, outgoing: boolean, isSecretQueryParam: QueryParamFilter): string | undefined {
  const full = readString(attrs[ATTR.URL_FULL]) ?? readString(attrs[ATTR.HTTP_URL]);
  if (full !== undefined) return truncate(redactQuery(withoutCredentials(full), isSecretQueryParam), LIMITS.fieldLength);

  const httpHost = readString(attrs[ATTR.HTTP_HOST]);
  let host =
    httpHost ??
    (outgoing
      ? readString(attrs[ATTR.NET_PEER_NAME]) ?? readString(attrs[ATTR.NET_PEER_IP]) ?? readString(attrs[ATTR.SERVER_ADDRESS])
      : readString(attrs[ATTR.HTTP_SERVER_NAME]) ??
        readString(attrs[ATTR.NET_HOST_NAME]) ??
        readString(attrs[ATTR.HOST_NAME]) ??
        readString(attrs[ATTR.SERVER_ADDRESS]));
  const target = readString(attrs[ATTR.HTTP_TARGET]);
  const path = target ?? readString(attrs[ATTR.URL_PATH]);
  // A request whose Host was empty (or `:80`) gets a URL from the local address that the http hook recorded.
  const local = readString(attrs[ATTR.NETWORK_LOCAL_ADDRESS]);
  if (host === undefined && (outgoing || path === undefined || local === undefined)) return undefined;

  const scheme = readScheme(attrs);
  // http.host already carries the port when it is not the default one.
  let port =
    httpHost !== undefined
      ? undefined
      : outgoing
        ? readPort(attrs[ATTR.NET_PEER_PORT]) ?? readPort(attrs[ATTR.SERVER_PORT])
        : readPort(attrs[ATTR.NET_HOST_PORT]) ?? readPort(attrs[ATTR.SERVER_PORT]);
  if (host === undefined || !(httpHost === undefined ? isValidHost(host) : isValidHost(hostWithoutPort(httpHost)) && hasValidPort(httpHost))) {
    host = local !== undefined && isValidHost(local) ? local : 'localhost';
    port = readPort(attrs[ATTR.NETWORK_LOCAL_PORT]) ?? port;
  }
  const isDefaultPort = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
  const hostPart = host.includes(':') && isIP(host) === 6 ? `[${host}]` : host;

  let url = scheme + '://' + hostPart + (port === undefined || isDefaultPort ? '' : ':' + port);
  if (path === undefined) url += '/';
  else url += path.startsWith('/') ? path : '/' + path;
  if (target === undefined) {
    const query = readString(attrs[ATTR.URL_QUERY]);
    if (query !== undefined && query !== '') url += query.startsWith('?') ? query : '?' + query;
  }
  return truncate(redactQuery(withoutCredentials(url), isSecretQueryParam), LIMITS.fieldLength);
}

const SCHEMES = new Set(['http', 'https', 'ws', 'wss']);

function readScheme(attrs: Attributes): string {
  const scheme = (readString(attrs[ATTR.URL_SCHEME]) ?? readString(attrs[ATTR.HTTP_SCHEME]) ?? 'http').toLowerCase();
  return SCHEMES.has(scheme) ? scheme : 'http';
}

function readPort(value: unknown): number | undefined {
  const port = readInteger(value);
  return port !== undefined && port > 0 && port < 65536 ? port : undefined;
}
