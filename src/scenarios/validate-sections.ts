/** Validation of the `channels` and `subscribers` sections (see validate.ts for the whole scenario). */
import { stagesDurationMs, type ChannelSpec, type PublisherSpec, type RateStage, type SubscriberGroupSpec } from '../core/scenario.js';
import { Checker, KEY_HOME, own } from './checks.js';
import { channelNames, parseNaming } from './channels.js';
import { DEFAULTS, LIMITS } from './defaults.js';
import { describeType, formatDurationMs, quote } from './duration.js';
import { CHANNEL_FIELDS, GROUP_FIELDS, keysOf, SCENARIO } from './fields.js';
import { checkStages, meanStagesRate } from './stages.js';

// Keys, ranges and hints come from the field table (fields.ts), which the JSON Schema is generated from.
const CHANNELS = SCENARIO.fields.channels;
const SUBSCRIBERS = SCENARIO.fields.subscribers;
const GROUP = SUBSCRIBERS.items;
const PATTERNS = GROUP_FIELDS.patterns;
const CHANNEL_KEYS = keysOf(CHANNELS);
const GROUP_KEYS = keysOf(GROUP);

/** Longest total of channel-name characters the plan may hold in memory. */
const MAX_NAME_CHARS = 64_000_000;

/** A valid channel spec and whether sharded (patterns need it). */
export interface CheckedChannels {
  spec: ChannelSpec;
}

/** Validates `channels`: count, naming template (placeholders, unique names) and sharded. */
export function checkChannels(c: Checker, value: unknown): CheckedChannels | undefined {
  const d = DEFAULTS.channels;
  if (value === undefined) return { spec: { ...d } };
  const ch = c.record(value, 'channels', CHANNELS.hint);
  if (!ch) return undefined;
  c.unknownKeys(ch, 'channels', CHANNEL_KEYS, KEY_HOME);
  const rawCount = own(ch, 'count');
  const count = rawCount === undefined ? d.count : c.intField(rawCount, 'channels.count', CHANNEL_FIELDS.count);
  const rawSharded = own(ch, 'sharded');
  const sharded = rawSharded === undefined ? d.sharded : c.bool(rawSharded, 'channels.sharded');
  const rawNaming = own(ch, 'naming');
  let naming: string | undefined = d.naming;
  if (rawNaming !== undefined) {
    naming = c.strField(rawNaming, 'channels.naming', CHANNEL_FIELDS.naming);
    const parsed = naming === undefined ? undefined : parseNaming(naming);
    if (parsed && !parsed.ok) {
      c.add('channels.naming', parsed.message, "placeholders are {i} and {mod:a|b|c}; write {{ and }} for literal braces");
      naming = undefined;
    }
  }
  if (count === undefined || naming === undefined || sharded === undefined) return undefined;
  if (count * naming.length > MAX_NAME_CHARS) {
    c.add('channels.naming', `${count} names this long would not fit in memory`, 'use fewer channels or a shorter naming template');
    return undefined;
  }
  const duplicate = firstDuplicate(channelNames({ count, naming }));
  if (duplicate !== undefined) {
    c.add('channels.naming', `gives the same name ${quote(duplicate)} to more than one channel`, "include {i} in the template, e.g. 'room.{i}'");
    return undefined;
  }
  return { spec: { count, naming, sharded } };
}

function firstDuplicate(names: string[]): string | undefined {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) return n;
    seen.add(n);
  }
  return undefined;
}

/**
 * Validates `subscribers` (an array of groups). `channels` is undefined when the channel section is invalid:
 * then checks that need the channel count fall back to the global limits.
 */
export function checkSubscriberGroups(c: Checker, value: unknown, channels: CheckedChannels | undefined): SubscriberGroupSpec[] | undefined {
  if (value === undefined) return [{ ...DEFAULTS.subscriberGroup, patterns: [] }];
  if (!Array.isArray(value)) {
    c.add('subscribers', `expected an array of subscriber groups, got ${describeType(value)}`, SUBSCRIBERS.hint);
    return undefined;
  }
  if (value.length > SUBSCRIBERS.maxItems) {
    c.add('subscribers', `${value.length} groups is more than the limit of ${SUBSCRIBERS.maxItems}`, 'merge identical groups by raising their count');
    return undefined;
  }
  const groups: SubscriberGroupSpec[] = [];
  let ok = true;
  for (let i = 0; i < value.length; i++) {
    const g = checkGroup(c, value[i], `subscribers[${i}]`, channels);
    if (g) groups.push(g);
    else ok = false;
  }
  if (!ok) return undefined;
  return checkTotals(c, groups, channels) ? groups : undefined;
}

