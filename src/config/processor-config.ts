import type { DiagLogger } from '@opentelemetry/api';
import type { Emitter } from '../emit/emitter';
import type { TranslateOptions } from '../translate/options';
import { DEFAULT_DAEMON_ADDRESS, formatEndpoint, parseDaemonAddress } from './daemon-address';
import type { DaemonAddress } from './daemon-address';

/** Options of XRaySpanProcessor. Environment variables, where named, win over these. */
export interface XRaySpanProcessorOptions extends TranslateOptions {
  /**
   * The X-Ray daemon: `host:port`, or `tcp:host:port udp:host:port`. Env `AWS_XRAY_DAEMON_ADDRESS` wins.
   * Default `127.0.0.1:2000`.
   */
  daemonAddress?: string;
  /**
   * When more than this many subsegments of one segment have ended while the segment is still open, they are
   * sent ahead as independent subsegments and freed. Lower it if long requests hold many spans in memory.
   * Env `AWS_XRAY_STREAMING_THRESHOLD` wins. Default 100.
   */
  streamingThreshold?: number;
  /** Segments (local roots) buffered at once; past this the oldest one's ended spans are sent early. Default 10,000. */
  maxOpenSegments?: number;
  /** Ended spans buffered at once across all segments; past this the oldest segment's are sent early. Default 20,000. */
  maxBufferedSpans?: number;
  /** Ended spans of a segment whose root never ends (a leaked span) are sent after this long. Default 60,000. */
  maxBufferAgeMillis?: number;
  /** Where documents go instead of the daemon (tests, the local viewer). Default: UDP to the daemon. */
  emitter?: Emitter;
  /** The environment to read (default `process.env`): for tests and embedders. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedProcessorConfig {
  readonly daemon: DaemonAddress;
  readonly streamingThreshold: number;
  readonly maxOpenSegments: number;
  readonly maxBufferedSpans: number;
  readonly maxBufferAgeMillis: number;
}

export const PROCESSOR_DEFAULTS: ResolvedProcessorConfig = Object.freeze({
  daemon: DEFAULT_DAEMON_ADDRESS,
  streamingThreshold: 100,
  maxOpenSegments: 10_000,
  maxBufferedSpans: 20_000,
  maxBufferAgeMillis: 60_000,
});

/**
 * Environment > options > defaults, resolved once. A bad value (in the environment or in code) gives one
 * warning naming where it came from, the value and what is used instead; nothing throws.
 */
export function resolveProcessorConfig(
  options: XRaySpanProcessorOptions,
  env: Readonly<Record<string, string | undefined>>,
  logger: DiagLogger,
): ResolvedProcessorConfig {
  const daemon = pick(
    'AWS_XRAY_DAEMON_ADDRESS', env, 'daemonAddress', options.daemonAddress,
    (text) => parseDaemonAddress(text),
    PROCESSOR_DEFAULTS.daemon, (d) => `udp ${formatEndpoint(d.udp)}, tcp ${formatEndpoint(d.tcp)}`, logger,
  );
  const threshold = pick(
    'AWS_XRAY_STREAMING_THRESHOLD', env, 'streamingThreshold', options.streamingThreshold,
    (value) => wholeNumber(value, 0),
    PROCESSOR_DEFAULTS.streamingThreshold, String, logger,
  );
  const count = (name: keyof XRaySpanProcessorOptions, value: unknown, fallback: number): number =>
    pick(undefined, env, name, value, (v) => wholeNumber(v, 1), fallback, String, logger);
  return Object.freeze({
    daemon,
    streamingThreshold: threshold,
    maxOpenSegments: count('maxOpenSegments', options.maxOpenSegments, PROCESSOR_DEFAULTS.maxOpenSegments),
    maxBufferedSpans: count('maxBufferedSpans', options.maxBufferedSpans, PROCESSOR_DEFAULTS.maxBufferedSpans),
    maxBufferAgeMillis: count('maxBufferAgeMillis', options.maxBufferAgeMillis, PROCESSOR_DEFAULTS.maxBufferAgeMillis),
  });
}

function wholeNumber(value: unknown, minimum: number): number | string {
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < minimum) {
    return `expected a whole number of at least ${minimum}`;
  }
  return number;
}

/** One setting: the env var (if any and set) wins over the option, which wins over the default. */
function pick<T>(
  envName: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  optionName: string,
  optionValue: unknown,
  parse: (value: never) => T | string,
  fallback: T,
  show: (value: T) => string,
  logger: DiagLogger,
): T {
  const envText = envName === undefined ? undefined : env[envName];
  let fromCode: T | undefined;
  if (optionValue !== undefined) {
    const parsed = parse(optionValue as never);
    if (typeof parsed === 'string') {
      logger.warn(`option ${optionName}=${JSON.stringify(optionValue)} is not valid (${parsed}); using ${show(fallback)}`);
    } else {
      fromCode = parsed;
    }
  }
  if (envName !== undefined && envText !== undefined && envText.trim() !== '') {
    const parsed = parse(envText as never);
    if (typeof parsed === 'string') {
      const instead = fromCode ?? fallback;
      logger.warn(`${envName}=${JSON.stringify(envText)} is not valid (${parsed}); using ${show(instead)}`);
      return instead;
    }
    if (fromCode !== undefined) logger.warn(`${envName} is set, so the ${optionName} option given in code is ignored`);
    return parsed;
  }
  return fromCode ?? fallback;
}
