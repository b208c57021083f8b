/**
 * Adaptive calibration for `capacity --predict`: which rates to run the shape at so the fitted cost model sees Redis
 * busy but not saturated. A probe at the shape's own rate comes first; while it saturates Redis it is halved. From the
 * probe's CPU share the rates that put Redis at about 25, 50 and 75% of a core are planned, and the variants without
 * subscribers and with 4× larger messages run at the middle one.
 *
 * Why not fixed multiples of the shape's rate: a shape whose rate already saturates Redis gave five points at 95–100%
 * CPU and nothing to fit, and one far below the knee was extrapolated a long way (Redis batches more per event-loop
 * pass at high rates, so its cost per message falls, and a fit from low CPU is pessimistic). A saturated run is never a
 * fit point: there the server queues, which the linear cost model does not describe.
 *
 * The planning and the judging are pure; `calibrate` drives them with a caller's measure function (real runs in
 * capacity-predict.ts, a synthetic server in the unit tests).
 */
import type { CostPoint } from '../core/capacity-model.js';
import { TargetError } from '../core/errors.js';
import { formatRate } from '../reporting/format.js';

/** The limits of the adaptive calibration. */
export const CALIBRATION_PLAN = {
  /** A run whose Redis used this share of a core or more is saturated (the knees measured sat at 88–97%). */
  saturatedCpuShare: 0.85,
  /** A run whose pipelined publishers got out less than this share of the offered rate is saturated. */
  minAchievedShare: 0.95,
  /** Most halvings of the probe's rate. */
  maxHalvings: 6,
  /** No probe below this rate (msgs/s). */
  floorRate: 10,
  /** The shares of one core the calibration rates aim Redis's CPU at. */
  cpuTargets: [0.25, 0.5, 0.75],
  /** Planned rates stay within [probe / 8, probe × 16]: a near-idle probe's CPU says little about where 75% lies. */
  minFactor: 1 / 8,
  maxFactor: 16,
} as const;

/** One measured calibration run, as the saturation test needs it. */
export interface CalibrationSample {
  /** Rate the run offered (msgs/s, all publishers). */
  offeredRate: number;
  /** Rate it achieved over its measure phase (summary.publishRate). */
  achievedRate: number;
  /** Redis CPU as a share of one core (cpuUsPerS / 1e6). */
  cpuShare: number;
}

const pct = (share: number): string => `${(share * 100).toFixed(0)}%`;

/**
 * Why `s` saturated, or null when it did not: Redis at ≥ 85% of a core, or (publish modes other than 'await') fewer
 * than 95% of the offered messages published. Awaited publishers fall short of the offered rate by their round trips
 * alone, so for them only the CPU counts.
 */
export function saturationOf(s: CalibrationSample, publishMode: string): string | null {
  if (s.cpuShare >= CALIBRATION_PLAN.saturatedCpuShare) return `Redis at ${pct(s.cpuShare)} CPU`;
  if (publishMode !== 'await' && s.achievedRate < s.offeredRate * CALIBRATION_PLAN.minAchievedShare) {
    return `${formatRate(s.achievedRate)} of ${formatRate(s.offeredRate)} published`;
  }
  return null;
}

/** True when `s` saturated (see saturationOf). */
export function isSaturated(s: CalibrationSample, publishMode: string): boolean {
  return saturationOf(s, publishMode) !== null;
}

/** The next probe's rate after one at `rate` saturated, having halved `halvings` times; null when out of halvings. */
export function nextProbeRate(rate: number, halvings: number): number | null {
  if (halvings >= CALIBRATION_PLAN.maxHalvings || rate <= CALIBRATION_PLAN.floorRate) return null;
  return Math.max(CALIBRATION_PLAN.floorRate, Math.round(rate / 2));
}

/**
 * The rates (ascending, whole, ≥ 1) that put Redis at about 25, 50 and 75% of a core, from an unsaturated probe that
 * used `cpuShare` of a core at `rate`: rate × target / cpuShare (the idle cost left out: it is small, and each point is
 * measured anyway). When the highest would pass 16 × the probe, all three are scaled down together, so the fit keeps
 * their 1 : 2 : 3 spread; each then stays within [probe / 8, probe × 16].
 */
export function planCalibrationRates(probe: { rate: number; cpuShare: number }): number[] {
  const { cpuTargets, minFactor, maxFactor } = CALIBRATION_PLAN;
  const lo = probe.rate * minFactor;
  const hi = probe.rate * maxFactor;
  // An idle probe (0% CPU) plans as one just above it: the cap below then decides.
  const share = Math.max(probe.cpuShare, 1e-9);
  const raw = cpuTargets.map((t) => (probe.rate * t) / share);
  const scale = Math.min(1, hi / raw[raw.length - 1]);
  return raw.map((r) => Math.max(1, Math.round(Math.min(hi, Math.max(lo, r * scale)))));
}

/** One calibration run to make. */
export interface CalibrationStep {
  label: string;
  /** Offered rate (msgs/s, all publishers). */
  rate: number;
  /** The shape as it is, without its subscribers, or with 4× larger messages. */
  variant: 'shape' | 'no-subscribers' | 'large-messages';
}

/** What the caller's run of a step gives back. */
export interface CalibrationMeasure {
  /** The run's cost point, or why it has none. */
  point: CostPoint | string;
  /** summary.publishRate. */
  achievedRate: number;
  /**
   * Redis CPU share of one core from the run's server cost when it has no cost point (a run so far past saturation
   * that nothing it published in the measure phase got out still shows Redis at 100%); null when not known.
   */
  cpuShare?: number | null;
}

