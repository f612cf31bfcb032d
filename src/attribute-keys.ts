/**
 * Every span and resource attribute key otel-xray reads, old (semconv 1.12-style) and new (stable HTTP/DB) names
 * side by side: both are emitted by instrumentations in the field.
 */
export const ATTR = {
  // HTTP, old names
  HTTP_METHOD: 'http.method',
  HTTP_URL: 'http.url',
  HTTP_SCHEME: 'http.scheme',
  HTTP_HOST: 'http.host',
  HTTP_TARGET: 'http.target',
  HTTP_SERVER_NAME: 'http.server_name',
  HTTP_STATUS_CODE: 'http.status_code',
  HTTP_USER_AGENT: 'http.user_agent',
  HTTP_CLIENT_IP: 'http.client_ip',
  HTTP_RESPONSE_CONTENT_LENGTH: 'http.response_content_length',
  HTTP_STATUS_TEXT: 'http.status_text',
  NET_HOST_NAME: 'net.host.name',
  HOST_NAME: 'host.name',
  NET_HOST_PORT: 'net.host.port',
  NET_PEER_NAME: 'net.peer.name',
  NET_PEER_PORT: 'net.peer.port',
  NET_PEER_IP: 'net.peer.ip',
  // HTTP, stable names
  HTTP_REQUEST_METHOD: 'http.request.method',
  HTTP_REQUEST_METHOD_ORIGINAL: 'http.request.method_original',
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  HTTP_RESPONSE_BODY_SIZE: 'http.response.body.size',
  URL_FULL: 'url.full',
  URL_SCHEME: 'url.scheme',
  URL_PATH: 'url.path',
  URL_QUERY: 'url.query',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  CLIENT_ADDRESS: 'client.address',
  NETWORK_PEER_ADDRESS: 'network.peer.address',
  NETWORK_LOCAL_ADDRESS: 'network.local.address',
  NETWORK_LOCAL_PORT: 'network.local.port',
  USER_AGENT_ORIGINAL: 'user_agent.original',
  // Messaging
  MESSAGING_URL: 'messaging.url',
  MESSAGING_PAYLOAD_SIZE: 'messaging.message_payload_size_bytes',
  MESSAGING_BODY_SIZE: 'messaging.message.body.size',
  MESSAGE_TYPE: 'message.type',
  // RPC and AWS SDK calls
  RPC_SYSTEM: 'rpc.system',
  RPC_SERVICE: 'rpc.service',
  RPC_METHOD: 'rpc.method',
  AWS_SERVICE: 'aws.service',
  AWS_OPERATION: 'aws.operation',
  AWS_ACCOUNT_ID: 'aws.account_id',
  AWS_REGION: 'aws.region',
  CLOUD_REGION: 'cloud.region',
  AWS_REQUEST_ID: 'aws.request_id',
  AWS_REQUEST_ID_CAMEL: 'aws.requestId',
  AWS_REQUEST_ID_DOTTED: 'aws.request.id',
  AWS_QUEUE_URL: 'aws.queue_url',
  AWS_QUEUE_URL_DOTTED: 'aws.queue.url',
  AWS_TABLE_NAME: 'aws.table_name',
  AWS_TABLE_NAME_DOTTED: 'aws.table.name',
  AWS_DYNAMODB_TABLE_NAMES: 'aws.dynamodb.table_names',
  AWS_RETRIES: 'aws.retries',
  AWS_HTTP_ERROR_MESSAGE: 'aws.http.error_message',
  // Naming hints
  PEER_SERVICE: 'peer.service',
  AWS_LOCAL_SERVICE: 'aws.local.service',
  AWS_REMOTE_SERVICE: 'aws.remote.service',
  AWS_SPAN_KIND: 'aws.span.kind',
  // Databases, old and stable names
  DB_SYSTEM: 'db.system',
  DB_SYSTEM_NAME: 'db.system.name',
  DB_NAME: 'db.name',
  DB_NAMESPACE: 'db.namespace',
  DB_USER: 'db.user',
  DB_CONNECTION_STRING: 'db.connection_string',
  DB_STATEMENT: 'db.statement',
  DB_QUERY_TEXT: 'db.query.text',
  // End user
  ENDUSER_ID: 'enduser.id',
  // Exceptions (event attributes)
  EXCEPTION_TYPE: 'exception.type',
  EXCEPTION_MESSAGE: 'exception.message',
  EXCEPTION_STACKTRACE: 'exception.stacktrace',
  // Lambda invocations (OTel's Lambda instrumentation)
  FAAS_INVOCATION_ID: 'faas.invocation_id',
  CLOUD_ACCOUNT_ID: 'cloud.account.id',
  // otel-xray / X-Ray specific span attributes
  XRAY_ANNOTATIONS: 'aws.xray.annotations',
  XRAY_METADATA_PREFIX: 'aws.xray.metadata.',
  XRAY_TRACED: 'aws.xray.traced',
  /** Set by otel-xray's sampler when the incoming header had a Root but no Parent: the segment has no parent_id. */
  XRAY_NO_PARENT: 'aws.xray.no_parent',
  /** The centralized sampling rule that sampled the trace (set by the sampler, written as aws.xray.sampling_rule_name). */
  XRAY_SAMPLING_RULE_NAME: 'aws.xray.sampling_rule_name',
  /** Set by the recorder API's inSegment / beginSegment: the segment's own name, above any naming setting. */
  XRAY_SEGMENT_NAME: 'aws.xray.segment_name',
  /**
   * Set by the recorder API on a subsegment started directly under a trace carried from another thread or
   * process (withTraceCarrier): it is sent as a subsegment of that remote parent, not as a segment of its own.
   */
  XRAY_CONTINUATION: 'aws.xray.continuation',
} as const;

