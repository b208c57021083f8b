/**
 * Validation of the workload-shape sections about subscribers that misbehave or come and go: `slowSubscribers`,
 * `pubsubBufferLimit` and `subscriberChurn` (ranges and hints from fields.ts). Rules across sections live here too:
 * no more slow subscribers than subscribers, no buffer limit below one message.
 */
import type { PublisherSpec, PubsubBufferLimitSpec, Scenario, SlowSubscribersSpec, SubscriberChurnSpec, SubscriberGroupSpec } from '../core/scenario.js';
import { Checker, KEY_HOME, own, type PlainRecord } from './checks.js';
import { BUFFER_LIMIT_FIELDS, CHURN_FIELDS, keysOf, SCENARIO, SLOW_SUBSCRIBER_FIELDS } from './fields.js';

const F = SCENARIO.fields;

/** The shape fields of a scenario, each absent when not given. */
export type ShapeFields = Pick<Scenario, 'slowSubscribers' | 'pubsubBufferLimit' | 'subscriberChurn'>;

/**
 * Checks the three sections of `top`; undefined when one of them is invalid (the problems are in `c`). `publishers`
 * and `subscribers` are undefined when their own sections were invalid: the cross checks are then skipped.
 */
export function checkShapes(
  c: Checker, top: PlainRecord, publishers: PublisherSpec | undefined, subscribers: SubscriberGroupSpec[] | undefined,
): ShapeFields | undefined {
  let ok = true;
  const out: ShapeFields = {};
  const slow = own(top, 'slowSubscribers');
  if (slow !== undefined) {
    const v = checkSlow(c, slow, subscribers);
    if (v) out.slowSubscribers = v;
    else ok = false;
  }
  const limit = own(top, 'pubsubBufferLimit');
  if (limit !== undefined) {
    const v = checkLimit(c, limit, publishers);
    if (v) out.pubsubBufferLimit = v;
    else ok = false;
  }
  const churn = own(top, 'subscriberChurn');
  if (churn !== undefined) {
    const v = checkChurn(c, churn);
    if (v) out.subscriberChurn = v;
    else ok = false;
  }
  return ok ? out : undefined;
}

function section(c: Checker, value: unknown, key: 'slowSubscribers' | 'pubsubBufferLimit' | 'subscriberChurn'): PlainRecord | undefined {
  const spec = F[key];
  const r = c.record(value, key, spec.hint);
  if (!r) return undefined;
  c.unknownKeys(r, key, keysOf(spec), KEY_HOME);
  for (const k of spec.required) if (own(r, k) === undefined) c.add(`${key}.${k}`, 'is missing', spec.hint);
  return r;
}

function checkSlow(c: Checker, value: unknown, subscribers: SubscriberGroupSpec[] | undefined): SlowSubscribersSpec | undefined {
  const r = section(c, value, 'slowSubscribers');
  if (!r) return undefined;
  const total = subscribers?.reduce((n, g) => n + g.count, 0);
  const rawCount = own(r, 'count');
  const count = rawCount === undefined ? undefined : c.intField(rawCount, 'slowSubscribers.count', SLOW_SUBSCRIBER_FIELDS.count);
  const rawDelay = own(r, 'delayUs');
  const delayUs = rawDelay === undefined ? undefined : c.intField(rawDelay, 'slowSubscribers.delayUs', SLOW_SUBSCRIBER_FIELDS.delayUs);
  if (count === undefined || delayUs === undefined) return undefined;
  if (total !== undefined && count > total) {
    c.add('slowSubscribers.count', `${count} slow subscribers but the scenario has ${total} subscriber(s)`, `use at most ${total}, or raise --subscribers`);
    return undefined;
  }
  return { count, delayUs };
}

function checkLimit(c: Checker, value: unknown, publishers: PublisherSpec | undefined): PubsubBufferLimitSpec | undefined {
  const r = section(c, value, 'pubsubBufferLimit');
  if (!r) return undefined;
  const f = BUFFER_LIMIT_FIELDS;
  const rawHard = own(r, 'hardBytes');
  const hardBytes = rawHard === undefined ? undefined : c.intField(rawHard, 'pubsubBufferLimit.hardBytes', f.hardBytes);
  const rawSoft = own(r, 'softBytes');
  const softBytes = rawSoft === undefined ? 0 : c.intField(rawSoft, 'pubsubBufferLimit.softBytes', f.softBytes);
  const rawSeconds = own(r, 'softSeconds');
  const softSeconds = rawSeconds === undefined ? 0 : c.intField(rawSeconds, 'pubsubBufferLimit.softSeconds', f.softSeconds);
  if (hardBytes === undefined || softBytes === undefined || softSeconds === undefined) return undefined;
  // A message is a RESP push frame: the payload plus the channel name and framing, so its size is a floor.
  const messageBytes = publishers?.messageBytes ?? 0;
  let ok = true;
  if (hardBytes < messageBytes) {
    c.add('pubsubBufferLimit.hardBytes', `${hardBytes} bytes is below one message (${messageBytes} bytes): every subscriber would be cut off at its first message`, `use at least ${messageBytes}, e.g. 4mb`);
    ok = false;
  }
  if (softBytes > 0 && softBytes < messageBytes) {
    c.add('pubsubBufferLimit.softBytes', `${softBytes} bytes is below one message (${messageBytes} bytes)`, `use 0 for no soft limit, or at least ${messageBytes}`);
    ok = false;
  }
  if (softBytes > 0 && softBytes > hardBytes) {
    c.add('pubsubBufferLimit.softBytes', `the soft limit ${softBytes} is above the hard limit ${hardBytes}`, 'the soft limit must not exceed the hard one');
    ok = false;
  }
  return ok ? { hardBytes, softBytes, softSeconds } : undefined;
}

function checkChurn(c: Checker, value: unknown): SubscriberChurnSpec | undefined {
  const r = section(c, value, 'subscriberChurn');
  if (!r) return undefined;
  const rawEvery = own(r, 'everyMs');
  const f = CHURN_FIELDS.everyMs;
  let everyMs: number | undefined;
  if (rawEvery !== undefined) {
    if (typeof rawEvery === 'number' && Number.isFinite(rawEvery) && rawEvery <= 0) {
      c.add('subscriberChurn.everyMs', `${rawEvery} ms: the churn interval must be above 0`, "e.g. --subscriber-churn 2s (or '2s:reconnect')");
    } else {
      everyMs = c.int(rawEvery, 'subscriberChurn.everyMs', 1, f.maxMs, "e.g. --subscriber-churn 2s (or '2s:reconnect')");
    }
  }
  const rawReconnect = own(r, 'reconnect');
  const reconnect = rawReconnect === undefined ? false : c.bool(rawReconnect, 'subscriberChurn.reconnect');
  if (everyMs === undefined || reconnect === undefined) return undefined;
  return { everyMs, reconnect };
}
