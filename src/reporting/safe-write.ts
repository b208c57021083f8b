/**
 * Writes made after a measurement: each one is attempted on its own and its failure returned, never thrown, so one
 * file that cannot be written (a full disk, a folder made read-only meanwhile, a bug in a renderer) neither stops the
 * others nor loses the run. The source files (result.json, capacity.json) fall back to the OS temp folder.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Problem } from '../core/errors.js';
import { parseTestHooks } from '../core/test-hooks.js';

/** A file that could not be written after a run. */
export interface WriteFailure {
  /** The file (or folder) that was not written. */
  path: string;
  /** What it is, for messages: 'result.json', 'JUnit XML (--junit)'. */
  what: string;
  /** Why, e.g. "EACCES: permission denied, open '…'". */
  message: string;
  /** Where the content was saved instead (result.json and capacity.json only). */
  savedTo?: string;
}

/** Fails a write the armed test hook names (PUBSUB_BENCH_TEST_FAIL_WRITE), as a real EACCES would. */
function failIfHooked(file: string): void {
  const names = parseTestHooks(process.env).failWrites;
  if (!names?.includes(path.basename(file))) return;
  throw Object.assign(new Error(`EACCES: permission denied, open '${file}' (test hook PUBSUB_BENCH_TEST_FAIL_WRITE)`), { code: 'EACCES' });
}

/** Runs `write` for `file`; returns the failure instead of throwing it. */
export async function attemptWrite(file: string, what: string, write: () => Promise<unknown>): Promise<WriteFailure | null> {
  try {
    failIfHooked(file);
    await write();
    return null;
  } catch (err) {
    return { path: file, what, message: err instanceof Error ? err.message : String(err) };
  }
}

/** Writes the text `content` returns (a renderer may throw too) to `file`; returns the failure, if any. */
export function attemptWriteText(file: string, what: string, content: () => string | Promise<string>): Promise<WriteFailure | null> {
  return attemptWrite(file, what, async () => writeFile(file, await content(), 'utf8'));
}

/** A file name from a run id or time: letters, digits, dots, dashes and underscores only. */
const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);

/**
 * Writes a source file (result.json, capacity.json) to `file`; when that fails, to
 * `<os temp>/pubsub-bench-<id>-<basename>` instead, recorded in the failure's `savedTo`.
 */
export async function writeSourceFile(file: string, id: string, text: string): Promise<WriteFailure | null> {
  const failure = await attemptWriteText(file, path.basename(file), () => text);
  if (!failure) return null;
  const fallback = path.join(tmpdir(), `pubsub-bench-${safeName(id)}-${path.basename(file)}`);
  try {
    await writeFile(fallback, text, 'utf8');
    return { ...failure, savedTo: fallback };
  } catch (err) {
    return { ...failure, message: `${failure.message}; the copy in ${fallback} failed too (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** Failures of a group of writes, nulls dropped. */
export const failuresOf = (attempts: ReadonlyArray<WriteFailure | null>): WriteFailure[] =>
  attempts.filter((f): f is WriteFailure => f !== null);

/** A write failure as a problem of `flag`, for commands that measured nothing (only the file is at stake). */
export const writeFailureProblem = (f: WriteFailure, flag: string): Problem => ({
  field: flag, message: `could not write ${f.path}: ${f.message}`, hint: `give ${flag} a file in a folder you can write to`,
});
