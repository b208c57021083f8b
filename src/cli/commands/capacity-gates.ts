/**
 * CI gates of `capacity`: `--min-capacity` (exit 99 when the capacity found is below a floor, per sweep value),
 * `--junit` and the GitHub step summary. The SLO (`--slo`) says what each step must pass; these say what the
 * search's result must be. `--threshold` is run's gate on one run, and is refused here rather than ignored.
 */
import type { Options } from 'yargs';
import { ExitCode, type Problem } from '../../core/errors.js';
import type { CapacityReport } from '../../core/result.js';
import { appendStepSummary } from '../../reporting/ci/step-summary.js';
import { renderCapacityJunit, renderCapacitySummary, type CapacityVerdict } from '../../reporting/ci/capacity-gate.js';
import { formatRate } from '../../reporting/format.js';
import { probeRunOutputs } from '../../reporting/output-probe.js';
import { attemptWrite, attemptWriteText, failuresOf, type WriteFailure } from '../../reporting/safe-write.js';
import { parseRate } from '../../scenarios/human-numbers.js';
import { LIMITS } from '../../scenarios/defaults.js';

const GATES = 'CI gates:';

/** The gate flags of `capacity`. */
export const CAPACITY_GATE_OPTIONS: Record<string, Options> = {
  'min-capacity': {
    group: GATES, type: 'string',
    describe: 'Fail (exit 99) when the capacity found is below this rate, for any sweep value, e.g. --min-capacity 5k',
    defaultDescription: 'none',
  },
  junit: { group: GATES, type: 'string', describe: 'Write JUnit XML (one testcase per sweep value) to this file', defaultDescription: 'none' },
  // Declared so it is refused with a hint: strict parsing alone would only say "Unknown argument".
  threshold: { type: 'string', array: true, hidden: true },
};

/** The gate flags as parsed by yargs. */
export interface CapacityGateArgs {
  minCapacity?: unknown;
  junit?: unknown;
  threshold?: unknown;
}

/** What the gates need after the search. */
export interface CapacityGatePlan {
  /** `--min-capacity` in msgs/s. */
  floorRate?: number;
  junitPath?: string;
}

/**
 * Reads the gate flags and probes the CI files (`--junit`, `$GITHUB_STEP_SUMMARY`) before anything is measured;
 * problems are added to `problems`. Warns through `warn` when the floor lies above `--max-rate`: such a search can
 * never show it, so it fails the gate (the user may mean it, e.g. to see that CI fails).
 */
export async function readCapacityGates(
  args: CapacityGateArgs, maxRate: number, env: NodeJS.ProcessEnv, problems: Problem[], warn: (text: string) => void,
): Promise<CapacityGatePlan> {
  if (args.threshold !== undefined) {
    problems.push({
      field: '--threshold',
      message: 'gates one run, and a capacity search makes many',
      hint: "use --slo 'e2e.p99 < 10ms' for what every step must pass, or --min-capacity 5k for the least capacity the search must find",
    });
  }
  let floorRate: number | undefined;
  if (args.minCapacity !== undefined) {
    const text = String(Array.isArray(args.minCapacity) ? args.minCapacity.at(-1) : args.minCapacity).trim();
    const rate = parseRate(text);
    if (rate !== undefined && rate > 0 && rate <= LIMITS.rate) floorRate = rate;
    else problems.push({ field: '--min-capacity', message: `${JSON.stringify(text)} is not a rate above 0 up to ${LIMITS.rate}`, hint: 'msgs/s in total, e.g. --min-capacity 5000 or --min-capacity 5k' });
  }
  if (floorRate !== undefined && floorRate > maxRate) {
    warn(`--min-capacity ${formatRate(floorRate)} is above --max-rate ${formatRate(maxRate)}: the search cannot reach the floor, so the gate fails`);
  }
  const junitPath = args.junit === undefined ? undefined : String(args.junit);
  if (junitPath !== undefined && junitPath.trim() === '') problems.push({ field: '--junit', message: 'needs a file name', hint: 'e.g. --junit reports/junit.xml' });
  problems.push(...(await probeRunOutputs({ junitPath, stepSummary: env.GITHUB_STEP_SUMMARY })));
  return { floorRate, junitPath };
}

