/**
 * Duration parsing for scenario fields and flags: `500ms`, `10s`, `1.5m`, `2h`, or a plain number of milliseconds.
 */
import { UsageError, type Problem } from '../core/errors.js';

/** Milliseconds per unit suffix. */
const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** The unit suffixes a duration may carry, in any case. */
export const DURATION_UNITS: readonly string[] = Object.keys(UNIT_MS);

/** Longest duration accepted anywhere (one week): beyond it a number is a typo, not a plan. */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

/** A plain decimal number (`10`, `1.5`, `.5`), as JSON-Schema pattern text. */
export const DECIMAL_PATTERN = '(?:\\d+(?:\\.\\d+)?|\\.\\d+)';

/**
 * A duration's text (`500ms`, `10s`, `1.5m`, a bare number of ms), unanchored, as JSON-Schema pattern text: the
 * validator's regex and the scenario schema are both built from it. Units are case-insensitive, spelled out as
 * `[mM][sS]` because JSON-Schema patterns have no flags.
 */
export const DURATION_TEXT_PATTERN = `\\s*${DECIMAL_PATTERN}\\s*(?:${unitsPattern()})?\\s*`;

/** The same text as {@link DURATION_TEXT_PATTERN}, anchored, capturing the number and the unit. */
const DURATION_RE = new RegExp(`^\\s*(${DECIMAL_PATTERN})\\s*(${unitsPattern()})?\\s*$`);

function unitsPattern(): string {
  return DURATION_UNITS.map(anyCase).join('|');
}

/** `ms` → `[mM][sS]`: a case-insensitive word in a pattern that cannot carry the `i` flag. */
export function anyCase(word: string): string {
  return [...word].map((ch) => `[${ch}${ch.toUpperCase()}]`).join('');
}

const HINT = "use a number of milliseconds or a string such as '500ms', '10s', '1.5m' or '2h'";

/**
 * Parses a duration, returning whole milliseconds, or a Problem naming `field` when the value is not a valid
 * duration. Use `parseDurationMs` to throw instead.
 */
export function checkDurationMs(value: unknown, field: string): number | Problem {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { field, message: `${String(value)} is not a duration`, hint: HINT };
    ms = value;
  } else if (typeof value === 'string') {
    const m = DURATION_RE.exec(value);
    if (!m) return { field, message: `${quote(value)} is not a duration`, hint: HINT };
    ms = Number(m[1]) * UNIT_MS[(m[2] ?? 'ms').toLowerCase()];
  } else {
    return { field, message: `expected a duration, got ${describeType(value)}`, hint: HINT };
  }
  if (ms < 0) return { field, message: `must not be negative (got ${ms} ms)`, hint: HINT };
  if (ms > MAX_DURATION_MS) {
    return { field, message: `${quote(String(value))} is longer than the limit of one week`, hint: 'use a shorter duration, e.g. 60s' };
  }
  // Sub-millisecond remainders ('1.0005s') are rounded: the harness schedules phases in whole ms.
  return Math.round(ms);
}

/** Parses a duration into whole milliseconds; throws UsageError naming `field` with a hint when invalid. */
export function parseDurationMs(value: unknown, field: string): number {
  const r = checkDurationMs(value, field);
  if (typeof r === 'number') return r;
  throw new UsageError([r]);
}

/** Formats milliseconds back into the shortest exact duration string ('1500ms' → '1.5s', '120000' → '2m'). */
export function formatDurationMs(ms: number): string {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 100 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Names the JSON type of a value for error messages (null and arrays are told apart from objects). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'number' ? 'the number' : typeof value} ${safeString(value)}`;
}

/** Quotes user text for a message, cut short and with control characters escaped so garbage cannot mess up a terminal. */
export function quote(text: string): string {
  const cut = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return JSON.stringify(cut);
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '(unprintable)';
  }
}
