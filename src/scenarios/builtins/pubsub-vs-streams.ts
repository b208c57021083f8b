import type { ScenarioInput } from '../input.js';

/**
 * Pub/Sub's at-most-once delivery against Streams' consumer groups, under the same fault: every subscriber
 * connection is killed (CLIENT KILL) in the middle of the measure phase. Pub/Sub loses what was published while its
 * subscribers were away; over streams each subscriber re-reads its pending entries from its group and resumes, so it
 * loses nothing (and may see a few duplicates: entries it had handled but not yet acknowledged). Run as a matrix (see
 * `STREAMS_MATRIX`) with `STREAMS_CHAOS`, then compared in one compare.html: loss, duplicates, latency, server cost.
 */
export const pubsubVsStreams: ScenarioInput = {
  name: 'pubsub-vs-streams',
  description: 'Pub/Sub vs Streams (a consumer group per subscriber) under the same subscriber kill, compared in one report.',
  channels: { count: 4, naming: 'pubsub-bench:pvs:{i}' },
  publishers: { count: 1, rate: 4000, messageBytes: 64, mode: 'auto' },
  subscribers: [{ count: 4, channelsEach: 'all' }],
  warmup: '1s',
  duration: '6s',
  drainTimeout: '5s',
};

/** The matrix this built-in runs unless --matrix says otherwise. */
export const STREAMS_MATRIX = ['transport=pubsub,streams'];

/** The fault both variants get unless --chaos says otherwise: every subscriber killed halfway through. */
export const STREAMS_CHAOS = ['kill-subscribers@3s'];
