/** Where serialized segment documents go. The UDP emitter sends them to the daemon; tests keep them in memory. */
export interface Emitter {
  /** Sends one document (JSON text, without the header line). Never throws, never blocks on the network. */
  send(document: string): void;
  /** Hands anything the emitter holds back (while connecting, during a pause) to the socket now, if it can. */
  sendQueuedNow?(): void;
  /** True while documents wait for the socket (it is connecting): they are not with the kernel yet. */
  hasQueued?(): boolean;
  /** Waits until sends already handed to the socket have completed. */
  flush(): Promise<void>;
  /** Flushes, then releases the socket. Sends after shutdown are dropped. */
  shutdown(): Promise<void>;
}

/** Keeps documents in memory: for tests, samples and the local viewer. */
export class InMemoryEmitter implements Emitter {
  readonly documents: string[] = [];
  send(document: string): void {
    this.documents.push(document);
  }
  async flush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}
