/**
 * Run history of an output folder: after runs are written into it, `updateRunHistory` refreshes index.json,
 * index.html and the `latest` pointer, and prunes with `--keep`. It never throws: the runs are already on disk, and
 * a history that cannot be written is worth a warning, not a failed run.
 */
import path from 'node:path';
import type { RunResult } from '../../core/index.js';
import { renderHistoryPage } from './page.js';
import { INDEX_HTML, INDEX_JSON, buildIndex, pruneRuns, writeAtomic, writeLatest } from './store.js';

export { HISTORY_SCHEMA_VERSION, entryFromResult, isRunResult, type HistoryEntry, type HistoryIndex } from './entry.js';
export { INDEX_HTML, INDEX_JSON, LATEST_LINK, LATEST_TXT, buildIndex, pruneRuns, readIndex, writeLatest } from './store.js';
export { renderHistoryPage } from './page.js';

/** What to update the history with. */
export interface HistoryUpdate {
  /** Runs just written into the folder (their result.json need not be read back). */
  fresh?: Array<{ result: RunResult; runDir: string }>;
  /** Keep only the newest N run folders (`--keep`). */
  keep?: number;
}

/** What an update did. */
export interface HistoryOutcome {
  /** Run folders deleted by `keep`. */
  pruned: string[];
  /** Why part of the history could not be written (empty when all of it was). */
  warnings: string[];
}

/** Prunes (with `keep`), then rewrites index.json, index.html and `latest` of `dir`. Never throws. */
export async function updateRunHistory(dir: string, update: HistoryUpdate = {}): Promise<HistoryOutcome> {
  const warnings: string[] = [];
  let pruned: string[] = [];
  if (update.keep !== undefined) {
    try {
      pruned = await pruneRuns(dir, update.keep);
    } catch (err) {
      warnings.push(`could not prune old runs in ${dir} (--keep ${update.keep}): ${message(err)}`);
    }
  }
  try {
    const fresh = (update.fresh ?? []).filter((f) => path.resolve(path.dirname(f.runDir)) === path.resolve(dir))
      .map((f) => ({ result: f.result, folder: path.basename(f.runDir) }));
    const index = await buildIndex(dir, fresh);
    await writeAtomic(path.join(dir, INDEX_JSON), `${JSON.stringify(index, null, 2)}\n`);
    await writeAtomic(path.join(dir, INDEX_HTML), await renderHistoryPage(index, path.basename(path.resolve(dir))));
    if (index.runs.length > 0) await writeLatest(dir, index.runs[0].folder);
  } catch (err) {
    warnings.push(`could not update the run history (${INDEX_JSON}, ${INDEX_HTML}) in ${dir}: ${message(err)}`);
  }
  return { pruned, warnings };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
