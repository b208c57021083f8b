import type { ScenarioInput } from '../input.js';

/** Live dashboards and price tickers: one source, many viewers of the same stream. Also the default scenario. */
export const fanOut: ScenarioInput = {
  name: 'fan-out',
  description: 'One publisher, many subscribers on one channel (live dashboards, tickers).',
  channels: { count: 1, naming: 'pubsub-bench:fan-out:{i}' },
  publishers: { count: 1, rate: 1000, messageBytes: 256, mode: 'await' },
  subscribers: [{ count: 20, channelsEach: 'all' }],
  warmup: '2s',
  duration: '10s',
  drainTimeout: '5s',
};
