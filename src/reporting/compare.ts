/**
 * Comparing runs: each metric, each run's value, the difference from the first run and whether it is better or
 * worse. Lower latency, loss and errors are better; higher rates are better. Rendered for the terminal here and as
 * HTML in html/compare.ts.
 */
import { UsageError, type RunResult } from '../core/index.js';
import { scenarioKey } from '../metrics/baseline.js';
import { describeScenario, describeTarget } from './describe.js';
import { NONE, formatCount, formatLatencyUs, formatPercent, formatRate, formatShare } from './format.js';

export { DEFAULT_WIDTH, formatComparison, type ComparisonFormat } from './compare-table.js';
export { deriveLabels } from './compare-labels.js';
export { significanceNote, winnerLines, type WinnerLine } from './compare-winners.js';

/** How a metric's values are shown. */
export type MetricUnit = 'latencyUs' | 'rate' | 'count' | 'share';

/** Which direction is an improvement. 'none' for context figures (offered rate, CPU). */
export type Direction = 'lower' | 'higher' | 'none';

/** Outcome of one run's value against the first run's. */
export type Change = 'better' | 'worse' | 'same' | 'n/a';

/** Relative differences smaller than this are called 'same' (run-to-run noise, not a finding). */
export const SAME_WITHIN = 0.01;

/** One compared metric. */
export interface MetricComparison {
  /** Stable key, e.g. `latency.endToEnd.p99`. */
  key: string;
  /** Human label, e.g. "e2e p99 (corrected)". */
  label: string;
  unit: MetricUnit;
  direction: Direction;
  /** Value per run (null when the run has none, e.g. no target rate or no samples). */
  values: Array<number | null>;
  /** value − first value, per run (null when either is null; 0 for the first run). */
  deltas: Array<number | null>;
  /** delta / first value, per run (null when undefined: a null or a zero first value). */
  relative: Array<number | null>;
  /** Better / worse than the first run, per run ('same' for the first run itself). */
  changes: Change[];
}

/** A comparison of two or more runs. */
export interface Comparison {
  /** One label per run (file names or --label), unique. */
  labels: string[];
  /**
   * The label each run was given before it was made unique: runs sharing one are repeats of one thing, and the
   * winner lines compare their means (with a t-test). Equal to `labels` when there were no repeats.
   */
  groups: string[];
  /** One line describing each run's scenario. */
  descriptions: string[];
  metrics: MetricComparison[];
  /** What makes the runs less comparable: different scenarios, targets or harness versions (see comparabilityWarnings). */
  warnings: string[];
}

type Extract = (r: RunResult) => number | null;

const latency = (name: 'endToEnd' | 'endToEndUncorrected' | 'publish', p: 'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean'): Extract =>
  (r) => (r.summary.latencyUs[name].count > 0 ? r.summary.latencyUs[name][p] : null);

