/**
 * THE description of the scenario file format: every key, its type, range, allowed words and what it means. The
 * validator reads its allowed keys, ranges, enums and hints from here (validate.ts, validate-sections.ts, stages.ts),
 * and `schema.ts` turns the same table into the JSON Schema editors use — so a field added here is in both, and
 * a field missing here is refused by both. Rules across fields (a subscriber's channelsEach ≤ channels.count,
 * stages not with rate 'max', …) stay in the validator: a schema cannot say them, and the descriptions mention them.
 */
import { DEFAULTS, LIMITS } from './defaults.js';
import { formatDurationMs, MAX_DURATION_MS } from './duration.js';

interface FieldBase {
  /** One or two sentences for editor hovers, units included. */
  description: string;
  /** The default when the key is left out, shown by editors (omit when it depends on something else). */
  default?: unknown;
  /** Typical values, for editor completion. */
  examples?: readonly unknown[];
}

/** A whole number in [min, max]; `words` are strings accepted instead ('all'). */
export interface IntField extends FieldBase {
  type: 'integer';
  min: number;
  max: number;
  words?: readonly string[];
  /** The validator's hint for a bad value; absent: it suggests the range. */
  hint?: string;
}

/** A finite number in [min, max] (above min when `minExclusive`); `words` are strings accepted instead ('max'). */
export interface NumberField extends FieldBase {
  type: 'number';
  min: number;
  minExclusive?: boolean;
  max: number;
  words?: readonly string[];
  hint?: string;
}

/** Text of 1..maxChars characters, matching `pattern` when given (JSON-Schema regex text, no flags). */
export interface StringField extends FieldBase {
  type: 'string';
  maxChars: number;
  pattern?: string;
  hint?: string;
}

/** true or false. */
export interface BoolField extends FieldBase {
  type: 'boolean';
}

/** One of the words of `values` (word → what it means). */
export interface EnumField extends FieldBase {
  type: 'enum';
  values: Readonly<Record<string, string>>;
  hint?: string;
}

/** A duration string ('10s') or a number of ms, in [minMs, maxMs]; `alias` is the key that gives it in ms only. */
export interface DurationField extends FieldBase {
  type: 'duration';
  minMs: number;
  maxMs: number;
  alias: string;
  /** A value to suggest when this one is out of range. */
  example: string;
}

/** A number of milliseconds in [minMs, maxMs] (above minMs when `minExclusive`); `alias` is the duration key it stands for. */
export interface MillisField extends FieldBase {
  type: 'millis';
  minMs: number;
  minExclusive?: boolean;
  maxMs: number;
  alias?: string;
}

/** An object with exactly these keys (each optional unless listed in `required`). */
export interface ObjectField extends FieldBase {
  type: 'object';
  fields: Readonly<Record<string, Field>>;
  required?: readonly string[];
  /** The validator's hint when the value is not an object. */
  hint: string;
}

/** A list of at most maxItems items, each an `items`. */
export interface ListField extends FieldBase {
  type: 'list';
  items: Field;
  maxItems: number;
  /** No item twice. */
  unique?: boolean;
  hint: string;
}

/** A load profile: the forms of src/scenarios/stages.ts (a string of stages, or a list of strings or STAGE objects). */
export interface StagesField extends FieldBase {
  type: 'stages';
}

/** One threshold expression or a list of them (the grammar of src/metrics/thresholds.ts). */
export interface ThresholdsField extends FieldBase {
  type: 'thresholds';
}

/** Any one field of the table. */
export type Field =
  | IntField | NumberField | StringField | BoolField | EnumField | DurationField | MillisField | ObjectField | ListField
  | StagesField | ThresholdsField;

/** The keys of an object field, in table order: what the validator accepts and the schema lists. */
export function keysOf(field: ObjectField): string[] {
  return Object.keys(field.fields);
}