/**
 * Judges every search (pure): without a floor a search fails only when no rate held the SLO (as before the gate
 * existed); with one, also when the capacity found is below it. An interrupted search is not judged.
 * `errors` holds each row's worker failures, in `report.rows` order.
 */
export function judgeCapacity(report: CapacityReport, floorRate: number | undefined, errors: readonly string[][] = []): CapacityVerdict[] {
  return report.rows.map(({ label, result }, i) => {
    const v: CapacityVerdict = {
      label, kneeRate: result.kneeRate, limitedBy: result.limitedBy, conclusion: result.conclusion, workerErrors: [...(errors[i] ?? [])],
      ...(floorRate !== undefined ? { floorRate } : {}),
    };
    if (result.limitedBy === 'interrupted') return v;
    const floor = floorRate === undefined ? '' : `, below the floor ${formatRate(floorRate)} (--min-capacity)`;
    if (result.kneeRate === null) return { ...v, failure: `no rate held the SLO${floor}` };
    if (floorRate === undefined || result.kneeRate >= floorRate) return v;
    // A search that reached --max-rate could not have shown the floor, whatever else it noticed on the way.
    const cappedBy = result.kneeRate >= report.settings.maxRate ? 'max-rate' : result.limitedBy;
    const why: Partial<Record<CapacityVerdict['limitedBy'], string>> = {
      'max-rate': `: every step held up to --max-rate; raise --max-rate to at least ${formatRate(floorRate)} to test the floor`,
      harness: ': the harness saturated first, so the target may do more (use more --workers or a faster client machine)',
      'step-limit': ': the step budget ran out before the bracket closed (--max-steps)',
    };
    return { ...v, failure: `capacity ${formatRate(result.kneeRate)} is below the floor ${formatRate(floorRate)} (--min-capacity)${why[cappedBy] ?? ''}` };
  });
}

/** One stderr line per judged search: every failure, and with a floor every pass too (CI logs say why it passed). */
export function capacityVerdictLines(verdicts: readonly CapacityVerdict[]): string[] {
  return verdicts.flatMap((v) => {
    if (v.failure !== undefined) return [`pubsub-bench: capacity gate failed: ${v.label}: ${v.failure}`];
    if (v.floorRate === undefined || v.kneeRate === null || v.limitedBy === 'interrupted') return [];
    return [`pubsub-bench: capacity gate passed: ${v.label}: capacity ${formatRate(v.kneeRate)} ≥ floor ${formatRate(v.floorRate)} (--min-capacity)`];
  });
}

/**
 * The exit code: interrupted → 130 (the caller maps signals), a worker failed or a file could not be written → 1,
 * any search failed its gate → 99, else 0.
 */
export function capacityExitCode(verdicts: readonly CapacityVerdict[], interrupted: boolean, writeFailures: number): number {
  if (interrupted) return ExitCode.sigint;
  if (writeFailures > 0 || verdicts.some((v) => v.workerErrors.length > 0)) return ExitCode.internal;
  return verdicts.some((v) => v.failure !== undefined) ? ExitCode.thresholds : ExitCode.ok;
}

/** Writes the JUnit XML and the step summary, each on its own; returns what could not be written. */
export async function writeCapacityCiFiles(
  verdicts: readonly CapacityVerdict[], slo: readonly string[], plan: CapacityGatePlan, env: NodeJS.ProcessEnv,
): Promise<WriteFailure[]> {
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  return failuresOf([
    plan.junitPath ? await attemptWriteText(plan.junitPath, 'JUnit XML (--junit)', () => renderCapacityJunit(verdicts, slo)) : null,
    verdicts.length > 0 && summaryFile
      ? await attemptWrite(summaryFile, 'step summary ($GITHUB_STEP_SUMMARY)', () => appendStepSummary(renderCapacitySummary(verdicts, slo), env))
      : null,
  ]);
}
