/**
 * `pubsub-bench compare A.json B.json [...] [--out compare.html] [--label a --label b]`: prints the metric table
 * (each run against the first) and writes compare.html.
 */
import type { CommandModule } from 'yargs';
import { colorEnabled, type CliIo } from '../io.js';
import { compareResults, deriveLabels, formatComparison, uniqueLabels } from '../../reporting/compare.js';
import { renderCompareReport } from '../../reporting/html/index.js';
import { readRunResult, unmergedSegmentProblem } from '../../reporting/write.js';
import { probeOutputs } from '../../reporting/output-probe.js';
import { attemptWriteText, writeFailureProblem } from '../../reporting/safe-write.js';
import { UsageError } from '../../core/index.js';

/** Arguments of the compare command. */
export interface CompareArgs {
  /** result.json files or run folders; the first is the baseline. */
  results: string[];
  /** HTML file to write. */
  out: string;
  /** One name per run (default: the scenario name, or the matrix keys that differ). Runs given one name are repeats. */
  label?: string[];
  /** Colour the terminal table. */
  color: boolean;
  /** Columns the table must fit (default 100: a pipe or CI log). */
  width?: number;
}

/** Does the work of `compare`: returns the terminal table and the HTML path written. Tests call it directly. */
export async function runCompare(args: CompareArgs): Promise<{ table: string; htmlPath: string }> {
  if (args.results.length < 2) {
    throw new UsageError([{ field: 'results', message: `got ${args.results.length} file(s), need at least 2`,
      hint: 'pubsub-bench compare reports/a/result.json reports/b/result.json' }], 'Cannot compare');
  }
  // Read every file (and probe --out) before failing, so one run of the command reports every problem.
  const settled = await Promise.allSettled(args.results.map((p) => readRunResult(p)));
  const unreadable = settled.flatMap((s) => (s.status === 'rejected' ? (s.reason instanceof UsageError ? s.reason.problems : [{ field: 'results', message: String(s.reason) }]) : []));
  const segments = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [unmergedSegmentProblem(s.value, args.results[i])] : []).filter((p) => p !== null));
  const problems = [...(await probeOutputs([{ path: args.out, kind: 'file', flag: '--out' }])), ...unreadable, ...segments];
  if (problems.length > 0) throw new UsageError(problems, 'Cannot read the result files');
  const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  // Names a reader tells runs apart by; a name given to several runs makes them repeats of one side (t-tested).
  const groups = args.label ?? deriveLabels(results);
  const labels = uniqueLabels(groups);
  const table = formatComparison(compareResults(results, labels, { groups }), { color: args.color, width: args.width });
  const failure = await attemptWriteText(args.out, 'compare.html', () => renderCompareReport(results, groups));
  if (failure) throw new UsageError([writeFailureProblem(failure, '--out')], 'Cannot write the comparison');
  return { table, htmlPath: args.out };
}

/** The yargs command module, writing through `io` (register with `.command(compareCommand(io))`). */
export const compareCommand = (io: CliIo): CommandModule<object, CompareArgs> => ({
  command: 'compare <results..>',
  describe: 'Compare two or more runs: a table of every metric (better/worse vs the first) and compare.html',
  builder: (yargs) =>
    yargs
      .positional('results', { type: 'string', array: true, demandOption: true, describe: 'result.json files or run folders; the first is the baseline' })
      .option('out', { type: 'string', default: 'compare.html', describe: 'HTML file to write' })
      .option('label', { type: 'string', array: true, describe: 'name of each run, in order; give runs the same name to treat them as repeats (default: the scenario name, or the matrix keys that differ)' })
      .option('color', { type: 'boolean', default: colorEnabled(io), describe: 'colour the table (default: on a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR forces it)' })
      .example('$0 compare reports/await/result.json reports/pipeline/result.json', 'pipelined vs unpipelined')
      .example('$0 compare reports/<run a> reports/<run b>', 'run folders, as the summary prints them')
      .example('$0 compare a.json b.json --label await --label pipeline --out cmp.html', 'name the runs, pick the HTML file')
      .example('$0 compare old/*/result.json new/*/result.json --label old --label old --label new --label new', 'repeats of each side: winner lines with a t-test'),
  handler: async (argv) => {
    // A pipe or a CI log has no width: the default then.
    const width = io.stdoutIsTTY ? process.stdout.columns : undefined;
    const { table, htmlPath } = await runCompare({ results: argv.results, out: argv.out, label: argv.label, color: argv.color, width });
    io.stdout(`${table}\n\nwrote ${htmlPath}\n`);
  },
});
