import { isIP } from 'node:net';
/** Small, allocation-light helpers for absolute URLs (`scheme://user@host:port/path?query`). */

/** Where the authority (`user@host:port`) of an absolute URL starts and ends, or undefined for other strings. */
export function authorityRange(url: string): { start: number; end: number } | undefined {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd <= 0) return undefined;
  const start = schemeEnd + 3;
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x2f /* / */ || c === 0x3f /* ? */ || c === 0x23 /* # */) {
      end = i;
      break;
    }
  }
  return { start, end };
}

/** Removes `user:password@` from an absolute URL: credentials are never recorded. */
export function withoutCredentials(url: string): string {
  const range = authorityRange(url);
  if (range === undefined) return url;
  const at = url.lastIndexOf('@', range.end - 1);
  if (at < range.start) return url;
  return url.substring(0, range.start) + url.substring(at + 1);
}

/** The host part of `host[:port]` or `[ipv6]:port`, without the port. */
export function hostWithoutPort(hostPort: string): string {
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    return close > 0 ? hostPort.substring(1, close) : hostPort;
  }
  const colon = hostPort.indexOf(':');
  // More than one colon and no brackets: a bare IPv6 address, which has no port.
  if (colon === -1 || hostPort.indexOf(':', colon + 1) !== -1) return hostPort;
  return hostPort.substring(0, colon);
}

/** The host of an absolute URL (no credentials, no port), or undefined when the string is not one. */
export function hostOfUrl(url: string): string | undefined {
  const range = authorityRange(url);
  if (range === undefined) return undefined;
  const at = url.lastIndexOf('@', range.end - 1);
  const hostPort = url.substring(at >= range.start ? at + 1 : range.start, range.end);
  return hostPort === '' ? undefined : hostWithoutPort(hostPort);
}

/** A DNS name or IPv4 address: letters, digits, `-`, `.` and `_` (seen in internal names), at most 253 characters. */
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?$/;

/**
 * Whether `host` (no port, IPv6 without brackets) can stand in a URL as is. Host headers are forgeable: `[`,
 * spaces or `@` would make a URL that no parser reads back. Linear: one pass, no backtracking.
 */
export function isValidHost(host: string): boolean {
  if (HOST_NAME.test(host)) return true;
  return host.includes(':') && host.length <= 45 && isIP(host) === 6;
}

/** Whether the port of `host`, `host:port` or `[v6]:port` is absent or all digits (a bare IPv6 address has none). */
export function hasValidPort(hostPort: string): boolean {
  const close = hostPort.lastIndexOf(']');
  const colon = hostPort.indexOf(':', close === -1 ? 0 : close);
  if (colon === -1) return true;
  if (close === -1 && hostPort.indexOf(':', colon + 1) !== -1) return true; // a bare IPv6 address
  return /^\d{1,5}$/.test(hostPort.substring(colon + 1));
}
