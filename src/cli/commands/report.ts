/**
 * `pubsub-bench report <result.json | run folder | capacity.json> [--out FILE.html] [--hdr]`: rebuilds a run's HTML
 * report (and, with --hdr, its HdrHistogram exports) from result.json alone, or a capacity search's capacity.html
 * and capacity.txt from capacity.json.
 */
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../core/errors.js';
import type { CliIo } from '../io.js';
import { renderReport } from '../../reporting/html/index.js';
import { probeOutputs } from '../../reporting/output-probe.js';
import { attemptWriteText, writeFailureProblem } from '../../reporting/safe-write.js';
import { readReportInput, unmergedSegmentProblem, writeCapacityOutputs, writeHistogramExports, type WriteFailure } from '../../reporting/write.js';

/** Arguments of the report command. */
export interface ReportArgs {
  /** A result.json, a run folder (the one the summary prints), a capacity.json or a capacity search's folder. */
  result: string;
  /** Where to write the HTML (default: report.html, or capacity.html, next to the file read). */
  out?: string;
  /** Also rewrite e2e.hlog and the .hgrm files next to the report. */
  hdr: boolean;
}

/** Throws the write failures as one UsageError naming each file: nothing was measured here, only a file is at stake. */
function throwIfFailed(failures: readonly WriteFailure[]): void {
  if (failures.length > 0) throw new UsageError(failures.map((f) => writeFailureProblem(f, '--out')), 'Cannot write the report');
}

/** Does the work of `report`; returns the files written. Tests call it directly. */
export async function runReport(args: ReportArgs): Promise<string[]> {
  const input = await readReportInput(args.result);
  const segment = input.kind === 'run' ? unmergedSegmentProblem(input.result, input.file) : null;
  if (segment) throw new UsageError([segment], 'Cannot report on one segment');
  const dir = path.dirname(input.file);
  const out = args.out ?? path.join(dir, input.kind === 'capacity' ? 'capacity.html' : 'report.html');
  if (input.kind === 'capacity' && args.hdr) {
    throw new UsageError([{ field: '--hdr', message: 'a capacity search has no histograms of its own', hint: `run \`pubsub-bench report <step run folder> --hdr\` on one of the run folders in ${dir}` }], 'Invalid flags for a capacity report');
  }
  const problems = await probeOutputs([{ path: out, kind: 'file', flag: '--out' }]);
  if (problems.length > 0) throw new UsageError(problems, 'Cannot write the report');
  if (input.kind === 'capacity') {
    const written = await writeCapacityOutputs(input.report, dir, { source: false, htmlPath: out });
    throwIfFailed(written.failures);
    return written.files;
  }
  const failure = await attemptWriteText(out, 'report.html', () => renderReport(input.result));
  throwIfFailed(failure ? [failure] : []);
  const files = [out];
  if (args.hdr) {
    const exports = await writeHistogramExports(input.result, path.dirname(out));
    throwIfFailed(exports.failures);
    files.push(...exports.files);
  }
  return files;
}

/** The yargs command module, writing through `io` (register with `.command(reportCommand(io))`). */
export const reportCommand = (io: CliIo): CommandModule<object, ReportArgs> => ({
  command: 'report <result>',
  describe: 'Rebuild report.html from a result.json or run folder, or capacity.html from a capacity.json (offline, self-contained)',
  builder: (yargs) =>
    yargs
      .positional('result', { type: 'string', demandOption: true, describe: 'result.json written by `pubsub-bench run`, or its run folder; or capacity.json written by `pubsub-bench capacity`, or its folder' })
      .option('out', { type: 'string', describe: 'HTML file to write (default: report.html or capacity.html next to the file read)' })
      .option('hdr', { type: 'boolean', default: false, describe: 'also rewrite e2e.hlog and the .hgrm files next to the report' })
      .example('$0 report reports/run-1', 'rewrite reports/run-1/report.html from reports/run-1/result.json')
      .example('$0 report result.json --out /tmp/r.html --hdr', 'write the report and HdrHistogram files to /tmp')
      .example('$0 report reports/2026-01-01T00-00-00-000Z-capacity/capacity.json', 'rewrite capacity.html and capacity.txt'),
  handler: async (argv) => {
    const files = await runReport({ result: argv.result, out: argv.out, hdr: argv.hdr });
    for (const f of files) io.stdout(`wrote ${f}\n`);
  },
});
