/**
 * One run in three parts: setup (setup.ts: target, plan, workers, confirmed subscriptions) → execute (execute.ts:
 * the phase state machine) → assemble (assemble.ts: a pure function from the recorded worker messages to the
 * RunResult), then the outputs are written. Interrupts (the request's AbortSignal) cut the schedule short but still
 * write what was measured.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunRequest } from '../core/run.js';
import type { RunResult } from '../core/result.js';
import { harnessVersion } from '../core/version.js';
import { describeTestHooks, parseTestHooks } from '../core/test-hooks.js';
import { setClockShift } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { startLocalRedis, type LocalTargetDetails } from '../targets/local.js';
import { initHistogramEngine } from '../metrics/histogram.js';
import { writeRunOutputs, type WriteFailure } from '../reporting/write.js';
import { attemptWriteText } from '../reporting/safe-write.js';
import { updateRunHistory } from '../reporting/history/index.js';
import { assembleResult } from './assemble.js';
import { executeRun } from './execute.js';
import { sampleProcessMemory } from './memory.js';
import { RunRecording, type WorkerFailure } from './recording.js';
import { setupRun, startFleet } from './setup.js';
import { checkSubscriptions } from './preflight.js';
import { SegmentSession } from './segment-session.js';
import { markSegmentResult, segmentInfoOf, segmentRunId } from './segment-result.js';

/** The file beside result.json holding the stacks of harness bugs in workers. */
export const ERROR_LOG = 'errors.log';

/** What a run returns: its result, the folder it was written to, and any file that could not be written. */
export interface RunOutcome {
  result: RunResult;
  runDir: string;
  /** Where result.json is: in runDir, or its copy in the OS temp folder when runDir could not take it. */
  resultPath: string;
  /** Files that could not be written after the run (the command exits 1 and names them). */
  writeFailures: WriteFailure[];
}

/** What a series of runs shares with each of them (series.ts). */
export interface SharedTarget {
  /** The throwaway local server the whole series uses (instead of one per run). */
  local: LocalTargetDetails;
}

/**
 * Runs one benchmark as the request says and writes its outputs. Without a target it starts a throwaway local
 * server for the run, unless a series shares its own.
 */
export async function runBenchmark(req: RunRequest, shared?: SharedTarget): Promise<RunOutcome> {
  const startedAt = new Date();
  const seg = req.segment;
  const runId = seg ? segmentRunId(seg.runId, seg.index, seg.count) : `${startedAt.toISOString().replace(/[:.]/g, '-')}-${req.scenario.name}`;
  await initHistogramEngine();
  if (seg && req.target === null && !shared) {
    throw new UsageError([{ field: '--segment', message: 'needs --target: every segment must load the same Redis', hint: 'add --target redis://host:port (a throwaway local server per segment would be N separate runs)' }]);
  }
  const own = !shared && req.target === null ? await startLocalRedis({ kind: 'single' }) : null;
  const local = shared?.local ?? own;
  const skew = parseTestHooks(process.env).skewClock;
  let session: SegmentSession | null = null;
  try {
    session = seg ? await SegmentSession.open(seg, local ? local.spec : req.target!, req.connectTimeoutMs ?? 5000, skew?.segment === seg.index ? skew.skewUs : 0) : null;
    const setup = await setupRun(req, local, session ? { clockOffsetUs: session.clockStart.offsetUs, clockSkewUs: session.skewUs } : undefined);
    try {
      const recording = new RunRecording(setup.tasks.length, sampleProcessMemory);
      const global = setup.global;
      if (session && global) await session.checkDigest(global.digest);
      let startUs = 0;
      // A segment meets the others once its subscriptions are confirmed, then checks the server for the whole run's.
      const meet = session && global ? async (): Promise<string[]> => {
        startUs = await session!.barrier(global.digest, req.signal);
        return [...setup.notes, ...await checkSubscriptions(setup.control, global.plan, req.scenario.channels.sharded)];
      } : undefined;
      const { pool, notes } = await startFleet(setup, recording, req.signal, meet);
      const execution = await executeRun(req, setup, pool, recording, runId, session ? { session, startUs } : undefined);
      await session?.measureEnd();
      // Put back before the result is built, so a failed restore is in its warnings.
      const restoreProblems = (await setup.bufferLimit?.restore()) ?? [];
      for (const p of restoreProblems) req.onWarning?.(p);
      const streams = setup.streams ? await setup.streams.finish() : undefined;
      const result = assembleResult({
        runId, startedAt, endedAt: new Date(), scenario: req.scenario, plan: setup.plan,
        snapshots: recording.snapshots, failures: recording.failures, intervalMs: setup.intervalMs,
        target: setup.target, info: setup.info, repliesComparable: setup.repliesComparable, subscriptionNotes: notes,
        versions: { harness: harnessVersion(), node: process.versions.node, redis: setup.info.redisVersion, ...(await gitCommit()) },
        thresholds: req.thresholds ?? [], hookWarnings: [...describeTestHooks(process.env), ...restoreProblems, ...(streams?.warnings ?? [])], ...execution, rateShare: setup.rateShare,
        ...(streams?.report ? { streams: streams.report } : {}),
      });
      if (session && seg && global) {
        markSegmentResult(result, segmentInfoOf({
          index: seg.index, count: seg.count, runId: seg.runId, planDigest: global.digest, host: session.host,
          clockStart: session.clockStart, clockEnd: session.clockEnd, plan: setup.plan, snapshots: recording.snapshots,
        }), execution.remoteAbort);
      }
      const written = await writeRunOutputs(result, join(req.outDir, runId));
      const errorLog = await writeErrorLog(written.runDir, recording.failures);
      // The folder's index.html, index.json and `latest`: a warning at worst, the run itself is already written.
      const history = await updateRunHistory(req.outDir, { fresh: [{ result, runDir: written.runDir }] });
      for (const warning of history.warnings) req.onWarning?.(warning);
      // For `merge --from-redis`: a failure here loses nothing on disk, so it is a warning.
      await session?.storeResult(JSON.stringify(result)).catch((err: unknown) => req.onWarning?.(`could not store the segment result in Redis: ${err instanceof Error ? err.message : String(err)}`));
      return { result, runDir: written.runDir, resultPath: written.resultPath, writeFailures: [...written.failures, ...(errorLog ? [errorLog] : [])] };
    } finally {
      // Also when the run failed or was interrupted (restore runs once, so the normal path does not repeat it).
      await setup.bufferLimit?.restore();
      await setup.streams?.cleanUp();
      await setup.control.close();
    }
  } catch (err) {
    // A segment that fails stops the others (they write their results marked interrupted).
    await session?.abort(err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    await session?.close();
    if (session) setClockShift(0);
    await own?.stop();
  }
}

/** Writes errors.log beside result.json when a worker failed with a stack (a harness bug): what a bug report needs. */
async function writeErrorLog(runDir: string, failures: readonly WorkerFailure[]): Promise<WriteFailure | null> {
  const withStack = failures.filter((f) => f.stack);
  if (withStack.length === 0) return null;
  const text = withStack.map((f) => `internal error in worker ${f.workerId}${f.crashed ? ' (the thread crashed)' : ''}:\n${f.stack}\n`).join('\n');
  return attemptWriteText(join(runDir, ERROR_LOG), ERROR_LOG, () => text);
}

/** The commit of the git repository in the working folder, if any (for the report's metadata). */
async function gitCommit(): Promise<{ gitCommit?: string }> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { timeout: 2000 });
    const sha = stdout.trim();
    return /^[0-9a-f]{40}$/.test(sha) ? { gitCommit: sha } : {};
  } catch {
    return {};
  }
}
