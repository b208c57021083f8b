/**
 * CI gates of every kind of run: thresholds (exit 99; judged inside each run, with the optional early abort),
 * baselines with repeats (exit 98), a failed worker (exit 1), JUnit XML and the GitHub step summary. Flags are read
 * into a plan up front (every problem reported with the others); the series runner makes the runs, and `judgeRuns`
 * judges them — one group for a plain run and its repeats, one group per variant of a matrix.
 */
import type { Options } from 'yargs';
import { ExitCode, UsageError, type Problem } from '../../core/errors.js';
import { DEFAULT_ABORT_GRACE_MS } from '../../core/run.js';
import type { RunResult } from '../../core/result.js';
import type { RunOutcome } from '../../coordinator/index.js';
import { checkThresholds, type Threshold } from '../../metrics/thresholds.js';
import { compareWithBaseline, parseMaxRegression, seriesNoise, type RegressionTolerance } from '../../metrics/baseline.js';
import { parseBaselineStat, type BaselineStat } from '../../metrics/best-run.js';
import { appendStepSummary, renderJunitSections, renderStepSummary } from '../../reporting/ci/index.js';
import { readRunResult, writeRunOutputs, type WriteFailure } from '../../reporting/write.js';
import { attemptWrite, attemptWriteText, failuresOf } from '../../reporting/safe-write.js';
import { noDataReason } from '../../reporting/describe.js';
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
  'baseline-stat': {
    group: GATES, type: 'string',
    describe: 'What --baseline judges: mean (Welch\'s t-test and --max-regression) or min (the best run of each side beyond --max-regression, no test: for server cost on a busy machine, whose noise only adds time)',
    defaultDescription: 'mean',
  },
  repeat: { group: GATES, type: 'string', describe: 'Run the scenario N times (fresh connections each time) so a baseline comparison can test significance, e.g. --repeat 5', defaultDescription: '1' },
  'repeat-max': {
    group: GATES, type: 'string',
    describe: 'With --baseline-stat min: after the --repeat runs, run more (up to this many in all) until the best run of each gated metric (those named in --max-regression) is confirmed by a second run within 5%, e.g. --repeat 3 --repeat-max 10',
    defaultDescription: 'the --repeat count',
  },
  junit: { group: GATES, type: 'string', describe: 'Write JUnit XML (one testcase per threshold and baseline check) to this file', defaultDescription: 'none' },
};

/** The gate flags as parsed by yargs. */
export interface GateArgs {
  threshold?: unknown;
  abortOnFail?: unknown;
  abortGrace?: unknown;
  baseline?: unknown;
  maxRegression?: unknown;
  baselineStat?: unknown;
  repeat?: unknown;
  repeatMax?: unknown;
  junit?: unknown;
}

/** What the gates need at run time. */
export interface GatePlan {
  thresholds: Threshold[];
  abortGraceMs: number;
  baselines: RunResult[];
  tolerance: RegressionTolerance;
  /** `--baseline-stat`: the statistic each side is judged by. */
  baselineStat: BaselineStat;
  repeat: number;
  /** `--repeat-max`: the most runs in all while a gated metric's best run is unconfirmed (= repeat: never more). */
  repeatMax: number;
  junitPath?: string;
}

const MAX_REPEAT = 100;

/** Reads the gate flags (and loads the baseline files); problems are added to `problems`. */
export async function readGates(args: GateArgs, scenarioThresholds: string[] | undefined, problems: Problem[]): Promise<GatePlan> {
  const abortOnFail = args.abortOnFail === true;
  const flagged = checkThresholds(list(args.threshold), '--threshold', abortOnFail);
  const fromScenario = checkThresholds(scenarioThresholds ?? [], 'thresholds', abortOnFail);
  problems.push(...flagged.problems, ...fromScenario.problems);
  let abortGraceMs = DEFAULT_ABORT_GRACE_MS;
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
  let baselineStat: BaselineStat = 'mean';
  try {
    baselineStat = parseBaselineStat(args.baselineStat);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
  }
  if (args.baselineStat !== undefined && list(args.baseline).length === 0) {
    problems.push({ field: '--baseline-stat', message: 'only applies with --baseline', hint: 'add --baseline OLD.json (repeatable), or drop --baseline-stat' });
  }
  const repeatMax = readRepeatMax(args, repeat, baselineStat, problems);
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
  return { thresholds: [...fromScenario.thresholds, ...flagged.thresholds], abortGraceMs, baselines, tolerance, baselineStat, repeat, repeatMax, junitPath };
}

