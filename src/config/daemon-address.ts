import { isIP } from 'node:net';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** Where the X-Ray daemon listens: UDP for documents, TCP for the sampling proxy. */
export interface DaemonAddress {
  readonly udp: Endpoint;
  readonly tcp: Endpoint;
}

export const DEFAULT_DAEMON_ADDRESS: DaemonAddress = Object.freeze({
  udp: Object.freeze({ host: '127.0.0.1', port: 2000 }),
  tcp: Object.freeze({ host: '127.0.0.1', port: 2000 }),
});

/**
 * Parses `AWS_XRAY_DAEMON_ADDRESS` / the `daemonAddress` option: `host:port` (both protocols), or
 * `tcp:host:port udp:host:port` in either order. Hosts may be names, IPv4 or bracketed IPv6 (`[::1]:2000`).
 * Returns the address, or a sentence saying what is wrong. `listening`: an address to listen on, where port 0
 * asks for any free port.
 */
export function parseDaemonAddress(value: string, options: { readonly listening?: boolean } = {}): DaemonAddress | string {
  const minPort = options.listening === true ? 0 : 1; // to listen on, port 0 means any free port
  const parts = value.trim().split(/[\s,]+/).filter((p) => p !== '');
  if (parts.length === 1) {
    const single = parts[0] as string;
    if (/^(udp|tcp):/i.test(single)) return 'a single address must not name a protocol; give both "tcp:host:port udp:host:port"';
    const endpoint = parseEndpoint(single, minPort);
    return typeof endpoint === 'string' ? endpoint : { udp: endpoint, tcp: endpoint };
  }
  if (parts.length === 2) {
    let udp: Endpoint | undefined;
    let tcp: Endpoint | undefined;
    for (const part of parts) {
      const match = /^(udp|tcp):(.*)$/i.exec(part);
      if (match === null) return `"${part}" does not start with udp: or tcp:`;
      const endpoint = parseEndpoint(match[2] as string, minPort);
      if (typeof endpoint === 'string') return endpoint;
      if ((match[1] as string).toLowerCase() === 'udp') udp = endpoint;
      else tcp = endpoint;
    }
    if (udp === undefined || tcp === undefined) return 'the two-address form needs one tcp: and one udp: address';
    return { udp, tcp };
  }
  return 'expected "host:port" or "tcp:host:port udp:host:port"';
}

function parseEndpoint(text: string, minPort: number): Endpoint | string {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1 || text[close + 1] !== ':') return `"${text}" is not [ipv6]:port`;
    host = text.substring(1, close);
    portText = text.substring(close + 2);
    if (isIP(host) !== 6) return `"${host}" is not an IPv6 address`;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0) return `"${text}" has no host:port`;
    host = text.substring(0, colon);
    portText = text.substring(colon + 1);
    if (host.includes(':')) return `"${text}": write an IPv6 host in brackets, as [${host}]:${portText}`;
    if (!/^[A-Za-z0-9.\-_]+$/.test(host)) return `"${host}" is not a host name or address`;
  }
  if (!/^\d{1,5}$/.test(portText)) return `"${portText}" is not a port number`;
  const port = Number.parseInt(portText, 10);
  if (port < minPort || port > 65535) return `port ${port} is out of range`;
  return Object.freeze({ host, port });
}

export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}
