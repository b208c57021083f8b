/**
 * Thresholds: pass/fail rules on a run's measure-phase summary, written as `metric operator value`
 * (`e2e.p99 < 5ms`, `lost == 0`, `deliveryRate >= 50000`, `lostRatio < 0.1%`). A run with a failing threshold exits
 * 99 (k6's convention). Parsing reports every bad expression at once and names the metrics that exist.
 */
import { UsageError, type Problem } from '../core/errors.js';
import type { LatencySummaryUs, RunSummary, Threshold, ThresholdOperator, ThresholdOutcome, ThresholdUnit } from '../core/result.js';

export type { Threshold, ThresholdOperator } from '../core/result.js';

/**
 * When a metric may be judged before the run ends (early abort):
 * - any: its running value is meaningful once the grace delay has passed (percentiles, rates);
 * - upper-bound: it only grows, so an upper bound (`< <= ==`) broken mid-run stays broken (counts, max latency);
 * - never: it is only known after the drain (loss: messages in flight are not lost yet).
 */
export type EarlyJudgement = 'any' | 'upper-bound' | 'never';

/** One metric a threshold can name. */
export interface MetricDef {
  name: string;
  unit: ThresholdUnit;
  early: EarlyJudgement;
  /** What it measures, for help texts and docs. */
  about: string;
  /** Reads the value from a summary; null when it cannot be measured (no latency samples, no target rate). */
  read: (s: RunSummary) => number | null;
  /** A µs metric whose value may be written without a unit (server cost: `server.cpuUsPerPublish < 10`). */
  plainUs?: boolean;
}

const LATENCY_STATS = ['p50', 'p90', 'p99', 'p999', 'max', 'min', 'mean'] as const;
type LatencyStat = (typeof LATENCY_STATS)[number];
type LatencyKey = keyof RunSummary['latencyUs'];

/**
 * The metric catalogue, in one table. A `*` row is a latency family: `e2e.*` stands for `e2e.p50` … `e2e.mean`.
 * `lostRatio` and `achievedRatio` are 0..1 shares (a value may be written as a percentage: `lostRatio < 0.1%`).
 */
const CATALOGUE: ReadonlyArray<{ name: string; unit: ThresholdUnit; early: EarlyJudgement; about: string; from: LatencyKey | ((s: RunSummary) => number | null); plainUs?: boolean }> = [
  { name: 'e2e.*', unit: 'us', early: 'any', from: 'endToEnd', about: 'end-to-end latency from the intended send time (coordinated-omission corrected)' },
  { name: 'e2e_uncorrected.*', unit: 'us', early: 'any', from: 'endToEndUncorrected', about: 'end-to-end latency from the actual send time' },
  { name: 'publish.*', unit: 'us', early: 'any', from: 'publish', about: 'PUBLISH command latency (until the reply)' },
  { name: 'published', unit: 'count', early: 'never', from: (s) => s.published, about: 'messages published in the measure phase' },
  { name: 'expectedDeliveries', unit: 'count', early: 'never', from: (s) => s.expectedDeliveries, about: 'deliveries the subscription plan expects' },
  { name: 'delivered', unit: 'count', early: 'never', from: (s) => s.delivered, about: 'unique deliveries received' },
  { name: 'lost', unit: 'count', early: 'never', from: (s) => s.lost, about: 'expected deliveries that never arrived' },
  { name: 'lostRatio', unit: 'ratio', early: 'never', from: (s) => (s.expectedDeliveries > 0 ? s.lost / s.expectedDeliveries : 0), about: 'lost / expectedDeliveries' },
  { name: 'duplicates', unit: 'count', early: 'upper-bound', from: (s) => s.duplicates, about: 'deliveries seen twice' },
  { name: 'reordered', unit: 'count', early: 'upper-bound', from: (s) => s.reordered, about: 'deliveries out of order' },
  { name: 'gaps', unit: 'count', early: 'upper-bound', from: (s) => s.gaps, about: 'sequence gaps seen' },
  { name: 'gapMessages', unit: 'count', early: 'upper-bound', from: (s) => s.gapMessages, about: 'messages skipped by sequence gaps' },
  { name: 'malformed', unit: 'count', early: 'upper-bound', from: (s) => s.malformed, about: 'deliveries that were not messages of this run' },
  { name: 'publishErrors', unit: 'count', early: 'upper-bound', from: (s) => s.publishErrors, about: 'failed publish commands' },
  { name: 'lateSends', unit: 'count', early: 'upper-bound', from: (s) => s.lateSends, about: 'sends over 5 ms behind schedule' },
  { name: 'disconnects', unit: 'count', early: 'upper-bound', from: (s) => s.disconnects, about: 'connection losses' },
  { name: 'reconnects', unit: 'count', early: 'upper-bound', from: (s) => s.reconnects, about: 'reconnections' },
  { name: 'publishRate', unit: 'per_s', early: 'any', from: (s) => s.publishRate, about: 'measured messages published per second' },
  { name: 'deliveryRate', unit: 'per_s', early: 'any', from: (s) => s.deliveryRate, about: 'unique deliveries per second' },
  { name: 'achievedRatio', unit: 'ratio', early: 'any', from: (s) => (s.targetRate ? s.publishRate / s.targetRate : null), about: 'publishRate / target rate (none at --rate max)' },
  // Server cost (src/metrics/server-cost.ts): known once the drain has ended, absent when the counters could not be read.
  { name: 'server.cpuUsPerPublish', unit: 'us', plainUs: true, early: 'never', from: (s) => s.serverCost?.cpuUsPerPublish ?? null, about: 'server CPU µs (every node) per published message' },
  { name: 'server.cpuUsPerDelivery', unit: 'us', plainUs: true, early: 'never', from: (s) => s.serverCost?.cpuUsPerDelivery ?? null, about: 'server CPU µs (every node) per delivery' },
  { name: 'server.usPerPublish', unit: 'us', plainUs: true, early: 'never', from: (s) => s.serverCost?.usPerPublish ?? null, about: 'µs per PUBLISH/SPUBLISH call inside Redis (INFO commandstats)' },
  { name: 'server.bytesPerDelivery', unit: 'count', early: 'never', from: (s) => s.serverCost?.bytesPerDelivery ?? null, about: 'server output bytes (every node) per delivery' },
];