/** `--repeat-max M`: a whole number from --repeat to MAX_REPEAT, only with --baseline-stat min (problems otherwise). */
function readRepeatMax(args: GateArgs, repeat: number, stat: BaselineStat, problems: Problem[]): number {
  if (args.repeatMax === undefined) return repeat;
  const n = Number(String(args.repeatMax).trim());
  if (!Number.isInteger(n) || n < repeat || n > MAX_REPEAT) {
    problems.push({ field: '--repeat-max', message: `expected a whole number from the --repeat count (${repeat}) to ${MAX_REPEAT}, got ${JSON.stringify(args.repeatMax)}`, hint: 'e.g. --repeat 3 --repeat-max 10' });
    return repeat;
  }
  if (stat !== 'min') {
    problems.push({ field: '--repeat-max', message: 'only applies with --baseline-stat min (it runs until a best run is confirmed)', hint: 'add --baseline-stat min, or use --repeat alone' });
    return repeat;
  }
  return n;
}

/** The runs of one variant: a plain run and its repeats, or one variant of a matrix (`label` names it). */
export interface RunGroup {
  label?: string;
  runs: RunOutcome[];
}

/** What judging decided, and every file of the runs and of CI that could not be written. */
export interface GateVerdict {
  exitCode: number;
  writeFailures: WriteFailure[];
}

/**
 * Judges the groups: compares each with the baselines (rewriting its results with the comparison), writes JUnit
 * XML (one testcase per variant and threshold) and the step summary, and returns the exit code — 1 when a file
 * could not be written, unless interrupted (the measurement is kept: result.json is then in the temp folder).
 */
export async function judgeRuns(groups: readonly RunGroup[], plan: GatePlan, env: NodeJS.ProcessEnv): Promise<GateVerdict> {
  const ran = groups.filter((g) => g.runs.length > 0);
  for (const g of ran) {
    const complete = g.runs.filter((r) => !r.result.interrupted);
    // A series of repeats records its noise in every run; a baseline comparison is judged on the complete runs.
    const noise = complete.length >= 2 ? seriesNoise(complete.map((r) => r.result)) : undefined;
    const comparison = plan.baselines.length > 0 && complete.length > 0
      ? compareWithBaseline(complete.map((r) => r.result), plan.baselines, plan.tolerance, undefined, plan.baselineStat) : undefined;
    if (noise === undefined && comparison === undefined) continue;
    for (const r of complete) {
      if (comparison !== undefined) r.result.baseline = comparison;
      if (noise !== undefined) r.result.noise = noise;
      const rewritten = await writeRunOutputs(r.result, r.runDir);
      r.resultPath = rewritten.resultPath;
      r.writeFailures = rewritten.failures;
    }
  }
  // A group is judged by its last run: thresholds are judged in every run alike, and a baseline covers them all.
  const sections = ran.map((g) => {
    const last = g.runs[g.runs.length - 1].result;
    return {
      label: g.label, result: last, outcomes: last.thresholds?.outcomes ?? [], baseline: last.baseline, noData: noDataReason(last) ?? undefined,
      noise: last.noise,
    };
  });
  const summary = (): string => sections.map((s) => renderStepSummary(s.result, s.outcomes, s.baseline)).join('\n');
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  // Each CI file on its own: one that cannot be written must not keep the other, or the verdict, from the user.
  const writeFailures = [...ran.flatMap((g) => g.runs.flatMap((r) => r.writeFailures)), ...failuresOf([
    plan.junitPath ? await attemptWriteText(plan.junitPath, 'JUnit XML (--junit)', () => renderJunitSections(sections)) : null,
    sections.length > 0 && summaryFile ? await attemptWrite(summaryFile, 'step summary ($GITHUB_STEP_SUMMARY)', () => appendStepSummary(summary(), env)) : null,
  ])];
  const exitCode = gatedExitCode(ran.flatMap((g) => g.runs.map((r) => r.result)));
  return { exitCode: writeFailures.length > 0 && exitCode !== ExitCode.sigint ? ExitCode.internal : exitCode, writeFailures };
}

/**
 * Interrupted (or no run made: interrupted before the first) → 130 (the caller maps signals), a worker failed → 1,
 * a run that measured nothing → 5 (ahead of thresholds: a threshold on no data fails only because there is none),
 * any threshold failed → 99, a baseline regression → 98, else 0.
 */
export function gatedExitCode(results: RunResult[]): number {
  if (results.length === 0 || results.some((r) => r.interrupted)) return ExitCode.sigint;
  if (results.some((r) => (r.errors?.length ?? 0) > 0)) return ExitCode.internal;
  if (results.some((r) => noDataReason(r) !== null)) return ExitCode.noData;
  if (results.some((r) => r.thresholds && !r.thresholds.passed)) return ExitCode.thresholds;
  if (results.some((r) => r.baseline?.regressed)) return ExitCode.regression;
  return ExitCode.ok;
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}
