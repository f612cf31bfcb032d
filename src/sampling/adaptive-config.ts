import { existsSync, readFileSync } from 'node:fs';

/** Which adaptive action a matching anomaly condition drives. */
export type AnomalyUsage = 'both' | 'sampling-boost' | 'anomaly-trace-capture';

/** One item of `anomalyConditions`, validated, with its regex compiled. */
export interface AnomalyCondition {
  /** Full-string match of `errorCodeRegex` against the decimal status code. */
  readonly errorCode: ((status: string) => boolean) | undefined;
  readonly highLatencyMs: number | undefined;
  /** undefined: all operations. An empty set: no operation, so the item never applies. */
  readonly operations: ReadonlySet<string> | undefined;
  readonly usage: AnomalyUsage;
}

export interface AdaptiveSamplingConfig {
  /** undefined: no anomalyConditions key, so the default condition (5xx, or ERROR without a status) applies. */
  readonly anomalyConditions: readonly AnomalyCondition[] | undefined;
  /** anomalyCaptureLimit.anomalyTracesPerSecond, default 1. */
  readonly anomalyTracesPerSecond: number;
}

const TOP_KEYS = ['version', 'anomalyConditions', 'anomalyCaptureLimit'];
const CONDITION_KEYS = ['errorCodeRegex', 'highLatencyMs', 'operations', 'usage'];
const LIMIT_KEYS = ['anomalyTracesPerSecond'];

/**
 * Usage spellings. The AWS guide's field list says `anomaly-span-capture`, while its examples and every reference
 * SDK say `anomaly-trace-capture`: both are taken, so a config copied from either place works.
 */
const USAGES: Readonly<Record<string, AnomalyUsage>> = Object.freeze({
  both: 'both',
  'sampling-boost': 'sampling-boost',
  'anomaly-trace-capture': 'anomaly-trace-capture',
  'anomaly-span-capture': 'anomaly-trace-capture',
});

