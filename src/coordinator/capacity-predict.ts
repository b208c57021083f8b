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
import { calibrate, type CalibrationShape, type CalibrationStep } from './capacity-calibrate.js';
import { publishModeOf, shapeOf } from './capacity-shape.js';
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
 * The scenario of one calibration run (capacity-calibrate.ts plans them): the shape at `step.rate`, as it is, without
 * subscribers (per-publish cost alone) or with 4× larger messages (per-byte vs per-delivery cost); short (CALIBRATION),
 * without its rate profile.
 */
export function calibrationScenario(scenario: Scenario, step: Pick<CalibrationStep, 'rate' | 'variant'>, lengths: { warmupMs: number; durationMs: number } = CALIBRATION): Scenario {
  const { stages: _profile, ...s } = scenario;
  const messageBytes = step.variant === 'large-messages' ? 4 * s.publishers.messageBytes : s.publishers.messageBytes;
  return {
    ...s, warmupMs: lengths.warmupMs, durationMs: lengths.durationMs,
    ...(step.variant === 'no-subscribers' ? { subscribers: s.subscribers.map((g) => ({ ...g, count: 0 })) } : {}),
    publishers: { ...s.publishers, rate: step.rate, messageBytes },
  };
}

/** What calibrate() needs of a scenario: its rate ('max' publishers: 1000/s to start from), mode, fan-out, size. */
export function calibrationShapeOf(scenario: Scenario): CalibrationShape {
  return {
    rate: typeof scenario.publishers.rate === 'number' ? scenario.publishers.rate : 1000,
    publishMode: publishModeOf(scenario),
    subscribers: scenario.subscribers.reduce((n, g) => n + g.count, 0),
    messageBytes: scenario.publishers.messageBytes,
  };
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
      const outcome = await calibrate(calibrationShapeOf(opts.scenario), async (step) => {
        const run = await series.run({ label: step.label, scenario: calibrationScenario(opts.scenario, step, opts.calibration) }, join(series.dir, 'calibration'));
        target ??= run.result.target;
        writeFailures.push(...run.writeFailures);
        const point = pointFromRun(run.result, run.runDir);
        opts.onRun?.(step.label, point);
        const cost = run.result.summary.serverCost;
        const cpuShare = cost?.nodes.length === 1 && cost.cpuUs !== undefined && cost.windowMs > 0 ? cost.cpuUs / (cost.windowMs * 1000) : null;
        return { point, achievedRate: run.result.summary.publishRate, cpuShare };
      }, () => series.interrupted);
      return { ...outcome, dir: series.dir, interrupted: series.interrupted };
    });
    dir = calibrated.dir;
    interrupted = calibrated.interrupted;
    if (calibrated.points.length === 0) {
      throw new TargetError(`Capacity model: the calibration runs gave no server cost (${calibrated.skipped[0] ?? 'interrupted'}); it needs a single Redis server whose INFO it can read, or give saved runs with --model`);
    }
    prediction = predictCapacity(fitOrExplain(calibrated.points, `calibration: ${calibrated.points.length} short runs of this shape`), shape, predictOpts);
    if (calibrated.note) prediction.notes.push(calibrated.note);
  }
  const report = reportOf(startedAt, target, prediction);
  const written = await writeCapacityOutputs(report, dir);
  return { report, dir, reportPath: written.reportPath, text: formatPrediction(prediction), interrupted, writeFailures: [...writeFailures, ...written.failures] };
}
