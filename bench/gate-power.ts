/**
 * A gate's power, measured (issue 15: 3) — the pure part: judge a pair of run series with a gate rule, count false
 * alarms over A/A pairs and detections over A/B pairs, and print the table. The bench (gates.ts) only runs pairs.
 *
 * Every rule here is one-sided, like a CI gate: it flags a *regression* of a lower-is-better metric (B above A).
 * An improvement never fails a gate, so an A/A pair that happens to read lower on B is not a false alarm.
 */
import { mean, median, welchTTest } from '../src/metrics/stats.js';
import { bestRunRule } from '../src/metrics/best-run.js';

/**
 * How a gate judges B (the current runs) against A (the baseline runs):
 * - `welch`: the `--baseline` gate — the mean rose by more than `tolerance` (a share: 0.05 = 5%) *and* Welch's
 *   two-sided t-test calls the difference significant at `alpha`; with one run on a side, the tolerance alone.
 * - `mean`: the mean of B is above the mean of A by more than `tolerance` (a threshold relative to A, no test).
 * - `min`: the fastest run of B is slower than the fastest run of A by more than `tolerance`. Noise from a busy
 *   machine only ever adds time, so the minimum of a few runs sits near the true cost. This is the CLI's
 *   `--baseline-stat min` gate: both call `bestRunRule` (src/metrics/best-run.ts). `firstRuns`: judge only the first
 *   that many runs of each side (what a pair would have said without the runs added to confirm a best run).
 * - `median`: the median of B is above the median of A by more than `tolerance`.
 */
export type GateRule =
  | { kind: 'welch'; tolerance: number; alpha: number }
  | { kind: 'mean'; tolerance: number }
  | { kind: 'min'; tolerance: number; firstRuns?: number }
  | { kind: 'median'; tolerance: number };

/** The rule in words, as the table prints it. */
export function ruleText(rule: GateRule): string {
  const t = `${+(rule.tolerance * 100).toFixed(2)}%`;
  switch (rule.kind) {
    case 'welch': return `mean +${t} and Welch p < ${rule.alpha}`;
    case 'mean': return `mean +${t}`;
    case 'min': return rule.firstRuns === undefined ? `min +${t}` : `min +${t}, first ${rule.firstRuns} runs`;
    case 'median': return `median +${t}`;
  }
}

/** One pair's verdict: flagged as a regression, and the relative change the rule looked at (null: not measurable). */
export interface Judgement {
  flagged: boolean;
  change: number | null;
}

function relative(b: number, a: number): number | null {
  return a > 0 ? (b - a) / a : null;
}

/** Judges `b` against `a` (values of a lower-is-better metric, one per run; non-finite values left out). */
export function judgePair(rule: GateRule, a: readonly number[], b: readonly number[]): Judgement {
  const fa = a.filter(Number.isFinite);
  const fb = b.filter(Number.isFinite);
  if (fa.length === 0 || fb.length === 0) return { flagged: false, change: null };
  if (rule.kind === 'min') {
    // The shipped gate itself (no floor: these bench metrics are judged relative to A alone).
    const n = rule.firstRuns ?? Infinity;
    const j = bestRunRule(fb.slice(0, n), fa.slice(0, n), 'lower', rule.tolerance)!;
    return { flagged: j.regressed, change: j.change };
  }
  if (rule.kind === 'median') {
    const change = relative(median(fb)!, median(fa)!);
    return { flagged: change !== null && change > rule.tolerance, change };
  }
  const change = relative(mean(fb), mean(fa));
  if (change === null || !(change > rule.tolerance) || rule.kind === 'mean') return { flagged: change !== null && change > rule.tolerance, change };
  const test = welchTTest(fb, fa);
  return { flagged: test === null || test.p < rule.alpha, change };
}

/** Per-run values of each metric on both sides of one pair. `kind` says whether B carried the cost increase. */
export interface PairSeries {
  kind: 'AA' | 'AB';
  metrics: Record<string, { a: number[]; b: number[] }>;
}

/** A count out of a number of pairs, with its 95% Wilson interval (20 pairs and 0 alarms still allow up to 16%). */
export interface Rate {
  count: number;
  pairs: number;
  rate: number | null;
  low: number | null;
  high: number | null;
}

