/**
 * Where otel-xray's translation differs from the collector's on purpose (shared/spec/translation.md section 6,
 * and docs/translation.md). Each entry says why; the vector test checks otel-xray's value instead of the
 * collector's, so a deviation is asserted, never skipped.
 */
export type Expectation = unknown;

/** For an expectation about a document or field that otel-xray's rules do not produce (the `why` says which). */
export const NOT_WRITTEN_HERE = Symbol('not written here');
const ABSENT = { $absent: true };

export interface Deviation {
  /** Why otel-xray differs: a decision, not an accident. */
  why: string;
  /** Documents otel-xray produces for the vector, when that differs. */
  documents?: number;
  /** The vector documents otel-xray produces an equivalent of; expectations of the others are not checked. */
  checkDocuments?: number[];
  /** Maps a vector (document, pointer) to where otel-xray writes the same thing. */
  rewrite?: (docIndex: number, pointer: string) => readonly [number, string];
  /** `<doc><pointer>` as the vector names it → otel-xray's expected value, or NOT_WRITTEN_HERE. */
  fields?: Record<string, Expectation | typeof NOT_WRITTEN_HERE>;
}

const EMBEDDED_ONLY = new Set(['/type', '/trace_id', '/parent_id']);

/**
 * A root CLIENT / PRODUCER span (or an ADOT LOCAL_ROOT one) becomes one document: a segment for the service with
 * the call embedded as its first subsegment, where the collector sends two (the call as an independent
 * subsegment, then the segment). Vector document 0 (the call) is checked at /subsegments/0, document 1 at the
 * top. The service segment carries the resource blocks; annotations and metadata stay on the call.
 */
const embedCall = (docIndex: number, pointer: string): readonly [number, string] =>
  docIndex === 0 ? [0, '/subsegments/0' + pointer] : [0, pointer];

function embeddedCallFields(
  vectorDocZero: string[],
  serviceAbsent: string[],
  extra: Record<string, Expectation> = {},
): Record<string, Expectation | typeof NOT_WRITTEN_HERE> {
  // The service segment's account is the resource's (where the app runs), not the called resource's.
  const fields: Record<string, Expectation | typeof NOT_WRITTEN_HERE> = { ...extra };
  for (const p of vectorDocZero) fields[`0${p}`] = EMBEDDED_ONLY.has(p) ? ABSENT : NOT_WRITTEN_HERE;
  for (const p of serviceAbsent) fields[`1${p}`] = NOT_WRITTEN_HERE;
  return fields;
}

const CALL_SEGMENT_WHY =
  'X-Ray draws a call as a subsegment of the calling service, so a call with no local segment gets a service segment around it, in one document';
const CONSUMER_WHY =
  'CONSUMER spans are segments in otel-xray (like the X-Ray SDKs\' message handlers), named after the service';

