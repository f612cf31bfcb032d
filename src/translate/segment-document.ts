/**
 * The X-Ray segment document, as sent to the X-Ray daemon and accepted by PutTraceSegments.
 * These types are the single source of truth for what otel-xray writes; `test/schema/segment-document.schema.json`
 * mirrors them and every document a test produces is validated against it.
 *
 * Format reference: "AWS X-Ray segment documents" in the X-Ray developer guide.
 */

/** A value X-Ray indexes for filter expressions. */
export type AnnotationValue = string | number | boolean;

/** Any JSON value: metadata may hold whatever the application recorded. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface HttpRequest {
  method?: string;
  url?: string;
  user_agent?: string;
  client_ip?: string;
  /** Segments only: client_ip was read from X-Forwarded-For (or Forwarded) and may be forged. */
  x_forwarded_for?: boolean;
  /** Subsegments only: the downstream service is traced and will send a segment whose parent is this call. */
  traced?: boolean;
}

export interface HttpResponse {
  status?: number;
  /** Response body length in bytes, written only when known. */
  content_length?: number;
}

export interface HttpBlock {
  request?: HttpRequest;
  response?: HttpResponse;
}

export interface StackFrame {
  path?: string;
  line?: number;
  label?: string;
}

export interface ExceptionRecord {
  /** 16 hex digits, unique within the trace. */
  id: string;
  message?: string;
  type?: string;
  /** The exception was caused by an error returned by a downstream service. */
  remote?: boolean;
  /** Number of stack frames left out. */
  truncated?: number;
  /** Number of exceptions skipped between this one and its cause. */
  skipped?: number;
  /** Id of the exception that caused this one. */
  cause?: string;
  stack?: StackFrame[];
}

export interface CauseBlock {
  working_directory?: string;
  paths?: string[];
  exceptions: ExceptionRecord[];
}

export interface Ec2Block {
  instance_id?: string;
  instance_size?: string;
  ami_id?: string;
  availability_zone?: string;
}

export interface EcsBlock {
  container?: string;
  container_id?: string;
  container_arn?: string;
  cluster_arn?: string;
  task_arn?: string;
  task_family?: string;
  availability_zone?: string;
  launch_type?: string;
}

export interface EksBlock {
  cluster_name?: string;
  pod?: string;
  container_id?: string;
}

export interface ElasticBeanstalkBlock {
  environment_name?: string;
  version_label?: string;
  deployment_id?: number;
}

export interface CloudwatchLogsEntry {
  log_group?: string;
  arn?: string;
}

export interface XRaySdkBlock {
  sdk?: string;
  sdk_version?: string;
  auto_instrumentation?: boolean;
  /** Name of the sampling rule that sampled this trace, when a rule did. */
  rule_name?: string;
  /** The same, under the Python SDK's name, which otel-xray writes. */
  sampling_rule_name?: string;
}

export interface AwsBlock {
  // Where the application runs (segments).
  account_id?: string;
  ec2?: Ec2Block;
  ecs?: EcsBlock;
  eks?: EksBlock;
  elastic_beanstalk?: ElasticBeanstalkBlock;
  cloudwatch_logs?: CloudwatchLogsEntry[];
  xray?: XRaySdkBlock;
  // The AWS service called (subsegments).
  operation?: string;
  region?: string;
  request_id?: string;
  queue_url?: string;
  table_name?: string;
  table_names?: string[];
  retries?: number;
}

export interface SqlBlock {
  url?: string;
  connection_string?: string;
  sanitized_query?: string;
  database_type?: string;
  database_version?: string;
  driver_version?: string;
  user?: string;
  preparation?: 'call' | 'statement';
}

export interface ServiceBlock {
  version?: string;
  runtime?: string;
  runtime_version?: string;
}

export interface SpanLinkRecord {
  trace_id: string;
  id: string;
  attributes?: Record<string, JsonValue>;
}

/** Fields common to segments and subsegments. */
export interface EntityFields {
  name: string;
  id: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  http?: HttpBlock;
  aws?: AwsBlock;
  error?: boolean;
  throttle?: boolean;
  fault?: boolean;
  cause?: CauseBlock;
  annotations?: Record<string, AnnotationValue>;
  metadata?: Record<string, Record<string, JsonValue>>;
  subsegments?: Subsegment[];
  links?: SpanLinkRecord[];
}

/** A subsegment embedded in a segment or in another subsegment. */
export interface Subsegment extends EntityFields {
  namespace?: 'aws' | 'remote';
  sql?: SqlBlock;
  precursor_ids?: string[];
}

/** A segment: the work one service did for one request. */
export interface Segment extends EntityFields {
  trace_id: string;
  parent_id?: string;
  origin?: string;
  user?: string;
  service?: ServiceBlock;
}

/** A subsegment sent on its own, outside its segment's document. */
export interface IndependentSubsegment extends Subsegment {
  type: 'subsegment';
  trace_id: string;
  parent_id: string;
}

/** One document: what one UDP datagram to the daemon carries after the header line. */
export type SegmentDocument = Segment | IndependentSubsegment;