function checkGroup(c: Checker, value: unknown, field: string, channels: CheckedChannels | undefined): SubscriberGroupSpec | undefined {
  const g = c.record(value, field, GROUP.hint);
  if (!g) return undefined;
  c.unknownKeys(g, field, GROUP_KEYS, KEY_HOME);
  const rawCount = own(g, 'count');
  const count = rawCount === undefined ? DEFAULTS.subscriberGroup.count : c.intField(rawCount, `${field}.count`, GROUP_FIELDS.count);
  const patterns = checkPatterns(c, own(g, 'patterns'), `${field}.patterns`, channels);
  const rawEach = own(g, 'channelsEach');
  const channelCount = channels?.spec.count ?? GROUP_FIELDS.channelsEach.max;
  let channelsEach: number | 'all' | undefined;
  if (rawEach === undefined) channelsEach = patterns && patterns.length > 0 ? 0 : 'all';
  else if (rawEach === 'all') channelsEach = 'all';
  else if (typeof rawEach === 'number' && Number.isInteger(rawEach) && rawEach > channelCount) {
    c.add(`${field}.channelsEach`, `${rawEach} is more than the ${channelCount} channels of the scenario`, `use at most ${channelCount}, or 'all'`);
  } else {
    channelsEach = c.intField(rawEach, `${field}.channelsEach`, GROUP_FIELDS.channelsEach, channelCount);
  }
  if (count === undefined || patterns === undefined || channelsEach === undefined) return undefined;
  if (count > 0 && channelsEach === 0 && patterns.length === 0) {
    c.add(`${field}.channelsEach`, 'these subscribers subscribe to nothing (0 channels and no patterns)', "set channelsEach to 'all' or a number, or add patterns");
    return undefined;
  }
  return { count, channelsEach, patterns };
}

function checkPatterns(c: Checker, value: unknown, field: string, channels: CheckedChannels | undefined): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    c.add(field, `expected an array of glob patterns, got ${describeType(value)}`, PATTERNS.hint);
    return undefined;
  }
  if (value.length > PATTERNS.maxItems) {
    c.add(field, `${value.length} patterns is more than the limit of ${PATTERNS.maxItems}`, 'use fewer, broader patterns');
    return undefined;
  }
  const patterns: string[] = [];
  let ok = true;
  for (let i = 0; i < value.length; i++) {
    const p = c.strField(value[i], `${field}[${i}]`, PATTERNS.items);
    if (p === undefined) ok = false;
    else if (patterns.includes(p)) {
      c.add(`${field}[${i}]`, `pattern ${quote(p)} is listed twice`, 'PSUBSCRIBE to the same pattern twice is one subscription: remove the copy');
      ok = false;
    } else patterns.push(p);
  }
  if (ok && patterns.length > 0 && channels?.spec.sharded) {
    c.add(field, 'pattern subscriptions are not available with sharded pub/sub', 'Redis has no sharded PSUBSCRIBE: remove the patterns or set channels.sharded to false');
    return undefined;
  }
  return ok ? patterns : undefined;
}

/** Fleet-wide limits: total subscribers, subscriptions and glob checks the plan will have to compute. */
function checkTotals(c: Checker, groups: SubscriberGroupSpec[], channels: CheckedChannels | undefined): boolean {
  const total = groups.reduce((n, g) => n + g.count, 0);
  if (total > LIMITS.subscribers) {
    c.add('subscribers', `${total} subscribers in all is more than the limit of ${LIMITS.subscribers}`, 'lower the group counts');
    return false;
  }
  if (!channels) return true;
  const channelCount = channels.spec.count;
  const direct = groups.reduce((n, g) => n + g.count * (g.channelsEach === 'all' ? channelCount : g.channelsEach), 0);
  if (direct > LIMITS.directSubscriptions) {
    c.add('subscribers', `${direct} channel subscriptions in all is more than the limit of ${LIMITS.directSubscriptions}`, 'use fewer channels per subscriber or fewer subscribers');
    return false;
  }
  const distinctPatterns = new Set(groups.filter((g) => g.count > 0).flatMap((g) => g.patterns)).size;
  if (distinctPatterns * channelCount > LIMITS.patternChecks) {
    c.add('subscribers', `${distinctPatterns} patterns × ${channelCount} channels is too many to plan`, 'use fewer patterns or fewer channels');
    return false;
  }
  return true;
}

/** A load profile and what it makes of the publishers (their rate records the profile's mean). */
export interface CheckedStages {
  stages: RateStage[];
  publishers: PublisherSpec;
}

/**
 * Validates top-level `stages` (see src/scenarios/stages.ts for the forms): null when absent, undefined when invalid.
 * Needs valid publishers: a profile sets their open-loop rate, so 'max' and a fleet without publishers are problems.
 */
export function checkStagesField(c: Checker, value: unknown, publishers: PublisherSpec | undefined): CheckedStages | null | undefined {
  if (value === undefined) return null;
  const checked = checkStages(value, 'stages');
  for (const p of checked.problems) c.add(p.field, p.message, p.hint);
  if (!checked.stages || !publishers) return undefined;
  if (publishers.rate === 'max') {
    c.add('publishers.rate', "'max' cannot be combined with a load profile (stages)", 'the stages set an open-loop rate: drop the stages, or give a numeric rate');
    return undefined;
  }
  if (publishers.count === 0) {
    c.add('stages', 'a load profile needs publishers, and publishers.count is 0', 'set publishers.count above 0, or drop the stages');
    return undefined;
  }
  return { stages: checked.stages, publishers: { ...publishers, rate: meanStagesRate(checked.stages) } };
}

/**
 * With stages the measure phase lasts exactly as long as they do. A duration given as well must agree (a copy of a
 * resolved scenario from result.json does); one that does not is a problem rather than a silent choice.
 */
export function stagesMeasureMs(c: Checker, stages: RateStage[], given: { field: string; ms: number } | null): number {
  const totalMs = stagesDurationMs(stages);
  if (given !== null && given.ms !== totalMs) {
    c.add(given.field, `${formatDurationMs(given.ms)} disagrees with the stages, which last ${formatDurationMs(totalMs)} in all`,
      'with stages the measure phase lasts the sum of the stages: drop the duration');
  }
  return totalMs;
}
