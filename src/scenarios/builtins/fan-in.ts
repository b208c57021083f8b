import type { ScenarioInput } from '../input.js';

/** Ingest and analytics: many producers each on their own channel, one consumer reading them all. */
export const fanIn: ScenarioInput = {
  name: 'fan-in',
  description: 'Many publishers, each on its own channel, one subscriber on all of them (ingest, analytics).',
  channels: { count: 20, naming: 'pubsub-bench:ingest:{i}' },
  publishers: { count: 20, rate: 5000, messageBytes: 128, mode: 'await', channelsEach: 1 },
  subscribers: [{ count: 1, channelsEach: 'all' }],
  warmup: '2s',
  duration: '10s',
  drainTimeout: '5s',
};
