/**
 * Flag overrides: `--rate 5000`, `--subscribers 10`, … written into the raw scenario input BEFORE validation, so one
 * validation pass checks file and flags together and every problem caused by a flag names that flag.
 */
import type { Problem } from '../core/errors.js';
import { closest, isPlainRecord, own, type PlainRecord } from './checks.js';
import { describeType } from './duration.js';
import { LIMITS } from './defaults.js';
import { parseBytes, parseRate } from './human-numbers.js';
import { applyShapeFlags, type ShapeFlags } from './shape-flags.js';

/** Scenario flags as the CLI parsed them (strings as typed; undefined when not given). */
export interface ScenarioFlags extends ShapeFlags {
  publishers?: unknown;
  subscribers?: unknown;
  channels?: unknown;
  channelsPerSubscriber?: unknown;
  patterns?: unknown;
  messageSize?: unknown;
  rate?: unknown;
  duration?: unknown;
  warmup?: unknown;
  drainTimeout?: unknown;
  publishMode?: unknown;
  batch?: unknown;
  maxInFlight?: unknown;
  sharded?: unknown;
  seed?: unknown;
  stages?: unknown;
  /** `--client native|ioredis`: the data-plane client (scenario field `client`). */
  client?: unknown;
  /** `--transport pubsub|streams` (scenario field `transport`). */
  transport?: unknown;
  /** `--stream-maxlen N` (scenario field `streamMaxLen`). */
  streamMaxlen?: unknown;
  /** `--channel-skew uniform|zipf:S` (scenario field `channelSkew`). */
  channelSkew?: unknown;
  /** `--subscriber-skew uniform|zipf:S` (scenario field `subscriberSkew`). */
  subscriberSkew?: unknown;
  /** `--background-patterns N` (scenario field `backgroundPatterns`). */
  backgroundPatterns?: unknown;
  /** `--resp 2|3` (scenario field `resp`). */
  resp?: unknown;
}