/** A skew as the schema checks it: 'uniform' or 'zipf:S' in any case (the validator also checks S's range). */
const SKEW_PATTERN = '^\\s*([Uu][Nn][Ii][Ff][Oo][Rr][Mm]|[Zz][Ii][Pp][Ff]:\\s*(\\d+\\.?\\d*|\\.\\d+)([Ee][+-]?\\d+)?)\\s*$';
const SKEW_HINT = "'uniform', or 'zipf:S' with S above 0 and at most 10, e.g. zipf:1";

const ratePerSecond = `msgs/s over all publishers together, at most ${LIMITS.rate}`;

/** The `channels` section. */
export const CHANNEL_FIELDS = {
  count: { type: 'integer', min: 1, max: LIMITS.channels, default: DEFAULTS.channels.count, description: 'Number of channels.' },
  naming: {
    type: 'string', maxChars: LIMITS.namingChars, default: DEFAULTS.channels.naming, hint: "e.g. 'room.{i}'",
    examples: ['room.{i}', '{mod:orders|payments}.{i}'],
    description: 'Channel name template: {i} is the channel index, {mod:a|b|c} picks a word by index (i mod 3); {{ and }} are literal braces. Every name must differ, so include {i}.',
  },
  sharded: { type: 'boolean', default: DEFAULTS.channels.sharded, description: 'Sharded pub/sub (SPUBLISH / SSUBSCRIBE, Redis 7+); no patterns then.' },
} as const satisfies Record<string, Field>;

/** The `publishers` section. */
export const PUBLISHER_FIELDS = {
  count: { type: 'integer', min: 0, max: LIMITS.publishers, default: DEFAULTS.publishers.count, description: 'Number of publisher connections (0: a run that only subscribes).' },
  rate: {
    type: 'number', min: 0, minExclusive: true, max: LIMITS.rate, words: ['max'], default: DEFAULTS.publishers.rate,
    examples: [1000, 'max'], hint: "the total msgs/s over all publishers, e.g. 1000, or 'max'",
    description: `Total publish rate, ${ratePerSecond} (open loop), or 'max': as fast as the mode allows (closed loop; not with stages).`,
  },
  messageBytes: {
    type: 'integer', min: LIMITS.messageBytesMin, max: LIMITS.messageBytesMax, default: DEFAULTS.publishers.messageBytes,
    hint: `the ${LIMITS.messageBytesMin}-byte envelope header is part of every message`,
    description: `Size of every message in bytes, the ${LIMITS.messageBytesMin}-byte envelope header included.`,
  },
  mode: {
    type: 'enum', default: DEFAULTS.publishers.mode, description: 'How publishers send.',
    values: {
      await: 'one PUBLISH in flight per connection',
      pipeline: 'pipelines of `batch` commands',
      multi: 'batches of `batch` commands wrapped in MULTI … EXEC (what redis-py pipeline() sends by default)',
      auto: 'auto-pipelining, at most `maxInFlight` commands in flight per connection',
    },
  },
  batch: { type: 'integer', min: 1, max: LIMITS.batch, default: DEFAULTS.publishers.batch, hint: 'commands per pipeline or MULTI … EXEC batch, e.g. 100', description: "Commands per batch (modes 'pipeline' and 'multi')." },
  maxInFlight: { type: 'integer', min: 1, max: LIMITS.maxInFlight, default: DEFAULTS.publishers.maxInFlight, hint: 'e.g. 1000', description: "Most commands in flight per connection (mode 'auto')." },
  channelsEach: {
    type: 'integer', min: 1, max: LIMITS.channels, words: ['all'], default: DEFAULTS.publishers.channelsEach,
    hint: "'all', or how many channels each publisher writes to",
    description: "Channels each publisher writes to, round-robin: 'all', or a number (at most channels.count) spread so the publishers cover every channel.",
  },
} as const satisfies Record<string, Field>;

