/**
 * The worker side of the test-only fault hooks (see src/core/test-hooks.ts for how they are armed and reported).
 * Nothing here runs unless a hook is armed; the hot path of a normal run is untouched.
 */
import type { TestHooks } from '../core/test-hooks.js';
import type { SubscriberHandlers } from '../targets/types.js';

/** Arms the crash hook for this worker: an uncaught error from a timer, as a bug in a callback would throw. */
export function armCrash(hooks: TestHooks, workerId: number): NodeJS.Timeout | undefined {
  const crash = hooks.crashWorker;
  if (!crash || crash.workerId !== workerId) return undefined;
  return setTimeout(() => {
    throw new Error(`test hook PUBSUB_BENCH_TEST_CRASH_WORKER: worker ${workerId} crashed on purpose after ${crash.afterMs} ms`);
  }, crash.afterMs);
}

/** Handlers that stall the thread `perMessageUs` before each delivery: a consumer slower than its traffic. */
export function slowHandlers(handlers: SubscriberHandlers, perMessageUs: number): SubscriberHandlers {
  const stall = (): void => {
    // A busy wait, not a timer: the point is that the connection is not read while the consumer works.
    const until = performance.now() + perMessageUs / 1000;
    while (performance.now() < until) { /* consuming */ }
  };
  return {
    onMessage(buf, start, end, chan, chanStart, chanEnd, pattern) {
      stall();
      handlers.onMessage(buf, start, end, chan, chanStart, chanEnd, pattern);
    },
    onDisconnect: (cause) => handlers.onDisconnect(cause),
    onReconnect: () => handlers.onReconnect(),
    onRecoveryError: (cause) => handlers.onRecoveryError?.(cause),
    ...(handlers.onTopologyEvent ? { onTopologyEvent: (kind: 'moved' | 'ask' | 'refresh') => handlers.onTopologyEvent!(kind) } : {}),
  };
}
