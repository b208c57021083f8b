/**
 * `run --matrix …` (and built-ins that are matrices, like pipeline-vs-unpipelined): every variant is built through
 * the same flag path as a single run, variants that would run the same scenario are merged, then all run in turn
 * and are compared.
 */
import { ExitCode } from '../../core/errors.js';
import type { RunRequest } from '../../core/run.js';
import { runMatrix, type MatrixEntry } from '../../coordinator/matrix.js';
import { findBuiltin } from '../../scenarios/builtins/index.js';
import { effectiveKey, effectiveLabel, expandMatrix, parseMatrix } from '../../scenarios/matrix.js';
import type { CliIo } from '../io.js';
import type { RunArgs } from './run-options.js';
import type { BuiltRequest } from './run.js';

/** The matrix specs of this command line: --matrix, else the built-in's own, else none. */
export function matrixSpecs(args: RunArgs): string[] | undefined {
  if (args.matrix !== undefined) return (Array.isArray(args.matrix) ? args.matrix : [args.matrix]).map(String);
  return typeof args.scenario === 'string' ? findBuiltin(args.scenario)?.matrix : undefined;
}

/** Runs the matrix; resolves to the exit code. `build` turns flags into a request exactly as a single run does. */
export async function runMatrixCommand(
  args: RunArgs,
  io: CliIo,
  specs: string[],
  build: (args: RunArgs) => Promise<BuiltRequest>,
  shared: Pick<RunRequest, 'signal' | 'onProgress'>,
): Promise<number> {
  const axes = parseMatrix(specs);
  const entries: MatrixEntry[] = [];
  const seen = new Set<string>();
  let base: RunRequest | undefined;
  for (const variant of expandMatrix(axes)) {
    const { request } = await build({ ...args, ...variant.flags });
    base ??= request;
    const key = effectiveKey(request.scenario);
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({ label: effectiveLabel(variant, request.scenario) || variant.label, scenario: request.scenario });
  }
  if (!base) return ExitCode.usage;
  const outcome = await runMatrix(entries, { ...base, ...shared }, (i, label) => {
    io.stderr(`pubsub-bench: variant ${i + 1}/${entries.length}: ${label}\n`);
  });
  if (args.json === true) {
    const variants = outcome.runs.map((r) => ({ label: r.label, runDir: r.runDir, result: r.result }));
    io.stdout(`${JSON.stringify({ dir: outcome.dir, interrupted: outcome.interrupted, variants })}\n`);
  } else {
    io.stdout(`${outcome.table || 'Fewer than two variants ran: nothing to compare.'}\n\nWritten to ${outcome.dir}/ (compare.html, one folder per variant)\n`);
  }
  if (outcome.interrupted) return ExitCode.sigint;
  return outcome.runs.some((r) => r.result.thresholds && !r.result.thresholds.passed) ? ExitCode.thresholds : ExitCode.ok;
}
