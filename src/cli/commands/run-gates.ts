/**
 * CI gates of `run`: thresholds (exit 99), baselines with repeats (exit 98), JUnit XML and the GitHub step summary.
 * Flags are read into a plan up front (every problem reported with the others); `runGated` then runs the scenario
 * `--repeat` times, judges, writes the CI files and returns the exit code.
 */
import { writeFile } from 'node:fs/promises';
import type { Options } from 'yargs';
import { ExitCode, UsageError, type Problem } from '../../core/errors.js';
import type { RunRequest, RunThreshold } from '../../core/run.js';
import type { RunResult } from '../../core/result.js';
import { runBenchmark, type RunOutcome } from '../../coordinator/index.js';
import { checkThresholds } from '../../metrics/thresholds.js';
import { compareWithBaseline, parseMaxRegression, type RegressionTolerance } from '../../metrics/baseline.js';
import { appendStepSummary, renderJunit, renderStepSummary } from '../../reporting/ci/index.js';
import { readRunResult, writeRunOutputs } from '../../reporting/write.js';
import { checkDurationMs } from '../../scenarios/duration.js';

const GATES = 'CI gates:';

/** The gate flags of `run`. */
export const GATE_OPTIONS: Record<string, Options> = {
  threshold: {
    group: GATES, type: 'string', array: true,
    describe: "Fail the run (exit 99) unless this holds, e.g. --threshold 'e2e.p99 < 5ms' --threshold 'lost == 0' --threshold 'deliveryRate >= 50000'. Metrics: e2e.*, e2e_uncorrected.*, publish.* (p50 p90 p99 p999 max min mean), lost, lostRatio, duplicates, reordered, publishRate, deliveryRate, …",
    defaultDescription: 'none',
  },
  'abort-on-fail': { group: GATES, type: 'boolean', describe: 'End the run early once a threshold has failed for good (loss is only judged at the end)', defaultDescription: 'false' },
  'abort-grace': { group: GATES, type: 'string', describe: 'With --abort-on-fail: judge nothing during this first part of the measure phase, e.g. --abort-grace 10s', defaultDescription: '5s' },
  baseline: { group: GATES, type: 'string', array: true, describe: 'Compare with earlier result.json files (repeatable); a significant regression beyond --max-regression exits 98', defaultDescription: 'none' },
  'max-regression': { group: GATES, type: 'string', array: true, describe: "Tolerated change for the worse: '10%' for every metric, or per metric 'e2e.p99=20%'", defaultDescription: '10%' },
  repeat: { group: GATES, type: 'string', describe: 'Run the scenario N times (fresh connections each time) so a baseline comparison can test significance, e.g. --repeat 5', defaultDescription: '1' },
  junit: { group: GATES, type: 'string', describe: 'Write JUnit XML (one testcase per threshold and baseline check) to this file', defaultDescription: 'none' },
};

/** The gate flags as parsed by yargs. */
export interface GateArgs {
  threshold?: unknown;
  abortOnFail?: unknown;
  abortGrace?: unknown;
  baseline?: unknown;
  maxRegression?: unknown;
  repeat?: unknown;
  junit?: unknown;
}

/** What the gates need at run time. */
export interface GatePlan {
  thresholds: RunThreshold[];
  abortGraceMs: number;
  baselines: RunResult[];
  tolerance: RegressionTolerance;
  repeat: number;
  junitPath?: string;
}

const MAX_REPEAT = 100;

/** Reads the gate flags (and loads the baseline files); problems are added to `problems`. */
export async function readGates(args: GateArgs, scenarioThresholds: string[] | undefined, problems: Problem[]): Promise<GatePlan> {
  const abortOnFail = args.abortOnFail === true;
  const flagged = checkThresholds(list(args.threshold), '--threshold', abortOnFail);
  const fromScenario = checkThresholds(scenarioThresholds ?? [], 'thresholds', abortOnFail);
  problems.push(...flagged.problems, ...fromScenario.problems);
  let abortGraceMs = 5000;
  if (args.abortGrace !== undefined) {
    const ms = checkDurationMs(args.abortGrace, '--abort-grace');
    if (typeof ms === 'number') abortGraceMs = ms;
    else problems.push(ms);
  }
  let repeat = 1;
  if (args.repeat !== undefined) {
    repeat = Number(String(args.repeat).trim());
    if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_REPEAT) {
      problems.push({ field: '--repeat', message: `expected a whole number from 1 to ${MAX_REPEAT}, got ${JSON.stringify(args.repeat)}`, hint: 'e.g. --repeat 5' });
      repeat = 1;
    }
  }
  let tolerance = parseMaxRegression(undefined);
  try {
    tolerance = parseMaxRegression(list(args.maxRegression));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
  }
  const baselines: RunResult[] = [];
  for (const path of list(args.baseline)) {
    try {
      baselines.push(await readRunResult(path));
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.problems.map((p) => ({ ...p, field: `--baseline ${p.field}` })));
    }
  }
  const junitPath = args.junit === undefined ? undefined : String(args.junit);
  if (junitPath !== undefined && junitPath.trim() === '') problems.push({ field: '--junit', message: 'needs a file name', hint: 'e.g. --junit reports/junit.xml' });
  return { thresholds: [...fromScenario.thresholds, ...flagged.thresholds], abortGraceMs, baselines, tolerance, repeat, junitPath };
}

/** What `runGated` reports back. */
export interface GatedOutcome {
  runs: RunOutcome[];
  exitCode: number;
}

/**
 * Runs the request `plan.repeat` times (stopping at an interrupt), compares with the baselines, rewrites each
 * result with the comparison, writes JUnit XML and the step summary, and decides the exit code.
 */
export async function runGated(request: RunRequest, plan: GatePlan, env: NodeJS.ProcessEnv, onRepeat?: (i: number) => void): Promise<GatedOutcome> {
  const runs: RunOutcome[] = [];
  for (let i = 0; i < plan.repeat; i++) {
    if (i > 0 && request.signal?.aborted) break;
    if (plan.repeat > 1) onRepeat?.(i);
    const outcome = await runBenchmark({ ...request, thresholds: plan.thresholds, abortGraceMs: plan.abortGraceMs });
    runs.push(outcome);
    if (outcome.result.interrupted) break;
  }
  const last = runs[runs.length - 1].result;
  const complete = runs.filter((r) => !r.result.interrupted);
  if (plan.baselines.length > 0 && complete.length > 0) {
    const comparison = compareWithBaseline(complete.map((r) => r.result), plan.baselines, plan.tolerance);
    for (const r of complete) {
      r.result.baseline = comparison;
      await writeRunOutputs(r.result, r.runDir);
    }
  }
  const outcomes = last.thresholds?.outcomes ?? [];
  if (plan.junitPath) await writeFile(plan.junitPath, renderJunit(outcomes, last.baseline), 'utf8');
  await appendStepSummary(renderStepSummary(last, outcomes, last.baseline), env);
  return { runs, exitCode: gatedExitCode(runs.map((r) => r.result)) };
}

/**
 * Interrupted → 130 (the caller maps signals), a worker failed → 1, any threshold failed → 99, a baseline
 * regression → 98, else 0.
 */
export function gatedExitCode(results: RunResult[]): number {
  if (results.some((r) => r.interrupted)) return ExitCode.sigint;
  if (results.some((r) => (r.errors?.length ?? 0) > 0)) return ExitCode.internal;
  if (results.some((r) => r.thresholds && !r.thresholds.passed)) return ExitCode.thresholds;
  if (results.some((r) => r.baseline?.regressed)) return ExitCode.regression;
  return ExitCode.ok;
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}
