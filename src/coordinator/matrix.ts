/**
 * A matrix: its variants run one after another through the series runner (one target, a throwaway local server
 * started once), each with fresh worker threads and connections, then one comparison is written.
 */
import { join } from 'node:path';
import type { RunRequest } from '../core/run.js';
import { compareResults, formatComparison } from '../reporting/compare.js';
import { renderCompareReport } from '../reporting/html/index.js';
import { attemptWriteText, failuresOf, type WriteFailure } from '../reporting/safe-write.js';
import { runEntries, withSeries, type SeriesEntry, type SeriesRun } from './series.js';

/** One variant to run. */
export type MatrixEntry = SeriesEntry;

/** What a matrix run returns. */
export interface MatrixOutcome {
  /** Folder holding every variant's run folder, compare.html and compare.txt. */
  dir: string;
  runs: SeriesRun[];
  /** The comparison table (plain text). */
  table: string;
  /** True when an interrupt stopped the matrix (the variants run so far are still compared). */
  interrupted: boolean;
  /** compare.html / compare.txt when they could not be written (each variant's own failures are on its run). */
  writeFailures: WriteFailure[];
}

/** Runs every entry in turn with the shared settings of `base`. */
export async function runMatrix(entries: MatrixEntry[], base: Omit<RunRequest, 'scenario'>, onVariant?: (i: number, label: string) => void): Promise<MatrixOutcome> {
  const { dir, runs, interrupted } = await withSeries({ kind: 'matrix', base }, async (series) => {
    const done = await runEntries(series, entries, (i, e) => onVariant?.(i, e.label));
    return { dir: series.dir, runs: done, interrupted: series.interrupted };
  });
  let table = '';
  const writeFailures: WriteFailure[] = [];
  if (runs.length >= 2) {
    const results = runs.map((r) => r.result);
    const labels = runs.map((r) => r.label);
    table = formatComparison(compareResults(results, labels, { scenariosVary: true }));
    writeFailures.push(...failuresOf([
      await attemptWriteText(join(dir, 'compare.html'), 'compare.html', () => renderCompareReport(results, labels, { scenariosVary: true })),
      await attemptWriteText(join(dir, 'compare.txt'), 'compare.txt', () => `${table}\n`),
    ]));
  }
  return { dir, runs, table, interrupted, writeFailures };
}
