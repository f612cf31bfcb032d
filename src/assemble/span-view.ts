import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * A span seen with some of its fields replaced, the span itself untouched: an ended span is shared with every
 * processor, so what one of them sends differently (re-parented init work in Lambda, a captured span's mark) is a
 * view over it, nothing copied. Defined, not assigned, so a field the span holds as its own cannot block it.
 */
export function spanView(span: ReadableSpan, fields: Partial<ReadableSpan>): ReadableSpan {
  const view = Object.create(span) as ReadableSpan;
  for (const [key, value] of Object.entries(fields)) Object.defineProperty(view, key, { value, enumerable: true });
  return view;
}
