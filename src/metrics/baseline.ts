/**
 * Baselines: do N current runs regress against M baseline runs?
 *
 * Machines are noisy, so a change counts as a regression only when it is both beyond the tolerance
 * (`--max-regression 10%`, per metric `e2e.p99=20%`) and statistically significant (Welch's t-test, p < 0.05). With a
 * single run on either side there is no variance to test against: the tolerance alone decides, and the check is
 * flagged inconclusive, because one run cannot tell noise from change. With `--baseline-stat min` the best run of
 * each side is compared instead (best-run.ts): no test, the tolerance alone, for metrics whose noise only ever worsens.
 */
import { UsageError, type Problem } from '../core/errors.js';
import type { BaselineCheck, BaselineComparison, NoiseReport, RunSummary } from '../core/result.js';
import type { Scenario } from '../core/scenario.js';
import { mean, welchTTest } from './stats.js';
import { minDetectableChange, noiseReport, type NoiseMetricDef } from './noise.js';
import { METRICS } from './thresholds.js';
import { bestRunConfirmed, bestRunRule, CONFIRM_SHARE, type BaselineStat } from './best-run.js';

/** Significance level of the t-test. */
export const ALPHA = 0.05;
/** Tolerance when `--max-regression` is not given. */
export const DEFAULT_MAX_REGRESSION = 0.1;

/**
 * The key metrics compared, which way is better, and the smallest baseline value a change is measured against:
 * without that floor, a baseline with no loss would turn one lost message into an infinite regression (0.01% here).
 */
export const BASELINE_METRICS: ReadonlyArray<{ metric: string; better: 'lower' | 'higher'; floor: number }> = [
  { metric: 'e2e.p50', better: 'lower', floor: 1 },
  { metric: 'e2e.p99', better: 'lower', floor: 1 },
  { metric: 'e2e.p999', better: 'lower', floor: 1 },
  { metric: 'publish.p99', better: 'lower', floor: 1 },
  { metric: 'publishRate', better: 'higher', floor: 1 },
  { metric: 'deliveryRate', better: 'higher', floor: 1 },
  { metric: 'lostRatio', better: 'lower', floor: 1e-4 },
  // Server cost (summary.serverCost): what client noise cannot move; skipped when a side could not read the server.
  { metric: 'server.cpuUsPerPublish', better: 'lower', floor: 0.01 },
  { metric: 'server.cpuUsPerDelivery', better: 'lower', floor: 0.01 },
  { metric: 'server.usPerPublish', better: 'lower', floor: 0.01 },
  { metric: 'server.bytesPerDelivery', better: 'lower', floor: 1 },
];

/** Tolerances: a default and per-metric overrides, as shares (0.1 = 10%). */
export interface RegressionTolerance {
  defaultShare: number;
  perMetric: Record<string, number>;
}

/** What a baseline comparison reads from a run (a RunResult fits). */
export interface ComparableRun {
  runId: string;
  summary: RunSummary;
  scenario?: Scenario;
  interrupted?: boolean;
}

const PERCENT_RE = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%\s*$/;

/**
 * Parses `--max-regression` values: `10%` sets the default, `e2e.p99=20%` one metric; values may also be
 * comma-separated (`10%,lostRatio=50%`). Throws UsageError (exit 2) listing every bad item.
 */
export function parseMaxRegression(values: string | string[] | undefined, field = '--max-regression'): RegressionTolerance {
  const out: RegressionTolerance = { defaultShare: DEFAULT_MAX_REGRESSION, perMetric: {} };
  const problems: Problem[] = [];
  const known = BASELINE_METRICS.map((m) => m.metric);
  const items = (values === undefined ? [] : Array.isArray(values) ? values : [values]).flatMap((v) => String(v).split(','));
  for (const item of items) {
    const eq = item.indexOf('=');
    const name = eq >= 0 ? item.slice(0, eq).trim() : null;
    const m = PERCENT_RE.exec(eq >= 0 ? item.slice(eq + 1) : item);
    if (!m) {
      problems.push({ field, message: `${JSON.stringify(item.trim())} is not a percentage`, hint: 'write e.g. 10% or e2e.p99=20%' });
    } else if (name !== null && !known.includes(name)) {
      problems.push({ field, message: `${JSON.stringify(name)} is not a compared metric`, hint: `compared metrics: ${known.join(', ')}` });
    } else if (name === null) {
      out.defaultShare = Number(m[1]) / 100;
    } else {
      out.perMetric[name] = Number(m[1]) / 100;
    }
  }
  if (problems.length > 0) throw new UsageError(problems, 'Invalid --max-regression');
  return out;
}

function percent(share: number): string {
  return `${share >= 0 ? '+' : ''}${(share * 100).toFixed(1)}%`;
}

/** The metric's value in each run that measured it (runs where it could not be measured are left out). */
function measuredValues(metric: string, runs: ReadonlyArray<{ summary: RunSummary }>): number[] {
  const read = METRICS.get(metric)!;
  return runs.map((r) => read.read(r.summary)).filter((v): v is number => v !== null && Number.isFinite(v));
}

