/**
 * Hands buffered documents to the socket when the process exits. `process.exit()` runs no asynchronous work and
 * no `beforeExit`, but it does emit `exit`, synchronously: whatever is handed to a connected UDP socket there
 * reaches the kernel before the process is gone. One listener serves every live processor; it does not change
 * how or when the process exits.
 */

/** What can be flushed without waiting. */
export interface SyncFlushable {
  flushSync(): void;
}

const live = new Set<SyncFlushable>();

function onExit(): void {
  for (const target of live) {
    try {
      target.flushSync();
    } catch {
      // the process is exiting: nothing to report to, and nothing may be thrown from an exit listener
    }
  }
}

/** Flushes `target` synchronously on `exit` until the returned function is called. */
export function flushOnExit(target: SyncFlushable): () => void {
  if (live.size === 0) process.on('exit', onExit);
  live.add(target);
  return () => {
    if (live.delete(target) && live.size === 0) process.removeListener('exit', onExit);
  };
}
