import { createSocket } from 'node:dgram';
import { DAEMON_HEADER } from '../../src/index';
import { assertValidDocument } from './assert-document';
import { systemDropsNote } from './udp-drops';

/** The fields of a segment document these tests read, as sent by otel-xray or by the AWS X-Ray SDK. */
export interface XRayHttp {
  request?: { method?: string; url?: string; user_agent?: string; client_ip?: string; x_forwarded_for?: boolean; traced?: boolean };
  response?: { status?: number; content_length?: number };
}
export interface XRayEntity {
  id: string;
  name: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  namespace?: string;
  http?: XRayHttp;
  subsegments?: XRayEntity[];
  [other: string]: unknown;
}
export interface XRayDocument extends XRayEntity {
  trace_id: string;
  parent_id?: string;
  /** 'subsegment' for a subsegment sent in a document of its own. */
  type?: string;
  aws?: { xray?: { sdk?: string; [other: string]: unknown }; [other: string]: unknown };
  service?: Record<string, unknown>;
}

/** What the AWS X-Ray SDK for Node names itself in `aws.xray.sdk`. */
export const XRAY_SDK_NAME = 'X-Ray for Node.js';

/**
 * A stand-in X-Ray daemon shared by services on the AWS X-Ray SDK and services on otel-xray: a UDP listener on
 * 127.0.0.1 keeping every document. Unlike UdpSink it does not throw on the X-Ray SDK's documents, which carry two
 * fields our schema (written for otel-xray's output) does not allow: `service.name` and `aws.xray.package`.
 * Every document is still checked against the schema (the X-Ray SDK's without those two fields); what does not
 * pass, or lacks the daemon header, is kept in `problems` for the tests to assert on.
 */
export class SharedDaemon {
  readonly documents: XRayDocument[] = [];
  readonly problems: string[] = [];
  private readonly _socket = createSocket('udp4');

  /** Binds to a free loopback port; resolves with the address to give as AWS_XRAY_DAEMON_ADDRESS. */
  async start(): Promise<string> {
    this._socket.on('message', (message) => this._receive(message.toString('utf8')));
    await new Promise<void>((resolve) => this._socket.bind(0, '127.0.0.1', resolve));
    this._socket.setRecvBufferSize(4 * 1024 * 1024);
    return `127.0.0.1:${this._socket.address().port}`;
  }

  /** Resolves once `predicate` holds for the documents received; rejects after `timeoutSeconds`. */
  async until(predicate: (documents: readonly XRayDocument[]) => boolean, timeoutSeconds: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    while (!predicate(this.documents)) {
      if (Date.now() > deadline) {
        throw new Error(`${what}: not within ${timeoutSeconds} s; received ${this.documents.length} documents${systemDropsNote(this._socket)}:\n${summarize(this.documents)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  clear(): void {
    this.documents.length = 0;
    this.problems.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this._socket.close(() => resolve()));
  }

  private _receive(text: string): void {
    if (!text.startsWith(DAEMON_HEADER)) {
      this.problems.push(`datagram without the daemon header: ${text.slice(0, 120)}`);
      return;
    }
    let document: XRayDocument;
    try {
      document = JSON.parse(text.slice(DAEMON_HEADER.length)) as XRayDocument;
    } catch (err) {
      this.problems.push(`datagram that is not JSON: ${String(err)}: ${text.slice(0, 120)}`);
      return;
    }
    try {
      assertValidDocument(withoutXRaySdkExtras(document));
    } catch (err) {
      this.problems.push(`document ${document.id} (${document.name}) is not valid: ${(err as Error).message.slice(0, 1500)}`);
    }
    this.documents.push(document);
  }
}

/** A copy of an X-Ray SDK document without `service.name` and `aws.xray.package`; other documents as they are. */
function withoutXRaySdkExtras(document: XRayDocument): unknown {
  if (document.aws?.xray?.sdk !== XRAY_SDK_NAME) return document;
  const copy = JSON.parse(JSON.stringify(document)) as XRayDocument;
  delete copy.service?.name;
  delete copy.aws?.xray?.package;
  return copy;
}

/** One line per document (name, ids, url), for failure messages. */
export function summarize(documents: readonly XRayDocument[]): string {
  return documents
    .map((d) => `  ${d.type ?? 'segment'} ${JSON.stringify(d.name)} trace ${d.trace_id} id ${d.id} parent ${d.parent_id ?? '-'}` +
      ` ${d.http?.request?.url ?? ''}${d.in_progress === true ? ' (in progress)' : ''} [${d.aws?.xray?.sdk ?? '?'}]`)
    .join('\n');
}
