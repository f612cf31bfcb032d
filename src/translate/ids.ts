import type { HrTime } from '@opentelemetry/api';

/** True for `length` lowercase hex digits, not all zero. A loop: measurably cheaper than a regex per span. */
function isNonZeroHex(value: unknown, length: number): value is string {
  if (typeof value !== 'string' || value.length !== length) return false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (c !== 0x30) nonZero = true;
    } else if (c >= 0x61 && c <= 0x66) {
      nonZero = true;
    } else {
      return false;
    }
  }
  return nonZero;
}

export function isValidTraceId(traceId: unknown): traceId is string {
  return isNonZeroHex(traceId, 32);
}

export function isValidSpanId(spanId: unknown): spanId is string {
  return isNonZeroHex(spanId, 16);
}

/**
 * OTel's 32-hex trace id → X-Ray's `1-<8 hex>-<24 hex>`. With the X-Ray id generator the first 8 digits are the
 * epoch seconds of the request; ids from other generators are accepted by X-Ray as well (W3C ids, since 2023).
 */
export function toXRayTraceId(traceId: string): string {
  return '1-' + traceId.substring(0, 8) + '-' + traceId.substring(8);
}

// Random bytes are drawn 4 KB at a time: one crypto call per 512 ids instead of one per id. node:crypto is loaded
// on the first call, not at start-up (it costs about 10 ms to load, and most processes never need these ids).
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;
let randomFillSync: ((buffer: Buffer) => Buffer) | undefined;

/** A fresh random id of `bytes` bytes in hex (16 digits by default): exception ids, service segment ids, repairs. */
export function randomHexId(bytes = 8): string {
  if (poolOffset + bytes > POOL.length) {
    randomFillSync ??= (require('node:crypto') as typeof import('node:crypto')).randomFillSync;
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const id = POOL.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return id;
}

/** A fresh trace id in X-Ray form whose first part is now, for spans whose own trace id is unusable. */
export function newXRayTraceIdHex(nowMillis: number): string {
  const seconds = Math.floor(nowMillis / 1000).toString(16).padStart(8, '0');
  return seconds + randomHexId(12);
}

/**
 * HrTime → epoch seconds with microsecond resolution. (s * 1e6 + µs) is an exact integer below 2^53, so the one
 * division rounds correctly and JSON prints the decimal digits that were meant, e.g. 1700000000.123456.
 * Returns NaN for a malformed time; callers repair it.
 */
export function hrTimeToEpochSeconds(time: HrTime): number {
  if (!Array.isArray(time)) return NaN;
  const seconds = time[0];
  const nanos = time[1];
  if (typeof seconds !== 'number' || typeof nanos !== 'number') return NaN;
  return (seconds * 1e6 + Math.round(nanos / 1e3)) / 1e6;
}