function latencyValue(l: LatencySummaryUs, stat: LatencyStat): number | null {
  return l.count > 0 ? l[stat] : null;
}

/** Every metric a threshold can name, by name (the catalogue with latency families expanded). */
export const METRICS: ReadonlyMap<string, MetricDef> = new Map(
  CATALOGUE.flatMap((row): Array<[string, MetricDef]> => {
    const { from } = row;
    if (typeof from === 'function') return [[row.name, { name: row.name, unit: row.unit, early: row.early, about: row.about, read: from, ...(row.plainUs ? { plainUs: true } : {}) }]];
    const family = row.name.slice(0, -2);
    return LATENCY_STATS.map((stat): [string, MetricDef] => {
      const name = `${family}.${stat}`;
      // max only grows as samples arrive, so a broken upper bound on it is final.
      const early: EarlyJudgement = stat === 'max' ? 'upper-bound' : row.early;
      return [name, { name, unit: 'us', early, about: `${row.about}, ${stat}`, read: (s) => latencyValue(s.latencyUs[from], stat) }];
    });
  }),
);

/** The metric names in a compact form for hints: `e2e.{p50,…,mean}, …, publishRate`. */
export function knownMetricsText(): string {
  return CATALOGUE.map((r) => (r.name.endsWith('.*') ? `${r.name.slice(0, -2)}.{${LATENCY_STATS.join(',')}}` : r.name)).join(', ');
}

