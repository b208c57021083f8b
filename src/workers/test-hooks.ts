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

/**
 * The drop hook for one subscriber: handlers that throw away its `nth` delivery — counted from the first churn event
 * when `afterChurn` (call `windowOpened` after each), else from the start. Undefined when the hook is not for it.
 */
export function dropHandlers(
  hooks: TestHooks, subscriberId: number, handlers: SubscriberHandlers, afterChurn: boolean,
): { handlers: SubscriberHandlers; windowOpened(): void } | undefined {
  const drop = hooks.dropDelivery;
  if (!drop || drop.subscriberId !== subscriberId) return undefined;
  let armed = !afterChurn;
  let seen = 0;
  return {
    windowOpened: () => (armed = true),
    handlers: {
      onMessage(buf, start, end, chan, chanStart, chanEnd, pattern) {
        if (armed && ++seen === drop.nth) return; // the gap: never reaches the sink
        handlers.onMessage(buf, start, end, chan, chanStart, chanEnd, pattern);
      },
      onDisconnect: (cause) => handlers.onDisconnect(cause),
      onReconnect: () => handlers.onReconnect(),
      onRecoveryError: (cause) => handlers.onRecoveryError?.(cause),
    },
  };
}
