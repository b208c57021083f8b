/**
 * `capacity --predict SHAPE`: fit the server's cost model (from saved runs or capacity searches given with --model,
 * or else from a short calibration against the target) and predict the saturation rate of SHAPE on this server, on
 * K cores' worth and on N-shard clusters. Also the prediction beside a search's measured knee (`predictFromSteps`).
 */
import { join } from 'node:path';
import type { CapacityPrediction, CostModel, CostPoint } from '../core/capacity-model.js';
import { TargetError, UsageError } from '../core/errors.js';
import type { CapacityReport, CapacityResult } from '../core/result.js';
import { RESULT_SCHEMA_VERSION } from '../core/result.js';
import type { RunRequest } from '../core/run.js';
import type { Scenario } from '../core/scenario.js';
import type { TargetDescription } from '../core/target.js';
import { FitError, fitCostModel } from '../metrics/capacity-fit.js';
import { predictCapacity } from '../metrics/capacity-model.js';
import { formatPrediction } from '../reporting/capacity-prediction.js';
import { ensureDir } from '../reporting/output-probe.js';
import { writeCapacityOutputs, type WriteFailure } from '../reporting/write.js';
import { shapeOf } from './capacity-shape.js';
import { loadCostPoints, pointFromRun } from './capacity-points.js';
import { withSeries } from './series.js';

/**
 * Share of a core kept free by default. A latency SLO is broken a little before the CPU is fully busy (queueing), and
 * the measured knees here sat at 85–95% of the CPU Redis reached when saturated (docs/capacity.md).
 */
export const DEFAULT_HEADROOM = 0.1;

/** Calibration run lengths: short, since the cost per message settles within a second. */
export const CALIBRATION = { warmupMs: 1000, durationMs: 3000 } as const;

/** What to predict, and from what. */
export interface PredictRunOptions {
  /** Shared run settings (target, workers, outDir, signal); used by the calibration runs. */
  base: Omit<RunRequest, 'scenario'>;
  scenario: Scenario;
  /** --model inputs; empty: calibrate. */
  modelInputs: readonly string[];
  headroom: number;
  cores: readonly number[];
  shards: readonly number[];
  /** Warmup and measure phase of each calibration run (default CALIBRATION). */
  calibration?: { warmupMs: number; durationMs: number };
  onRun?: (label: string, point: CostPoint | string) => void;
}

/** What a prediction returns. */
export interface PredictRunOutcome {
  report: CapacityReport;
  dir: string;
  reportPath: string;
  text: string;
  interrupted: boolean;
  writeFailures: WriteFailure[];
}

/**
 * The calibration runs for `scenario`: the shape at half, once and twice its rate (idle vs per-message cost, and a
 * residual to put error bars on), without subscribers (per-publish cost alone) and with 4× larger messages (per-byte
 * vs per-delivery cost). Each is short (CALIBRATION).
 */
export function calibrationScenarios(scenario: Scenario, lengths: { warmupMs: number; durationMs: number } = CALIBRATION): Array<{ label: string; scenario: Scenario }> {
  const { stages: _profile, ...s } = scenario;
  const base = typeof s.publishers.rate === 'number' ? s.publishers.rate : 1000;
  const at = (label: string, rate: number, change: Partial<Scenario> = {}, messageBytes = s.publishers.messageBytes) => ({
    label,
    scenario: { ...s, warmupMs: lengths.warmupMs, durationMs: lengths.durationMs, ...change, publishers: { ...s.publishers, rate, messageBytes } },
  });
  const half = Math.max(1, Math.round(base / 2));
  const runs = [at(`calibrate ${half}/s`, half), at(`calibrate ${base}/s`, base), at(`calibrate ${2 * base}/s`, 2 * base)];
  const subscribers = s.subscribers.reduce((n, g) => n + g.count, 0);
  if (subscribers > 0) {
    runs.push(at(`calibrate ${base}/s, no subscribers`, base, { subscribers: s.subscribers.map((g) => ({ ...g, count: 0 })) }));
    runs.push(at(`calibrate ${base}/s, ${4 * s.publishers.messageBytes} B messages`, base, {}, 4 * s.publishers.messageBytes));
  }
  return runs;
}