/** The metrics compared, in display order. */
const METRICS: Array<{ key: string; label: string; unit: MetricUnit; direction: Direction; get: Extract }> = [
  { key: 'publishRate', label: 'published /s', unit: 'rate', direction: 'higher', get: (r) => r.summary.publishRate },
  { key: 'targetRate', label: 'target /s', unit: 'rate', direction: 'none', get: (r) => r.summary.targetRate },
  { key: 'deliveryRate', label: 'delivered /s', unit: 'rate', direction: 'higher', get: (r) => r.summary.deliveryRate },
  { key: 'lostShare', label: 'lost (share)', unit: 'share', direction: 'lower',
    get: (r) => (r.summary.expectedDeliveries > 0 ? r.summary.lost / r.summary.expectedDeliveries : null) },
  { key: 'lost', label: 'lost', unit: 'count', direction: 'lower', get: (r) => r.summary.lost },
  { key: 'duplicates', label: 'duplicates', unit: 'count', direction: 'lower', get: (r) => r.summary.duplicates },
  { key: 'reordered', label: 'reordered', unit: 'count', direction: 'lower', get: (r) => r.summary.reordered },
  { key: 'gaps', label: 'gaps', unit: 'count', direction: 'lower', get: (r) => r.summary.gaps },
  { key: 'publishErrors', label: 'publish errors', unit: 'count', direction: 'lower', get: (r) => r.summary.publishErrors },
  { key: 'lateSends', label: 'late sends', unit: 'count', direction: 'lower', get: (r) => r.summary.lateSends },
  { key: 'disconnects', label: 'disconnects', unit: 'count', direction: 'lower', get: (r) => r.summary.disconnects },
  ...(['p50', 'p90', 'p99', 'p999', 'max', 'mean'] as const).map((p) => ({
    key: `latency.endToEnd.${p}`, label: `e2e ${p === 'p999' ? 'p99.9' : p}`, unit: 'latencyUs' as const,
    direction: 'lower' as const, get: latency('endToEnd', p),
  })),
  ...(['p50', 'p99', 'p999'] as const).map((p) => ({
    key: `latency.endToEndUncorrected.${p}`, label: `e2e uncorrected ${p === 'p999' ? 'p99.9' : p}`, unit: 'latencyUs' as const,
    direction: 'lower' as const, get: latency('endToEndUncorrected', p),
  })),
  ...(['p50', 'p99', 'p999'] as const).map((p) => ({
    key: `latency.publish.${p}`, label: `publish ${p === 'p999' ? 'p99.9' : p}`, unit: 'latencyUs' as const,
    direction: 'lower' as const, get: latency('publish', p),
  })),
  { key: 'health.maxEventLoopUtilization', label: 'harness event loop', unit: 'share', direction: 'none',
    get: (r) => r.health.maxEventLoopUtilization },
];

function changeOf(direction: Direction, first: number | null, value: number | null): Change {
  if (first === null || value === null || direction === 'none') return 'n/a';
  if (value === first) return 'same';
  const scale = Math.max(Math.abs(first), Math.abs(value));
  if (Math.abs(value - first) / scale < SAME_WITHIN) return 'same';
  return (value < first) === (direction === 'lower') ? 'better' : 'worse';
}

/** Options of a comparison. */
export interface ComparisonOptions {
  /** The scenarios differ on purpose (the variants of a matrix): no warning about that. */
  scenariosVary?: boolean;
  /** One label per run before they were made unique (see Comparison.groups); default: the labels. */
  groups?: string[];
}

/** Compares runs metric by metric against the first. Needs at least two runs and one label per run. */
export function compareResults(results: RunResult[], labels: string[], opts: ComparisonOptions = {}): Comparison {
  if (results.length < 2) {
    throw new UsageError([{ field: 'results', message: `got ${results.length} result file(s), a comparison needs at least 2`,
      hint: 'pubsub-bench compare A/result.json B/result.json' }], 'Cannot compare');
  }
  if (labels.length !== results.length) {
    throw new UsageError([{ field: '--label', message: `${labels.length} labels for ${results.length} results`,
      hint: 'give one label per result file, or none' }], 'Cannot compare');
  }
  const metrics = METRICS.map((m) => {
    const values = results.map((r) => {
      const v = m.get(r);
      return v === null || !Number.isFinite(v) ? null : v;
    });
    const first = values[0];
    return {
      key: m.key, label: m.label, unit: m.unit, direction: m.direction, values,
      deltas: values.map((v) => (v === null || first === null ? null : v - first)),
      relative: values.map((v) => (v === null || first === null || first === 0 ? null : (v - first) / first)),
      changes: values.map((v) => changeOf(m.direction, first, v)),
    };
  });
  const groups = opts.groups?.length === labels.length ? opts.groups : labels;
  return { labels, groups, descriptions: results.map((r) => describeScenario(r.scenario, r.resp)), metrics, warnings: comparabilityWarnings(results, labels, opts) };
}

