/**
 * Defaults applied to every scenario field a file, a built-in or a flag leaves out, and the limits validation
 * enforces. The defaults describe a small run that finishes in about 15 s on a 2-core machine against a local Redis:
 * one publisher at 1000 msgs/s (unpipelined, so the latency figures describe single commands), one channel, one
 * subscriber on it, 2 s warmup, 10 s measured, up to 5 s drain, on the native client.
 */
import { ENVELOPE_HEADER_BYTES } from '../load/envelope.js';

/** Default value of every optional scenario field. */
export const DEFAULTS = {
  name: 'custom',
  description: 'A custom scenario.',
  /** Our own RESP connections: a general client's per-command objects and promises would make the harness the bottleneck. */
  client: 'native',
  channels: {
    count: 1,
    /** The prefix keeps the harness's channels apart from an application's on a shared server. */
    naming: 'pubsub-bench:{i}',
    sharded: false,
  },
  publishers: {
    count: 1,
    /** Total msgs/s across all publishers: low enough for any machine, high enough for stable percentiles. */
    rate: 1000,
    messageBytes: 64,
    mode: 'await',
    batch: 100,
    /** ioredis' auto-pipelining measured fastest around 1000 in flight (PEERS.md); more only overruns subscribers. */
    maxInFlight: 1000,
    channelsEach: 'all',
  },
  /**
   * A group given without `channelsEach` subscribes to 'all' channels, or to none (pattern-only) when it lists
   * `patterns`; without `count` it has 1 subscriber; without `patterns` it has none.
   */
  subscriberGroup: { count: 1, channelsEach: 'all', patterns: [] as string[] },
  /** When `subscribers` is left out: one group of one subscriber on every channel. */
  subscriberGroups: 1,
  warmupMs: 2000,
  durationMs: 10_000,
  drainTimeoutMs: 5000,
  seed: 1,
  /** Pub/Sub unless asked: the tool's subject; 'streams' is the comparison. */
  transport: 'pubsub',
  /**
   * Entries each stream keeps (XADD MAXLEN ~): 5 s of backlog at 20k msgs/s per stream, so a subscriber killed and
   * back within seconds finds everything, while a stream of 64-byte entries stays near 10 MB.
   */
  streamMaxLen: 100_000,
} as const;

/**
 * Upper bounds: far above what one harness process can drive, low enough that a typo (an extra zero or two, a
 * negative sign) is caught before it allocates gigabytes or runs for days.
 */
export const LIMITS = {
  nameChars: 64,
  descriptionChars: 500,
  channels: 1_000_000,
  namingChars: 1000,
  publishers: 100_000,
  /** Total msgs/s. */
  rate: 100_000_000,
  messageBytesMin: ENVELOPE_HEADER_BYTES,
  /** Redis' default proto-max-bulk-len is 512 MiB: a larger message is refused by the server. */
  messageBytesMax: 512 * 1024 * 1024,
  batch: 100_000,
  maxInFlight: 1_000_000,
  subscriberGroups: 100,
  /** Background patterns (issue 13): Redis checks each on every PUBLISH, so 100k already slows a server to a crawl. */
  backgroundPatterns: 100_000,
  /** Subscriber connections over all groups. */
  subscribers: 100_000,
  patternsPerGroup: 1000,
  patternChars: 1000,
  /** SUBSCRIBE calls over the whole fleet (subscriber × channels each). */
  directSubscriptions: 10_000_000,
  /** Glob matches the plan computes (channels × distinct patterns). */
  patternChecks: 50_000_000,
  warmupMs: 3_600_000,
  durationMs: 7 * 24 * 3_600_000,
  drainTimeoutMs: 600_000,
  /** Seeds are 32-bit unsigned integers. */
  seed: 0xffffffff,
  /** Entries kept per stream: a billion is far past any memory a test server has. */
  streamMaxLen: 1_000_000_000,
} as const;
