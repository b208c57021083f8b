/**
 * Capacity search: the highest open-loop publish rate that holds the SLO while the achieved rate stays within 95%
 * of the offered one. Step up (×2) until a step fails, then bisect between the last rate that held and the first that
 * failed, down to a resolution (5%). Each step is a whole run with its own warmup, so it settles before it is measured.
 *
 * When the harness, not Redis, saturated at the boundary (health.harnessBottleneck), the result says so: the knee
 * then is a lower bound for the target, not its limit. That is the trap OMB's max-rate search falls into (OMB#163).
 * Unless Redis itself used ≥ 85% of a core there (a backlog also keeps the harness busy): then the target set it.
 */
import type { CostPoint } from '../core/capacity-model.js';
import type { CapacityLimit, CapacityResult, CapacityStep, HarnessHealth, RunSummary } from '../core/result.js';
import { evaluateThresholds, type Threshold } from '../metrics/thresholds.js';
import { describeMeasured } from '../reporting/ci/values.js';
import { formatRate } from '../reporting/format.js';

/**
 * Redis CPU (µs/s, 85% of a core) at the boundary from which the target, not a harness that looked busy, set the knee
 * (the Redis-bound knees measured sat at 88–97%; docs/capacity.md).
 */
export const REDIS_SATURATED_CPU_US_PER_S = 0.85e6;

/** Defaults of the search settings. */
export const CAPACITY_DEFAULTS = { resolution: 0.05, minAchievedShare: 0.95, maxSteps: 20 } as const;

/** What one measured step returns. */
export interface StepResult {
  summary: RunSummary;
  health: Pick<HarnessHealth, 'harnessBottleneck' | 'reasons'>;
  /** Folder the step's run was written to (real runs). */
  runDir?: string;
  /** True when the step was interrupted (Ctrl-C): the search stops. */
  interrupted?: boolean;
  /** Worker failures of the step's run (a crashed worker): the step fails and the command exits 1. */
  errors?: string[];
  /** The run's server cost as rates (single-node targets), kept on the step for the capacity model. */
  costPoint?: CostPoint;
}

/** Options of the search. */
export interface CapacityOptions {
  /** Runs one step at `rate` msgs/s (total) and returns its result. */
  measure: (rate: number) => Promise<StepResult>;
  /** The SLO: thresholds every step must pass. */
  slo: readonly Threshold[];
  /** First offered rate (msgs/s). */
  startRate: number;
  /** Never offer more than this. */
  maxRate: number;
  /** Stop bisecting when the bracket is within this share of the lower rate (default 0.05). */
  resolution?: number;
  /** The achieved publish rate must reach this share of the offered rate (default 0.95). */
  minAchievedShare?: number;
  /** Lowest rate tried when even startRate fails (default startRate / 64, at least 1). */
  minRate?: number;
  /** Most steps measured (default 20). */
  maxSteps?: number;
  /** Re-measure the knee once before reporting it, so one lucky step cannot set the limit (default true). */
  confirm?: boolean;
  /** Called after every step. */
  onStep?: (step: CapacityStep) => void;
}

export type { CapacityLimit, CapacityResult, CapacityStep } from '../core/result.js';

/** Judges one step result at an offered rate. */
export function judgeStep(
  r: StepResult, offeredRate: number, slo: readonly Threshold[], minAchievedShare: number, index: number, phase: CapacityStep['phase'],
): CapacityStep {
  const outcomes = evaluateThresholds(slo, r);
  const reasons = outcomes.filter((o) => !o.passed).map((o) => `${o.expression} — ${describeMeasured(o)}`);
  const s = r.summary;
  const keptUp = s.publishRate >= offeredRate * minAchievedShare;
  if (!keptUp) {
    reasons.push(`achieved ${formatRate(s.publishRate)} of ${formatRate(offeredRate)} offered (${((s.publishRate / offeredRate) * 100).toFixed(1)}%, below ${minAchievedShare * 100}%)`);
  }
  // A step whose worker failed measured only part of the fleet: it cannot hold.
  for (const e of r.errors ?? []) reasons.push(e);
  const held = keptUp && outcomes.every((o) => o.passed) && !r.interrupted && (r.errors?.length ?? 0) === 0;
  if (r.health.harnessBottleneck) reasons.push(...r.health.reasons.map((x) => `harness: ${x}`));
  const e2e = s.latencyUs.endToEnd;
  return {
    index, phase, offeredRate, achievedRate: s.publishRate, deliveryRate: s.deliveryRate,
    e2eP50Us: e2e.count > 0 ? e2e.p50 : null, e2eP99Us: e2e.count > 0 ? e2e.p99 : null,
    held, harnessBottleneck: r.health.harnessBottleneck, reasons, outcomes, runDir: r.runDir,
    ...(r.costPoint ? { costPoint: r.costPoint } : {}),
  };
}

