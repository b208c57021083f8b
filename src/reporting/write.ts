/**
 * Writes a run's folder: result.json (the source of truth) first, then everything derived from it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunResult } from '../core/index.js';
import { HISTOGRAM_FILES, buildHgrm, buildHlog } from './hdr.js';
import { renderReport } from './html/index.js';

export { readRunResult } from './validate.js';

/** Paths written by `writeRunOutputs`. */
export interface RunOutputs {
  /** `<runDir>/result.json`. */
  resultPath: string;
  /** `<runDir>/report.html`. */
  reportPath: string;
  /** Every file written, result.json first. */
  files: string[];
}

/**
 * Creates `runDir` and writes result.json (pretty-printed, keys in the order the result was built), then the
 * derived files: report.html, e2e.hlog and one .hgrm per whole-run histogram. result.json is written first so a
 * failure in a derived file never loses the run; `pubsub-bench report` can rebuild the rest.
 */
export async function writeRunOutputs(result: RunResult, runDir: string): Promise<RunOutputs> {
  await mkdir(runDir, { recursive: true });
  const resultPath = path.join(runDir, 'result.json');
  await writeFile(resultPath, JSON.stringify(result, null, 2) + '\n', 'utf8');
  const reportPath = path.join(runDir, 'report.html');
  await writeFile(reportPath, await renderReport(result), 'utf8');
  const exports = await writeHistogramExports(result, runDir);
  return { resultPath, reportPath, files: [resultPath, reportPath, ...exports] };
}

/** Writes e2e.hlog and one .hgrm per whole-run histogram into `dir`; returns their paths. */
export async function writeHistogramExports(result: RunResult, dir: string): Promise<string[]> {
  const files = [path.join(dir, 'e2e.hlog')];
  await writeFile(files[0], buildHlog(result), 'utf8');
  for (const [name, key] of Object.entries(HISTOGRAM_FILES)) {
    const file = path.join(dir, name);
    await writeFile(file, buildHgrm(result.histograms[key]), 'utf8');
    files.push(file);
  }
  return files;
}
