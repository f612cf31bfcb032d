import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '../attribute-keys';
import { readInteger, readString } from '../attributes/read';
import type { AdaptiveSamplingConfig, AnomalyCondition } from './adaptive-config';

/** Whether an ended span is an anomaly, for the sampling boost and for anomaly trace capture. */
export interface AnomalyVerdict {
  readonly boost: boolean;
  readonly capture: boolean;
}

// The four possible verdicts, shared: judging runs on every ended span and must not allocate one per span.
export const NO_ANOMALY: AnomalyVerdict = Object.freeze({ boost: false, capture: false });
const BOOST_ONLY: AnomalyVerdict = Object.freeze({ boost: true, capture: false });
const CAPTURE_ONLY: AnomalyVerdict = Object.freeze({ boost: false, capture: true });
const BOTH: AnomalyVerdict = Object.freeze({ boost: true, capture: true });

/** Application Signals' operation name, set by ADOT-style processors; otel-xray itself does not set it. */
const AWS_LOCAL_OPERATION = 'aws.local.operation';

/**
 * Whether an ended span is an anomaly, for the sampling boost and for trace capture.
 *
 * Without configured conditions, a 5xx status (or ERROR with no status code) is an anomaly for both, unless the
 * sampling rule disabled that default. Configured conditions replace the default entirely (the AWS guide: "to
 * retain it you must explicitly include it").
 */
export function judgeSpan(span: ReadableSpan, config: AdaptiveSamplingConfig | undefined, disableDefaultDetection: boolean): AnomalyVerdict {
  const attributes = span.attributes;
  const status = readInteger(attributes[ATTR.HTTP_RESPONSE_STATUS_CODE]) ?? readInteger(attributes[ATTR.HTTP_STATUS_CODE]);
  const conditions = config?.anomalyConditions;
  if (conditions === undefined) {
    if (disableDefaultDetection) return NO_ANOMALY;
    // A span with a status code is judged by it alone: a 200 whose span status is ERROR is no anomaly.
    if (status !== undefined) return status > 499 ? BOTH : NO_ANOMALY;
    return span.status.code === SpanStatusCode.ERROR ? BOTH : NO_ANOMALY;
  }

  let boost = false;
  let capture = false;
  // Computed at most once, and only if an item lists operations: null = not computed yet.
  let operation: string | undefined | null = null;
  for (let i = 0; i < conditions.length; i++) {
    const condition = conditions[i]!;
    const forBoost = condition.usage !== 'anomaly-trace-capture';
    const forCapture = condition.usage !== 'sampling-boost';
    // An item that could only repeat what is already decided need not be evaluated.
    if ((!forBoost || boost) && (!forCapture || capture)) continue;
    if (condition.operations !== undefined) {
      if (operation === null) operation = operationOf(attributes);
      if (operation === undefined || !condition.operations.has(operation)) continue;
    }
    if (!matches(condition, span, status)) continue;
    boost ||= forBoost;
    capture ||= forCapture;
    if (boost && capture) break;
  }
  return boost ? (capture ? BOTH : BOOST_ONLY) : capture ? CAPTURE_ONLY : NO_ANOMALY;
}

/** errorCodeRegex AND highLatencyMs, each only if given; an item with neither matches nothing. */
function matches(condition: AnomalyCondition, span: ReadableSpan, status: number | undefined): boolean {
  const { errorCode, highLatencyMs } = condition;
  if (errorCode === undefined && highLatencyMs === undefined) return false;
  if (errorCode !== undefined && (status === undefined || !errorCode(String(status)))) return false;
  if (highLatencyMs !== undefined) {
    const duration = span.duration; // [seconds, nanoseconds]
    if (duration[0] * 1000 + duration[1] / 1e6 < highLatencyMs) return false;
  }
  return true;
}

/**
 * The span's operation: `aws.local.operation`, else the ingress operation Application Signals would generate,
 * `<METHOD> /<first path segment>` (`GET /api` for `/api/users?id=1`), as ADOT Java and Python do; undefined
 * without a path.
 */
function operationOf(attributes: Attributes): string | undefined {
  const local = readString(attributes[AWS_LOCAL_OPERATION]);
  if (local !== undefined) return local;
  const path = readString(attributes[ATTR.URL_PATH]) ?? readString(attributes[ATTR.HTTP_TARGET]);
  if (path === undefined) return undefined;
  // http.target carries the query: the segment ends at the first `/` or `?` after the leading `/`.
  const start = path.charCodeAt(0) === 47 /* / */ ? 1 : 0;
  let end = path.indexOf('?');
  if (end === -1) end = path.length;
  const slash = path.indexOf('/', start);
  if (slash !== -1 && slash < end) end = slash;
  const segment = '/' + path.substring(start, end);
  const method = readString(attributes[ATTR.HTTP_REQUEST_METHOD]) ?? readString(attributes[ATTR.HTTP_METHOD]);
  return method === undefined ? segment : `${method} ${segment}`;
}
