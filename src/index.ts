// The public API. Explicit named exports only; nothing here opens a socket or loads an instrumentation.
export { toSegmentDocuments, SegmentTranslator } from './translate/to-segment-documents';
export type { TranslateOptions } from './translate/options';
export { ProblemCounter } from './diag';
export type {
  AnnotationValue,
  AwsBlock,
  CauseBlock,
  CloudwatchLogsEntry,
  Ec2Block,
  EcsBlock,
  EksBlock,
  ElasticBeanstalkBlock,
  ExceptionRecord,
  HttpBlock,
  HttpRequest,
  HttpResponse,
  IndependentSubsegment,
  JsonValue,
  Segment,
  SegmentDocument,
  ServiceBlock,
  SpanLinkRecord,
  SqlBlock,
  StackFrame,
  Subsegment,
  XRaySdkBlock,
} from './translate/segment-document';
export { PACKAGE_NAME, PACKAGE_VERSION } from './version';
