// The recorder API: what X-Ray SDK users write (in_subsegment, capture, put_annotation …), over OTel spans.
import {
  addError, beginSegment, beginSubsegment, beginSubsegmentWithoutSampling, capture, captureAsyncFunc, captureCallbackFunc,
  captureFunc, currentSegment, currentSubsegment, endSegment, endSubsegment, getSegment, getTraceEntity, inSegment,
  inSubsegment, isSampled, putAnnotation, putMetadata, setTraceEntity, setUser, traceCarrier, withTraceCarrier,
} from './recorder';
import { configureRecorder } from './settings';

export {
  addError, beginSegment, beginSubsegment, beginSubsegmentWithoutSampling, capture, captureAsyncFunc, captureCallbackFunc,
  captureFunc, configureRecorder, currentSegment, currentSubsegment, endSegment, endSubsegment, getSegment, getTraceEntity,
  inSegment, inSubsegment, isSampled, putAnnotation, putMetadata, setTraceEntity, setUser, traceCarrier, withTraceCarrier,
};
export { ContextMissingError } from './context-missing';
export { XRayEntity } from './entity';
export type { AnnotationValue } from './entity';
export { isSqsMessageSampled, sqsTraceHeader } from './sqs';

/** Everything above on one object, for code written against `xray_recorder` / `AWSXRay`. */
export const xrayRecorder = Object.freeze({
  inSegment, inSubsegment, capture, captureFunc, captureAsyncFunc, captureCallbackFunc, getSegment,
  beginSegment, endSegment, beginSubsegment, beginSubsegmentWithoutSampling, endSubsegment,
  currentSegment, currentSubsegment, isSampled, putAnnotation, putMetadata, setUser, addError,
  getTraceEntity, setTraceEntity, traceCarrier, withTraceCarrier, configureRecorder,
});
