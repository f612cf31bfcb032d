import { createHash } from 'node:crypto';

/**
 * The key under which a trace carries the sampling rule that decided it at its root, so that downstream services
 * count their anomalies toward that rule (X-Ray adaptive sampling). The AWS distros write it in W3C tracestate
 * (and baggage) as `xrsr`; the value is the first 8 bytes of SHA-256 of the rule name, in hex.
 */
export const RULE_KEY = 'xrsr';

const HASH = /^[0-9a-f]{16}$/;

export function ruleHash(ruleName: string): string {
  return createHash('sha256').update(ruleName, 'utf8').digest('hex').slice(0, 16);
}

export function isRuleHash(value: unknown): value is string {
  return typeof value === 'string' && HASH.test(value);
}
