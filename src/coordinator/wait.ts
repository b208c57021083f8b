/** Small waiting helpers for the run lifecycle: every wait is bounded and wakes on interrupts. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `done` every 20 ms until it is true, `timeoutMs` passes or `signal` aborts. Resolves to `done()`'s last value. */
export async function waitFor(done: () => boolean, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= deadline || signal?.aborted) return done();
    await sleep(20);
  }
  return true;
}

/**
 * Sleeps `ms`, waking early when `signal` aborts or `stop()` turns true (checked every 50 ms).
 * Resolves to true when it woke early.
 */
export async function abortable(ms: number, signal: AbortSignal | undefined, stop: () => boolean): Promise<boolean> {
  const deadline = Date.now() + Math.max(0, ms);
  while (Date.now() < deadline) {
    if (signal?.aborted || stop()) return true;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
  return false;
}
