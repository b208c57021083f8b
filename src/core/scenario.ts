/**
 * The scenario contract: what to run, as plain JSON-serialisable data.
 * Built-in scenarios and user files share this one shape; `src/scenarios/validate.ts` checks it.
 */
import type { OutputBufferLimit } from './reliability.js';

/**
 * How publishers send: one PUBLISH in flight ('await'), explicit pipeline batches of `batch` ('pipeline'), those
 * batches wrapped in MULTI … EXEC ('multi': what redis-py's `pipeline()` does by default, transaction=True, and it
 * costs Redis more than a plain pipeline), or auto-pipelining with a bounded window ('auto').
 */
export type PublishMode = 'await' | 'pipeline' | 'multi' | 'auto';

/**
 * The data-plane client of publishers and subscribers. 'native': pubsub-bench's own RESP connections, the default and
 * the fast one (the harness stays out of the numbers). 'ioredis': the ioredis client, i.e. what a Node.js application
 * using ioredis would see. The control plane (INFO, NUMSUB, CLUSTER SLOTS, …) is ioredis either way.
 */
export type ClientKind = 'native' | 'ioredis';

/**
 * How messages travel. 'pubsub': PUBLISH / SUBSCRIBE (at most once: a subscriber that is away misses what was sent
 * meanwhile). 'streams': every channel is a Redis Stream; publishers XADD, each subscriber reads through a consumer
 * group of its own per stream (XREADGROUP + XACK), so a subscriber that reconnects resumes where it left off.
 */
export type TransportKind = 'pubsub' | 'streams';

/** Channel set of a run. Channel i is named by expanding `naming` (see `expandChannelName`). */
export interface ChannelSpec {
  /** Number of channels (≥ 1). */
  count: number;
  /**
   * Name template. `{i}` is the channel index; `{mod:a|b|c}` picks the (i mod 3)-th word, so
   * `"{mod:orders|payments}.{i}"` gives `orders.0`, `payments.1`, `orders.2`, …
   */
  naming: string;
  /** Use sharded pub/sub (SPUBLISH / SSUBSCRIBE, Redis 7+). */
  sharded: boolean;
}

/** The publisher fleet. */
export interface PublisherSpec {
  /** Number of publisher connections (≥ 0). */
  count: number;
  /** Total messages per second across ALL publishers (open loop), or 'max' (closed loop, as fast as the mode allows). */
  rate: number | 'max';
  /** Size of every message in bytes, envelope header included (≥ ENVELOPE_HEADER_BYTES). */
  messageBytes: number;
  /** Publish mode. */
  mode: PublishMode;
  /** Commands per batch (modes 'pipeline' and 'multi'; a 'multi' batch is one MULTI … EXEC transaction). */
  batch: number;
  /** Most commands in flight per connection (mode 'auto'). */
  maxInFlight: number;
  /**
   * Which channels each publisher writes to, round-robin: 'all' channels, or `channelsEach` channels
   * spread so that together the publishers cover every channel.
   */
  channelsEach: number | 'all';
}

/** One group of identical subscribers. */
export interface SubscriberGroupSpec {
  /** Number of subscriber connections in this group (≥ 0). */
  count: number;
  /** Channels each subscriber subscribes to: 'all', or k channels spread so the group covers every channel. */
  channelsEach: number | 'all' | 0;
  /** Glob patterns each subscriber PSUBSCRIBEs to (not with sharded channels). */
  patterns: string[];
}

/**
 * One stage of a load profile: the TOTAL open-loop rate (msgs/s over all publishers) goes linearly from `fromRate`
 * to `toRate` over `durationMs` (a step when both are equal).
 */
export interface RateStage {
  /** Length of the stage (> 0). */
  durationMs: number;
  /** Total rate at the start of the stage (msgs/s, ≥ 0). */
  fromRate: number;
  /** Total rate at the end of the stage; equal to fromRate for a step. */
  toRate: number;
}

/** Total length of a load profile (ms): what the measure phase lasts when a scenario has stages. */
export function stagesDurationMs(stages: readonly RateStage[]): number {
  return stages.reduce((sum, s) => sum + s.durationMs, 0);
}

/**
 * Subscribers that consume slowly on purpose, like an application that spends `delayUs` on every message: the first
 * `count` subscribers (ids 0 … count − 1) busy-wait that long per delivery, on a worker thread of their own, so
 * their sockets are read late and the server's output buffer for them grows (what `pubsubBufferLimit` then cuts).
 */
export interface SlowSubscribersSpec {
  /** How many subscribers are slow (1 … the number of subscribers). */
  count: number;
  /** Time each of them spends per message (µs, > 0). */
  delayUs: number;
}

/**
 * `client-output-buffer-limit pubsub HARD SOFT SECONDS` to set for the run (restored afterwards): a subscriber whose
 * output buffer passes `hardBytes`, or stays above `softBytes` (0: none) for `softSeconds`, is disconnected.
 */