/** One entry of `subscribers`. */
export const GROUP_FIELDS = {
  count: { type: 'integer', min: 0, max: LIMITS.subscribers, default: DEFAULTS.subscriberGroup.count, description: 'Number of subscriber connections in this group.' },
  channelsEach: {
    type: 'integer', min: 0, max: LIMITS.channels, words: ['all'], hint: "'all', a number of channels, or 0 for patterns only",
    description: "Channels each subscriber subscribes to: 'all', a number (at most channels.count) spread so the group covers every channel, or 0 for patterns only. Default: 'all', or 0 when the group has patterns.",
  },
  patterns: {
    type: 'list', maxItems: LIMITS.patternsPerGroup, unique: true, default: [], hint: 'e.g. ["user.*"]',
    description: 'Redis glob patterns each subscriber PSUBSCRIBEs to (not with sharded channels).',
    items: { type: 'string', maxChars: LIMITS.patternChars, hint: "a Redis glob such as 'user.*'", description: "A Redis glob pattern such as 'user.*'." },
  },
} as const satisfies Record<string, Field>;

/** A stage object, as result.json writes a resolved load profile. */
export const STAGE_OBJECT = {
  type: 'object', required: ['durationMs', 'fromRate', 'toRate'], hint: 'e.g. {"durationMs": 30000, "fromRate": 1000, "toRate": 1000}',
  description: 'One stage: the total rate goes linearly from fromRate to toRate over durationMs (a step when both are equal).',
  fields: {
    durationMs: { type: 'millis', minMs: 0, minExclusive: true, maxMs: MAX_DURATION_MS, description: 'Length of the stage in ms (above 0).' },
    fromRate: { type: 'number', min: 0, max: LIMITS.rate, description: `Total rate at the start of the stage, ${ratePerSecond}.` },
    toRate: { type: 'number', min: 0, max: LIMITS.rate, description: `Total rate at the end of the stage, ${ratePerSecond}.` },
  },
} as const satisfies ObjectField;

/** `slowSubscribers`: slow consumers on purpose (flag `--slow-subscribers N:DELAY`). */
export const SLOW_SUBSCRIBER_FIELDS = {
  count: { type: 'integer', min: 1, max: LIMITS.subscribers, hint: 'how many subscribers are slow, at most the number of subscribers', description: 'How many subscribers are slow: the first ones (ids 0 … count − 1), on a worker thread of their own.' },
  delayUs: { type: 'integer', min: 1, max: 10_000_000, hint: 'µs per message, e.g. 1000 (1 ms)', description: 'Time each slow subscriber spends per message, in µs (a busy wait: its socket is read that much later).' },
} as const satisfies Record<string, Field>;

/** `pubsubBufferLimit`: client-output-buffer-limit pubsub for the run (flag `--pubsub-buffer-limit SIZE[:SOFT:SECONDS]`). */
export const BUFFER_LIMIT_FIELDS = {
  hardBytes: { type: 'integer', min: LIMITS.messageBytesMin, max: 64 * 1024 ** 3, hint: 'bytes, at least one message, e.g. 4194304', description: 'Hard limit in bytes: a subscriber whose output buffer passes it is disconnected at once (at least one message).' },
  softBytes: { type: 'integer', min: 0, max: 64 * 1024 ** 3, hint: 'bytes, 0 for none, e.g. 2097152', description: 'Soft limit in bytes (0: none): disconnected after staying above it for softSeconds.' },
  softSeconds: { type: 'integer', min: 0, max: 3600, hint: 'seconds, e.g. 1', description: 'Seconds above the soft limit before the disconnect.' },
} as const satisfies Record<string, Field>;

/** `subscriberChurn`: subscribers come and go (flag `--subscriber-churn DURATION[:reconnect]`). */
export const CHURN_FIELDS = {
  everyMs: { type: 'millis', minMs: 0, minExclusive: true, maxMs: MAX_DURATION_MS, description: 'Time between two churn events of one subscriber, in ms (above 0); staggered over the subscribers.' },
  reconnect: { type: 'boolean', default: false, description: 'Drop and reopen the connection instead of UNSUBSCRIBE + SUBSCRIBE on the same one.' },
} as const satisfies Record<string, Field>;

/** The `$schema` key: editors read it, the harness ignores its value. */
const SCHEMA_KEY_CHARS = 2000;