/** Read by the default reader: a value that names no file is inline YAML. */
function readExistingFile(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/**
 * From AWS_XRAY_ADAPTIVE_SAMPLING_CONFIG (a path to an existing file, else inline YAML or JSON) or an object given
 * in code. Returns a sentence saying what is wrong instead of throwing: a bad config must never break the app,
 * the caller warns and goes on without it.
 */
export function parseAdaptiveSamplingConfig(
  value: unknown,
  readFile: (path: string) => string | undefined = readExistingFile,
): AdaptiveSamplingConfig | string {
  try {
    let document = value;
    if (typeof value === 'string') {
      let text: string | undefined;
      try {
        text = readFile(value);
      } catch (err) {
        return `cannot read ${value}: ${firstLine(err)}`;
      }
      // Required here, not at the top: most processes set no config and never pay for loading the parser.
      const { parse } = require('yaml') as typeof import('yaml');
      try {
        // logLevel 'error': errors still throw, but warnings do not go to process.emitWarning.
        document = parse(text ?? value, { logLevel: 'error' });
      } catch (err) {
        return `not YAML: ${firstLine(err)}`;
      }
      // A mistyped path parses as a YAML string: say so rather than "not a mapping".
      if (text === undefined && typeof document === 'string') return `is neither an existing file nor a YAML mapping: ${show(value)}`;
    } else if (document === null || typeof document !== 'object') {
      return `must be a file path, YAML or JSON text, or an object, not ${show(value)}`;
    }
    return validate(document);
  } catch (err) {
    // Only exotic objects from code (throwing getters, proxies) get here.
    return `cannot be read: ${firstLine(err)}`;
  }
}

function validate(document: unknown): AdaptiveSamplingConfig | string {
  if (document === null || document === undefined) return 'is empty: it needs at least version: 1.0';
  if (!isMapping(document)) return `must be a mapping with a version, such as {version: 1.0}, not ${show(document)}`;
  const unknown = unknownKey(document, TOP_KEYS);
  if (unknown !== undefined) return `has unknown key ${show(unknown)}: the keys are version, anomalyConditions and anomalyCaptureLimit`;

  const version = given(document, 'version');
  if (version === undefined) return 'version is required: add version: 1.0';
  if (typeof version !== 'number' || Number.isNaN(version)) return `version must be a number, not ${show(version)}`;
  if (version < 1 || version >= 2) return 'version must be at least 1.0 and below 2.0';

  let anomalyConditions: AnomalyCondition[] | undefined;
  const conditions = given(document, 'anomalyConditions');
  if (conditions !== undefined) {
    if (!Array.isArray(conditions)) return `anomalyConditions must be a list, not ${show(conditions)}`;
    anomalyConditions = [];
    for (let i = 0; i < conditions.length; i++) {
      const condition = parseCondition(conditions[i], `anomalyConditions[${i}]`);
      if (typeof condition === 'string') return condition;
      anomalyConditions.push(condition);
    }
    Object.freeze(anomalyConditions);
  }

  let anomalyTracesPerSecond = 1;
  const limit = given(document, 'anomalyCaptureLimit');
  if (limit !== undefined) {
    if (!isMapping(limit)) return `anomalyCaptureLimit must be a mapping, such as {anomalyTracesPerSecond: 1}, not ${show(limit)}`;
    const unknownLimit = unknownKey(limit, LIMIT_KEYS);
    if (unknownLimit !== undefined) return `anomalyCaptureLimit has unknown key ${show(unknownLimit)}: the only key is anomalyTracesPerSecond`;
    const perSecond = given(limit, 'anomalyTracesPerSecond');
    if (perSecond !== undefined) {
      if (typeof perSecond !== 'number' || !Number.isSafeInteger(perSecond) || perSecond < 0) {
        return `anomalyCaptureLimit.anomalyTracesPerSecond must be a whole number, 0 or more, not ${show(perSecond)}`;
      }
      anomalyTracesPerSecond = perSecond;
    }
  }
  return Object.freeze({ anomalyConditions, anomalyTracesPerSecond });
}

function parseCondition(value: unknown, where: string): AnomalyCondition | string {
  if (!isMapping(value)) return `${where} must be a mapping, not ${show(value)}`;
  const unknown = unknownKey(value, CONDITION_KEYS);
  if (unknown !== undefined) return `${where} has unknown key ${show(unknown)}: the keys are errorCodeRegex, highLatencyMs, operations and usage`;

  let errorCode: ((status: string) => boolean) | undefined;
  const regex = given(value, 'errorCodeRegex');
  if (regex !== undefined) {
    // YAML reads an unquoted 500 as a number: ask for quotes rather than guess what was meant.
    if (typeof regex !== 'string') return `${where}.errorCodeRegex must be a string (quote it), not ${show(regex)}`;
    let compiled: RegExp;
    try {
      // Whole-string match, as Java's matches(): "5\d\d" must not match "1500". An already anchored ^…$ still works.
      compiled = new RegExp(`^(?:${regex})$`);
    } catch (err) {
      return `${where}.errorCodeRegex is not a valid regular expression: ${firstLine(err)}`;
    }
    errorCode = (status) => compiled.test(status);
  }

  const highLatencyMs = given(value, 'highLatencyMs');
  if (highLatencyMs !== undefined && (typeof highLatencyMs !== 'number' || !Number.isFinite(highLatencyMs) || highLatencyMs < 0)) {
    return `${where}.highLatencyMs must be a number of milliseconds, 0 or more, not ${show(highLatencyMs)}`;
  }

  let operations: ReadonlySet<string> | undefined;
  const list = given(value, 'operations');
  if (list !== undefined) {
    if (!Array.isArray(list)) return `${where}.operations must be a list of operation names such as "GET /api", not ${show(list)}`;
    for (let i = 0; i < list.length; i++) {
      if (typeof list[i] !== 'string') return `${where}.operations[${i}] must be a string, not ${show(list[i])}`;
    }
    operations = new Set(list as string[]);
  }

  const usageName = given(value, 'usage');
  let usage: AnomalyUsage = 'both';
  if (usageName !== undefined) {
    const known = typeof usageName === 'string' && Object.hasOwn(USAGES, usageName) ? USAGES[usageName] : undefined;
    if (known === undefined) return `${where}.usage must be both, sampling-boost or anomaly-trace-capture, not ${show(usageName)}`;
    usage = known;
  }
  return Object.freeze({ errorCode, highLatencyMs, operations, usage });
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A key's value; null counts as absent, as in the reference SDKs (YAML `key:` with nothing after it is null). */
function given(mapping: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(mapping, key) ? (mapping[key] ?? undefined) : undefined;
}

function unknownKey(mapping: Record<string, unknown>, known: readonly string[]): string | undefined {
  return Object.keys(mapping).find((key) => !known.includes(key));
}

/** A value as a message quotes it: strings in quotes and shortened, containers by kind. */
function show(value: unknown): string {
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > 80 ? `${quoted.slice(0, 76)}…"` : quoted;
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** The first line of an error's message: YAML errors go on with a drawing of the faulty spot. */
function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const end = message.indexOf('\n');
  return end === -1 ? message : message.slice(0, end);
}
