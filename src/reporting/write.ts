/**
 * Writes a run's folder: result.json (the source of truth) first, then everything derived from it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunResult } from '../core/index.js';
import { HISTOGRAM_FILES, buildHgrm, buildHlog } from './hdr.js';

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
  const files: string[] = [];
  const write = async (name: string, content: string): Promise<string> => {
    const file = path.join(runDir, name);
    await writeFile(file, content, 'utf8');
    files.push(file);
    return file;
  };
  const resultPath = await write('result.json', JSON.stringify(result, null, 2) + '\n');
  const reportPath = path.join(runDir, 'report.html');
  await writeDerivedFiles(result, write);
  return { resultPath, reportPath, files };
}

/** Writes the files rebuilt from result.json alone (also used by `pubsub-bench report`). */
async function writeDerivedFiles(result: RunResult, write: (name: string, content: string) => Promise<string>): Promise<void> {
  await write('e2e.hlog', buildHlog(result));
  for (const [name, key] of Object.entries(HISTOGRAM_FILES)) await write(name, buildHgrm(result.histograms[key]));
}