/** The whole scenario file. */
export const SCENARIO = {
  type: 'object', hint: 'a scenario is an object such as {"publishers": {"count": 2}}',
  description: 'A pubsub-bench scenario: what to run. Every key is optional; left-out keys take their defaults.',
  fields: {
    name: {
      type: 'string', maxChars: LIMITS.nameChars, pattern: '^[A-Za-z0-9][\\w.-]*$', examples: ['my-scenario'],
      description: 'Short name: letters, digits, ".", "_" and "-", starting with a letter or digit. Default: the file name without extension.',
    },
    description: { type: 'string', maxChars: LIMITS.descriptionChars, default: DEFAULTS.description, description: 'One line saying what the scenario models.' },
    client: {
      type: 'enum', default: DEFAULTS.client, description: 'The data-plane client of publishers and subscribers.',
      hint: "use 'native' (our own RESP connections, the default) or 'ioredis' (what a Node.js application using ioredis sees)",
      values: { native: "pubsub-bench's own RESP connections: fast, the harness stays out of the numbers", ioredis: 'the ioredis client: what a Node.js application using ioredis sees' },
    },
    channels: { type: 'object', fields: CHANNEL_FIELDS, hint: 'e.g. "channels": {"count": 10}', description: 'The channel set.' },
    publishers: { type: 'object', fields: PUBLISHER_FIELDS, hint: 'e.g. "publishers": {"count": 1, "rate": 1000}', description: 'The publisher fleet.' },
    subscribers: {
      type: 'list', maxItems: LIMITS.subscriberGroups, hint: 'e.g. "subscribers": [{"count": 10}]',
      description: `Groups of identical subscribers (at most ${LIMITS.subscribers} subscribers in all). Default: one group of one subscriber on every channel.`,
      items: { type: 'object', fields: GROUP_FIELDS, hint: 'e.g. {"count": 10, "channelsEach": "all"}', description: 'One group of identical subscribers.' },
    },
    warmup: { type: 'duration', minMs: 0, maxMs: LIMITS.warmupMs, alias: 'warmupMs', example: '2s', default: formatDurationMs(DEFAULTS.warmupMs), description: 'Warmup before measuring, excluded from results.' },
    warmupMs: { type: 'millis', minMs: 0, maxMs: LIMITS.warmupMs, alias: 'warmup', description: 'warmup in ms, as result.json writes it (give one of the two).' },
    duration: { type: 'duration', minMs: 100, maxMs: LIMITS.durationMs, alias: 'durationMs', example: '10s', default: formatDurationMs(DEFAULTS.durationMs), description: 'Length of the measure phase (with stages: their sum, so leave it out).' },
    durationMs: { type: 'millis', minMs: 100, maxMs: LIMITS.durationMs, alias: 'duration', description: 'duration in ms, as result.json writes it (give one of the two).' },
    drainTimeout: { type: 'duration', minMs: 0, maxMs: LIMITS.drainTimeoutMs, alias: 'drainTimeoutMs', example: '2s', default: formatDurationMs(DEFAULTS.drainTimeoutMs), description: 'Longest wait after publishing stops for messages still in flight.' },
    drainTimeoutMs: { type: 'millis', minMs: 0, maxMs: LIMITS.drainTimeoutMs, alias: 'drainTimeout', description: 'drainTimeout in ms, as result.json writes it (give one of the two).' },
    seed: { type: 'integer', min: 0, max: LIMITS.seed, default: DEFAULTS.seed, hint: 'use a whole number such as 42', description: 'Seed of the pseudo-random payload padding, so runs are reproducible.' },
    stages: {
      type: 'stages', examples: ['30s:1000,ramp:1m:1000-5000,30s:5000'],
      description: "Load profile: steps 'DURATION:RATE' and ramps 'ramp:DURATION:FROM-TO' (rates in msgs/s over all publishers), comma-separated or as a list. The measure phase lasts their sum; not with publishers.rate 'max'.",
    },
    thresholds: {
      type: 'thresholds', examples: [['e2e.p99 < 5ms', 'lost == 0']],
      description: "Pass/fail rules on the measure phase, 'metric operator value' (e2e.p99 < 5ms, lost == 0, lostRatio < 0.1%); a failed one exits 99.",
    },
    slowSubscribers: {
      type: 'object', fields: SLOW_SUBSCRIBER_FIELDS, required: ['count', 'delayUs'], hint: 'e.g. "slowSubscribers": {"count": 1, "delayUs": 1000}',
      description: 'Slow consumers on purpose: the first count subscribers spend delayUs per message on a thread of their own, so the server buffers for them.',
    },
    pubsubBufferLimit: {
      type: 'object', fields: BUFFER_LIMIT_FIELDS, required: ['hardBytes'], hint: 'e.g. "pubsubBufferLimit": {"hardBytes": 4194304, "softBytes": 2097152, "softSeconds": 1}',
      description: 'client-output-buffer-limit pubsub for the run, restored afterwards: set on the local redis-server; on a --target only with --allow-config-set.',
    },
    transport: {
      type: 'enum', default: DEFAULTS.transport, description: 'How messages travel.',
      hint: "use 'pubsub' (PUBLISH / SUBSCRIBE, the default) or 'streams' (XADD / XREADGROUP with a consumer group per subscriber)",
      values: {
        pubsub: 'PUBLISH / SUBSCRIBE: at most once, a subscriber that is away misses what was sent meanwhile',
        streams: 'one Redis Stream per channel: publishers XADD, each subscriber reads with its own consumer group (XREADGROUP + XACK) and resumes after a reconnect; no patterns, sharding, cluster or ioredis',
      },
    },
    streamMaxLen: {
      type: 'integer', min: 1, max: LIMITS.streamMaxLen, default: DEFAULTS.streamMaxLen, hint: 'entries kept per stream, e.g. 100000',
      description: "transport 'streams': the MAXLEN ~ cap of each stream (entries kept, approximately); a subscriber further behind than this loses the trimmed entries.",
    },
    subscriberChurn: {
      type: 'object', fields: CHURN_FIELDS, required: ['everyMs'], hint: 'e.g. "subscriberChurn": {"everyMs": 2000, "reconnect": false}',
      description: 'Every everyMs each subscriber unsubscribes and subscribes again (or reconnects), staggered; expected deliveries follow the subscription windows.',
    },
    channelSkew: {
      type: 'string', maxChars: 40, pattern: SKEW_PATTERN, default: 'uniform', examples: ['uniform', 'zipf:1', 'zipf:0.8'], hint: SKEW_HINT,
      description: "Publish share per channel: 'uniform', or 'zipf:S' (S above 0, at most 10): channel k gets a share of all messages ∝ 1/(k+1)^S, channel 0 the hottest. With publishers.channelsEach a number, only at a constant numeric rate (publishers then carry unequal rates).",
    },
    subscriberSkew: {
      type: 'string', maxChars: 40, pattern: SKEW_PATTERN, default: 'uniform', examples: ['uniform', 'zipf:1'], hint: SKEW_HINT,
      description: "Subscribers per channel: 'uniform', or 'zipf:S': a group with k channels each (a number below channels.count) shares its count × k subscriptions out ∝ 1/(c+1)^S, at most count per channel.",
    },
    backgroundPatterns: {
      type: 'integer', min: 0, max: LIMITS.backgroundPatterns, default: 0, hint: 'a number of patterns, e.g. 1000 (0: none)',
      description: 'Pattern subscriptions matching no channel, on one extra connection: they receive nothing, but every PUBLISH checks them (pattern load). Not with sharded channels.',
    },
    resp: {
      type: 'integer', min: 2, max: 3, default: 2, hint: 'RESP version 2 or 3',
      description: 'RESP version of the data plane: 2, or 3 (HELLO 3; deliveries arrive as push frames; Redis 6+).',
    },
    // Last, so the list of allowed keys in a hint starts with the ones that change a run.
    $schema: { type: 'string', maxChars: SCHEMA_KEY_CHARS, description: 'The JSON Schema of this file, for editors; pubsub-bench ignores it.' },
  },
} as const satisfies ObjectField;
