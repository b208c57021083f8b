import type { ScenarioInput } from '../input.js';

/**
 * Per-user notifications: each user's connection subscribes to its own channel `user.<id>`; one audit consumer
 * sees every notification through the pattern `user.*`, so each message has two receivers.
 */
export const notifications: ScenarioInput = {
  name: 'notifications',
  description: 'Per-user channels user.<id>, one subscriber each, plus one pattern subscriber on user.*.',
  channels: { count: 200, naming: 'user.{i}' },
  publishers: { count: 4, rate: 2000, messageBytes: 256, mode: 'await', channelsEach: 'all' },
  subscribers: [
    { count: 200, channelsEach: 1 },
    { count: 1, channelsEach: 0, patterns: ['user.*'] },
  ],
  warmup: '2s',
  duration: '10s',
  drainTimeout: '5s',
};
