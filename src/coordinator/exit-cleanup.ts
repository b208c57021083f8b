/**
 * Undo work that must run even when the process is told to stop at once (a second Ctrl-C or SIGTERM): today the
 * output-buffer limit a run set on the target. A run registers its undo while the change is in force and removes it
 * once undone; the CLI's signal handler runs whatever is registered, bounded in time, before it exits.
 */

const pending = new Set<() => Promise<unknown>>();

/** Registers `undo`; returns the function that unregisters it. */
export function registerExitCleanup(undo: () => Promise<unknown>): () => void {
  pending.add(undo);
  return () => pending.delete(undo);
}

/** Runs every registered undo at once and waits for them, at most `timeoutMs`; never rejects. */
export async function runExitCleanups(timeoutMs: number): Promise<void> {
  const all = Promise.allSettled([...pending].map((undo) => undo()));
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}