/** Runs the search. Never throws for a failing step; errors of `measure` itself propagate. */
export async function searchCapacity(opts: CapacityOptions): Promise<CapacityResult> {
  const resolution = opts.resolution ?? CAPACITY_DEFAULTS.resolution;
  const minShare = opts.minAchievedShare ?? CAPACITY_DEFAULTS.minAchievedShare;
  const maxSteps = opts.maxSteps ?? CAPACITY_DEFAULTS.maxSteps;
  const minRate = Math.max(1, opts.minRate ?? Math.floor(opts.startRate / 64));
  const maxRate = Math.max(1, Math.round(opts.maxRate));
  const steps: CapacityStep[] = [];
  /** Latest verdict per rate: a re-measured rate counts by its last result. */
  const held = new Map<number, boolean>();
  let interrupted = false;

  const run = async (rate: number, phase: CapacityStep['phase']): Promise<boolean> => {
    const r = await opts.measure(rate);
    const step = judgeStep(r, rate, opts.slo, minShare, steps.length, phase);
    steps.push(step);
    held.set(rate, step.held);
    interrupted ||= r.interrupted === true;
    opts.onStep?.(step);
    return step.held;
  };
  const budgetLeft = (): boolean => steps.length < maxSteps && !interrupted;

  // Step up: ×2 until a step fails or the maximum held.
  let rate = Math.min(Math.max(1, Math.round(opts.startRate)), maxRate);
  while (budgetLeft() && (await run(rate, 'up')) && rate < maxRate) rate = Math.min(rate * 2, maxRate);
  // Even the start failed: halve until something holds.
  while (budgetLeft() && ![...held.values()].some(Boolean) && rate > minRate) {
    rate = Math.max(minRate, Math.floor(rate / 2));
    await run(rate, 'down');
  }

  // Bisect between the highest rate that held below the lowest that failed.
  const confirmed = new Set<number>();
  let bracket = bracketOf(held);
  while (budgetLeft() && bracket.lo !== null && bracket.hi !== null) {
    const { lo, hi } = bracket;
    if (hi - lo > Math.max(1, lo * resolution)) {
      await run(Math.round((lo + hi) / 2), 'bisect');
    } else if ((opts.confirm ?? true) && !confirmed.has(lo)) {
      confirmed.add(lo);
      await run(lo, 'confirm');
    } else {
      break;
    }
    bracket = bracketOf(held);
  }
  return conclude(bracket, steps, resolution, interrupted, budgetLeft());
}

/** The highest rate that held below the lowest rate that failed (latest verdict per rate). */
function bracketOf(held: Map<number, boolean>): { lo: number | null; hi: number | null } {
  let hi: number | null = null;
  for (const [r, ok] of held) if (!ok && (hi === null || r < hi)) hi = r;
  let lo: number | null = null;
  for (const [r, ok] of held) if (ok && (hi === null || r < hi) && (lo === null || r > lo)) lo = r;
  return { lo, hi };
}

function conclude(
  bracket: { lo: number | null; hi: number | null }, steps: CapacityStep[], resolution: number, interrupted: boolean, budgetLeft: boolean,
): CapacityResult {
  const { lo, hi } = bracket;
  const lastAt = (rate: number | null): CapacityStep | undefined => [...steps].reverse().find((s) => s.offeredRate === rate);
  const kneeStep = lastAt(lo);
  const failStep = lastAt(hi);
  // Once Redis falls behind, the backlog it writes keeps the subscriber threads busy, which the harness-health rule
  // reads as the harness's limit; Redis's own CPU at the boundary (single server only) says whose limit it was.
  const boundaryCpuUsPerS = (failStep ?? kneeStep)?.costPoint?.cpuUsPerS;
  const redisSaturated = boundaryCpuUsPerS !== undefined && boundaryCpuUsPerS >= REDIS_SATURATED_CPU_US_PER_S;
  const harnessBlamed = failStep?.harnessBottleneck === true || kneeStep?.harnessBottleneck === true;
  let limitedBy: CapacityLimit;
  if (interrupted) limitedBy = 'interrupted';
  else if (lo === null) limitedBy = 'none-held';
  else if (harnessBlamed && !redisSaturated) limitedBy = 'harness';
  else if (hi === null) limitedBy = 'max-rate';
  else if (!budgetLeft && hi - lo > Math.max(1, lo * resolution)) limitedBy = 'step-limit';
  else limitedBy = 'target';
  const knee = lo === null ? 'no rate held the SLO' : `the knee is ${formatRate(lo)}`;
  const why = failStep ? ` (at ${formatRate(hi)}: ${failStep.reasons[0] ?? 'failed'})` : '';
  const conclusion = {
    target: `${knee}: the target held the SLO there and failed above it${why}${harnessBlamed
      ? `; Redis used ${Math.round(boundaryCpuUsPerS! / 1e4)}% of a core there, so the target, not the harness, set the knee` : ''}.`,
    harness: `${knee}, but the harness itself saturated ${failStep ? `at the boundary${why}` : 'at the top rate'}: this is a lower bound for the target, not its limit. Use more --workers or a faster client machine.`,
    'max-rate': `${knee}: every step up to --max-rate held; the target's limit is higher.`,
    'none-held': `No rate held the SLO, down to ${formatRate(steps.at(-1)?.offeredRate ?? null)}${why}.`,
    interrupted: `The search was interrupted; so far ${knee}.`,
    'step-limit': `The step budget ran out before the bracket closed: ${knee}, the limit lies below ${formatRate(hi)}.`,
  }[limitedBy];
  return { kneeRate: lo, failedRate: hi, limitedBy, conclusion, steps };
}
