/**
 * Scenario validation: untrusted input (a parsed file, a built-in, flags applied on top) → a complete `Scenario`,
 * or ONE UsageError listing every problem with its field and a hint. Never throws anything else, whatever the input
 * (null, arrays, `__proto__` keys, binary data, huge numbers). Defaults: see `defaults.ts`.
 */
import { UsageError, type Problem } from '../core/errors.js';
import type { ClientKind, PublisherSpec, PublishMode, Scenario } from '../core/scenario.js';
import { Checker, closest, KEY_HOME, MAX_PROBLEMS, own, type PlainRecord } from './checks.js';
import { DEFAULTS, LIMITS } from './defaults.js';
import { checkDurationMs, describeType } from './duration.js';
import { keysOf, PUBLISHER_FIELDS, SCENARIO, type DurationField } from './fields.js';
import { checkChannels, checkStagesField, checkSubscriberGroups, stagesMeasureMs } from './validate-sections.js';
import { checkThresholds } from '../metrics/thresholds.js';
import { checkShapes } from './validate-shapes.js';
import { checkTransport } from './validate-transport.js';
import { checkTrafficShapes, fitTransport } from './validate-traffic.js';

/** Options of `resolveScenario`. */
export interface ResolveOptions {
  /** Canonical field path → the flag that set it (e.g. `publishers.rate` → `--rate`), so problems name the flag. */
  rename?: Readonly<Record<string, string>>;
  /** Problems found before validation (flag values that did not parse); reported together with the rest. */
  problems?: Problem[];
}

// Keys, words, ranges and hints come from the field table (fields.ts), which the JSON Schema is generated from.
const F = SCENARIO.fields;
const P = PUBLISHER_FIELDS;
const TOP_KEYS = keysOf(SCENARIO);
const PUBLISHER_KEYS = keysOf(F.publishers);
const MODES = Object.keys(P.mode.values) as PublishMode[];
const CLIENTS = Object.keys(F.client.values) as ClientKind[];
const NAME_RE = new RegExp(F.name.pattern);

/**
 * Validates `input` and fills in defaults. `source` names where it came from (a file path or `built-in fan-out`):
 * it heads the error and gives a file's scenario its default name.
 */
