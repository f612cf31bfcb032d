import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Context, Span } from '@opentelemetry/api';
import type { AwsLambdaInstrumentationConfig } from '@opentelemetry/instrumentation-aws-lambda';
import { ATTR } from '../attribute-keys';
import type { LambdaParentSource } from './trace-header';

/** Attribute keys the handler's span gets from the event (beside those OTel's Lambda instrumentation sets). */
export const LAMBDA_ATTR = {
  TRIGGER: 'faas.trigger',
  /** Which AWS service invoked the function (`aws:sqs`, `aws:apigateway`, ...): metadata on the handler's subsegment. */
  EVENT_SOURCE: 'aws.lambda.event_source',
  FUNCTION_VERSION: 'faas.version',
  INVOCATION_ID: 'faas.invocation_id',
  ACCOUNT_ID: 'cloud.account.id',
} as const;

type Event = Record<string, unknown>;

/**
 * How OTel's Lambda instrumentation is set up in Lambda: the handler's span hangs under Lambda's function segment
 * (the trace header from the InvokeStore, the handler's context or the env var, never from the event's own
 * headers, which the caller controls), and records what the event says of the trigger and of the HTTP request.
 */
export function lambdaInstrumentationConfig(parents: LambdaParentSource): AwsLambdaInstrumentationConfig {
  return {
    eventContextExtractor: (_event: unknown, handlerContext: unknown): Context => {
      const parent = parents.forInvocation(handlerContext);
      return parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent.spanContext);
    },
    requestHook: (span, { event, context: handlerContext }) => describeInvocation(span, event, handlerContext),
    responseHook: (span, { res }) => {
      const status = (res as { statusCode?: unknown } | null | undefined)?.statusCode;
      if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status < 600 && span.isRecording()) {
        // Only an HTTP trigger's result has a status code that means one.
        span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, status);
      }
    },
  };
}

/** The trigger and, for HTTP triggers (API Gateway, function URLs, ALB), the request as the handler received it. */
function describeInvocation(span: Span, event: unknown, handlerContext: { functionVersion?: unknown } | undefined): void {
  if (!span.isRecording()) return;
  const version = handlerContext?.functionVersion;
  if (typeof version === 'string' && version !== '') span.setAttribute(LAMBDA_ATTR.FUNCTION_VERSION, version);
  if (event === null || typeof event !== 'object') return;
  const e = event as Event;
  const source = eventSource(e);
  if (source === undefined) return;
  span.setAttribute(LAMBDA_ATTR.EVENT_SOURCE, source.name);
  span.setAttribute(LAMBDA_ATTR.TRIGGER, source.trigger);
  if (source.trigger === 'http') describeHttpRequest(span, e, source.name);
}

interface EventSource {
  readonly name: string;
  readonly trigger: 'http' | 'pubsub' | 'datasource' | 'timer' | 'other';
}

function eventSource(e: Event): EventSource | undefined {
  const records = e.Records;
  if (Array.isArray(records) && records.length > 0) {
    const first = records[0] as Event | null;
    const name = str(first?.eventSource) ?? str(first?.EventSource);
    if (name === 'aws:sqs' || name === 'aws:sns') return { name, trigger: 'pubsub' };
    if (name === 'aws:s3' || name === 'aws:dynamodb' || name === 'aws:kinesis') return { name, trigger: 'datasource' };
    return name === undefined ? undefined : { name, trigger: 'other' };
  }
  const requestContext = e.requestContext as Event | undefined;
  if (requestContext !== undefined && requestContext !== null && typeof requestContext === 'object') {
    if (requestContext.elb !== undefined) return { name: 'aws:elb', trigger: 'http' };
    const domain = str(requestContext.domainName) ?? '';
    if (domain.includes('.lambda-url.')) return { name: 'aws:lambda-url', trigger: 'http' };
    if (str(e.httpMethod) !== undefined || (requestContext.http as Event | undefined)?.method !== undefined) return { name: 'aws:apigateway', trigger: 'http' };
  }
  if (str(e.source) !== undefined && e['detail-type'] !== undefined) {
    return { name: 'aws:events', trigger: e['detail-type'] === 'Scheduled Event' ? 'timer' : 'pubsub' };
  }
  return undefined;
}

/**
 * Method, client address and user agent. API Gateway and function URLs give the caller's address in
 * `requestContext` (set by AWS, not by the caller); an ALB only forwards X-Forwarded-For, which the caller can
 * forge, so it is recorded as such.
 */
function describeHttpRequest(span: Span, e: Event, source: string): void {
  const requestContext = e.requestContext as Event;
  const http = requestContext.http as Event | undefined;
  const identity = requestContext.identity as Event | undefined;
  const method = str(http?.method) ?? str(e.httpMethod);
  if (method !== undefined) span.setAttribute(ATTR.HTTP_REQUEST_METHOD, method);
  // An ALB with multi-value headers on sends only `multiValueHeaders` (each value a list).
  const headers = (e.headers ?? firstValues(e.multiValueHeaders)) as Record<string, unknown>;
  const userAgent = str(http?.userAgent) ?? str(identity?.userAgent) ?? header(headers, 'user-agent');
  if (userAgent !== undefined) span.setAttribute(ATTR.USER_AGENT_ORIGINAL, userAgent);
  const sourceIp = str(http?.sourceIp) ?? str(identity?.sourceIp);
  if (sourceIp !== undefined && source !== 'aws:elb') {
    // The address AWS saw the connection come from: as a socket's peer, so it is not flagged as forwarded.
    span.setAttribute(ATTR.CLIENT_ADDRESS, sourceIp);
    span.setAttribute(ATTR.NETWORK_PEER_ADDRESS, sourceIp);
    return;
  }
  // From X-Forwarded-For only: the http block flags it `x_forwarded_for: true`.
  const first = header(headers, 'x-forwarded-for')?.split(',')[0]?.trim();
  if (first !== undefined && first !== '') span.setAttribute(ATTR.HTTP_CLIENT_IP, first);
}

function firstValues(multi: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (multi === null || typeof multi !== 'object') return out;
  for (const [key, values] of Object.entries(multi as Record<string, unknown>)) out[key] = Array.isArray(values) ? values[0] : values;
  return out;
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const exact = str(headers[name]);
  if (exact !== undefined) return exact;
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return str(headers[key]);
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
