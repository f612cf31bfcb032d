import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { ATTR } from './attribute-keys';

/**
 * The response's Content-Length as `http.response.body.size`, which the translator writes as
 * `http.response.content_length` (both X-Ray SDKs record it). The OTel http and fetch instrumentations leave it
 * out. Only a well-formed header counts; a response without one (chunked) gets none, as with the SDKs.
 */

/** For instrumentation-http's applyCustomAttributesOnSpan: a ServerResponse (incoming) or an IncomingMessage (outgoing). */
export function recordHttpResponseSize(span: Span, response: ServerResponse | IncomingMessage): void {
  let header: unknown;
  if (typeof (response as ServerResponse).getHeader === 'function') {
    const outgoing = response as ServerResponse;
    header = outgoing.getHeader('content-length');
    // `res.end(body)` without a Content-Length of the app's own: Node writes one into the header block it sent,
    // and nowhere else.
    if (header === undefined) header = SENT_CONTENT_LENGTH.exec(sentHeaderBlock(outgoing))?.[1];
  } else {
    header = (response as IncomingMessage).headers?.['content-length'];
  }
  const size = parseContentLength(Array.isArray(header) ? header[0] : header);
  if (size !== undefined) span.setAttribute(ATTR.HTTP_RESPONSE_BODY_SIZE, size);
}

/** The header block Node sent (`_header`: long-lived, undocumented; read defensively). */
function sentHeaderBlock(response: ServerResponse): string {
  const block = (response as unknown as { _header?: unknown })._header;
  return typeof block === 'string' ? block : '';
}

const SENT_CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d{1,15})[ \t]*\r\n/i;

/** For the undici (fetch) instrumentation's responseHook: raw headers as [name, value, name, value …]. */
export function recordFetchResponseSize(span: Span, rawHeaders: ReadonlyArray<Buffer | string> | undefined): void {
  if (!Array.isArray(rawHeaders)) return;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name === undefined || name.length !== CONTENT_LENGTH.length || name.toString().toLowerCase() !== CONTENT_LENGTH) continue;
    const size = parseContentLength(rawHeaders[i + 1]?.toString());
    if (size !== undefined) span.setAttribute(ATTR.HTTP_RESPONSE_BODY_SIZE, size);
    return;
  }
}

const CONTENT_LENGTH = 'content-length';
const DIGITS = /^\s*\d{1,15}\s*$/;

function parseContentLength(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  return typeof value === 'string' && DIGITS.test(value) ? Number(value) : undefined;
}