export type PubsubBufferLimitSpec = OutputBufferLimit;

/**
 * Subscribers come and go: every `everyMs` each subscriber unsubscribes and subscribes again (or, with `reconnect`,
 * closes its connection and opens a new one), staggered over the subscribers. Expected deliveries then follow each
 * subscription window (docs/churn.md).
 */
export interface SubscriberChurnSpec {
  /** Time between two churn events of one subscriber (ms, > 0). */
  everyMs: number;
  /** Drop and reopen the connection instead of UNSUBSCRIBE + SUBSCRIBE on the same one. */
  reconnect: boolean;
}

/** A complete, resolved scenario (every field present). */
export interface Scenario {
  /** Short name (built-ins: `fan-out`, `chat`, …; files: the file's `name` or its base name). */
  name: string;
  /** One line saying what it models. */
  description: string;
  /**
   * Data-plane client: 'native' (our own RESP connections; the default, and fast) or 'ioredis' (what a Node.js
   * application using ioredis would see). See `ClientKind`.
   */
  client: ClientKind;
  channels: ChannelSpec;
  publishers: PublisherSpec;
  /** Subscriber groups; flags such as `--subscribers` change the first group. */
  subscribers: SubscriberGroupSpec[];
  /** Warmup before measuring, excluded from results. */
  warmupMs: number;
  /** Length of the measure phase. */
  durationMs: number;
  /** Longest wait after publishing stops for in-flight deliveries. */
  drainTimeoutMs: number;
  /** Thresholds judged on the measure phase (`e2e.p99 < 5ms`, `lost == 0`), added to any given with --threshold. */
  thresholds?: string[];
  /** Seed of the pseudo-random payload padding (and of any pseudo-random choice), so runs are reproducible. */
  seed: number;
  /**
   * Load profile: the total open-loop publish rate over all publishers steps or ramps through these stages, in
   * order. When present, the measure phase lasts the sum of the stages (`durationMs` equals it), the warmup runs
   * at the first stage's starting rate, and `publishers.rate` only records the profile's mean rate (pacing follows
   * the stages). Not allowed with `publishers.rate: 'max'`. Absent: a constant rate.
   */
  stages?: RateStage[];
  /** Slow consumers on purpose (`--slow-subscribers N:DELAY`); absent: every subscriber reads as fast as it can. */
  slowSubscribers?: SlowSubscribersSpec;
  /** Output-buffer limit for subscribers during the run (`--pubsub-buffer-limit`); absent: the server's own. */
  pubsubBufferLimit?: PubsubBufferLimitSpec;
  /** How messages travel: 'pubsub' (absent means it too, as in result.json files written before streams) or 'streams'. */
  transport?: TransportKind;
  /** Streams only: the `MAXLEN ~` cap of every stream XADD writes (entries kept per stream, approximately). */
  streamMaxLen?: number;
  /** Subscription churn (`--subscriber-churn DURATION[:reconnect]`); absent: subscribers stay for the whole run. */
  subscriberChurn?: SubscriberChurnSpec;
  /**
   * Publish share per channel: absent or 'uniform' (every channel alike), or 'zipf:S' — channel k gets a share of
   * ALL published messages ∝ 1/(k+1)^S (channel 0 the hottest). Each publisher walks a precomputed channel cycle
   * (src/load/skew.ts), so the counts follow the shares exactly up to rounding and nothing is drawn per message.
   */
  channelSkew?: string;
  /**
   * How many subscribers each channel has: absent or 'uniform' (the even spread), or 'zipf:S' — a group with k
   * channels each shares its N × k subscriptions out ∝ 1/(c+1)^S (at most N per channel): a few crowded channels
   * and a long tail, like chat rooms or tickers. Groups on 'all' channels stay as they are.
   */
  subscriberSkew?: string;
  /**
   * Pattern subscriptions that match no channel, held by one extra connection (absent: 0). They receive nothing
   * and count as no receiver, but Redis checks every pattern on every PUBLISH: this is the cost of pattern load.
   */
  backgroundPatterns?: number;
  /** RESP version the data plane speaks: absent or 2 (RESP2), or 3 (HELLO 3: deliveries arrive as push frames). */
  resp?: RespVersion;
}

/** A RESP protocol version. */
export type RespVersion = 2 | 3;

/** The RESP version a scenario's data plane speaks. */
export function respOf(scenario: Pick<Scenario, 'resp'>): RespVersion {
  return scenario.resp === 3 ? 3 : 2;
}

/**
 * Where background patterns live: `<prefix><i>:*`. Literal up to the `*`, so they match exactly the channel names
 * that start with the prefix (validation refuses a naming template that makes one).
 */
export const BACKGROUND_PATTERN_PREFIX = 'pubsub-bench:bg-pattern:';

/** The `count` background patterns of a run. */
export function backgroundPatternNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${BACKGROUND_PATTERN_PREFIX}${i}:*`);
}