const EXPRESSION_RE = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|!=|<|>|=)\s*(.*?)\s*$/;
const VALUE_RE = /^([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*(µs|us|ms|s|%)?$/i;
/** Microseconds per latency unit. */
const LATENCY_UNIT_US: Record<string, number> = { µs: 1, us: 1, ms: 1000, s: 1_000_000 };

/** Parses one expression, returning the threshold or the problem with it. */
export function parseThreshold(expression: string, field: string, abortOnFail = false): Threshold | Problem {
  const hint = `write "metric operator value", e.g. "e2e.p99 < 5ms" or "lost == 0"; known metrics: ${knownMetricsText()}`;
  const bad = (message: string, h = hint): Problem => ({ field, message, hint: h });
  if (typeof expression !== 'string') return bad('expected a string such as "e2e.p99 < 5ms"');
  const m = EXPRESSION_RE.exec(expression);
  if (!m) return bad(`${JSON.stringify(expression)} is not a threshold expression`);
  const [, metricName, op, valueText] = m;
  const metric = METRICS.get(metricName);
  if (!metric) return bad(`unknown metric ${JSON.stringify(metricName)} in ${JSON.stringify(expression)}`);
  if (op === '=') return bad(`"=" is not an operator in ${JSON.stringify(expression)}`, 'use == (or one of < <= > >= !=)');
  const v = VALUE_RE.exec(valueText);
  if (!v) return bad(`${JSON.stringify(valueText)} is not a number in ${JSON.stringify(expression)}`, unitHint(metric));
  const number = Number(v[1]);
  const unit = v[2]?.toLowerCase();
  let limit: number;
  if (metric.unit === 'us') {
    if (unit === '%' || (unit === undefined && !metric.plainUs)) return bad(`${metric.name} is a latency: its value needs a unit in ${JSON.stringify(expression)}`, unitHint(metric));
    limit = unit === undefined ? number : number * LATENCY_UNIT_US[unit];
  } else if (unit === '%' && metric.unit === 'ratio') {
    limit = number / 100;
  } else if (unit !== undefined) {
    return bad(`${metric.name} takes a plain number, not ${JSON.stringify(v[2])}, in ${JSON.stringify(expression)}`, unitHint(metric));
  } else {
    limit = number;
  }
  return { expression: expression.trim(), metric: metric.name, op: op as ThresholdOperator, limit, unit: metric.unit, abortOnFail };
}

function unitHint(metric: MetricDef): string {
  if (metric.unit === 'us') return 'latencies take a duration with a unit: µs, us, ms or s (e.g. 500us, 5ms, 1.5s)';
  if (metric.unit === 'ratio') return `${metric.name} is a share: a number from 0 to 1 or a percentage (e.g. 0.001 or 0.1%)`;
  return `${metric.name} takes a plain number (e.g. ${metric.unit === 'per_s' ? '50000' : '0'})`;
}

/**
 * Parses every expression; returns the thresholds and the problems (one per bad expression, field `field[i]`), so a
 * scenario validator can report them alongside its own problems.
 */
export function checkThresholds(exprs: unknown, field: string, abortOnFail = false): { thresholds: Threshold[]; problems: Problem[] } {
  const thresholds: Threshold[] = [];
  const problems: Problem[] = [];
  if (!Array.isArray(exprs)) {
    problems.push({ field, message: 'expected a list of threshold expressions', hint: 'e.g. ["e2e.p99 < 5ms", "lost == 0"]' });
    return { thresholds, problems };
  }
  exprs.forEach((e, i) => {
    const r = parseThreshold(e as string, `${field}[${i}]`, abortOnFail);
    if ('metric' in r) thresholds.push(r);
    else problems.push(r);
  });
  return { thresholds, problems };
}

/** Parses every expression; throws one UsageError (exit 2) listing every bad one with the known metrics. */
export function parseThresholds(exprs: string[], field: string, opts: { abortOnFail?: boolean } = {}): Threshold[] {
  const { thresholds, problems } = checkThresholds(exprs, field, opts.abortOnFail ?? false);
  if (problems.length > 0) throw new UsageError(problems, 'Invalid thresholds');
  return thresholds;
}

/** Applies an operator. */
export function compare(measured: number, op: ThresholdOperator, limit: number): boolean {
  switch (op) {
    case '<': return measured < limit;
    case '<=': return measured <= limit;
    case '>': return measured > limit;
    case '>=': return measured >= limit;
    case '==': return measured === limit;
    case '!=': return measured !== limit;
  }
}

/** Judges one threshold against a summary. A metric that could not be measured fails: no evidence is no pass. */
export function evaluateThreshold(t: Threshold, summary: RunSummary): ThresholdOutcome {
  const measured = METRICS.get(t.metric)?.read(summary) ?? null;
  const passed = measured !== null && compare(measured, t.op, t.limit);
  return { expression: t.expression, metric: t.metric, measured, limit: t.limit, unit: t.unit, passed };
}

/** Judges every threshold on the run's measure-phase summary. */
export function evaluateThresholds(ts: readonly Threshold[], result: { summary: RunSummary }): ThresholdOutcome[] {
  return ts.map((t) => evaluateThreshold(t, result.summary));
}

/** The `thresholds` field of result.json for these outcomes. */
export function thresholdsVerdict(outcomes: ThresholdOutcome[]): { passed: boolean; outcomes: ThresholdOutcome[] } {
  return { passed: outcomes.every((o) => o.passed), outcomes };
}

/** Could this outcome, seen mid-run, already be final? */
function failedForGood(t: Threshold, o: ThresholdOutcome, early: EarlyJudgement): boolean {
  if (o.passed || o.measured === null || early === 'never') return false;
  if (early === 'any') return true;
  // A growing value: only an upper bound it has already crossed stays broken.
  return t.op === '<' || t.op === '<=' || (t.op === '==' && o.measured > t.limit);
}

/**
 * Early abort (`abortOnFail`): the coordinator calls {@link ThresholdAbortMonitor.check} every snapshot interval of
 * the measure phase with the aggregator's running summary (`aggregator.summary(elapsedMeasureMs, comparable)`).
 * Nothing is judged during the first `graceMs` of the measure phase (latency settles after warmup); loss is never
 * judged early, because messages still in flight are not lost yet.
 */
export class ThresholdAbortMonitor {
  private readonly watched: Threshold[];
  private readonly graceMs: number;

  constructor(thresholds: readonly Threshold[], graceMs: number) {
    this.watched = thresholds.filter((t) => t.abortOnFail && METRICS.get(t.metric)?.early !== 'never');
    this.graceMs = graceMs;
  }

  /** True when no threshold can ever trigger an abort (the coordinator may skip calling check). */
  get idle(): boolean {
    return this.watched.length === 0;
  }

  /**
   * Returns the outcomes that justify stopping now, or null to keep running.
   * @param summary the running summary of the measure phase so far
   * @param measureElapsedMs time since the measure phase started
   */
  check(summary: RunSummary, measureElapsedMs: number): ThresholdOutcome[] | null {
    if (measureElapsedMs < this.graceMs) return null;
    const failing = this.watched
      .map((t) => ({ t, o: evaluateThreshold(t, summary) }))
      .filter(({ t, o }) => failedForGood(t, o, METRICS.get(t.metric)!.early))
      .map(({ o }) => o);
    return failing.length > 0 ? failing : null;
  }
}
