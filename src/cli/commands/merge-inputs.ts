/**
 * Where `merge` finds the segment results: files and folders on disk (a folder may hold one result.json or the
 * folders of several segments), or the results the segments stored in Redis under the run id. Every problem is
 * collected; nothing here merges.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, type Problem } from '../../core/errors.js';
import type { RunResult } from '../../core/result.js';
import { segmentKeys } from '../../core/segment.js';
import type { TargetSpec } from '../../core/target.js';
import type { SegmentInput } from '../../coordinator/merge.js';
import { readRunResult } from '../../reporting/write.js';
import { checkRunResult } from '../../reporting/validate.js';
import { readStoredSegments } from '../../targets/segment-results.js';

/** How deep below a folder result.json files are looked for (a folder of segment folders of run folders). */
const MAX_DEPTH = 3;

/**
 * The result.json files `input` names: itself when a file; the one in it, when a folder holds one; else every
 * result.json up to MAX_DEPTH levels below it, in path order.
 */
async function resultFilesOf(input: string): Promise<string[]> {
  const info = await stat(input).catch(() => null);
  if (!info?.isDirectory()) return [input];
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const own = path.join(dir, 'result.json');
    if ((await stat(own).catch(() => null))?.isFile()) {
      found.push(own);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) await walk(path.join(dir, e.name), depth + 1);
  };
  await walk(input, 0);
  return found;
}

/** Reads every segment result the paths name; one UsageError with every unreadable or non-result file. */
export async function readSegmentFiles(paths: readonly string[]): Promise<SegmentInput[]> {
  const problems: Problem[] = [];
  const inputs: SegmentInput[] = [];
  for (const p of paths) {
    const files = await resultFilesOf(p);
    if (files.length === 0) {
      problems.push({ field: p, message: 'is a folder with no result.json in it or below it', hint: 'pass the segments\' result.json files or the folders they were written to' });
    }
    for (const file of files) {
      try {
        inputs.push({ source: file, result: await readRunResult(file) });
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        problems.push(...err.problems);
      }
    }
  }
  if (problems.length > 0) throw new UsageError(problems, 'Cannot read the segment results');
  return inputs;
}

/** What `merge --from-redis` reads. */
export interface RedisSource {
  spec: TargetSpec;
  /** The URL as given, redacted, for messages. */
  shown: string;
  runId: string;
  count?: number;
  waitMs: number;
  connectTimeoutMs: number;
  onWaiting?: (missing: number[], count: number) => void;
}

/**
 * Reads the results stored under the run id (waiting up to `waitMs` for missing ones). Missing segments are left to
 * the set check (which names them, or lets them go with --allow-partial); a run with no stored result at all fails.
 */
export async function readSegmentsFromRedis(src: RedisSource): Promise<SegmentInput[]> {
  const stored = await readStoredSegments(src.spec, {
    runId: src.runId, count: src.count, waitMs: src.waitMs, connectTimeoutMs: src.connectTimeoutMs, onWaiting: src.onWaiting,
  });
  if (stored.found.size === 0) {
    throw new UsageError([{
      field: '--run-id',
      message: `no segment result of run ${JSON.stringify(src.runId)} is stored in ${src.shown}${src.waitMs > 0 ? ` (waited ${Math.round(src.waitMs / 1000)} s)` : ''}`,
      hint: `segments store their result under ${segmentKeys.result(src.runId, 0)} … when they finish; check the run id and the URL, or wait longer with --wait (or give --segments N)`,
    }], 'Cannot merge');
  }
  const problems: Problem[] = [];
  const inputs: SegmentInput[] = [];
  for (const [index, text] of [...stored.found].sort((a, b) => a[0] - b[0])) {
    const source = `${src.shown} ${segmentKeys.result(src.runId, index)}`;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      problems.push({ field: source, message: `is not valid JSON (${(err as Error).message})`, hint: 're-run that segment' });
      continue;
    }
    const bad = checkRunResult(data, source);
    if (bad.length > 0) problems.push(...bad);
    else inputs.push({ source, result: data as RunResult });
  }
  if (problems.length > 0) throw new UsageError(problems, 'Cannot read the stored segment results');
  // N comes from the results when --segments was not given; a result stored under the wrong index is the check's to name.
  return inputs;
}