/** Compares one metric over the two sets of runs. */
function checkMetric(
  def: (typeof BASELINE_METRICS)[number], current: readonly ComparableRun[], baseline: readonly ComparableRun[], tolerance: number, alpha: number,
  stat: BaselineStat,
): BaselineCheck {
  const read = METRICS.get(def.metric)!;
  const currentValues = measuredValues(def.metric, current);
  const baselineValues = measuredValues(def.metric, baseline);
  const statistic = stat === 'mean' ? 'mean' as const : def.better === 'lower' ? 'min' as const : 'max' as const;
  const base = { metric: def.metric, unit: read.unit, better: def.better, statistic, currentValues, baselineValues, tolerance };
  if (currentValues.length === 0 || baselineValues.length === 0) {
    return {
      ...base, currentMean: null, baselineMean: null, change: null, pValue: null, verdict: 'skipped', inconclusive: true, passed: true,
      note: `${def.metric} could not be measured in ${currentValues.length === 0 ? 'the current' : 'the baseline'} runs: not compared.`,
    };
  }
  const currentMean = mean(currentValues);
  const baselineMean = mean(baselineValues);
  if (stat === 'min') return checkBestRun(def, { ...base, currentMean, baselineMean });
  const change = (currentMean - baselineMean) / Math.max(Math.abs(baselineMean), def.floor);
  const worseBy = def.better === 'lower' ? change : -change;
  const test = welchTTest(currentValues, baselineValues);
  const pValue = test ? test.p : null;
  const inconclusive = test === null;
  const significant = test !== null && test.p < alpha;
  const beyond = Math.abs(worseBy) > tolerance;
  const mdc = minDetectableChange(baselineValues, currentValues, { alpha, floor: def.floor });
  const mdcValue = mdc.value;
  const pText = pValue === null ? '' : `, p = ${pValue.toPrecision(2)}`;
  const noiseText = mdcValue === undefined ? '' : Math.abs(change) > mdcValue
    ? ` — beyond noise (MDC ${(mdcValue * 100).toFixed(1)}%)`
    : ` — within noise (MDC ${(mdcValue * 100).toFixed(1)}%)`;
  const changeText = `${def.metric} ${percent(change)} (${def.better} is better; tolerance ${(tolerance * 100).toFixed(0)}%${pText})${noiseText}`;
  let verdict: BaselineCheck['verdict'];
  let note: string;
  if (!beyond) {
    verdict = 'within-tolerance';
    note = `${changeText}: within tolerance.`;
  } else if (inconclusive || significant) {
    verdict = worseBy > 0 ? 'regression' : 'improvement';
    note = `${changeText}: ${verdict}` + (inconclusive ? ' judged by the tolerance alone: one run cannot tell noise from change.' : ', statistically significant.');
  } else {
    verdict = 'not-significant';
    note = `${changeText}: beyond the tolerance but not significant at p < ${alpha}; more runs (--repeat) would tell.`;
  }
  return {
    ...base, currentMean, baselineMean, change, pValue, verdict, inconclusive, passed: verdict !== 'regression', note,
    ...(mdcValue === undefined ? {} : { mdc: mdcValue }),
  };
}

type CheckBase = Omit<BaselineCheck, 'change' | 'pValue' | 'verdict' | 'inconclusive' | 'passed' | 'note' | 'mdc'>;

/** `--baseline-stat min`: the best run of each side against the tolerance; no p-value, no MDC (both are of means). */
function checkBestRun(def: (typeof BASELINE_METRICS)[number], base: CheckBase): BaselineCheck {
  const j = bestRunRule(base.currentValues, base.baselineValues, def.better, base.tolerance, def.floor)!;
  const worseBy = j.worseBy ?? 0;
  const verdict: BaselineCheck['verdict'] = Math.abs(worseBy) <= base.tolerance ? 'within-tolerance' : worseBy > 0 ? 'regression' : 'improvement';
  const inconclusive = base.currentValues.length < 2 || base.baselineValues.length < 2;
  const compared = `${def.metric} ${j.statistic} of ${base.currentValues.length} current run(s) ${j.current.toPrecision(4)} vs ` +
    `${j.statistic} of ${base.baselineValues.length} baseline run(s) ${j.baseline.toPrecision(4)}: ${percent(j.change ?? 0)} ` +
    `(${def.better} is better; tolerance ${(base.tolerance * 100).toFixed(0)}%, best run of each side, no significance test)`;
  const open = [j.confirmed.current ? '' : 'current', j.confirmed.baseline ? '' : 'baseline'].filter(Boolean);
  const confirmation = open.length === 0
    ? ` Both best runs are confirmed by a second run within ${CONFIRM_SHARE * 100}%.`
    : ` The ${open.join(' and ')} side's best run is not confirmed by a second run within ${CONFIRM_SHARE * 100}%: it may be a lucky run, or the others disturbed` +
      (open.includes('current') ? ' (--repeat-max runs more until it is).' : ' (give more --baseline files).');
  const note = `${compared}: ${verdict}` + (inconclusive && verdict !== 'within-tolerance' ? '; a single run on a side may itself be disturbed.' : '.') + confirmation;
  return { ...base, change: j.change, pValue: null, verdict, inconclusive, passed: verdict !== 'regression', note, confirmed: j.confirmed };
}

