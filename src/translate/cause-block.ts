import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, HrTime } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '../attribute-keys';
import type { ProblemCounter } from '../diag';
import { LIMITS, truncate } from '../limits';
import { readInteger, readString } from '../attributes/read';
import type { CauseBlock, ExceptionRecord } from './segment-document';
import { hrTimeToEpochSeconds, randomHexId } from './ids';
import { parseStackTrace } from './stack-trace';
import type { StackFormat } from './stack-trace';

export interface CauseInput {
  readonly span: ReadableSpan;
  readonly attrs: Attributes;
  /** Errors of outgoing calls were raised by the service called. */
  readonly remote: boolean;
  readonly isAwsApi: boolean;
  readonly stackFormat: StackFormat;
  readonly workingDirectory: string | undefined;
  /** Stack frames under these paths (otel-xray's own code) are left out. */
  readonly hiddenFramePaths: readonly string[];
  readonly problems: ProblemCounter;
}

/**
 * `cause` from the span's exception events (and, for AWS SDK spans, its "HTTP request failure" events), or from
 * an ERROR status with a message when there are no such events. Undefined when there is nothing to say.
 */
export function buildCauseBlock(input: CauseInput): CauseBlock | undefined {
  const exceptions: ExceptionRecord[] = [];
  const events = input.span.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as TimedEvent;
    if (event.name === 'exception') addException(exceptions, event.attributes ?? {}, input);
    else if (input.isAwsApi && event.name === 'HTTP request failure') addAwsFailure(exceptions, event);
  }
  if (exceptions.length === 0) {
    if (input.span.status.code !== SpanStatusCode.ERROR) return undefined;
    const message = readString(input.span.status.message) ?? readString(input.attrs[ATTR.HTTP_STATUS_TEXT]);
    if (message === undefined) return undefined;
    exceptions.push({ id: randomHexId(), message: truncate(message, LIMITS.exceptionMessageLength) });
  }
  if (exceptions.length > LIMITS.exceptionsPerDocument) {
    input.problems.report(
      'too-many-exceptions',
      `a span recorded ${exceptions.length} exceptions; the first ${LIMITS.exceptionsPerDocument} are kept`,
    );
    exceptions.length = LIMITS.exceptionsPerDocument;
  }
  const cause: CauseBlock = { exceptions };
  if (input.workingDirectory !== undefined) cause.working_directory = input.workingDirectory;
  return cause;
}

function addException(out: ExceptionRecord[], attrs: Attributes, input: CauseInput): void {
  const record: ExceptionRecord = { id: randomHexId() };
  const type = readString(attrs[ATTR.EXCEPTION_TYPE]);
  if (type !== undefined) record.type = truncate(type, 256);
  const message = readString(attrs[ATTR.EXCEPTION_MESSAGE]);
  if (message !== undefined) record.message = truncate(message, LIMITS.exceptionMessageLength);
  if (input.remote) record.remote = true;
  out.push(record);

  const trace = readString(attrs[ATTR.EXCEPTION_STACKTRACE]);
  if (trace === undefined) return;
  const parsed = parseStackTrace(trace, input.stackFormat, input.workingDirectory, input.hiddenFramePaths);
  if (parsed.frames.length > 0) record.stack = parsed.frames;
  if (parsed.truncated > 0) record.truncated = parsed.truncated;
  let previous = record;
  for (const cause of parsed.causes) {
    const next: ExceptionRecord = { id: randomHexId(), type: truncate(cause.type, 256) };
    if (cause.message !== '') next.message = truncate(cause.message, LIMITS.exceptionMessageLength);
    if (cause.frames.length > 0) next.stack = cause.frames;
    if (cause.truncated > 0) next.truncated = cause.truncated;
    previous.cause = next.id;
    out.push(next);
    previous = next;
  }
}

/** The AWS SDK instrumentation's failed-attempt event: `<status>@<time>@<message>`, as the collector writes it. */
function addAwsFailure(out: ExceptionRecord[], event: TimedEvent): void {
  const attrs = event.attributes ?? {};
  const status = readInteger(attrs[ATTR.HTTP_RESPONSE_STATUS_CODE]);
  const message = readString(attrs[ATTR.AWS_HTTP_ERROR_MESSAGE]);
  if (status === undefined || message === undefined) return;
  out.push({
    id: randomHexId(),
    type: 'aws.http.error.event',
    remote: true,
    message: truncate(`${status}@${epochSecondsText(event.time)}@${message}`, LIMITS.exceptionMessageLength),
  });
}

function epochSecondsText(time: HrTime): string {
  const seconds = hrTimeToEpochSeconds(time);
  return Number.isFinite(seconds) ? seconds.toFixed(6) : '0.000000';
}
