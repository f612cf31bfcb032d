/** The X-Ray trace header an SQS message carries: `Attributes` from ReceiveMessage, `attributes` in a Lambda event. */
export function sqsTraceHeader(message: unknown): string | undefined {
  if (message === null || typeof message !== 'object') return undefined;
  const m = message as { Attributes?: Record<string, unknown>; attributes?: Record<string, unknown> };
  const header = m.Attributes?.AWSTraceHeader ?? m.attributes?.AWSTraceHeader;
  return typeof header === 'string' ? header : undefined;
}

/** True when the message's `AWSTraceHeader` says `Sampled=1` (the X-Ray SDKs' SqsMessageHelper.isSampled). */
export function isSqsMessageSampled(message: unknown): boolean {
  const header = sqsTraceHeader(message);
  if (header === undefined) return false;
  for (const part of header.split(';')) {
    const [key, value] = part.split('=');
    if (key?.trim() === 'Sampled') return value?.trim() === '1';
  }
  return false;
}