/**
 * The metrics `--repeat-max` waits on: those given a tolerance of their own in `--max-regression` (the ones a gate
 * is tuned for), or every compared metric when none is named.
 */
export function metricsToConfirm(tolerance: RegressionTolerance): string[] {
  const named = Object.keys(tolerance.perMetric);
  return named.length > 0 ? named : BASELINE_METRICS.map((d) => d.metric);
}

/**
 * Of `metrics`, those whose best run over `runs` is not yet confirmed (bestRunConfirmed); a metric no run could
 * measure is left out (more runs would not measure it either).
 */
export function unconfirmedMetrics(runs: ReadonlyArray<{ summary: RunSummary }>, metrics: readonly string[]): string[] {
  return metrics.filter((name) => {
    const def = BASELINE_METRICS.find((d) => d.metric === name);
    if (def === undefined) return false;
    const values = measuredValues(name, runs);
    return values.length > 0 && !bestRunConfirmed(values, def.better, CONFIRM_SHARE, def.floor);
  });
}

/** Scenario fields that make two runs comparable (the seed may differ between repeats); `compare` uses it too. */
export function scenarioKey(s: Scenario | undefined): string {
  return s === undefined ? '' : JSON.stringify({ ...s, seed: 0, description: '' });
}

/**
 * Compares the key metrics of `current` runs (e.g. `--repeat N`) with `baseline` runs (the `--baseline` files).
 * Throws RangeError when a side is empty: the caller must have loaded at least one run each.
 */
export function compareWithBaseline(
  current: readonly ComparableRun[], baseline: readonly ComparableRun[], tolerance: RegressionTolerance = parseMaxRegression(undefined), alpha = ALPHA,
  stat: BaselineStat = 'mean',
): BaselineComparison {
  if (current.length === 0 || baseline.length === 0) throw new RangeError('compareWithBaseline needs at least one run on each side');
  const checks = BASELINE_METRICS.map((def) => checkMetric(def, current, baseline, tolerance.perMetric[def.metric] ?? tolerance.defaultShare, alpha, stat));
  const inconclusive = current.length < 2 || baseline.length < 2;
  const warnings: string[] = [];
  if (inconclusive && stat === 'min') {
    warnings.push(
      `${current.length} current and ${baseline.length} baseline run(s): the best-run rule (--baseline-stat min) needs one undisturbed run ` +
        'on each side, and a single run may itself be disturbed. Use --repeat 4 or more, and as many --baseline files.',
    );
  } else if (inconclusive) {
    warnings.push(
      `${current.length} current and ${baseline.length} baseline run(s): with a single run on a side, noise cannot be told from change, ` +
        'so each metric is judged by the tolerance alone. Use --repeat 3 or more, and several --baseline files, for a significance test.',
    );
  }
  const keys = new Set([...current, ...baseline].map((r) => scenarioKey(r.scenario)));
  if (keys.size > 1) warnings.push('The runs do not share one scenario (load, fleet or timing differ): differences may come from that, not from a regression.');
  const interrupted = [...current, ...baseline].filter((r) => r.interrupted).map((r) => r.runId);
  if (interrupted.length > 0) warnings.push(`Interrupted runs are included: ${interrupted.join(', ')}.`);
  return {
    currentRuns: current.length, baselineRuns: baseline.length, alpha, stat, checks,
    regressed: checks.some((c) => c.verdict === 'regression'), inconclusive, warnings,
  };
}

/**
 * The metrics whose noise a `--repeat` series reports: the compared ones, then every `server.*` metric of the
 * catalogue (left out of the report when the runs did not measure them).
 */
export function noiseMetrics(): NoiseMetricDef[] {
  const compared = BASELINE_METRICS.map((def) => {
    const m = METRICS.get(def.metric)!;
    return { metric: def.metric, unit: m.unit, floor: def.floor, read: m.read };
  });
  const known = new Set(compared.map((d) => d.metric));
  const server = [...METRICS.values()]
    .filter((m) => m.name.startsWith('server.') && !known.has(m.name))
    .map((m) => ({ metric: m.name, unit: m.unit, floor: 0, read: m.read }));
  return [...compared, ...server];
}

/** The noise of a series of runs (`--repeat N`): spread and minimum detectable change per key metric. */
export function seriesNoise(runs: ReadonlyArray<{ summary: RunSummary }>, alpha = ALPHA): NoiseReport {
  return noiseReport(runs, noiseMetrics(), alpha);
}
