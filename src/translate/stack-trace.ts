import { LIMITS, truncate } from '../limits';
import type { StackFrame } from './segment-document';

/** Frames of one exception, plus the exceptions a Java trace says caused it (`Caused by:` lines). */
export interface ParsedTrace {
  frames: StackFrame[];
  /** Frames beyond LIMITS.stackFrames, left out. */
  truncated: number;
  causes: Array<{ type: string; message: string; frames: StackFrame[]; truncated: number }>;
}

/** Which stack format a trace is in, from the resource's `telemetry.sdk.language`. */
export type StackFormat = 'v8' | 'java' | 'none';

export function stackFormatFor(language: string | undefined): StackFormat {
  switch (language) {
    case undefined:
    case 'nodejs':
    case 'javascript':
    case 'webjs':
      return 'v8'; // otel-xray runs in Node: a span without a language comes from here
    case 'java':
    case 'php':
      return 'java';
    default:
      return 'none';
  }
}

/**
 * Parses `exception.stacktrace` into X-Ray stack frames. Lines that do not look like frames are skipped, so
 * nothing in a trace can make this throw. Paths under `workingDirectory` are made relative (X-Ray shows
 * relative paths). Frames in `hiddenPaths` (otel-xray's own code) are left out and counted in `truncated`.
 */
export function parseStackTrace(
  trace: string,
  format: StackFormat,
  workingDirectory: string | undefined,
  hiddenPaths: readonly string[] = [],
): ParsedTrace {
  const result: ParsedTrace = { frames: [], truncated: 0, causes: [] };
  if (format === 'none') return result;
  let current: { frames: StackFrame[]; truncated: number } = result;
  let start = 0;
  while (start < trace.length) {
    let end = trace.indexOf('\n', start);
    if (end === -1) end = trace.length;
    const line = trace.substring(start, end).trim();
    start = end + 1;
    if (line.startsWith('at ')) {
      const frame = format === 'v8' ? parseV8Frame(line.substring(3), workingDirectory, hiddenPaths) : parseJavaFrame(line.substring(3));
      if (frame === undefined) continue;
      if (frame === HIDDEN || current.frames.length >= LIMITS.stackFrames) current.truncated++;
      else current.frames.push(frame);
    } else if (format === 'java' && line.startsWith('Caused by: ')) {
      const cause = parseJavaCause(line.substring('Caused by: '.length));
      result.causes.push(cause);
      current = cause;
    }
  }
  return result;
}

const V8_POSITION = /:(\d+)(?::\d+)?$/;

/** A frame of otel-xray's own code: left out, counted. */
const HIDDEN: StackFrame = Object.freeze({});

/** `label (path:line:column)`, `path:line:column`, `label (native)`. */
function parseV8Frame(text: string, workingDirectory: string | undefined, hiddenPaths: readonly string[]): StackFrame | undefined {
  let label: string | undefined;
  let location = text;
  const open = text.indexOf(' (');
  if (open !== -1) {
    if (!text.endsWith(')')) return undefined; // cut or garbled line
    label = text.substring(0, open).trim();
    location = text.substring(open + 2, text.length - 1);
  } else if (text.includes('(') || text.includes(')')) {
    return undefined;
  }
  const frame: StackFrame = {};
  if (label !== undefined && label !== '') frame.label = truncate(label, 256);
  const position = V8_POSITION.exec(location);
  if (position !== null) {
    frame.line = Number.parseInt(position[1] as string, 10);
    location = location.substring(0, position.index);
  }
  if (location !== '' && isHidden(location, hiddenPaths)) return HIDDEN;
  if (location !== '') frame.path = truncate(relativePath(location, workingDirectory), 512);
  return frame.path === undefined && frame.label === undefined ? undefined : frame;
}

function isHidden(location: string, hiddenPaths: readonly string[]): boolean {
  if (hiddenPaths.length === 0) return false;
  const path = location.startsWith('file://') ? location.substring('file://'.length) : location;
  for (const prefix of hiddenPaths) if (path.startsWith(prefix)) return true;
  return false;
}

function relativePath(location: string, workingDirectory: string | undefined): string {
  let path = location.startsWith('file://') ? location.substring('file://'.length) : location;
  if (workingDirectory !== undefined && path.length > workingDirectory.length && path.startsWith(workingDirectory)) {
    const separator = path.charCodeAt(workingDirectory.length);
    if (separator === 0x2f || separator === 0x5c) path = path.substring(workingDirectory.length + 1);
  }
  return path;
}

/** `package.Class.method(File.java:123)`, `...(Native Method)`, `...(Unknown Source)`. */
function parseJavaFrame(text: string): StackFrame | undefined {
  const open = text.indexOf('(');
  if (open <= 0 || !text.endsWith(')')) return undefined;
  const frame: StackFrame = { label: truncate(text.substring(0, open), 256) };
  const inside = text.substring(open + 1, text.length - 1);
  const colon = inside.lastIndexOf(':');
  const line = colon === -1 ? NaN : Number.parseInt(inside.substring(colon + 1), 10);
  if (Number.isSafeInteger(line)) {
    frame.path = truncate(inside.substring(0, colon), 512);
    frame.line = line;
  } else if (inside !== '') {
    frame.path = truncate(inside, 512);
  }
  return frame;
}

function parseJavaCause(text: string): { type: string; message: string; frames: StackFrame[]; truncated: number } {
  const separator = text.indexOf(': ');
  return separator === -1
    ? { type: text, message: '', frames: [], truncated: 0 }
    : { type: text.substring(0, separator), message: text.substring(separator + 2), frames: [], truncated: 0 };
}
