// fast-check generators for inbound headers an app behind a load balancer (or an attacker) may send:
// X-Amzn-Trace-Id, Host and X-Forwarded-For, from valid through near-valid to garbage, some up to 100 KB.
import fc from 'fast-check';

/**
 * Bytes Node's HTTP parser refuses in a header value (control characters other than tab, and DEL) become `?`:
 * the cases must reach the app, not be turned away by the parser. Everything else goes out as UTF-8.
 */
export function headerSafe(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '?');
}

const hex = (length: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

/** Text of any kind, made header-safe: ASCII, unicode (non-BMP too), and the characters that break naive parsers. */
const anyText = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: fc.constantFrom(';', '=', ',', ' ', '\t', '[', ']', ':', '%', '@', '/', '?', '#', '"', '\\', 'é', '𝕏', '\u2028'), maxLength }),
  ).map(headerSafe);

/**
 * A long value without generating it character by character: a short piece repeated to about `maxBytes` bytes of
 * UTF-8 (bytes, not characters: Node's header size limit counts bytes, and one character may take four).
 */
export const longText = (minBytes: number, maxBytes: number): fc.Arbitrary<string> =>
  fc.tuple(anyText(24).filter((s) => s.length > 0), fc.integer({ min: minBytes, max: maxBytes }))
    .map(([piece, bytes]) => piece.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(piece, 'utf8')))));

// ---- X-Amzn-Trace-Id ----

export const ZERO_ROOT = '1-00000000-000000000000000000000000';

const rootValue = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(hex(8), hex(24)).map(([time, id]) => `1-${time}-${id}`) },
  { weight: 2, arbitrary: fc.constant(ZERO_ROOT) },
  { weight: 1, arbitrary: fc.tuple(hex(8), hex(24)).map(([time, id]) => `1-${time}-${id}`.toUpperCase()) },
  // Near misses: wrong version, short or long parts, missing dash, non-hex.
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('0', '2', '', '11', 'x'), hex(8), hex(24)).map(([v, time, id]) => `${v}-${time}-${id}`) },
  { weight: 2, arbitrary: fc.tuple(hex(7), hex(25)).map(([time, id]) => `1-${time}-${id}`) },
  { weight: 1, arbitrary: fc.tuple(hex(8), hex(24)).map(([time, id]) => `1${time}${id}`) },
  { weight: 1, arbitrary: fc.tuple(hex(8), fc.constantFrom('g', 'z', ' ', '-', 'é')).map(([time, bad]) => `1-${time}-${bad.repeat(24)}`) },
  { weight: 1, arbitrary: anyText(40) },
);

const parentValue = fc.oneof(hex(16), fc.constant('0000000000000000'), hex(15), hex(17), anyText(20));
const sampledValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('0', '1', '?') },
  { weight: 1, arbitrary: fc.constantFrom('', ' 0', '0 ', '00', '01', 'true', 'false', 'yes', '-1', '1.0', '?0') },
  { weight: 1, arbitrary: anyText(10) },
);
const extraField = fc.tuple(
  fc.oneof(fc.constantFrom('Self', 'Lineage', 'Foo', 'Parent ', ' Root', ''), anyText(12)),
  fc.oneof(anyText(30), longText(100, 2000)),
);

/** A key as a sender might spell it: any case, sometimes with spaces around. */
const spelled = (key: string): fc.Arbitrary<string> =>
  fc.tuple(fc.mixedCase(fc.constant(key)), fc.constantFrom('', ' ', '  '), fc.constantFrom('', ' ')).map(([k, before, after]) => `${before}${k}${after}`);

type Field = readonly [key: string, value: string];

/** Root/Parent/Sampled (each present or not, sometimes twice), extra fields, in any order, with assorted separators. */
export const structuredTraceHeader: fc.Arbitrary<string> = fc
  .record({
    roots: fc.array(fc.tuple(spelled('Root'), rootValue), { maxLength: 2 }),
    parents: fc.array(fc.tuple(spelled('Parent'), parentValue), { maxLength: 2 }),
    sampled: fc.array(fc.tuple(spelled('Sampled'), sampledValue), { maxLength: 2 }),
    extras: fc.array(extraField, { maxLength: 3 }),
    separator: fc.constantFrom(';', '; ', ' ;', ';;', ','),
    equals: fc.constantFrom('=', ' = ', '=='),
  })
  .chain(({ roots, parents, sampled, extras, separator, equals }) => {
    const fields: Field[] = [...roots, ...parents, ...sampled, ...extras];
    return fc.shuffledSubarray(fields, { minLength: fields.length, maxLength: fields.length }).map((ordered) =>
      headerSafe(ordered.map(([key, value]) => `${key}${equals}${value}`).join(separator)));
  });