/** The input with flags applied, the field → flag renames for validation, and flag values that did not parse. */
export interface Overridden {
  input: unknown;
  rename: Record<string, string>;
  problems: Problem[];
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Applies the given flags to a copy of `raw` (never to `raw` itself: it may be a built-in). */
export function applyOverrides(raw: unknown, flags: ScenarioFlags): Overridden {
  const rename: Record<string, string> = {};
  const problems: Problem[] = [];
  if (!isPlainRecord(raw)) return { input: raw, rename, problems };
  const top: PlainRecord = { ...raw };
  const section = (key: string): PlainRecord | undefined => {
    const v = own(top, key);
    if (v !== undefined && !isPlainRecord(v)) return undefined; // validation reports the section's type
    const copy: PlainRecord = { ...(v ?? {}) };
    top[key] = copy;
    return copy;
  };
  // Sets target[key] from a flag value, converted by `convert`; a value that does not convert becomes a problem.
  const set = (flag: string, value: unknown, target: PlainRecord | undefined, key: string, path: string, convert: Convert) => {
    if (value === undefined) return;
    const single = singleValue(flag, value, problems);
    if (single === undefined) return;
    const converted = convert(flag, single, problems);
    if (converted === undefined || !target) return;
    target[key] = converted;
    rename[path] = flag;
  };

  if (hasAny(flags.publishers, flags.rate, flags.messageSize, flags.publishMode, flags.batch, flags.maxInFlight)) {
    const p = section('publishers');
    set('--publishers', flags.publishers, p, 'count', 'publishers.count', toNumber);
    set('--rate', flags.rate, p, 'rate', 'publishers.rate', toRate);
    set('--message-size', flags.messageSize, p, 'messageBytes', 'publishers.messageBytes', toBytes);
    set('--publish-mode', flags.publishMode, p, 'mode', 'publishers.mode', asIs);
    set('--batch', flags.batch, p, 'batch', 'publishers.batch', toNumber);
    set('--max-in-flight', flags.maxInFlight, p, 'maxInFlight', 'publishers.maxInFlight', toNumber);
  }
  if (hasAny(flags.channels, flags.sharded)) {
    const ch = section('channels');
    set('--channels', flags.channels, ch, 'count', 'channels.count', toNumber);
    set('--sharded', flags.sharded, ch, 'sharded', 'channels.sharded', toBool);
  }
  if (hasAny(flags.subscribers, flags.channelsPerSubscriber, flags.patterns)) {
    const group = firstGroup(top);
    set('--subscribers', flags.subscribers, group, 'count', 'subscribers[0].count', toNumber);
    set('--channels-per-subscriber', flags.channelsPerSubscriber, group, 'channelsEach', 'subscribers[0].channelsEach', toEach);
    if (flags.patterns !== undefined) {
      const patterns = typeof flags.patterns === 'string' ? matrixPatterns(flags.patterns) : toPatterns(flags.patterns, problems);
      if (patterns?.length === 0 && group) {
        // `--matrix patterns=none`: the group subscribes to channels instead (all of them if it had only patterns).
        group.patterns = [];
        if (flags.channelsPerSubscriber === undefined && own(group, 'channelsEach') === 0) group.channelsEach = 'all';
      } else if (patterns && group) {
        group.patterns = patterns;
        rename['subscribers[0].patterns'] = '--patterns';
        patterns.forEach((_, i) => (rename[`subscribers[0].patterns[${i}]`] = '--patterns'));
        // "--patterns" alone means pattern-only subscribers; with --channels-per-subscriber both apply.
        if (flags.channelsPerSubscriber === undefined) {
          group.channelsEach = 0;
          rename['subscribers[0].channelsEach'] = '--patterns';
        }
      }
    }
  }
  for (const [flag, value, key] of [
    ['--duration', flags.duration, 'duration'],
    ['--warmup', flags.warmup, 'warmup'],
    ['--drain-timeout', flags.drainTimeout, 'drainTimeout'],
  ] as const) {
    if (value === undefined) continue;
    delete top[`${key}Ms`]; // the flag replaces the millisecond form a result.json scenario carries
    set(flag, value, top, key, key, asIs);
  }
  set('--seed', flags.seed, top, 'seed', 'seed', toNumber);
  set('--client', flags.client, top, 'client', 'client', asIs);
  set('--transport', flags.transport, top, 'transport', 'transport', asIs);
  set('--stream-maxlen', flags.streamMaxlen, top, 'streamMaxLen', 'streamMaxLen', toNumber);
  set('--channel-skew', flags.channelSkew, top, 'channelSkew', 'channelSkew', asIs);
  set('--subscriber-skew', flags.subscriberSkew, top, 'subscriberSkew', 'subscriberSkew', asIs);
  set('--background-patterns', flags.backgroundPatterns, top, 'backgroundPatterns', 'backgroundPatterns', toNumber);
  set('--resp', flags.resp, top, 'resp', 'resp', toNumber);
  applyStages(top, flags, rename, problems);
  applyShapeFlags(top, flags, rename, problems);
  return { input: top, rename, problems };
}

type Convert = (flag: string, value: unknown, problems: Problem[]) => unknown;

/**
 * `--stages` replaces the scenario's load profile; validation parses it (problems name `--stages[i]`). The measure
 * phase then lasts as long as the stages, so the scenario's own duration (a built-in's 10 s) gives way unless
 * `--duration` says otherwise. A numeric `--rate` has no effect under a profile: better said than ignored.
 */
function applyStages(top: PlainRecord, flags: ScenarioFlags, rename: Record<string, string>, problems: Problem[]): void {
  if (flags.stages !== undefined) {
    const stages = singleValue('--stages', flags.stages, problems);
    if (typeof stages === 'string' && stages.trim() !== '') {
      top.stages = stages;
      rename.stages = '--stages';
      stages.split(',').forEach((_, i) => (rename[`stages[${i}]`] = `--stages[${i}]`));
      if (flags.duration === undefined) {
        delete top.duration;
        delete top.durationMs;
      }
    } else if (stages !== undefined) {
      problems.push({ field: '--stages', message: 'needs a load profile', hint: 'e.g. --stages 30s:1000,30s:5000,ramp:1m:5000-10000' });
    }
  }
  const rate = typeof flags.rate === 'string' ? flags.rate.trim().toLowerCase() : flags.rate;
  if (rate !== undefined && rate !== 'max' && !Array.isArray(rate) && own(top, 'stages') !== undefined) {
    problems.push({ field: '--rate', message: 'has no effect with a load profile (stages): the stages set the rate', hint: 'drop --rate, or run without stages' });
  }
}

function hasAny(...values: unknown[]): boolean {
  return values.some((v) => v !== undefined);
}

/** The first subscriber group (a copy), created when the scenario has none; undefined when `subscribers` is malformed. */
function firstGroup(top: PlainRecord): PlainRecord | undefined {
  const groups = own(top, 'subscribers');
  if (groups !== undefined && !Array.isArray(groups)) return undefined;
  const copy = [...(groups ?? [])] as unknown[];
  if (copy.length > 0 && !isPlainRecord(copy[0])) return undefined;
  const group: PlainRecord = { ...((copy[0] as PlainRecord | undefined) ?? {}) };
  copy[0] = group;
  top.subscribers = copy;
  return group;
}

/** A flag given twice arrives as an array; say so instead of guessing which one was meant. */
function singleValue(flag: string, value: unknown, problems: Problem[]): unknown {
  if (!Array.isArray(value)) return value;
  problems.push({ field: flag, message: `given ${value.length} times`, hint: `give ${flag} once` });
  return undefined;
}

const asIs: Convert = (_flag, value) => value;

/**
 * A number, or (when `word` is given) that word: `--rate max`, `--channels-per-subscriber all`. `example` is the value
 * the hint suggests: it must itself be valid for the flag.
 */
function numberOr(word?: string, example = '10', human?: (text: string) => number | undefined): Convert {
  return (flag, value, problems) => {
    if (typeof value === 'number') return value;
    const text = typeof value === 'string' ? value.trim() : undefined;
    if (text !== undefined && NUMBER_RE.test(text)) return Number(text);
    const parsed = text !== undefined && human ? human(text) : undefined; // 5k, 1.5M, 1KiB
    if (parsed !== undefined) return parsed;
    if (word && text !== undefined && text.toLowerCase() === word) return word;
    const near = word && text ? closest(text, [word]) : undefined;
    const message = value === '' ? 'needs a value' : `expected a number${word ? ` or '${word}'` : ''}, got ${describeType(value)}`;
    problems.push({ field: flag, message, hint: near ? `did you mean '${near}'?` : `e.g. ${flag} ${example}${word ? ` or ${flag} ${word}` : ''}` });
    return undefined;
  };
}

const toNumber = numberOr();
// A size in bytes, 32-byte envelope header included: the example must not be below it.
const toBytes = numberOr(undefined, `1024 (bytes: ${LIMITS.messageBytesMin} to ${LIMITS.messageBytesMax}, the ${LIMITS.messageBytesMin}-byte envelope header included)`, parseBytes);
const toRate = numberOr('max', '10', parseRate);
const toEach = numberOr('all');

/** `true`/`false` as a flag gives them, or as text (`--matrix sharded=false,true`). */
const toBool: Convert = (flag, value, problems) => {
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'true' || text === 'false') return text === 'true';
  problems.push({ field: flag, message: `expected true or false, got ${describeType(value)}`, hint: `e.g. --matrix ${flag.slice(2)}=false,true` });
  return undefined;
};

/** A matrix value of `patterns`: 'none', or patterns separated by '|' (`--matrix 'patterns=none,user.*|order.*'`). */
function matrixPatterns(value: string): string[] {
  const text = value.trim();
  return text === 'none' ? [] : text.split('|').map((p) => p.trim()).filter((p) => p !== '');
}

function toPatterns(value: unknown, problems: Problem[]): string[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  const patterns = list.map((v) => (typeof v === 'number' ? String(v) : v));
  if (patterns.length === 0 || patterns.some((p) => typeof p !== 'string' || p === '')) {
    problems.push({ field: '--patterns', message: 'needs one or more non-empty glob patterns', hint: "e.g. --patterns 'user.*' 'orders.*'" });
    return undefined;
  }
  return patterns as string[];
}
