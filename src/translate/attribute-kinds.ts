import { ATTR } from '../attribute-keys';

/**
 * What each attribute the translator maps is about, as bit flags. A first pass over a span's keys ORs these
 * together, so blocks whose attributes are absent cost nothing; the metadata pass then skips the keys a block
 * already carries.
 */
export const KIND = {
  /** HTTP keys: a span with one of these gets an http block, which carries them. */
  HTTP: 1,
  /** Network and message-size keys: carried by the http block when there is one, by naming and sql otherwise. */
  NET: 128,
  /** AWS call keys: always carried by the aws block. */
  AWS_CALL: 2,
  /** RPC keys: carried (by name, namespace and aws block) only for AWS SDK spans. */
  RPC: 4,
  /** Database keys: carried only when a sql block is written. */
  DB: 8,
  /** Query text: carried by the sql block, or recorded as metadata only when SQL recording is on. */
  DB_QUERY: 16,
  /** End user: carried as `user` on segments. */
  USER: 32,
  /** Keys that instruct the translator itself. */
  XRAY: 64,
} as const;

const ENTRIES: Array<[string, number]> = [
  ...[
    ATTR.HTTP_METHOD, ATTR.HTTP_URL, ATTR.HTTP_SCHEME, ATTR.HTTP_HOST, ATTR.HTTP_TARGET, ATTR.HTTP_SERVER_NAME,
    ATTR.HTTP_STATUS_CODE, ATTR.HTTP_USER_AGENT, ATTR.HTTP_CLIENT_IP, ATTR.HTTP_RESPONSE_CONTENT_LENGTH,
    ATTR.HTTP_STATUS_TEXT, ATTR.HTTP_REQUEST_METHOD, ATTR.HTTP_REQUEST_METHOD_ORIGINAL, ATTR.HTTP_RESPONSE_STATUS_CODE,
    ATTR.HTTP_RESPONSE_BODY_SIZE, ATTR.URL_FULL, ATTR.URL_SCHEME, ATTR.URL_PATH, ATTR.URL_QUERY, ATTR.USER_AGENT_ORIGINAL,
  ].map((key): [string, number] => [key, KIND.HTTP]),
  ...[
    ATTR.NET_HOST_NAME, ATTR.HOST_NAME, ATTR.NET_HOST_PORT, ATTR.NET_PEER_NAME, ATTR.NET_PEER_PORT, ATTR.NET_PEER_IP,
    ATTR.SERVER_ADDRESS, ATTR.SERVER_PORT, ATTR.CLIENT_ADDRESS, ATTR.NETWORK_PEER_ADDRESS, ATTR.MESSAGING_PAYLOAD_SIZE,
    ATTR.MESSAGING_BODY_SIZE, ATTR.NETWORK_LOCAL_ADDRESS, ATTR.NETWORK_LOCAL_PORT,
  ].map((key): [string, number] => [key, KIND.NET]),
  ...[
    ATTR.AWS_OPERATION, ATTR.AWS_ACCOUNT_ID, ATTR.AWS_REGION, ATTR.AWS_REQUEST_ID, ATTR.AWS_REQUEST_ID_CAMEL,
    ATTR.AWS_REQUEST_ID_DOTTED, ATTR.AWS_QUEUE_URL, ATTR.AWS_QUEUE_URL_DOTTED, ATTR.AWS_TABLE_NAME,
    ATTR.AWS_TABLE_NAME_DOTTED, ATTR.AWS_DYNAMODB_TABLE_NAMES, ATTR.AWS_RETRIES,
  ].map((key): [string, number] => [key, KIND.AWS_CALL]),
  ...[ATTR.RPC_SYSTEM, ATTR.RPC_SERVICE, ATTR.RPC_METHOD, ATTR.MESSAGING_URL, ATTR.CLOUD_REGION].map(
    (key): [string, number] => [key, KIND.RPC],
  ),
  ...[ATTR.DB_SYSTEM, ATTR.DB_SYSTEM_NAME, ATTR.DB_NAME, ATTR.DB_NAMESPACE, ATTR.DB_USER, ATTR.DB_CONNECTION_STRING].map(
    (key): [string, number] => [key, KIND.DB],
  ),
  [ATTR.DB_STATEMENT, KIND.DB_QUERY],
  [ATTR.DB_QUERY_TEXT, KIND.DB_QUERY],
  [ATTR.ENDUSER_ID, KIND.USER],
  [ATTR.XRAY_ANNOTATIONS, KIND.XRAY],
  [ATTR.XRAY_TRACED, KIND.XRAY],
  [ATTR.XRAY_NO_PARENT, KIND.XRAY],
  [ATTR.XRAY_SAMPLING_RULE_NAME, KIND.XRAY],
  [ATTR.XRAY_SEGMENT_NAME, KIND.XRAY],
  [ATTR.XRAY_CONTINUATION, KIND.XRAY],
];

/** Attribute key → KIND flag. Keys not in here are the application's own: they go to metadata. */
export const KIND_OF_KEY: ReadonlyMap<string, number> = new Map(ENTRIES);