export function resolveScenario(input: unknown, source: string, opts: ResolveOptions = {}): Scenario {
  const c = new Checker(opts.rename);
  c.problems.push(...(opts.problems ?? []));
  let scenario: Scenario | undefined;
  try {
    scenario = check(c, input, source);
  } catch (err) {
    // Defence in depth: a bug here must still surface as bad input, never as a crash on hostile data.
    c.add('(scenario)', `could not be validated: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (c.problems.length > 0 || !scenario) throw usageError(c.problems, source);
  return scenario;
}

function usageError(problems: Problem[], source: string): UsageError {
  const shown = problems.slice(0, MAX_PROBLEMS);
  if (problems.length > MAX_PROBLEMS) {
    shown.push({ field: '(more)', message: `${problems.length - MAX_PROBLEMS} more problems not shown`, hint: 'fix the ones above first' });
  }
  return new UsageError(shown, `Invalid scenario (${source})`);
}

function check(c: Checker, input: unknown, source: string): Scenario | undefined {
  const top = c.record(input, '(scenario)', 'a scenario is an object such as {"publishers": {"count": 2}}');
  if (!top) return undefined;
  c.unknownKeys(top, '', TOP_KEYS, KEY_HOME);
  // `$schema` is for editors (the file's JSON Schema): checked to be text, then ignored.
  const rawSchemaKey = own(top, '$schema');
  if (rawSchemaKey !== undefined) c.strField(rawSchemaKey, '$schema', F.$schema);

  const name = readName(c, own(top, 'name'), source);
  const rawDescription = own(top, 'description');
  const description =
    rawDescription === undefined ? DEFAULTS.description : c.strField(rawDescription, 'description', F.description);
  const rawClient = own(top, 'client');
  const client = rawClient === undefined ? DEFAULTS.client : c.oneOf(rawClient, 'client', CLIENTS, F.client.hint);
  const channels = checkChannels(c, own(top, 'channels'));
  const channelCount = channels?.spec.count;
  const checkedPublishers = readPublishers(c, own(top, 'publishers'), channelCount);
  const subscribers = checkSubscriberGroups(c, own(top, 'subscribers'), channels);
  const warmupMs = readDuration(c, top, 'warmup', F.warmup, DEFAULTS.warmupMs);
  const givenDurationMs = readDuration(c, top, 'duration', F.duration, DEFAULTS.durationMs);
  const profile = checkStagesField(c, own(top, 'stages'), checkedPublishers);
  const publishers = profile ? profile.publishers : checkedPublishers;
  const durationField = own(top, 'duration') !== undefined ? 'duration' : own(top, 'durationMs') !== undefined ? 'durationMs' : null;
  const durationMs = profile && givenDurationMs !== undefined
    ? stagesMeasureMs(c, profile.stages, durationField === null ? null : { field: durationField, ms: givenDurationMs })
    : givenDurationMs;
  const drainTimeoutMs = readDuration(c, top, 'drainTimeout', F.drainTimeout, DEFAULTS.drainTimeoutMs);
  const thresholds = readThresholds(c, own(top, 'thresholds'));
  const rawSeed = own(top, 'seed');
  const seed = rawSeed === undefined ? DEFAULTS.seed : c.intField(rawSeed, 'seed', F.seed);
  const shapes = checkShapes(c, top, publishers, subscribers);
  const transport = checkTransport(c, top, { client, channels: channels?.spec, subscribers });
  const traffic = fitTransport(c, checkTrafficShapes(c, top, { channels: channels?.spec, publishers, subscribers, stages: profile && profile.stages }), transport);

  if (publishers && subscribers && publishers.count === 0 && subscribers.every((g) => g.count === 0)) {
    c.add('publishers.count', 'the scenario has no publishers and no subscribers', 'set publishers.count or a subscriber group count above 0');
  }
  if (
    name === undefined || description === undefined || client === undefined || !channels || !publishers || !subscribers ||
    warmupMs === undefined || durationMs === undefined || drainTimeoutMs === undefined || seed === undefined ||
    profile === undefined || shapes === undefined || transport === undefined || traffic === undefined
  ) {
    return undefined;
  }
  const scenario: Scenario = { name, description, client, channels: channels.spec, publishers, subscribers, warmupMs, durationMs, drainTimeoutMs, seed };
  return { ...scenario, ...(profile ? { stages: profile.stages } : {}), ...(thresholds ? { thresholds } : {}), ...shapes, ...transport, ...traffic };
}

/** Scenario `thresholds`: a list of expressions such as "e2e.p99 < 5ms", each checked as --threshold would be. */
function readThresholds(c: Checker, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) {
    c.add('thresholds', `expected a list of expressions, got ${describeType(value)}`, 'e.g. thresholds: ["e2e.p99 < 5ms", "lost == 0"]');
    return undefined;
  }
  const bad = list.map((t, i) => [t, i] as const).filter(([t]) => typeof t !== 'string');
  for (const [t, i] of bad) c.add(`thresholds[${i}]`, `expected an expression, got ${describeType(t)}`, 'e.g. "lost == 0"');
  if (bad.length > 0) return undefined;
  const { problems } = checkThresholds(list, 'thresholds');
  for (const p of problems) c.add(p.field, p.message, p.hint);
  return problems.length === 0 ? list.map((t) => t.trim()) : undefined;
}

function readName(c: Checker, value: unknown, source: string): string | undefined {
  if (value === undefined) return defaultName(source);
  const name = c.strField(value, 'name', F.name);
  if (name !== undefined && !NAME_RE.test(name)) {
    c.add('name', 'may hold only letters, digits, ".", "_" and "-", starting with a letter or digit', "e.g. 'my-scenario'");
    return undefined;
  }
  return name;
}

/** A file's base name without extension, cleaned up to a valid scenario name. */
export function defaultName(source: string): string {
  const base = source.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/\.(json|ya?ml)$/i, '').replace(/[^\w.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return cleaned.slice(0, LIMITS.nameChars) || DEFAULTS.name;
}

/** Reads `key` (a duration string or ms) or its ms-only alias `spec.alias` (as result.json writes it). */
function readDuration(c: Checker, top: PlainRecord, key: string, spec: DurationField, fallback: number): number | undefined {
  const { alias, minMs, maxMs } = spec;
  const value = own(top, key);
  const valueMs = own(top, alias);
  if (value !== undefined && valueMs !== undefined) {
    c.add(key, `both '${key}' and '${alias}' are given`, `keep one of them`);
    return undefined;
  }
  if (value === undefined && valueMs === undefined) return fallback;
  const field = value !== undefined ? key : alias;
  if (valueMs !== undefined && typeof valueMs !== 'number') {
    c.add(field, `expected a number of milliseconds, got ${describeType(valueMs)}`, `or write '${key}' as a string like '10s'`);
    return undefined;
  }
  const ms = checkDurationMs(value ?? valueMs, field);
  if (typeof ms !== 'number') {
    c.add(field, ms.message, ms.hint);
    return undefined;
  }
  if (ms < minMs || ms > maxMs) {
    c.add(field, `${ms} ms is out of range: must be between ${minMs} ms and ${maxMs} ms`, `e.g. '${spec.example}'`);
    return undefined;
  }
  return ms;
}

function readPublishers(c: Checker, value: unknown, channelCount: number | undefined): PublisherSpec | undefined {
  const d = DEFAULTS.publishers;
  if (value === undefined) return { ...d, mode: d.mode };
  const p = c.record(value, 'publishers', F.publishers.hint);
  if (!p) return undefined;
  c.unknownKeys(p, 'publishers', PUBLISHER_KEYS, KEY_HOME);
  const get = <T>(key: string, fallback: T, read: (v: unknown, field: string) => T | undefined): T | undefined => {
    const v = own(p, key);
    return v === undefined ? fallback : read(v, `publishers.${key}`);
  };
  const count = get('count', d.count, (v, f) => c.intField(v, f, P.count));
  const rate = get<number | 'max'>('rate', d.rate, (v, f) => {
    if (v === 'max') return 'max';
    const near = typeof v === 'string' && !/^\s*[\d.]+\s*$/.test(v) ? closest(v, P.rate.words) : undefined;
    if (near) {
      c.add(f, `expected a number of msgs/s or 'max', got ${describeType(v)}`, "did you mean 'max'?");
      return undefined;
    }
    // Zero and below get their own words: "between 0 and …" would name 0 as allowed, and it is not.
    const hint = P.rate.hint;
    if (typeof v === 'number' && Number.isFinite(v) && v <= P.rate.min) {
      c.add(f, `${v} msgs/s: the rate must be above 0 (at most ${P.rate.max})`, `${hint}; for a run that publishes nothing set publishers.count (--publishers) to 0`);
      return undefined;
    }
    return c.num(v, f, P.rate.min, P.rate.max, hint);
  });
  const messageBytes = get('messageBytes', d.messageBytes, (v, f) => c.intField(v, f, P.messageBytes));
  const mode = get<PublishMode>('mode', d.mode, (v, f) => c.oneOf(v, f, MODES));
  const batch = get('batch', d.batch, (v, f) => c.intField(v, f, P.batch));
  const maxInFlight = get('maxInFlight', d.maxInFlight, (v, f) => c.intField(v, f, P.maxInFlight));
  const channelsEach = get<number | 'all'>('channelsEach', d.channelsEach, (v, f) =>
    v === 'all' ? 'all' : c.intField(v, f, P.channelsEach, channelCount ?? P.channelsEach.max),
  );
  if (
    count === undefined || rate === undefined || messageBytes === undefined || mode === undefined ||
    batch === undefined || maxInFlight === undefined || channelsEach === undefined
  ) {
    return undefined;
  }
  return { count, rate, messageBytes, mode, batch, maxInFlight, channelsEach };
}
