/**
 * The flags of the subscriber shapes, written into the raw scenario before validation (see overrides.ts):
 * `--slow-subscribers N:DELAY`, `--pubsub-buffer-limit SIZE[:SOFT:SECONDS]`, `--subscriber-churn DURATION[:reconnect]`.
 * A value that cannot be read is a problem naming the flag; ranges and cross checks (more slow subscribers than
 * subscribers, a limit below one message) are the validator's, reported under the flag's name through `rename`.
 */
import type { Problem } from '../core/errors.js';
import type { PlainRecord } from './checks.js';
import { checkDurationMs } from './duration.js';
import { parseBytes } from './human-numbers.js';

/** The shape flags as the CLI parsed them (strings as typed; undefined when not given). */
export interface ShapeFlags {
  /** `--slow-subscribers N:DELAY` (scenario field `slowSubscribers`). */
  slowSubscribers?: unknown;
  /** `--pubsub-buffer-limit SIZE[:SOFT:SECONDS]` (scenario field `pubsubBufferLimit`). */
  pubsubBufferLimit?: unknown;
  /** `--subscriber-churn DURATION[:reconnect]` (scenario field `subscriberChurn`). */
  subscriberChurn?: unknown;
}

const SLOW_RE = /^\s*(\d+)\s*:\s*(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|ms|s)?\s*$/i;
const US_PER_UNIT: Record<string, number> = { us: 1, µs: 1, ms: 1000, s: 1_000_000 };

/** Applies the shape flags to `top` (a copy the caller owns). */
export function applyShapeFlags(top: PlainRecord, flags: ShapeFlags, rename: Record<string, string>, problems: Problem[]): void {
  const one = (flag: string, value: unknown): string | undefined => {
    if (value === undefined) return undefined;
    if (Array.isArray(value)) {
      problems.push({ field: flag, message: `given ${value.length} times`, hint: `give ${flag} once` });
      return undefined;
    }
    return String(value);
  };
  const slow = one('--slow-subscribers', flags.slowSubscribers);
  if (slow !== undefined) {
    const m = SLOW_RE.exec(slow);
    if (!m) {
      problems.push({ field: '--slow-subscribers', message: `cannot read ${JSON.stringify(slow)}`, hint: 'write N:DELAY, e.g. --slow-subscribers 2:1ms (2 subscribers spending 1 ms per message; units us, ms, s)' });
    } else {
      top.slowSubscribers = { count: Number(m[1]), delayUs: Math.round(Number(m[2]) * US_PER_UNIT[(m[3] ?? 'ms').toLowerCase()]) };
      for (const k of ['slowSubscribers', 'slowSubscribers.count', 'slowSubscribers.delayUs']) rename[k] = '--slow-subscribers';
    }
  }
  const limit = one('--pubsub-buffer-limit', flags.pubsubBufferLimit);
  if (limit !== undefined) {
    const parsed = parseLimit(limit);
    if (!parsed) {
      problems.push({ field: '--pubsub-buffer-limit', message: `cannot read ${JSON.stringify(limit)}`, hint: 'write SIZE or SIZE:SOFT:SECONDS, e.g. --pubsub-buffer-limit 4mb:2mb:1 (sizes in bytes, kb, mb)' });
    } else {
      top.pubsubBufferLimit = parsed;
      for (const k of ['pubsubBufferLimit', 'pubsubBufferLimit.hardBytes', 'pubsubBufferLimit.softBytes', 'pubsubBufferLimit.softSeconds']) rename[k] = '--pubsub-buffer-limit';
    }
  }
  const churn = one('--subscriber-churn', flags.subscriberChurn);
  if (churn !== undefined) {
    const [every, mode, ...rest] = churn.split(':');
    const ms = checkDurationMs(every, '--subscriber-churn');
    if (typeof ms !== 'number') problems.push({ ...ms, hint: 'write DURATION or DURATION:reconnect, e.g. --subscriber-churn 2s or 2s:reconnect' });
    else if (rest.length > 0 || (mode !== undefined && mode.trim().toLowerCase() !== 'reconnect')) {
      problems.push({ field: '--subscriber-churn', message: `cannot read ${JSON.stringify(churn)}`, hint: "the only mode is 'reconnect', e.g. --subscriber-churn 2s:reconnect" });
    } else {
      top.subscriberChurn = { everyMs: ms, reconnect: mode !== undefined };
      for (const k of ['subscriberChurn', 'subscriberChurn.everyMs', 'subscriberChurn.reconnect']) rename[k] = '--subscriber-churn';
    }
  }
}

/** `4mb`, `4194304`, `4mb:2mb:60`, `4mb:2mb:60s` → the limit's fields, or undefined. */
function parseLimit(text: string): PlainRecord | undefined {
  const parts = text.split(':').map((p) => p.trim());
  if (parts.length !== 1 && parts.length !== 3) return undefined;
  const bytes = (p: string): number | undefined => (/^\d+$/.test(p) ? Number(p) : parseBytes(p));
  const hardBytes = bytes(parts[0]);
  if (hardBytes === undefined) return undefined;
  if (parts.length === 1) return { hardBytes, softBytes: 0, softSeconds: 0 };
  const softBytes = bytes(parts[1]);
  const seconds = /^(\d+)\s*s?$/i.exec(parts[2]);
  if (softBytes === undefined || !seconds) return undefined;
  return { hardBytes, softBytes, softSeconds: Number(seconds[1]) };
}
