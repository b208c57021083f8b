import type { ScenarioInput } from '../input.js';

/**
 * A service event bus: hierarchical event channels (`orders.created.0`, `orders.shipped.1`, `payments.captured.2`, …;
 * the index plays the partition) consumed by services through patterns, an analytics tap on everything, and
 * partition workers subscribed directly. Publishers auto-pipeline, as services emitting events usually do.
 */
export const eventBus: ScenarioInput = {
  name: 'event-bus',
  description: 'Hierarchical event channels (orders.created.N, …) with pattern subscribers (orders.*, payments.*, *).',
  channels: { count: 16, naming: '{mod:orders.created|orders.shipped|payments.captured|inventory.updated}.{i}' },
  publishers: { count: 8, rate: 2000, messageBytes: 512, mode: 'auto', maxInFlight: 100, channelsEach: 2 },
  subscribers: [
    { count: 2, channelsEach: 0, patterns: ['orders.*'] },
    { count: 2, channelsEach: 0, patterns: ['payments.*'] },
    { count: 1, channelsEach: 0, patterns: ['*'] },
    { count: 4, channelsEach: 4 },
  ],
  warmup: '2s',
  duration: '10s',
  drainTimeout: '5s',
};
