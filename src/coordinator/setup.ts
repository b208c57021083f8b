/**
 * The first part of a run: the target (control connection, INFO, what its connections can do), the fleet plan and
 * the worker tasks; then `startFleet` starts the worker threads and waits until every subscription is confirmed by
 * the workers and visible on the server.
 */
import { randomBytes } from 'node:crypto';
import type { RunRequest } from '../core/run.js';
import type { TargetDescription, TargetSpec } from '../core/target.js';
import { BenchError, ExitCode, TargetError, UsageError } from '../core/errors.js';
import { WORKER_PROTOCOL_VERSION as V, type WorkerTask } from '../core/messages.js';
import { createConnectionFactory } from '../targets/connection.js';
import { describeTarget } from '../targets/url.js';
import type { LocalTargetDetails } from '../targets/local.js';
import { repliesComparable, type ControlConnection, type TargetInfo } from '../targets/types.js';
import { planFleet, rateShareOf, type FleetPlan } from './plan.js';
import { planDigest, runTagOf, segmentPlan } from './segment-plan.js';
import { harnessVersion } from '../core/version.js';
import { WorkerPool } from './pool.js';
import { checkResp, checkSubscriptions, checkTargetKind } from './preflight.js';
import { checkPermissions } from './preflight-acl.js';
import { preflightLoad } from './preflight-load.js';
import type { RunRecording, WorkerFailure } from './recording.js';
import { waitFor } from './wait.js';
import { applyPubsubLimit, type AppliedPubsubLimit } from '../targets/config-limit.js';
import { registerExitCleanup } from './exit-cleanup.js';
import { hostPort } from '../targets/url.js';
import { checkStreamsTarget, RunStreams, usesStreams } from './streams.js';

/** What setup found and decided. */
export interface RunSetup {
  spec: TargetSpec;
  /** The throwaway local server the run uses, when it has one (chaos `restart` needs it). */
  local: LocalTargetDetails | null;
  control: ControlConnection;
  info: TargetInfo;
  target: TargetDescription;
  /** Whether Σ PUBLISH replies count every receiver for this run (the factory says, for sharded or not). */
  repliesComparable: boolean;
  plan: FleetPlan;
  tasks: WorkerTask[];
  intervalMs: number;
  connectTimeoutMs: number;
  /** Notes of the permission check (what the fleets' users may not do, but the run can do without). */
  notes: string[];
  /** The output-buffer limit set for this run (`pubsubBufferLimit`); restore it when the run ends. */
  bufferLimit: AppliedPubsubLimit | null;
  /** In a segment: the whole run's plan (`plan` is this segment's share) and its digest. */
  global?: { plan: FleetPlan; digest: string };
  /** In a segment: the share of the offered load its publishers send (the run's target rate × this is its own). */
  rateShare?: number;
  /** Transport 'streams': the run's streams (group check, footprint, clean-up); null for pub/sub. */
  streams: RunStreams | null;
}

/** A segment's clock, which every worker thread applies (core/clock.ts). */
export interface SegmentClock {
  clockOffsetUs: number;
  clockSkewUs: number;
}

/** Opens the control connection, reads the target and plans the fleet. The caller closes `control`. */
export async function setupRun(req: RunRequest, local: LocalTargetDetails | null, clock?: SegmentClock): Promise<RunSetup> {
  const intervalMs = req.intervalMs ?? 1000;
  const connectTimeoutMs = req.connectTimeoutMs ?? 5000;
  const spec = local ? local.spec : req.target!;
  const factory = createConnectionFactory(spec);
  const control = await factory.openControl(connectTimeoutMs);
  let bufferLimit: AppliedPubsubLimit | null = null;
  try {
    const info = await control.info();
    checkTargetKind(spec, info);
    checkStreamsTarget(req.scenario, spec, req.segment !== undefined);
    checkResp(req.scenario, info);
    const target = { ...describeTarget(spec, local !== null), redisVersion: info.redisVersion };
    const seg = req.segment;
    // A segment plans the whole run, keeps its share, and takes the run tag from the run id (see segment-plan.ts).
    const globalPlan = seg ? planFleet(req.scenario, 1) : undefined;
    const plan = seg && globalPlan ? segmentPlan(globalPlan, seg.index, seg.count, req.workers, req.scenario.publishers.rate === 'max') : planFleet(req.scenario, req.workers);
    const runTag = seg ? runTagOf(seg.runId) : randomBytes(4).readUInt32LE(0);
    const segmentTask = seg ? { segment: { index: seg.index, count: seg.count, clockOffsetUs: clock?.clockOffsetUs ?? 0, clockSkewUs: clock?.clockSkewUs ?? 0 } } : {};
    const tasks: WorkerTask[] = plan.perWorker.map((w, workerId) => ({
      v: V, workerId, runTag, scenario: req.scenario, target: spec, channelNames: plan.channelNames,
      receiversPerChannel: plan.receiversPerChannel, publishers: w.publishers, subscribers: w.subscribers,
      ...(w.backgroundPatterns?.length ? { backgroundPatterns: w.backgroundPatterns } : {}),
      intervalMs, connectTimeoutMs, ...segmentTask,
    }));
    const global = seg && globalPlan
      ? { plan: globalPlan, digest: planDigest(req.scenario, globalPlan, seg.count, { harness: harnessVersion(), protocol: V }) }
      : undefined;
    const streams = usesStreams(req.scenario) ? new RunStreams(spec, plan, runTag, req.scenario, connectTimeoutMs) : null;
    // An XADD reply is an entry id, not a receiver count: nothing to compare with the plan.
    const comparable = !streams && repliesComparable(factory.capabilities, req.scenario.channels.sharded);
    const notes = await checkPermissions(control, spec, plan, req.scenario, info.redisVersion, connectTimeoutMs, runTag);
    // Before the load preflight, which judges the plan against the limit in force. In a split run segment 0 sets it
    // for the server all segments share.
    bufferLimit = seg && seg.index !== 0 ? null : await setBufferLimit(req, spec, info, local !== null, connectTimeoutMs);
    if (bufferLimit) notes.push(bufferLimit.note);
    // The load a subscriber receives comes from every segment's publishers: weigh the whole run's plan. (Not for
    // streams: the burst estimate is about the pubsub output-buffer limit; a stream reader asks for what it can take.)
    if (!streams) notes.push(...await preflightLoad(req, spec, info, global?.plan ?? plan, local !== null, connectTimeoutMs));
    return {
      spec, local, control, info, target, repliesComparable: comparable, plan, tasks, intervalMs, connectTimeoutMs, notes, bufferLimit, streams,
      ...(global ? { global, rateShare: rateShareOf(req.scenario, plan) } : {}),
    };
  } catch (err) {
    await bufferLimit?.restore();
    await control.close();
    throw err;
  }
}

