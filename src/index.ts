// The public API. Explicit named exports only; nothing here opens a socket or loads an instrumentation.
export { toSegmentDocuments, SegmentTranslator } from './translate/to-segment-documents';
export type { TranslateOptions } from './translate/options';
export { ProblemCounter } from './diag';
export { start, setSdkEnabled, forceFlush } from './start';
export type { XRayHandle } from './start';
export type { XRayOptions, XRayConfig, ContextMissing, UrlsAsAnnotation, LogLevel } from './config/xray-config';
export { XRayPropagator } from './propagation/xray-propagator';
export { httpInstrumentationConfig, fetchInstrumentationConfig } from './instrumentations';
export { XRayDefaultRuleSampler } from './sampling/default-rule-sampler';
export { XRaySampler } from './sampling/xray-sampler';
export { LocalRulesSampler } from './sampling/local-rules-sampler';
export { parseLocalRules } from './sampling/local-rules';
export type { LocalRuleSet } from './sampling/local-rules';
export type { XRaySamplerOptions } from './sampling/xray-sampler';
export { XRaySpanProcessor } from './span-processor';
export type { XRayProcessorStats } from './span-processor';
export type { XRaySpanProcessorOptions } from './config/processor-config';
export { parseDaemonAddress } from './config/daemon-address';
export type { DaemonAddress, Endpoint } from './config/daemon-address';
export { Packer, DOCUMENT_BUDGET_BYTES } from './pack/packer';
export type { PackCounts } from './pack/packer';
export { XRaySpanExporter } from './span-exporter';
export type { XRaySpanExporterOptions } from './span-exporter';
export { InMemoryEmitter } from './emit/emitter';
export type { Emitter } from './emit/emitter';
export { DAEMON_HEADER, UdpEmitter } from './emit/udp-emitter';
export type { EmitterCounts, UdpEmitterOptions } from './emit/udp-emitter';
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
export {
  addError, beginSegment, beginSubsegment, beginSubsegmentWithoutSampling, capture, captureAsyncFunc, captureCallbackFunc,
  captureFunc, configureRecorder, ContextMissingError, currentSegment, currentSubsegment, endSegment, endSubsegment,
  getSegment, getTraceEntity, inSegment, inSubsegment, isSampled, isSqsMessageSampled, putAnnotation, putMetadata,
  setTraceEntity, setUser, sqsTraceHeader, traceCarrier, withTraceCarrier, XRayEntity, xrayRecorder,
} from './recorder/index';
export { ignoreOutgoing, resetIgnoredOutgoing } from './ignore/index';
export { patchModules } from './patch/patch-modules';
export { lambdaHandler } from './lambda/wrap-handler';
export type { PatchModulesOptions } from './patch/patch-modules';
export type { OutgoingIgnoreRule } from './ignore/index';
