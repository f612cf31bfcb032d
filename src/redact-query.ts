/**
 * Query parameters whose names say they carry secrets have their values replaced by `REDACTED` wherever a URL
 * is recorded (incoming and outgoing). Names are compared without case, `-` or `_`, so `api_key`, `API-Key`
 * and `apikey` are one name.
 */

/** Replaces a redacted value (OTel's instrumentations use the same word). */
export const REDACTED = 'REDACTED';

/** Secret whenever the name contains one of these (after normalizing): `client_secret`, `X-Amz-Security-Token` … */
const SECRET_PARTS = ['password', 'passwd', 'secret', 'token', 'apikey', 'signature', 'credential', 'privatekey'];

/** Secret when the name is exactly one of these: short names too common as parts of harmless names. */
const SECRET_NAMES = ['pwd', 'pass', 'sig', 'code', 'auth', 'authorization', 'key', 'jwt', 'session', 'sessionid', 'awsaccesskeyid'];

/** Parameter names whose verdict is remembered; past this the memory starts over. */
const MAX_REMEMBERED = 1000;

/** Whether a query parameter's value must not be recorded. */
export type QueryParamFilter = (name: string) => boolean;

function normalize(name: string): string {
  let out = name.toLowerCase();
  if (out.includes('-') || out.includes('_')) out = out.replace(/[-_]/g, '');
  return out;
}

/** The default secret names, plus `extra` (exact names, compared the same way). */
export function secretQueryParams(extra: readonly string[] = []): QueryParamFilter {
  const exact = new Set([...SECRET_NAMES, ...extra.map(normalize).filter((n) => n !== '')]);
  // An app's URLs repeat the same few parameter names: remember the verdicts (bounded: names are client input).
  const verdicts = new Map<string, boolean>();
  return (name) => {
    let secret = verdicts.get(name);
    if (secret !== undefined) return secret;
    const normalized = normalize(name);
    secret = exact.has(normalized) || SECRET_PARTS.some((part) => normalized.includes(part));
    if (verdicts.size >= MAX_REMEMBERED) verdicts.clear();
    verdicts.set(name, secret);
    return secret;
  };
}

/**
 * `url` with the values of secret query parameters replaced by REDACTED; everything else is kept as it was
 * (encoding included). A URL without a query is returned as is, at the cost of one search.
 */
export function redactQuery(url: string, isSecret: QueryParamFilter): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  let end = url.indexOf('#', start);
  if (end === -1) end = url.length;
  let out: string | undefined;
  let from = start + 1;
  while (from <= end) {
    let to = url.indexOf('&', from);
    if (to === -1 || to > end) to = end;
    const equals = url.indexOf('=', from);
    if (equals !== -1 && equals < to && equals > from && isSecret(decodeName(url.substring(from, equals)))) {
      out ??= url.substring(0, from);
      out += url.substring(from, equals + 1) + REDACTED;
    } else if (out !== undefined) {
      out += url.substring(from, to);
    }
    if (out !== undefined && to < end) out += '&';
    from = to + 1;
  }
  return out === undefined ? url : out + url.substring(end);
}

/** A parameter name as the server reads it: `+` is a space, `%xx` an escape (left as is when malformed). */
function decodeName(name: string): string {
  if (!name.includes('%') && !name.includes('+')) return name;
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