export const DEVIATIONS: Record<number, Deviation> = {
  0: {
    why: 'resource-derived aws fields (account_id from cloud.account.id) describe where the app runs: written on segments only',
    fields: { '0/aws/account_id': ABSENT },
  },
  3: {
    why: 'client_ip is the caller of an incoming request (on an outgoing call the peer address is the server); content_length is written only when the size is known, never as a made-up 0',
    fields: { '0/http/request/client_ip': ABSENT, '0/http/response/content_length': ABSENT },
  },
  11: {
    why: CALL_SEGMENT_WHY,
    fields: { '0/name': 'unknown_service', '0/subsegments/0/name': 'my-topic send' },
  },
  19: {
    why: 'an exception type that is not known is left out rather than written as ""',
    fields: { '0/cause/exceptions/0/type': ABSENT },
  },
  23: {
    why: 'remote is written only when true; working_directory is written on every cause (native SDK rule, spec section 6); a frame without a line number has no line rather than line 0',
    fields: {
      '0/cause/exceptions/0/remote': ABSENT,
      '0/cause/working_directory': { $present: true },
      '0/cause/exceptions/0/stack/1/line': ABSENT,
      '0/cause/exceptions/2/message': ABSENT,
    },
  },
  26: {
    why: 'frame labels are trimmed, and a frame without a line number has no line rather than line 0',
    fields: { '0/cause/exceptions/0/stack/0/label': 'speedy', '0/cause/exceptions/0/stack/0/line': ABSENT },
  },
  27: {
    why: 'otel-xray runs in Node.js: a span whose resource names no language carries a V8 stack trace, which is parsed',
    fields: { '0/cause/exceptions/0/stack': [{ label: 'speedy', path: '/home/gbusey/file.js', line: 6 }] },
  },
  28: {
    why: 'client_ip is the caller of an incoming request; on an outgoing call the peer address is the server, so no client_ip',
    fields: { '0/http/request/client_ip': ABSENT },
  },
  29: {
    why: 'an IPv6 host in a URL is bracketed (RFC 3986), so the port cannot be mistaken for part of the address',
    fields: { '0/http/request/url': 'https://[2001:db8:85a3::8a2e:370:7334]/users/junit' },
  },
  39: {
    why: 'per the X-Ray format, a URL connection string goes in sql.url (with the database appended, credentials removed) and only non-URL ones in connection_string; the span name is not a URL',
    fields: { '0/sql/connection_string': ABSENT, '0/sql/url': 'mysql://db.example.com:3306/customers' },
  },
  40: {
    why: 'with no connection string, sql.url is built from the database host, port and name (as the Python SDK does), and the subsegment is named database@host',
    fields: {
      '0/sql/url': 'postgresql://db.example.com:3306/customers',
      '0/sql/connection_string': ABSENT,
      '0/name': 'customers@db.example.com',
    },
  },
  54: {
    why: 'rpc.* attributes are consumed only for AWS SDK spans (rpc.system = aws-api); on other spans they are the application\'s own and index-all annotates them',
    fields: { '0/annotations/rpc_method': { $present: true } },
  },
  62: {
    why: 'attributes carried by a block (aws.table_names) are not repeated in metadata',
    fields: { '0/metadata/default/aws.dynamodb.table_names': ABSENT },
  },
  76: {
    why: CALL_SEGMENT_WHY,
    documents: 1,
    rewrite: embedCall,
    fields: embeddedCallFields(
      ['/type', '/trace_id', '/parent_id', '/aws/xray/sdk', '/aws/xray/sdk_version', '/aws/xray/auto_instrumentation'],
      ['/annotations', '/annotations/myAnnotationKey', '/metadata/default', '/metadata/default/otel.resource.attributes'],
      { '1/aws/account_id': '123456789' },
    ),
  },
  77: {
    why: CONSUMER_WHY + '; its single document is the vector\'s service segment (document 1)',
    documents: 1,
    checkDocuments: [1],
    rewrite: (_d, p) => [0, p],
    fields: {
      ...embeddedCallFields([], ['/metadata/default']),
      // The segment keeps what the span says about the message it handled and the AWS call fields it carries.
      '1/annotations': { $len: 2 },
      '1/http': { $present: true },
      ...Object.fromEntries(
        ['/aws/operation', '/aws/account_id', '/aws/region', '/aws/request_id', '/aws/queue_url', '/aws/table_name'].map((p) => [`1${p}`, { $present: true }]),
      ),
    },
  },
  78: {
    why: CALL_SEGMENT_WHY,
    documents: 1,
    rewrite: embedCall,
    fields: embeddedCallFields(
      ['/type', '/trace_id', '/parent_id', '/aws/xray/sdk', '/aws/xray/sdk_version', '/aws/xray/auto_instrumentation'],
      ['/annotations', '/annotations/myAnnotationKey', '/metadata/default', '/metadata/default/otel.resource.attributes'],
      { '1/aws/account_id': '123456789' },
    ),
  },
  79: {
    why: 'an AWS SDK receive (CONSUMER, rpc.system aws-api) is a call: ' + CALL_SEGMENT_WHY,
    documents: 1,
    rewrite: embedCall,
  },
  80: { why: CALL_SEGMENT_WHY, documents: 1, rewrite: embedCall, fields: { '0/type': ABSENT } },
  81: {
    why: 'resource attributes already carried by the aws, service and origin blocks (cloud.*, k8s.cluster.name, service.*) are not repeated as otel.resource.* metadata',
    fields: { '0/metadata/default': { $len: 18 } },
  },
  82: {
    why: 'a LOCAL_ROOT span is a segment, and segments carry the resource the same way whatever the span kind',
    fields: { '0/metadata/default': { $len: 18 } },
  },
  84: {
    why: CONSUMER_WHY + ' (aws.local.service here)',
    fields: { '0/type': ABSENT, '0/namespace': ABSENT, '0/name': 'myLocalService' },
  },
  86: {
    why: CONSUMER_WHY + ' (aws.local.service here), with the resource stored as metadata like every segment',
    fields: { '0/type': ABSENT, '0/name': 'myLocalService', '0/metadata/default': { $len: 17 } },
  },
};

/**
 * Vectors of collector features otel-xray does not have. Their spans are still translated (and validated); only
 * the collector-specific expectation is not checked.
 */
export const NOT_APPLICABLE: Record<number, string> = {
  16: 'trace-id timestamp validation: X-Ray accepts any trace id since 2023 (W3C ids), so otel-xray converts every id and never drops a span for its age',
  17: 'trace-id timestamp validation: X-Ray accepts any trace id since 2023 (W3C ids), so otel-xray converts every id and never drops a span for its age',
  75: 'trace-id timestamp validation of links: otel-xray converts every valid id',
};
