/**
 * The files of a folder's run history: index.json (rebuilt from the run folders' result.json whenever it lags
 * behind the disk), the `latest` pointer, and `--keep` pruning. Only folders holding a pubsub-bench result.json
 * count as runs: nothing else in the folder is ever read as one, or deleted.
 */
import { lstat, readdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunResult } from '../../core/index.js';
import { HISTORY_SCHEMA_VERSION, byNewest, entryFromResult, isRunResult, type HistoryEntry, type HistoryIndex } from './entry.js';

/** File names inside the indexed folder. */
export const INDEX_JSON = 'index.json';
export const INDEX_HTML = 'index.html';
export const LATEST_LINK = 'latest';
export const LATEST_TXT = 'latest.txt';

/** Sub-folders of `dir` that hold a result.json (symlinks are not followed: `latest` is one). */
async function candidateFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const stat = await lstat(path.join(dir, e.name, 'result.json')).catch(() => null);
    if (stat?.isFile()) out.push(e.name);
  }
  return out;
}

/** The folder's result.json when it is a pubsub-bench one, else null (unreadable, not JSON, another tool's). */
async function readResult(dir: string, folder: string): Promise<RunResult | null> {
  try {
    const data: unknown = JSON.parse(await readFile(path.join(dir, folder, 'result.json'), 'utf8'));
    return isRunResult(data) ? data : null;
  } catch {
    return null;
  }
}

/** index.json as last written, or null when missing, unreadable or of another layout version (then rebuilt). */
export async function readIndex(dir: string): Promise<HistoryIndex | null> {
  try {
    const data = JSON.parse(await readFile(path.join(dir, INDEX_JSON), 'utf8')) as Partial<HistoryIndex>;
    return data.schemaVersion === HISTORY_SCHEMA_VERSION && Array.isArray(data.runs) ? (data as HistoryIndex) : null;
  } catch {
    return null;
  }
}

/**
 * The index of `dir` as the disk has it now. Entries of index.json are kept for folders still there (so a large
 * history costs one stat per run, not a parse); folders it lacks are read from their result.json; entries whose
 * folder was deleted by hand are dropped. `fresh` are results just written, used without reading them back.
 */
export async function buildIndex(dir: string, fresh: Array<{ result: RunResult; folder: string }> = []): Promise<HistoryIndex> {
  const previous = await readIndex(dir);
  const known = new Map((previous?.runs ?? []).map((e) => [e.folder, e]));
  for (const f of fresh) known.set(f.folder, entryFromResult(f.result, f.folder));
  const runs: HistoryEntry[] = [];
  for (const folder of await candidateFolders(dir)) {
    const entry = known.get(folder);
    if (entry) {
      runs.push(entry);
      continue;
    }
    const result = await readResult(dir, folder);
    if (result) runs.push(entryFromResult(result, folder));
  }
  return { schemaVersion: HISTORY_SCHEMA_VERSION, updatedAt: new Date().toISOString(), runs: runs.sort(byNewest) };
}

/** Writes `text` beside `file` and renames it into place: a reader (or a crash) never sees half a file. */
export async function writeAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text, 'utf8');
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Points `latest` at the newest run: latest.txt holds its folder name (works everywhere), and a `latest` symlink
 * where the OS allows one (Windows without developer mode does not: latest.txt is the fallback, so that is no
 * error). A `latest` that is a real file or folder is someone's own and left alone.
 */
export async function writeLatest(dir: string, folder: string): Promise<void> {
  await writeAtomic(path.join(dir, LATEST_TXT), `${folder}\n`);
  const link = path.join(dir, LATEST_LINK);
  const existing = await lstat(link).catch(() => null);
  if (existing && !existing.isSymbolicLink()) return;
  const temp = path.join(dir, `.${LATEST_LINK}.${process.pid}.tmp`);
  try {
    await symlink(folder, temp, 'dir');
    await rename(temp, link);
  } catch {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Deletes the oldest run folders of `dir` beyond the newest `keep`; returns the folders deleted. A folder counts
 * as a run only when its result.json parses as a pubsub-bench result (read again here, never trusted from
 * index.json: this decides what is deleted). Anything else in `dir` — other folders, files, symlinks — is kept.
 */
export async function pruneRuns(dir: string, keep: number): Promise<string[]> {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be a whole number of at least 1 (got ${keep})`);
  const runs: Array<{ folder: string; startedAt: string }> = [];
  for (const folder of await candidateFolders(dir)) {
    const result = await readResult(dir, folder);
    if (result) runs.push({ folder, startedAt: result.startedAt });
  }
  runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.folder.localeCompare(a.folder));
  const doomed = runs.slice(keep).map((r) => r.folder);
  for (const folder of doomed) await rm(path.join(dir, folder), { recursive: true, force: true });
  return doomed;
}
