/**
 * Runs capacity searches with real benchmark runs: one search per variant (sweep value), every step a full run
 * (fresh workers and connections, its own warmup) against the same target. A throwaway local redis-server is
 * started once for the whole search. Writes capacity.json (the source), capacity.txt and capacity.html.
 */
import { join } from 'node:path';
import type { RunRequest } from '../core/run.js';
import type { CapacityReport, CapacityStep } from '../core/result.js';
import { RESULT_SCHEMA_VERSION } from '../core/result.js';
import type { Scenario } from '../core/scenario.js';
import type { TargetDescription } from '../core/target.js';
import type { Threshold } from '../metrics/thresholds.js';
import { formatCapacity } from '../reporting/capacity.js';
import { writeCapacityOutputs, type WriteFailure } from '../reporting/write.js';
import { CAPACITY_DEFAULTS, searchCapacity, type CapacityOptions, type StepResult } from './capacity.js';
import { pointFromRun } from './capacity-points.js';
import { predictFromSteps } from './capacity-predict.js';
import { withSeries, type SeriesContext } from './series.js';

/** What to search. */
export interface CapacityRunOptions {
  /** Shared run settings (target, workers, outDir, intervals, signal, progress). */
  base: Omit<RunRequest, 'scenario'>;
  /** One search per variant; the scenario's warmup and duration apply to every step, its rate is replaced. */
  variants: Array<{ label: string; scenario: Scenario }>;
  slo: Threshold[];
  /** Search settings (startRate and maxRate required). */
  search: Omit<CapacityOptions, 'measure' | 'slo' | 'onStep'>;
  onStep?: (variant: string, step: CapacityStep) => void;
  /** Headroom of the capacity model's predicted knee (default DEFAULT_HEADROOM). */
  headroom?: number;
}

/** What a capacity run returns. */
export interface CapacityRunOutcome {
  report: CapacityReport;
  /** Folder with capacity.json, capacity.txt, capacity.html and one folder per variant of step runs. */
  dir: string;
  /** Where capacity.json is: in `dir`, or its copy in the OS temp folder when `dir` could not take it. */
  reportPath: string;
  /** The plain-text table (as in capacity.txt). */
  text: string;
  interrupted: boolean;
  /** Worker failures of the steps' runs, one list per search in `report.rows` order (the command exits 1 on any). */
  errors: string[][];
  /** Files of the steps or the report that could not be written (the command exits 1 and names them). */
  writeFailures: WriteFailure[];
}

/** What the steps of every search found so far. */
interface StepsFound {
  rows: CapacityReport['rows'];
  target: TargetDescription | null;
  /** Per search (variant index): CI names the sweep value whose worker failed. */
  errors: string[][];
  writeFailures: WriteFailure[];
}

/** One step: a whole run at one constant rate. */
async function measureStep(
  series: SeriesContext, scenario: Scenario, rate: number, outDir: string, found: StepsFound, variant: number,
): Promise<StepResult> {
  // Each step offers one constant rate: a load profile of the scenario would replace it, so it is dropped.
  const { stages: _profile, ...constant } = scenario;
  const run = await series.run({ label: `${rate}/s`, scenario: { ...constant, publishers: { ...scenario.publishers, rate } } }, outDir);
  found.target ??= run.result.target;
  (found.errors[variant] ??= []).push(...(run.result.errors ?? []).map((e) => `${run.runDir}: ${e}`));
  found.writeFailures.push(...run.writeFailures);
  const point = pointFromRun(run.result, run.runDir);
  return {
    summary: run.result.summary, health: run.result.health, runDir: run.runDir, interrupted: run.result.interrupted, errors: run.result.errors,
    ...(typeof point === 'string' ? {} : { costPoint: point }),
  };
}

/** A folder name from a label: letters, digits, dots and dashes only. */
function slug(label: string, i: number): string {
  const s = label.replace(/[^A-Za-z0-9.=-]+/g, '_').slice(0, 60);
  return `${String(i + 1).padStart(2, '0')}-${s || 'search'}`;
}

/** Runs every variant's search in turn through the series runner; stops early on an interrupt (what ran is still written). */
export async function runCapacity(opts: CapacityRunOptions): Promise<CapacityRunOutcome> {
  const startedAt = new Date();
  const { dir, rows, target, interrupted, errors, writeFailures } = await withSeries({ kind: 'capacity', base: opts.base }, async (series) => {
    const found: StepsFound = { rows: [], target: null, errors: [], writeFailures: [] };
    for (const [i, variant] of opts.variants.entries()) {
      if (series.interrupted) break;
      const result = await searchCapacity({
        ...opts.search,
        slo: opts.slo,
        onStep: (step) => opts.onStep?.(variant.label, step),
        measure: (rate) => measureStep(series, variant.scenario, rate, join(series.dir, slug(variant.label, i)), found, i),
      });
      // The model's knee beside the measured one, fitted from this search's own held steps.
      const predicted = predictFromSteps(variant.scenario, result, opts.headroom);
      found.rows.push({ label: variant.label, scenario: variant.scenario, result, ...(predicted ? { predicted } : {}) });
      if (result.limitedBy === 'interrupted') break;
    }
    return { dir: series.dir, ...found, interrupted: series.interrupted };
  });
  const first = opts.variants[0]?.scenario;
  const report: CapacityReport = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    startedAt: startedAt.toISOString(),
    slo: opts.slo.map((t) => t.expression),
    settings: {
      startRate: opts.search.startRate, maxRate: opts.search.maxRate, resolution: opts.search.resolution ?? CAPACITY_DEFAULTS.resolution,
      minAchievedShare: opts.search.minAchievedShare ?? CAPACITY_DEFAULTS.minAchievedShare, stepDurationMs: first?.durationMs ?? 0, stepWarmupMs: first?.warmupMs ?? 0,
    },
    target,
    rows,
  };
  const text = formatCapacity(report);
  const written = await writeCapacityOutputs(report, dir);
  // A list for every row, even one whose steps all ran clean: callers index it by row.
  const rowErrors = rows.map((_, i) => errors[i] ?? []);
  return { report, dir, reportPath: written.reportPath, text, interrupted, errors: rowErrors, writeFailures: [...writeFailures, ...written.failures] };
}