/**
 * Sets the scenario's `pubsubBufferLimit` on every master, with an undo that also runs on a hard exit (a second
 * Ctrl-C). A --target needs `allowConfigSet` (the CLI refuses earlier with a hint; this guards other callers).
 */
async function setBufferLimit(req: RunRequest, spec: TargetSpec, info: TargetInfo, local: boolean, connectTimeoutMs: number): Promise<AppliedPubsubLimit | null> {
  const limit = req.scenario.pubsubBufferLimit;
  if (!limit) return null;
  if (!local && !req.allowConfigSet) {
    throw new UsageError([{ field: '--pubsub-buffer-limit', message: "would change the --target's client-output-buffer-limit, and --allow-config-set was not given", hint: 'add --allow-config-set' }]);
  }
  const nodes = info.mode === 'cluster' ? info.masters : spec.nodes.map(hostPort);
  const applied = await applyPubsubLimit(spec, nodes, limit, connectTimeoutMs, local);
  const unregister = registerExitCleanup(applied.restore);
  return { note: applied.note, restore: () => applied.restore().finally(unregister) };
}

/**
 * Starts one worker thread per task and waits until every worker has confirmed its subscriptions and the server
 * shows them. Returns the pool and the notes of the subscription check; on failure the pool is closed and the
 * error says which worker failed and why (a refused connection or subscription exits 3, a harness bug 1).
 */
export async function startFleet(
  setup: RunSetup, recording: RunRecording, signal: AbortSignal | undefined, afterReady?: () => Promise<string[]>,
): Promise<{ pool: WorkerPool; notes: string[] }> {
  const pool = new WorkerPool(setup.tasks, (msg) => recording.record(msg));
  pool.done.forEach((p, i) => void p.then((err) => err && recording.crashed(i, err)));
  try {
    const readyDeadlineMs = setup.connectTimeoutMs + 50 * setup.plan.subscriptions + 5000;
    await waitFor(() => recording.allReady || recording.failed, readyDeadlineMs, signal);
    if (recording.failed) throw setupFailure(recording.failures[0]);
    if (signal?.aborted) throw new TargetError('Interrupted before the run started.');
    if (!recording.allReady) throw new TargetError(`Subscribers did not confirm their subscriptions within ${readyDeadlineMs} ms.`);
    if (recording.confirmedSubscriptions !== setup.plan.subscriptions) {
      throw new TargetError(`The workers confirmed ${recording.confirmedSubscriptions} subscriptions, the plan made ${setup.plan.subscriptions}.`);
    }
    // A segment meets the others first (afterReady), and checks the server against the whole run's plan then.
    const notes = afterReady
      ? await afterReady()
      : setup.streams
        ? await setup.streams.checkGroups()
        : await checkSubscriptions(setup.control, setup.plan, setup.tasks[0]?.scenario.channels.sharded ?? false);
    return { pool, notes: [...setup.notes, ...notes] };
  } catch (err) {
    pool.broadcast({ type: 'finish', v: V });
    await Promise.race([Promise.all(pool.done), new Promise((r) => setTimeout(r, 10_000).unref())]);
    await pool.close(true);
    throw err;
  }
}

/** A worker failure before the run started, as the error the CLI reports (with the worker's stack, if any). */
export function setupFailure(f: WorkerFailure): BenchError {
  if (f.exitCode === ExitCode.target) return new TargetError(`Could not set up the fleet: worker ${f.workerId}: ${f.message}`);
  // A setting the target's data path cannot do (found when connecting, e.g. churn without UNSUBSCRIBE): bad input.
  if (f.exitCode === ExitCode.usage) return new BenchError(f.message, ExitCode.usage);
  const err = new BenchError(`internal error in worker ${f.workerId}: ${f.message}`, f.exitCode === ExitCode.ok ? ExitCode.internal : f.exitCode);
  if (f.stack) err.stack = `${err.name}: ${err.message}\n--- in worker ${f.workerId}:\n${f.stack}`;
  return err;
}
