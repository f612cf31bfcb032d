import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, RandomIdGenerator, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { IdGenerator, ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface RecordOptions {
  resource?: Resource;
  /** Use OTel's random ids instead of X-Ray's (epoch-prefixed) ones. */
  randomIds?: boolean;
  idGenerator?: IdGenerator;
}

/** Random ids whose trace ids start with a fixed hex prefix (to test ids from old or foreign generators). */
export class TraceIdPrefixGenerator implements IdGenerator {
  constructor(private readonly _prefix: string) {}
  generateTraceId(): string {
    return this._prefix + randomBytes(16).toString('hex').slice(this._prefix.length);
  }
  generateSpanId(): string {
    return randomBytes(8).toString('hex');
  }
}

/**
 * Runs `body` with a tracer of a fresh BasicTracerProvider and returns the spans it ended, as an exporter would
 * receive them: real spans, real ids, real times.
 */
export function recordSpans(body: (tracer: Tracer) => void, options: RecordOptions = {}): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: options.resource ?? resourceFromAttributes({ 'service.name': 'test-service' }),
    idGenerator: options.idGenerator ?? (options.randomIds === true ? new RandomIdGenerator() : new AWSXRayIdGenerator()),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  body(provider.getTracer('otel-xray-tests'));
  return exporter.getFinishedSpans();
}

/** A context whose active span is `span`: pass it to startSpan to make a child (no context manager needed). */
export function under(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}

/** A context carrying a parent from another process, as a propagator extracts it from a trace header. */
export function underRemote(parent: SpanContext): Context {
  return trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true });
}

export { resourceFromAttributes };
