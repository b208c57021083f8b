/**
 * The small toolkit validation is built from: a collector of Problems that reads untrusted values without ever
 * throwing, and "did you mean" suggestions for unknown keys and enum values.
 */
import type { Problem } from '../core/errors.js';
import { describeType, quote } from './duration.js';
import type { IntField, StringField } from './fields.js';

/** Most problems listed in one error; the rest are counted, so a garbage file cannot print megabytes. */
export const MAX_PROBLEMS = 50;

/** Where keys that are misplaced usually belong, for hints. */
export const KEY_HOME: Record<string, string> = {
  rate: 'publishers', messageBytes: 'publishers', mode: 'publishers', batch: 'publishers', maxInFlight: 'publishers',
  naming: 'channels', sharded: 'channels', patterns: 'each entry of subscribers', warmup: 'the top level',
  duration: 'the top level', drainTimeout: 'the top level', seed: 'the top level', client: 'the top level',
  transport: 'the top level', streamMaxLen: 'the top level',
};

/** A plain object read from JSON/YAML (prototype Object.prototype or null). */
export type PlainRecord = Record<string, unknown>;

/** True for plain data objects; false for null, arrays, Buffers, Maps, Dates and class instances. */
export function isPlainRecord(value: unknown): value is PlainRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Own property only: `constructor`, `__proto__` or `toString` never come from the prototype chain. */
export function own(record: PlainRecord, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Edit distance between two short strings (insert, delete, substitute, swap of neighbours each cost 1). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[i].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[a.length][b.length];
}

/** The closest candidate to `input`, if one is close enough to be a likely typo. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  if (input.length > 64) return undefined;
  const lower = input.toLowerCase().replace(/[-_]/g, '');
  // An abbreviation ('pipe' for 'pipeline') is as likely as a typo.
  const prefixed = lower.length >= 2 ? candidates.find((c) => c.toLowerCase().startsWith(lower)) : undefined;
  if (prefixed) return prefixed;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase().replace(/[-_]/g, ''));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(input.length / 3)) ? best : undefined;
}

/**
 * Collects problems. Field paths are canonical (`publishers.rate`, `subscribers[0].count`); `rename` maps paths
 * whose value came from a flag to that flag (`--rate`), so the message names what the user typed.
 */
export class Checker {
  readonly problems: Problem[] = [];
  constructor(private readonly rename: Readonly<Record<string, string>> = {}) {}

  /** Adds a problem for `field`. */
  add(field: string, message: string, hint?: string): void {
    const shown = Object.prototype.hasOwnProperty.call(this.rename, field) ? this.rename[field] : field;
    this.problems.push(hint ? { field: shown, message, hint } : { field: shown, message });
  }

  /** A plain object, or undefined with a problem. */
  record(value: unknown, field: string, hint: string): PlainRecord | undefined {
    if (isPlainRecord(value)) return value;
    this.add(field, `expected an object, got ${describeType(value)}`, hint);
    return undefined;
  }

  /** Reports every own key of `record` that is not in `allowed`, with a suggestion. */
  unknownKeys(record: PlainRecord, prefix: string, allowed: readonly string[], elsewhere: Record<string, string> = {}): void {
    for (const key of Object.keys(record)) {
      if (allowed.includes(key)) continue;
      const shownKey = key.length > 40 ? quote(key) : key;
      const suggestion = closest(key, allowed);
      const home = Object.prototype.hasOwnProperty.call(elsewhere, key) ? elsewhere[key] : undefined;
      const hint = suggestion
        ? `did you mean '${suggestion}'?`
        : home
          ? `'${key}' belongs in ${home}`
          : `allowed keys here: ${allowed.join(', ')}`;
      this.add(prefix ? `${prefix}.${shownKey}` : shownKey, 'unknown key', hint);
    }
  }

  /** An integer in [min, max], or undefined with a problem. */
  int(value: unknown, field: string, min: number, max: number, hint?: string): number | undefined {
    const n = this.num(value, field, min, max, hint);
    if (n === undefined) return undefined;
    if (!Number.isInteger(n)) {
      this.add(field, `must be a whole number, got ${n}`, hint ?? `use ${Math.max(min, Math.round(n))}`);
      return undefined;
    }
    return n;
  }

  /** An integer within the range of `spec` (its max lowered to `max` when given), with its hint. */
  intField(value: unknown, field: string, spec: IntField, max = spec.max): number | undefined {
    return this.int(value, field, spec.min, max, spec.hint);
  }

  /** A string within the length of `spec`, with its hint (its pattern is checked by the caller, which has the words for it). */
  strField(value: unknown, field: string, spec: StringField): string | undefined {
    return this.str(value, field, spec.maxChars, spec.hint);
  }

  /** A finite number in [min, max], or undefined with a problem. */
  num(value: unknown, field: string, min: number, max: number, hint?: string): number | undefined {
    if (typeof value !== 'number') {
      const quoted = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value);
      this.add(field, `expected a number, got ${describeType(value)}`, quoted ? 'write the number without quotes' : (hint ?? `e.g. ${min === 0 ? 1 : min}`));
      return undefined;
    }
    if (!Number.isFinite(value)) {
      this.add(field, `expected a finite number, got ${value}`, hint ?? `use a number from ${min} to ${max}`);
      return undefined;
    }
    if (value < min || value > max) {
      this.add(field, `${value} is out of range: must be between ${min} and ${max}`, hint ?? `use a number from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  /** A string of 1..maxChars characters, or undefined with a problem. */
  str(value: unknown, field: string, maxChars: number, hint?: string): string | undefined {
    if (typeof value !== 'string') {
      this.add(field, `expected a string, got ${describeType(value)}`, hint ?? 'put the text in quotes');
      return undefined;
    }
    if (value.length === 0 || value.length > maxChars) {
      this.add(field, `must be 1 to ${maxChars} characters long (got ${value.length})`, hint ?? 'shorten it');
      return undefined;
    }
    return value;
  }

  /** A boolean, or undefined with a problem. */
  bool(value: unknown, field: string): boolean | undefined {
    if (typeof value === 'boolean') return value;
    this.add(field, `expected true or false, got ${describeType(value)}`, 'write true or false without quotes');
    return undefined;
  }

  /**
   * One of `options` (strings), or undefined with a problem that suggests the closest one; `hint` (what each option
   * means) replaces the bare list when nothing is close.
   */
  oneOf<T extends string>(value: unknown, field: string, options: readonly T[], hint?: string): T | undefined {
    if (typeof value === 'string' && (options as readonly string[]).includes(value)) return value as T;
    const near = typeof value === 'string' ? closest(value, options) : undefined;
    const list = options.map((o) => `'${o}'`).join(', ');
    this.add(field, `expected one of ${list}, got ${describeType(value)}`, near ? `did you mean '${near}'?` : (hint ?? `use one of ${list}`));
    return undefined;
  }
}
