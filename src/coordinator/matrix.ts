/**
 * Runs the variants of a matrix one after another against the same target (a throwaway local server is started once
 * and shared), each with fresh worker threads and connections, then writes one comparison.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRequest } from '../core/run.js';
import type { Scenario } from '../core/scenario.js';
import { compareResults, formatComparison } from '../reporting/compare.js';
import { renderCompareReport } from '../reporting/html/index.js';
import { startLocalRedis } from '../targets/local.js';
import { runBenchmark, type RunOutcome } from './run.js';

/** One variant to run. */
export interface MatrixEntry {
  label: string;
  scenario: Scenario;
}

/** What a matrix run returns. */
export interface MatrixOutcome {
  /** Folder holding every variant's run folder, compare.html and compare.txt. */
  dir: string;
  runs: Array<RunOutcome & { label: string }>;
  /** The comparison table (plain text). */
  table: string;
  /** True when an interrupt stopped the matrix (the variants run so far are still compared). */
  interrupted: boolean;
}

/** Runs every entry in turn with the shared settings of `base`. */
export async function runMatrix(entries: MatrixEntry[], base: Omit<RunRequest, 'scenario'>, onVariant?: (i: number, label: string) => void): Promise<MatrixOutcome> {
  const dir = join(base.outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-matrix`);
  await mkdir(dir, { recursive: true });
  const local = base.target === null ? await startLocalRedis({ kind: 'single' }) : null;
  const runs: MatrixOutcome['runs'] = [];
  let interrupted = false;
  try {
    for (const [i, entry] of entries.entries()) {
      if (base.signal?.aborted) {
        interrupted = true;
        break;
      }
      onVariant?.(i, entry.label);
      const outcome = await runBenchmark({ ...base, scenario: entry.scenario, target: local ? local.spec : base.target, outDir: dir });
      runs.push({ ...outcome, label: entry.label });
      if (outcome.result.interrupted) {
        interrupted = true;
        break;
      }
    }
  } finally {
    await local?.stop();
  }
  let table = '';
  if (runs.length >= 2) {
    const results = runs.map((r) => r.result);
    const labels = runs.map((r) => r.label);
    table = formatComparison(compareResults(results, labels));
    await writeFile(join(dir, 'compare.html'), await renderCompareReport(results, labels), 'utf8');
    await writeFile(join(dir, 'compare.txt'), `${table}\n`, 'utf8');
  }
  return { dir, runs, table, interrupted };
}