/** Resource attribute keys. */
export const RES = {
  SERVICE_NAME: 'service.name',
  SERVICE_VERSION: 'service.version',
  SERVICE_NAMESPACE: 'service.namespace',
  SERVICE_INSTANCE_ID: 'service.instance.id',
  CLOUD_PROVIDER: 'cloud.provider',
  CLOUD_PLATFORM: 'cloud.platform',
  CLOUD_ACCOUNT_ID: 'cloud.account.id',
  CLOUD_AVAILABILITY_ZONE: 'cloud.availability_zone',
  HOST_ID: 'host.id',
  HOST_TYPE: 'host.type',
  HOST_IMAGE_ID: 'host.image.id',
  CONTAINER_NAME: 'container.name',
  CONTAINER_ID: 'container.id',
  CONTAINER_IMAGE_TAG: 'container.image.tag',
  K8S_POD_NAME: 'k8s.pod.name',
  K8S_CLUSTER_NAME: 'k8s.cluster.name',
  ECS_CLUSTER_ARN: 'aws.ecs.cluster.arn',
  ECS_CONTAINER_ARN: 'aws.ecs.container.arn',
  ECS_TASK_ARN: 'aws.ecs.task.arn',
  ECS_TASK_FAMILY: 'aws.ecs.task.family',
  ECS_LAUNCH_TYPE: 'aws.ecs.launchtype',
  LOG_GROUP_NAMES: 'aws.log.group.names',
  LOG_GROUP_ARNS: 'aws.log.group.arns',
  TELEMETRY_SDK_NAME: 'telemetry.sdk.name',
  TELEMETRY_SDK_LANGUAGE: 'telemetry.sdk.language',
  TELEMETRY_SDK_VERSION: 'telemetry.sdk.version',
  TELEMETRY_AUTO_VERSION: 'telemetry.auto.version',
  TELEMETRY_DISTRO_VERSION: 'telemetry.distro.version',
  PROCESS_RUNTIME_NAME: 'process.runtime.name',
  PROCESS_RUNTIME_VERSION: 'process.runtime.version',
} as const;
