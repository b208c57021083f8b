/**
 * `run --matrix …` (and built-ins that are matrices, like pipeline-vs-unpipelined): every variant is built through
 * the same flag path as a single run, variants that would run the same scenario are merged, then all run in turn
 * through the series runner, are compared, and are judged by the same gates as a single run — each variant on its
 * own (exit 99 when any fails a threshold, 1 when any had a failed worker).
 */
import { ExitCode, UsageError, type Problem } from '../../core/errors.js';
import type { RunRequest } from '../../core/run.js';
import { runMatrix, type MatrixEntry } from '../../coordinator/matrix.js';
import { findBuiltin } from '../../scenarios/builtins/index.js';
import { effectiveKey, effectiveLabel, expandMatrix, parseMatrix } from '../../scenarios/matrix.js';
import type { CliIo } from '../io.js';
import type { RunArgs } from './run-options.js';
import type { BuiltRequest } from './run.js';
import { judgeRuns, type GatePlan } from './run-gates.js';
import { reportWorkerErrors, reportWriteFailures } from './run-errors.js';

/** The matrix specs of this command line: --matrix, else the built-in's own, else none. */
export function matrixSpecs(args: RunArgs): string[] | undefined {
  if (args.matrix !== undefined) return (Array.isArray(args.matrix) ? args.matrix : [args.matrix]).map(String);
  return typeof args.scenario === 'string' ? findBuiltin(args.scenario)?.matrix : undefined;
}

/**
 * Gates a matrix cannot apply: one baseline for every variant would compare unlike runs, and repeats of a matrix are
 * not supported. Refused (exit 2) rather than ignored.
 */
export function refuseMatrixGates(gates: GatePlan): void {
  const problems: Problem[] = [];
  if (gates.baselines.length > 0) {
    problems.push({ field: '--baseline', message: 'cannot judge a matrix: one baseline would be compared with every variant', hint: 'run each variant on its own with --baseline, or compare the variants in the matrix\'s compare.html' });
  }
  if (gates.repeat > 1) problems.push({ field: '--repeat', message: 'does not apply to a matrix', hint: 'drop --repeat, or run each variant on its own with --repeat' });
  if (problems.length > 0) throw new UsageError(problems, 'Invalid flags for a matrix run');
}

/** Runs the matrix; resolves to the exit code. `build` turns flags into a request exactly as a single run does. */
export async function runMatrixCommand(
  args: RunArgs,
  io: CliIo,
  specs: string[],
  built: BuiltRequest,
  build: (args: RunArgs) => Promise<BuiltRequest>,
  shared: Pick<RunRequest, 'signal' | 'onProgress' | 'onWarning'>,
): Promise<number> {
  refuseMatrixGates(built.gates);
  const axes = parseMatrix(specs);
  const entries: MatrixEntry[] = [];
  const seen = new Set<string>();
  for (const variant of expandMatrix(axes)) {
    const { request } = await build({ ...args, ...variant.flags });
    const key = effectiveKey(request.scenario);
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({ label: effectiveLabel(variant, request.scenario) || variant.label, scenario: request.scenario });
  }
  const { gates } = built;
  const base = { ...built.request, ...shared, thresholds: gates.thresholds, abortGraceMs: gates.abortGraceMs };
  const outcome = await runMatrix(entries, base, (i, label) => {
    io.stderr(`pubsub-bench: variant ${i + 1}/${entries.length}: ${label}\n`);
  });
  if (outcome.runs.length === 0) return ExitCode.sigint;
  const verdict = await judgeRuns(outcome.runs.map((r) => ({ label: r.label, runs: [r] })), gates, io.env);
  const writeFailures = [...verdict.writeFailures, ...outcome.writeFailures];
  if (args.json === true) {
    const variants = outcome.runs.map((r) => ({ label: r.label, runDir: r.runDir, result: r.result }));
    io.stdout(`${JSON.stringify({ dir: outcome.dir, interrupted: outcome.interrupted, variants })}\n`);
  } else {
    io.stdout(`${outcome.table || 'Fewer than two variants ran: nothing to compare.'}\n\nWritten to ${outcome.dir}/ (compare.html, one folder per variant)\n`);
    const failing = outcome.runs.filter((r) => r.result.thresholds && !r.result.thresholds.passed).map((r) => r.label);
    if (failing.length > 0) io.stderr(`pubsub-bench: thresholds failed in ${failing.length} of ${outcome.runs.length} variants: ${failing.join('; ')}\n`);
  }
  if (gates.junitPath && !writeFailures.some((f) => f.path === gates.junitPath)) io.stderr(`pubsub-bench: JUnit XML written to ${gates.junitPath}\n`);
  reportWorkerErrors(io, outcome.runs);
  reportWriteFailures(io, writeFailures);
  if (outcome.interrupted) return ExitCode.sigint;
  return writeFailures.length > 0 ? ExitCode.internal : verdict.exitCode;
}
