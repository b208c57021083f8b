/**
 * The worker side of the test-only fault hooks (see src/core/test-hooks.ts for how they are armed and reported).
 * Nothing here runs unless a hook is armed; the hot path of a normal run is untouched.
 */
import type { TestHooks } from '../core/test-hooks.js';

/** Arms the crash hook for this worker: an uncaught error from a timer, as a bug in a callback would throw. */
export function armCrash(hooks: TestHooks, workerId: number): NodeJS.Timeout | undefined {
  const crash = hooks.crashWorker;
  if (!crash || crash.workerId !== workerId) return undefined;
  return setTimeout(() => {
    throw new Error(`test hook PUBSUB_BENCH_TEST_CRASH_WORKER: worker ${workerId} crashed on purpose after ${crash.afterMs} ms`);
  }, crash.afterMs);
}