/**
 * Plain sentences on what differs between the runs besides the thing being compared: the scenario (load, fleet,
 * timing; the seed aside), the target (kind, address, TLS, Redis version; a throwaway local server by kind and
 * version only, since its port is new every run) and the harness version. Each names the runs that differ from the
 * first. Comparing unlike runs can be the point (await vs pipeline); the warning keeps it from passing unnoticed.
 */
export function comparabilityWarnings(results: RunResult[], labels: string[], opts: ComparisonOptions = {}): string[] {
  const targetKey = (r: RunResult): string => {
    const t = r.target;
    const version = t.redisVersion ?? r.versions.redis;
    return JSON.stringify(t.local ? { kind: t.kind, local: true, tls: t.tls, version } : { kind: t.kind, urls: t.urls, tls: t.tls, version });
  };
  const differing = (key: (r: RunResult) => string): number[] =>
    results.flatMap((r, i) => (i > 0 && key(r) !== key(results[0]) ? [i] : []));
  const names = (runs: number[]): string => runs.map((i) => labels[i]).join(', ');
  const target = (i: number): string => `${labels[i]}: ${describeTarget(results[i].target, results[i].versions.redis)}`;
  const first = labels[0];
  const out: string[] = [];
  const scenarios = opts.scenariosVary ? [] : differing((r) => scenarioKey(r.scenario));
  if (scenarios.length > 0) {
    out.push(`The runs do not share one scenario: ${names(scenarios)} differ(s) from ${first} in load, fleet or timing, so differences may come from that, not from Redis or the code.`);
  }
  const targets = differing(targetKey);
  if (targets.length > 0) {
    out.push(`The runs did not load the same target (${[0, ...targets].map(target).join('; ')}): differences may come from the server, not the code.`);
  }
  const harness = differing((r) => r.versions.harness);
  if (harness.length > 0) {
    out.push(`The runs were made by different pubsub-bench versions (${[0, ...harness].map((i) => `${labels[i]}: ${results[i].versions.harness}`).join('; ')}): a change of the harness can move the numbers.`);
  }
  return out;
}

/** Run labels from result file paths: `reports/run-a/result.json` → `run-a`, `x/pipe.json` → `pipe`. */
export function labelsFromPaths(paths: string[]): string[] {
  return paths.map((p) => p.replace(/\\/g, '/').replace(/\/result\.json$/i, '').replace(/\.json$/i, '').split('/').filter(Boolean).at(-1) ?? p);
}

/** Labels made unique by numbering repeats (`run-a #1`, `run-a #4`): two runs under one name would draw as one series. */
export function uniqueLabels(labels: string[]): string[] {
  return labels.map((l, i) => (labels.indexOf(l) === i && labels.lastIndexOf(l) === i ? l : `${l} #${i + 1}`));
}

/** Formats a metric value in its unit. */
export function formatMetric(unit: MetricUnit, v: number | null): string {
  if (v === null) return NONE;
  if (unit === 'latencyUs') return formatLatencyUs(v);
  if (unit === 'rate') return formatRate(v);
  if (unit === 'share') return v > 0 && v < 0.01 ? formatPercent(v, 1) : formatShare(v);
  return formatCount(v);
}

/** "+12% worse", "−35% better", "same", "+3 worse" (counts from zero have no percentage). */
export function formatChange(m: MetricComparison, i: number): string {
  const change = m.changes[i];
  if (change === 'same') return 'same';
  const rel = m.relative[i];
  const delta = m.deltas[i];
  if (delta === null) return NONE;
  if (delta === 0) return 'same';
  const sign = delta > 0 ? '+' : '−';
  // Shares (loss) change in percentage points: 0.5% → 1% is "+0.5 pp", not "+100%".
  const amount = m.unit === 'share' ? `${sign}${Number((Math.abs(delta) * 100).toPrecision(2))} pp` : rel !== null ? `${sign}${formatShare(Math.abs(rel))}` : `${sign}${formatMetric(m.unit, Math.abs(delta))}`;
  return change === 'n/a' ? amount : `${amount} ${change}`;
}
