import type { OutgoingIgnoreRule } from './outgoing-rules';
import { checkOutgoingRule, outgoingIgnoreRules } from './outgoing-rules';

export type { OutgoingCall, OutgoingIgnoreRule } from './outgoing-rules';

/**
 * Outgoing calls matching `rule` are not traced (the X-Ray SDK's `add_ignored`): every criterion given must match.
 * `ignoreOutgoing({ hostname: '*.internal' })`, `ignoreOutgoing({ urls: ['/health'] })`,
 * `ignoreOutgoing({ subclass: 'fetch', hostname: 'api.example.com' })`. Throws on a malformed rule (a mistake in
 * code, found at once).
 */
export function ignoreOutgoing(rule: OutgoingIgnoreRule): void {
  const problem = checkOutgoingRule(rule);
  if (problem !== undefined) throw new TypeError(`ignoreOutgoing: ${problem}`);
  outgoingIgnoreRules().add(rule);
}

/** Forgets the rules added with ignoreOutgoing() (the configured ones stay). */
export function resetIgnoredOutgoing(): void {
  outgoingIgnoreRules().reset();
}
