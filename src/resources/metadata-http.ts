import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

export interface MetadataRequest {
  readonly method?: 'GET' | 'PUT' | 'POST';
  /** A request body (sent as given; set the content type in headers). */
  readonly body?: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** The whole request, connect to last byte. */
  readonly timeoutMillis: number;
  /** Bodies larger than this are refused (a metadata document is a few KB). */
  readonly maxBytes?: number;
  /** CA certificate for https endpoints (the Kubernetes API). */
  readonly ca?: string | Buffer;
}

export interface MetadataResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * One bounded request to a metadata endpoint (IMDS, ECS task metadata, the Kubernetes API, the daemon's sampling
 * proxy): a hard timeout, a
 * size cap, never traced, never rejects. Resolves undefined when there is no usable answer.
 */
export function fetchMetadata(request: MetadataRequest): Promise<MetadataResponse | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (value: MetadataResponse | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      req?.destroy();
      done(undefined);
    }, request.timeoutMillis);
    timer.unref();
    let req: import('node:http').ClientRequest | undefined;
    try {
      const url = new URL(request.url);
      const transport = (url.protocol === 'https:' ? require('node:https') : require('node:http')) as typeof import('node:https');
      const maxBytes = request.maxBytes ?? 256 * 1024;
      context.with(suppressTracing(ROOT_CONTEXT), () => {
        req = transport.request(
          url,
          { method: request.method ?? 'GET', headers: request.headers, agent: false, ...(request.ca === undefined ? {} : { ca: request.ca }) },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > maxBytes) {
                res.destroy();
                done(undefined);
                return;
              }
              chunks.push(chunk);
            });
            res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', () => done(undefined));
          },
        );
        req.on('error', () => done(undefined));
        // Detection must never keep the process alive: a short-lived script exits while a probe is pending.
        req.on('socket', (socket) => socket.unref());
        req.end(request.body);
      });
    } catch {
      done(undefined);
    }
  });
}

/** Parses JSON, or undefined. */
export function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
