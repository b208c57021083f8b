/**
 * Skewed workloads, as pure maths: Zipf shares of channels, their exact apportionment into whole numbers (how many
 * subscribers a channel gets, how many slots of a publisher's channel cycle), and the channel cycle itself — a
 * precomputed sequence of channel positions a publisher walks through, one entry per message, so the per-message
 * path picks its channel with one typed-array read and allocates nothing.
 */

/** A parsed skew: 'uniform' (every channel alike) or Zipf with exponent `exponent` > 0. */
export type Skew = { kind: 'uniform' } | { kind: 'zipf'; exponent: number };

/** Largest Zipf exponent accepted: beyond it practically every message goes to channel 0. */
export const MAX_ZIPF_EXPONENT = 10;

/** What `parseSkew` returns for text it cannot read. */
export interface SkewProblem {
  message: string;
  hint: string;
}

const SKEW_HINT = `'uniform', or 'zipf:S' with S above 0 and at most ${MAX_ZIPF_EXPONENT} (share of channel k ∝ 1/(k+1)^S), e.g. zipf:1`;
const NUMBER_RE = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Reads 'uniform' or 'zipf:S' (any case, spaces around S allowed). */
export function parseSkew(value: unknown): Skew | SkewProblem {
  if (typeof value !== 'string') return { message: `expected 'uniform' or 'zipf:S', got ${typeof value}`, hint: SKEW_HINT };
  const text = value.trim().toLowerCase();
  if (text === 'uniform') return { kind: 'uniform' };
  const m = /^zipf:(.*)$/.exec(text);
  if (!m) return { message: `unknown skew ${JSON.stringify(value)}`, hint: SKEW_HINT };
  const s = m[1].trim();
  const exponent = NUMBER_RE.test(s) ? Number(s) : NaN;
  if (s === '') return { message: `${JSON.stringify(value)} has no exponent`, hint: SKEW_HINT };
  if (!(exponent > 0 && exponent <= MAX_ZIPF_EXPONENT)) {
    return { message: `exponent ${JSON.stringify(s)} is not a number above 0 and at most ${MAX_ZIPF_EXPONENT}`, hint: SKEW_HINT };
  }
  return { kind: 'zipf', exponent };
}

/** The canonical text of a skew ('uniform', 'zipf:1.2'): what a resolved scenario records. */
export function formatSkew(skew: Skew): string {
  return skew.kind === 'uniform' ? 'uniform' : `zipf:${skew.exponent}`;
}

/** Reads a resolved scenario's skew text; absent means uniform. Throws on text validation would have refused. */
export function skewOf(text: string | undefined): Skew {
  if (text === undefined) return { kind: 'uniform' };
  const skew = parseSkew(text);
  if ('message' in skew) throw new Error(`invalid skew ${JSON.stringify(text)}: ${skew.message}`);
  return skew;
}

/** Shares of `count` channels (summing to 1): channel k gets 1/(k+1)^S of the total, normalised; uniform: 1/count each. */
export function skewShares(skew: Skew, count: number): number[] {
  const weights = new Array<number>(count);
  let sum = 0;
  for (let k = 0; k < count; k++) {
    weights[k] = skew.kind === 'uniform' ? 1 : 1 / (k + 1) ** skew.exponent;
    sum += weights[k];
  }
  for (let k = 0; k < count; k++) weights[k] /= sum;
  return weights;
}

/**
 * Splits the whole number `total` over items in proportion to `weights` (any scale), each item at most `cap`:
 * items whose share would pass the cap get exactly the cap and the rest is shared out again over the others
 * (water-filling), then whole numbers by largest remainder (ties to the lower index), so the result adds up to
 * exactly `total`. Needs total ≤ cap × items.
 */
export function apportion(total: number, weights: readonly number[], cap = Infinity): number[] {
  const n = weights.length;
  if (!(total <= cap * n)) throw new RangeError(`cannot share ${total} over ${n} items of at most ${cap}`);
  const out = new Array<number>(n).fill(0);
  const capped = new Array<boolean>(n).fill(false);
  let left = total;
  // Water-filling: at most n rounds, each caps at least one more item or ends.
  for (;;) {
    let sum = 0;
    for (let k = 0; k < n; k++) if (!capped[k]) sum += weights[k];
    let newlyCapped = false;
    for (let k = 0; k < n; k++) {
      if (!capped[k] && sum > 0 && (left * weights[k]) / sum >= cap) {
        capped[k] = true;
        newlyCapped = true;
      }
    }
    if (!newlyCapped) break;
    left = total - cap * capped.filter(Boolean).length;
  }
  let sum = 0;
  for (let k = 0; k < n; k++) if (!capped[k]) sum += weights[k];
  const remainders: Array<[number, number]> = [];
  let given = 0;
  for (let k = 0; k < n; k++) {
    if (capped[k]) {
      out[k] = cap;
      continue;
    }
    const exact = sum > 0 ? (left * weights[k]) / sum : 0;
    out[k] = Math.floor(exact);
    given += out[k];
    remainders.push([exact - out[k], k]);
  }
  remainders.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  // Below the cap before rounding, so one more never passes it.
  for (let r = 0; given < left && r < remainders.length; r++, given++) out[remainders[r][1]]++;
  return out;
}

/** Longest channel cycle: 256 KiB of Uint32 per distinct cycle in a worker thread. */
export const MAX_CYCLE = 65_536;
/** A cycle aims at this many slots for the least popular channel, so rounding bends its share by 1 % at most. */
const SLOTS_FOR_LEAST = 50;

/**
 * The channel cycle for relative weights over a publisher's channel positions: entry j is the position (index into
 * the publisher's channel list) of its j-th message, repeating. Position p occurs exactly n_p times per cycle, n
 * apportioned from the weights over the cycle length, and its occurrences are spread evenly (stride scheduling:
 * occurrence r of p sits at the ideal time (r + ½) / n_p, ties to the lower position), so every stretch of the
 * cycle holds each position within about one of its share. Equal weights give 0, 1, 2, … (plain round-robin).
 *
 * Length: enough slots that the lightest position gets ~50 (its share then rounds by ≤ 1 %), at least one slot
 * per position, at most MAX_CYCLE; a position whose share is below ½ / MAX_CYCLE may get none.
 */
export function channelCycle(weights: readonly number[]): Uint32Array {
  const n = weights.length;
  if (n === 0) return new Uint32Array(0);
  let sum = 0;
  let least = Infinity;
  for (const w of weights) {
    sum += w;
    if (w > 0) least = Math.min(least, w);
  }
  if (weights.every((w) => w === weights[0])) return Uint32Array.from({ length: n }, (_, p) => p);
  const length = Math.min(MAX_CYCLE, Math.max(n, Math.ceil((SLOTS_FOR_LEAST * sum) / least)));
  const counts = apportion(length, weights);
  const slots: Array<[number, number]> = [];
  for (let p = 0; p < n; p++) for (let r = 0; r < counts[p]; r++) slots.push([(r + 0.5) / counts[p], p]);
  slots.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cycle = new Uint32Array(slots.length);
  for (let j = 0; j < slots.length; j++) cycle[j] = slots[j][1];
  return cycle;
}

/**
 * Where publisher `publisherId` of `publisherCount` starts in a cycle of `length`: spread evenly, so skewed
 * publishers do not all hit the hot channel at the same moment.
 */
export function cycleStart(publisherId: number, publisherCount: number, length: number): number {
  return length === 0 ? 0 : Math.floor((publisherId * length) / Math.max(1, publisherCount)) % length;
}
