/**
 * Writes a run's folder: result.json (the source of truth) first, then everything derived from it; and a capacity
 * search's capacity.json, .txt and .html. Nothing here throws for a file that cannot be written: each write is tried
 * on its own, its failure returned, and the source file saved to the OS temp folder instead (safe-write.ts).
 */
import path from 'node:path';
import type { CapacityReport, RunResult } from '../core/index.js';
import { formatCapacity, renderCapacityHtml } from './capacity.js';
import { HISTOGRAM_FILES, buildHgrm, buildHlog } from './hdr.js';
import { renderReport } from './html/index.js';
import { ensureDir } from './output-probe.js';
import { attemptWrite, attemptWriteText, failuresOf, writeSourceFile, type WriteFailure } from './safe-write.js';

export { readReportInput, readRunResult, unmergedSegmentProblem } from './read-input.js';
export type { WriteFailure } from './safe-write.js';

/** What `writeRunOutputs` wrote, and what it could not. */
export interface RunOutputs {
  /** The run's folder. */
  runDir: string;
  /** Where result.json is: `<runDir>/result.json`, or its copy in the OS temp folder when that could not be written. */
  resultPath: string;
  /** `<runDir>/report.html`. */
  reportPath: string;
  /** Every file written, result.json first. */
  files: string[];
  /** Files that could not be written (empty when all were). */
  failures: WriteFailure[];
}

/**
 * Creates `runDir` and writes result.json (pretty-printed, keys in the order the result was built), then the
 * derived files: report.html, e2e.hlog and one .hgrm per whole-run histogram. result.json is written first, and
 * to the temp folder when it cannot be written here, so a failure never loses the run; `pubsub-bench report` can
 * rebuild the rest.
 */
export async function writeRunOutputs(result: RunResult, runDir: string): Promise<RunOutputs> {
  const resultPath = path.join(runDir, 'result.json');
  const reportPath = path.join(runDir, 'report.html');
  const folder = await attemptWrite(runDir, 'run folder', () => ensureDir(runDir));
  const saved = await writeSourceFile(resultPath, result.runId, `${JSON.stringify(result, null, 2)}\n`);
  const failures = failuresOf([folder, saved]);
  const files = saved ? [] : [resultPath];
  // Without its folder nothing else can be written: the saved result.json is all there is.
  if (!folder) {
    const report = await attemptWriteText(reportPath, 'report.html', () => renderReport(result));
    if (report) failures.push(report);
    else files.push(reportPath);
    const exports = await writeHistogramExports(result, runDir);
    files.push(...exports.files);
    failures.push(...exports.failures);
  }
  return { runDir, resultPath: saved?.savedTo ?? resultPath, reportPath, files, failures };
}

/** Writes e2e.hlog and one .hgrm per whole-run histogram into `dir`; returns what was written and what failed. */
export async function writeHistogramExports(result: RunResult, dir: string): Promise<{ files: string[]; failures: WriteFailure[] }> {
  const exports: Array<[string, () => string]> = [
    ['e2e.hlog', () => buildHlog(result)],
    ...Object.entries(HISTOGRAM_FILES).map(([name, key]): [string, () => string] => [name, () => buildHgrm(result.histograms[key])]),
  ];
  const files: string[] = [];
  const failures: WriteFailure[] = [];
  for (const [name, build] of exports) {
    const file = path.join(dir, name);
    const failure = await attemptWriteText(file, name, build);
    if (failure) failures.push(failure);
    else files.push(file);
  }
  return { files, failures };
}

/** What `writeCapacityOutputs` wrote, and what it could not. */
export interface CapacityOutputs {
  /** Where capacity.json is (its copy in the OS temp folder when it could not be written in `dir`). */
  reportPath: string;
  files: string[];
  failures: WriteFailure[];
}

/**
 * Writes capacity.json (the source: the charts and tables can be rebuilt from it) unless `source` is false, then
 * capacity.txt (the terminal table) and capacity.html. `htmlPath` overrides where the HTML goes (`report --out`);
 * the text goes beside it.
 */
export async function writeCapacityOutputs(
  report: CapacityReport, dir: string, opts: { source?: boolean; htmlPath?: string } = {},
): Promise<CapacityOutputs> {
  const jsonPath = path.join(dir, 'capacity.json');
  const htmlPath = opts.htmlPath ?? path.join(dir, 'capacity.html');
  const textPath = path.join(path.dirname(htmlPath), `${path.basename(htmlPath, path.extname(htmlPath))}.txt`);
  const saved = opts.source === false ? null : await writeSourceFile(jsonPath, report.startedAt, `${JSON.stringify(report, null, 2)}\n`);
  const files = opts.source === false || saved ? [] : [jsonPath];
  const failures = failuresOf([saved]);
  for (const [file, what, content] of [
    [textPath, 'capacity.txt', () => `${formatCapacity(report)}\n`],
    [htmlPath, 'capacity.html', () => renderCapacityHtml(report)],
  ] as const) {
    const failure = await attemptWriteText(file, what, content);
    if (failure) failures.push(failure);
    else files.push(file);
  }
  return { reportPath: saved?.savedTo ?? jsonPath, files, failures };
}
