import type { DiagLogger } from '@opentelemetry/api';
import { isInvalid } from './parse';
import type { Parsed } from './parse';

export type Env = Readonly<Record<string, string | undefined>>;

/** How one setting is read: its environment variable (if any), its option name, parser, default and display. */
export interface SettingSpec<T> {
  readonly env?: string;
  readonly option: string;
  readonly parse: (value: unknown) => Parsed<T>;
  readonly fallback: T;
  readonly show?: (value: T) => string;
}

/**
 * Resolves one setting: a set environment variable wins over the option given in code, which wins over the
 * default. A bad value gives one warning naming its source, the value and what is used instead; an env var that
 * overrides code says so. Empty or blank variables count as unset. Never throws.
 */
export function resolveSetting<T>(spec: SettingSpec<T>, optionValue: unknown, env: Env, logger: DiagLogger): T {
  const show = spec.show ?? ((v: T) => (Array.isArray(v) ? v.join(',') || '(none)' : String(v)));
  let fromCode: T | undefined;
  if (optionValue !== undefined) {
    const parsed = spec.parse(optionValue);
    if (isInvalid(parsed)) {
      logger.warn(`option ${spec.option}=${JSON.stringify(optionValue)} is not valid (${parsed.invalid}); using ${show(spec.fallback)}`);
    } else {
      fromCode = parsed;
    }
  }
  const text = spec.env === undefined ? undefined : env[spec.env];
  if (spec.env !== undefined && text !== undefined && text.trim() !== '') {
    const parsed = spec.parse(text);
    if (isInvalid(parsed)) {
      const instead = fromCode ?? spec.fallback;
      logger.warn(`${spec.env}=${JSON.stringify(text)} is not valid (${parsed.invalid}); using ${show(instead)}`);
      return instead;
    }
    if (fromCode !== undefined) logger.warn(`${spec.env} is set, so the ${spec.option} option given in code is ignored`);
    return parsed;
  }
  return fromCode ?? spec.fallback;
}