/** The prediction for a search's shape from its own held steps (null when they carry too little server cost). */
export function predictFromSteps(scenario: Scenario, result: CapacityResult, headroom = DEFAULT_HEADROOM): CapacityPrediction | null {
  const points = result.steps.filter((s) => s.held && s.costPoint).map((s) => s.costPoint!);
  if (points.length < 2) return null;
  // Every step, failed ones too: the most CPU Redis got is what it can get on this machine as it was.
  const reached = Math.max(...result.steps.map((s) => s.costPoint?.cpuUsPerS ?? 0));
  try {
    const model = fitCostModel(points, `the ${points.length} held steps of this search`);
    return predictCapacity(model, shapeOf(scenario), { headroom, cores: [], shards: [], reachedCpuUsPerS: reached });
  } catch (err) {
    if (err instanceof FitError) return null;
    throw err;
  }
}

/** fitCostModel, its FitError as exit 2 naming --model. */
function fitOrExplain(points: CostPoint[], from: string): CostModel {
  try {
    return fitCostModel(points, from);
  } catch (err) {
    if (!(err instanceof FitError)) throw err;
    throw new UsageError([{ field: '--model', message: `cannot fit the server's cost: ${err.message}`, hint: 'give runs that published messages against a single Redis server' }], 'Cannot fit the capacity model');
  }
}

function reportOf(startedAt: Date, target: TargetDescription | null, prediction: CapacityPrediction): CapacityReport {
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    startedAt: startedAt.toISOString(),
    slo: [],
    settings: { startRate: 0, maxRate: 0, resolution: 0, minAchievedShare: 0, stepDurationMs: CALIBRATION.durationMs, stepWarmupMs: CALIBRATION.warmupMs },
    target,
    rows: [],
    prediction,
  };
}

/** Fits (or calibrates) and predicts; writes capacity.json, capacity.txt and capacity.html into a new folder. */
export async function runPrediction(opts: PredictRunOptions): Promise<PredictRunOutcome> {
  const startedAt = new Date();
  const shape = shapeOf(opts.scenario);
  const predictOpts = { headroom: opts.headroom, cores: opts.cores, shards: opts.shards };
  let dir: string;
  let target: TargetDescription | null = null;
  let interrupted = false;
  const writeFailures: WriteFailure[] = [];
  let prediction: CapacityPrediction;
  if (opts.modelInputs.length > 0) {
    const loaded = await loadCostPoints(opts.modelInputs);
    prediction = predictCapacity(fitOrExplain(loaded.points, loaded.description), shape, predictOpts);
    if (loaded.skipped.length > 0) prediction.notes.push(`Left out of the fit: ${loaded.skipped.length} (${loaded.skipped[0]}${loaded.skipped.length > 1 ? ', …' : ''}).`);
    dir = join(opts.base.outDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}-prediction`);
    await ensureDir(dir);
  } else {
    const calibrated = await withSeries({ kind: 'capacity', base: opts.base }, async (series) => {
      const points: CostPoint[] = [];
      const skipped: string[] = [];
      for (const entry of calibrationScenarios(opts.scenario, opts.calibration)) {
        if (series.interrupted) break;
        const run = await series.run(entry, join(series.dir, 'calibration'));
        target ??= run.result.target;
        writeFailures.push(...run.writeFailures);
        const p = pointFromRun(run.result, run.runDir);
        opts.onRun?.(entry.label, p);
        if (typeof p === 'string') skipped.push(`${entry.label}: ${p}`);
        else points.push(p);
      }
      return { dir: series.dir, points, skipped, interrupted: series.interrupted };
    });
    dir = calibrated.dir;
    interrupted = calibrated.interrupted;
    if (calibrated.points.length === 0) {
      throw new TargetError(`Capacity model: the calibration runs gave no server cost (${calibrated.skipped[0] ?? 'interrupted'}); it needs a single Redis server whose INFO it can read, or give saved runs with --model`);
    }
    prediction = predictCapacity(fitOrExplain(calibrated.points, `calibration: ${calibrated.points.length} short runs of this shape`), shape, predictOpts);
  }
  const report = reportOf(startedAt, target, prediction);
  const written = await writeCapacityOutputs(report, dir);
  return { report, dir, reportPath: written.reportPath, text: formatPrediction(prediction), interrupted, writeFailures: [...writeFailures, ...written.failures] };
}
