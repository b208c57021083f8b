/**
 * Slow consumers on purpose (`slowSubscribers`): a subscriber that spends a fixed time on every message, like an
 * application doing real work per message. Its worker thread runs only slow subscribers (see planFleet), so the
 * stall delays their socket reads — and the server's output buffer for them grows — without touching the others.
 */
import type { SubscriberHandlers } from '../targets/types.js';

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
