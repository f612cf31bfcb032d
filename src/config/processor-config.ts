import type { DiagLogger } from '@opentelemetry/api';
import type { LogLevelName } from '../diag';
import type { Emitter } from '../emit/emitter';
import type { TranslateOptions } from '../translate/options';
import { DEFAULT_DAEMON_ADDRESS, formatEndpoint, parseDaemonAddress } from './daemon-address';
import type { DaemonAddress } from './daemon-address';
import { parseWholeNumber } from './parse';
import { resolveSetting } from './setting';
import type { Env, SettingSpec } from './setting';

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
  env?: Env;
  /**
   * otel-xray's log level for this processor (`AWS_XRAY_LOG_LEVEL` under the preload). `debug` logs each document
   * as it is sent (one line, cut to 300 characters) and every problem, each drop with its reason. Default `warn`.
   */
  logLevel?: LogLevelName;
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
export function resolveProcessorConfig(options: XRaySpanProcessorOptions, env: Env, logger: DiagLogger): ResolvedProcessorConfig {
  const count = (option: keyof XRaySpanProcessorOptions, fallback: number): number =>
    resolveSetting({ option, parse: parseWholeNumber(1), fallback }, options[option], env, logger);
  return Object.freeze({
    daemon: resolveSetting(DAEMON_ADDRESS_SETTING, options.daemonAddress, env, logger),
    streamingThreshold: resolveSetting(
      { env: 'AWS_XRAY_STREAMING_THRESHOLD', option: 'streamingThreshold', parse: parseWholeNumber(0), fallback: PROCESSOR_DEFAULTS.streamingThreshold },
      options.streamingThreshold, env, logger,
    ),
    maxOpenSegments: count('maxOpenSegments', PROCESSOR_DEFAULTS.maxOpenSegments),
    maxBufferedSpans: count('maxBufferedSpans', PROCESSOR_DEFAULTS.maxBufferedSpans),
    maxBufferAgeMillis: count('maxBufferAgeMillis', PROCESSOR_DEFAULTS.maxBufferAgeMillis),
  });
}

export const DAEMON_ADDRESS_SETTING: SettingSpec<DaemonAddress> = {
  env: 'AWS_XRAY_DAEMON_ADDRESS',
  option: 'daemonAddress',
  parse: (value) => {
    if (typeof value !== 'string') return { invalid: 'expected "host:port" or "tcp:host:port udp:host:port"' };
    const parsed = parseDaemonAddress(value);
    return typeof parsed === 'string' ? { invalid: parsed } : parsed;
  },
  fallback: DEFAULT_DAEMON_ADDRESS,
  show: (d) => `udp ${formatEndpoint(d.udp)}, tcp ${formatEndpoint(d.tcp)}`,
};