/** The share `count / pairs` with its 95% Wilson score interval. */
export function rateOf(count: number, pairs: number): Rate {
  if (pairs === 0) return { count, pairs, rate: null, low: null, high: null };
  const z = 1.959964;
  const p = count / pairs;
  const denom = 1 + (z * z) / pairs;
  const centre = (p + (z * z) / (2 * pairs)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / pairs + (z * z) / (4 * pairs * pairs))) / denom;
  return { count, pairs, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** One row of the power table: a metric under a rule. */
export interface PowerRow {
  metric: string;
  rule: GateRule;
  falseAlarms: Rate;
  detections: Rate;
  /** Mean over A/B pairs of the relative change the rule looks at (of the mean, min or median): the effect it saw. */
  effect: number | null;
  /** Mean over A/A pairs of the absolute relative change the rule looks at: the pair-to-pair noise. */
  aaNoise: number | null;
  /** The aim: detects in ≥ 95% of A/B pairs with ≤ 5% false alarms on A/A. */
  meetsAim: boolean | null;
}

/** Detection rate and false-alarm share that the aim asks of a gate. */
export const AIM = { detection: 0.95, falseAlarm: 0.05 } as const;

/** The changes the rule looked at over `pairs` (signed, or absolute), averaged; null when none was measurable. */
function meanChange(pairs: readonly PairSeries[], metric: string, rule: GateRule, abs: boolean): number | null {
  const changes = pairs
    .map((p) => judgePair(rule, p.metrics[metric].a, p.metrics[metric].b).change)
    .filter((c): c is number => c !== null && Number.isFinite(c));
  return changes.length === 0 ? null : mean(abs ? changes.map(Math.abs) : changes);
}

/** Applies every rule to every metric over all pairs: false alarms on A/A, detections on A/B. */
export function gatePower(pairs: readonly PairSeries[], metrics: readonly string[], rules: readonly GateRule[]): PowerRow[] {
  const rows: PowerRow[] = [];
  for (const metric of metrics) {
    const measured = pairs.filter((p) => p.metrics[metric] !== undefined && p.metrics[metric].a.length > 0 && p.metrics[metric].b.length > 0);
    const aa = measured.filter((p) => p.kind === 'AA');
    const ab = measured.filter((p) => p.kind === 'AB');
    for (const rule of rules) {
      const flagged = (list: PairSeries[]): number => list.filter((p) => judgePair(rule, p.metrics[metric].a, p.metrics[metric].b).flagged).length;
      const falseAlarms = rateOf(flagged(aa), aa.length);
      const detections = rateOf(flagged(ab), ab.length);
      const meetsAim = falseAlarms.rate === null || detections.rate === null
        ? null
        : detections.rate >= AIM.detection && falseAlarms.rate <= AIM.falseAlarm;
      rows.push({ metric, rule, falseAlarms, detections, effect: meanChange(ab, metric, rule, false), aaNoise: meanChange(aa, metric, rule, true), meetsAim });
    }
  }
  return rows;
}

const pct = (v: number | null, digits = 0): string => (v === null ? '–' : `${(v * 100).toFixed(digits)}%`);
const signed = (v: number | null): string => (v === null ? '–' : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`);
const rateText = (r: Rate): string => (r.rate === null ? '–' : `${pct(r.rate)} (${r.count}/${r.pairs}; 95% CI ${pct(r.low)}–${pct(r.high)})`);

/** The power table in Markdown: metric, rule, false alarms on A/A, detections on A/B, effect and noise, aim met. */
export function powerTable(rows: readonly PowerRow[]): string {
  const lines = [
    '| metric | gate rule | false alarms on A/A | detections on A/B | change on A/B (avg) | change on A/A (avg abs) | aim |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const aim = r.meetsAim === null ? '–' : r.meetsAim ? 'met' : 'missed';
    lines.push(`| \`${r.metric}\` | ${ruleText(r.rule)} | ${rateText(r.falseAlarms)} | ${rateText(r.detections)} | ${signed(r.effect)} | ${pct(r.aaNoise, 1)} | ${aim} |`);
  }
  return lines.join('\n');
}