/** What the shape being calibrated needs from its scenario. */
export interface CalibrationShape {
  /** The shape's own rate (msgs/s): the first probe. */
  rate: number;
  publishMode: string;
  subscribers: number;
  messageBytes: number;
}

/** The fit points of a calibration, the runs left out and why, and the line for the prediction's notes. */
export interface CalibrationOutcome {
  points: CostPoint[];
  skipped: string[];
  /** Which rates were calibrated and why (null when no probe gave a cost point). */
  note: string | null;
}

/**
 * Runs the calibration through `measure`: probes (halving while saturated), then the planned rates and the two
 * variants at the middle one. Throws a TargetError when even the last probe saturates. `stopped` ends it early (an
 * interrupt): the points so far are returned.
 */
export async function calibrate(
  shape: CalibrationShape, measure: (step: CalibrationStep) => Promise<CalibrationMeasure>, stopped: () => boolean = () => false,
): Promise<CalibrationOutcome> {
  const out: CalibrationOutcome = { points: [], skipped: [], note: null };
  const whyOf = (rate: number, m: CalibrationMeasure): string | null => saturationOf({
    offeredRate: rate, achievedRate: m.achievedRate, cpuShare: typeof m.point === 'string' ? (m.cpuShare ?? 0) : m.point.cpuUsPerS / 1e6,
  }, shape.publishMode);
  const halved: Array<{ rate: number; why: string }> = [];
  let rate = Math.max(1, Math.round(shape.rate));
  let probe: { rate: number; point: CostPoint } | null = null;
  while (!probe) {
    if (stopped()) return out;
    const label = `probe ${rate}/s`;
    const m = await measure({ label, rate, variant: 'shape' });
    const why = whyOf(rate, m);
    if (why === null) {
      // Without the server's CPU there is nothing to plan from; the other runs would say the same.
      if (typeof m.point === 'string') {
        out.skipped.push(`${label}: ${m.point}`);
        return out;
      }
      probe = { rate, point: m.point };
      break;
    }
    out.skipped.push(`${label}: saturated (${why})`);
    halved.push({ rate, why });
    const next = nextProbeRate(rate, halved.length - 1);
    if (next === null) {
      throw new TargetError(`Capacity model: every calibration probe saturated, from the shape's ${formatRate(shape.rate)} halved ${halved.length - 1} times down to ${formatRate(rate)} (${why}); `
        + 'something else keeps the server (or this machine) busy, or the shape is too heavy for it even at a trickle. Check the server, or fit from saved runs with --model');
    }
    rate = next;
  }
  out.points.push(probe.point);
  const cpuShare = probe.point.cpuUsPerS / 1e6;
  const rates = planCalibrationRates({ rate: probe.rate, cpuShare });
  const middle = rates[1];
  const steps: CalibrationStep[] = rates.map((r) => ({ label: `calibrate ${r}/s`, rate: r, variant: 'shape' }));
  if (shape.subscribers > 0) {
    steps.push({ label: `calibrate ${middle}/s, no subscribers`, rate: middle, variant: 'no-subscribers' });
    steps.push({ label: `calibrate ${middle}/s, ${4 * shape.messageBytes} B messages`, rate: middle, variant: 'large-messages' });
  }
  const ladder: Array<{ rate: number; cpuShare: number }> = [{ rate: probe.rate, cpuShare }];
  const dropped: string[] = [];
  for (const step of steps) {
    if (stopped()) break;
    const m = await measure(step);
    const why = whyOf(step.rate, m);
    if (why !== null) {
      out.skipped.push(`${step.label}: saturated (${why})`);
      dropped.push(`${step.label.replace(/^calibrate /, '')} (${why})`);
      continue;
    }
    if (typeof m.point === 'string') {
      out.skipped.push(`${step.label}: ${m.point}`);
      continue;
    }
    out.points.push(m.point);
    if (step.variant === 'shape') ladder.push({ rate: step.rate, cpuShare: m.point.cpuUsPerS / 1e6 });
  }
  out.note = calibrationNote(shape.rate, probe.rate, cpuShare, rates, ladder, halved, dropped);
  return out;
}

const span = (values: number[], f: (v: number) => string): string => {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return f(lo) === f(hi) ? f(lo) : `${f(lo).replace(/(\/s|%)$/, '')}–${f(hi)}`;
};

/** "Calibrated at 310–930/s (Redis 24–71% CPU); …": the rates fitted, how they were chosen, what was left out. */
function calibrationNote(
  shapeRate: number, probeRate: number, probeShare: number, planned: number[], ladder: Array<{ rate: number; cpuShare: number }>,
  halved: Array<{ rate: number; why: string }>, dropped: string[],
): string {
  const fitted = `Calibrated at ${span(ladder.map((l) => l.rate), formatRate)} (Redis ${span(ladder.map((l) => l.cpuShare), pct)} CPU)`;
  const aim = planned[planned.length - 1] >= probeRate * CALIBRATION_PLAN.maxFactor
    ? `capped at ${CALIBRATION_PLAN.maxFactor}× the probe at ${formatRate(probeRate)} (Redis ${pct(probeShare)} CPU), which left Redis too idle to aim at 25–75% of a core`
    : `aimed at 25, 50 and 75% of a core from a probe at ${formatRate(probeRate)} (Redis ${pct(probeShare)} CPU)`;
  const steppedDown = halved.length === 0 ? ''
    : `; the shape's ${formatRate(shapeRate)} saturated (${halved[0].why}) and was halved ${halved.length} time${halved.length > 1 ? 's' : ''}`;
  const left = dropped.length === 0 ? '' : `; left out as saturated: ${dropped.join(', ')}`;
  return `${fitted}, ${aim}${steppedDown}${left}.`;
}