/** The well-formed headers the fuzzing must keep getting right, with the decision fields that matter most. */
export const wellFormedTraceHeader: fc.Arbitrary<string> = fc
  .tuple(fc.oneof(fc.constant(ZERO_ROOT), fc.tuple(hex(8), hex(24)).map(([t, i]) => `1-${t}-${i}`)), fc.option(hex(16)), fc.constantFrom('0', '1', '?', undefined))
  .map(([root, parent, sampled]) => [`Root=${root}`, parent === null ? undefined : `Parent=${parent}`, sampled === undefined ? undefined : `Sampled=${sampled}`].filter((p) => p !== undefined).join(';'));

export const traceHeader: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: structuredTraceHeader },
  { weight: 3, arbitrary: wellFormedTraceHeader },
  { weight: 1, arbitrary: anyText(200) },
);

// ---- X-Forwarded-For ----

const forwardedEntry = fc.oneof(
  { weight: 4, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV4Extended() },
  { weight: 3, arbitrary: fc.ipV6() },
  { weight: 1, arbitrary: fc.ipV6().map((ip) => `[${ip}]`) },
  { weight: 1, arbitrary: fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 70000 })).map(([ip, port]) => `${ip}:${port}`) },
  { weight: 1, arbitrary: fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 65535 })).map(([ip, port]) => `[${ip}]:${port}`) },
  { weight: 1, arbitrary: fc.constantFrom('unknown', '_hidden', 'localhost', '', ' ', '::ffff:1.2.3.4', '999.1.1.1', '1.2.3', '::1%eth0', 'fe80::1%25en0') },
  { weight: 2, arbitrary: anyText(40) },
);

export const forwardedFor: fc.Arbitrary<string> = fc
  .tuple(fc.array(forwardedEntry, { minLength: 1, maxLength: 6 }), fc.constantFrom(', ', ',', ' , ', ' '))
  .map(([entries, separator]) => headerSafe(entries.join(separator)));

// ---- Host ----

export const hostHeader: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.domain() },
  { weight: 2, arbitrary: fc.tuple(fc.domain(), fc.integer({ min: 0, max: 99999 })).map(([d, port]) => `${d}:${port}`) },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 2, arbitrary: fc.tuple(fc.ipV6(), fc.option(fc.integer({ min: 1, max: 65535 }))).map(([ip, port]) => `[${ip}]${port === null ? '' : `:${port}`}`) },
  { weight: 1, arbitrary: fc.ipV6() }, // unbracketed: not a valid Host, but sent
  {
    weight: 3,
    arbitrary: fc.constantFrom('[', ']', '[::1', '::1]', '[]', ':', ':80', 'a b', ' a', 'host:port', 'host:', 'h:-1', 'h:99999999999',
      'ünïcödé.example', '例え.jp', '%', '%zz', 'a%20b', '@', 'user@host', 'user:pw@host:8080', 'a/b', 'a?b', 'a#b', 'a\\b',
      '..', '.', '-', 'a..b', 'xn--', '[::1]:80:80', '[v1.fe]', '"quoted"', '<script>', '0', '0x7f.1', '[1.2.3.4]'),
  },
  { weight: 3, arbitrary: anyText(60) },
  { weight: 1, arbitrary: longText(254, 4000) },
  // Hosts the dynamic naming pattern of the fuzzed app (`*.example.*`) matches or nearly matches: their text
  // becomes the segment name, which must still be a valid one.
  { weight: 2, arbitrary: fc.tuple(anyText(30), anyText(12)).map(([name, tail]) => `${name}.example.${tail}`) },
  { weight: 1, arbitrary: fc.tuple(longText(100, 3000), fc.constantFrom('.example.com', '.example', '.exampl')).map(([name, tail]) => `${name}${tail}`) },
);
