import type { AssembledTrace, TraceEntity } from './model';

/**
 * A trace as an indented tree, one line per segment or subsegment: name, namespace, start offset from the trace's
 * start, duration, the request and status, and the error flags. What `otel-xray local --tail` and the samples
 * print.
 */
export function formatTrace(trace: AssembledTrace): string[] {
  const lines = [`trace ${trace.id}`];
  for (const entity of trace.entities) lines.push(formatEntity(entity, trace.start_time));
  return lines;
}

function formatEntity(entity: TraceEntity, traceStart: number): string {
  const raw = entity.raw;
  const duration = entity.end_time === undefined ? '…' : `${((entity.end_time - entity.start_time) * 1000).toFixed(1)} ms`;
  const at = `+${((entity.start_time - traceStart) * 1000).toFixed(1)} ms`;
  const request = raw.http?.request;
  const http = raw.http === undefined ? '' : ` ${request?.method ?? ''} ${request?.url ?? ''} → ${raw.http.response?.status ?? ''}`;
  const operation = typeof raw.aws?.operation === 'string' ? ` ${raw.aws.operation}` : '';
  const flags = (['error', 'throttle', 'fault'] as const).filter((flag) => raw[flag] === true).join(',');
  const kind = entity.namespace === undefined ? '' : ` [${entity.namespace}]`;
  const mark = entity.depth === 0 ? '■' : '└';
  return `  ${'  '.repeat(entity.depth)}${mark} ${entity.name}${kind}${operation}  ${at}  ${duration}${http}${flags === '' ? '' : `  !${flags}`}`;
}
