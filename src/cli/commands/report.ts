/**
 * `pubsub-bench report result.json [--out report.html] [--hdr]`: rebuilds a run's HTML report (and, with --hdr,
 * its HdrHistogram exports) from result.json alone.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import type { CliIo } from '../io.js';
import { renderReport } from '../../reporting/html/index.js';
import { readRunResult, writeHistogramExports } from '../../reporting/write.js';

/** Arguments of the report command. */
export interface ReportArgs {
  /** Path of the result.json to read. */
  result: string;
  /** Where to write the HTML (default: report.html next to result.json). */
  out?: string;
  /** Also rewrite e2e.hlog and the .hgrm files next to the report. */
  hdr: boolean;
}

/** Does the work of `report`; returns the files written. Tests call it directly. */
export async function runReport(args: ReportArgs): Promise<string[]> {
  const result = await readRunResult(args.result);
  const out = args.out ?? path.join(path.dirname(args.result), 'report.html');
  await writeFile(out, await renderReport(result), 'utf8');
  const files = [out];
  if (args.hdr) files.push(...(await writeHistogramExports(result, path.dirname(out))));
  return files;
}

/** The yargs command module, writing through `io` (register with `.command(reportCommand(io))`). */
export const reportCommand = (io: CliIo): CommandModule<object, ReportArgs> => ({
  command: 'report <result>',
  describe: 'Rebuild report.html from a result.json (offline, self-contained)',
  builder: (yargs) =>
    yargs
      .positional('result', { type: 'string', demandOption: true, describe: 'result.json written by `pubsub-bench run`' })
      .option('out', { type: 'string', describe: 'HTML file to write (default: report.html next to result.json)' })
      .option('hdr', { type: 'boolean', default: false, describe: 'also rewrite e2e.hlog and the .hgrm files next to the report' })
      .example('$0 report reports/run-1/result.json', 'rewrite reports/run-1/report.html')
      .example('$0 report result.json --out /tmp/r.html --hdr', 'write the report and HdrHistogram files to /tmp'),
  handler: async (argv) => {
    const files = await runReport({ result: argv.result, out: argv.out, hdr: argv.hdr });
    for (const f of files) io.stdout(`wrote ${f}\n`);
  },
});
