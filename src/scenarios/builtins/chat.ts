import type { ScenarioInput } from '../input.js';

/**
 * Chat rooms: many small rooms, each member in two rooms (200 members × 2 rooms over 100 rooms ≈ 4 per room),
 * every member also a sender (20 publishing connections, 5 rooms each, together covering all rooms).
 */
export const chat: ScenarioInput = {
  name: 'chat',
  description: 'Many rooms with a few members each, many publishers (chat, multiplayer lobbies).',
  channels: { count: 100, naming: 'pubsub-bench:room.{i}' },
  publishers: { count: 20, rate: 2000, messageBytes: 128, mode: 'await', channelsEach: 5 },
  subscribers: [{ count: 200, channelsEach: 2 }],
  warmup: '2s',
  duration: '10s',
  drainTimeout: '5s',
};
