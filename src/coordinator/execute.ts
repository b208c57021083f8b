/**
 * The middle part of a run: a small phase state machine over a started fleet.
 *
 *   start ──▶ scheduled (warmup, then measure) ──▶ draining ──▶ finishing ──▶ done
 *                  │ interrupt / early abort / a worker failed: stop publishing, then drain (shorter on interrupt)
 *
 * Worker messages reach the RunRecording through its one handler; this file only reads what it recorded, keeps a
 * live aggregate for the progress line, the early abort and the drain, and runs chaos and server telemetry around
 * the schedule. Everything it started is stopped before it returns or throws.
 */
import type { RunRequest } from '../core/run.js';
import { DEFAULT_ABORT_GRACE_MS } from '../core/run.js';
import { WORKER_PROTOCOL_VERSION as V } from '../core/messages.js';
import { nowUs } from '../core/clock.js';
import { RunAggregator } from '../metrics/aggregate.js';
import { openCostProbe, startTelemetry, type CostProbe, type TelemetrySampler } from '../targets/telemetry.js';
import type { NodeCostCounters } from '../metrics/server-cost.js';
import type { RunSchedule } from './assemble.js';
import { ChaosRunner, type FiredChaos } from './chaos.js';
import { RunGates, type ThresholdAbort } from './gates.js';
import { offeredLoadOf, targetRateOf } from './plan.js';
import type { WorkerPool } from './pool.js';
import { formatProgress } from './progress.js';
import { LiveIntervals } from './live-intervals.js';
import type { RunRecording } from './recording.js';
import type { RunSetup } from './setup.js';
import { stopServerWatch, type ServerWatch } from './telemetry.js';
import { abortable, waitFor } from './wait.js';
import type { SegmentSession } from './segment-session.js';

/** Lead time between 'start' and the first scheduled message, so every worker has the message before it matters. */
const START_LEAD_US = 200_000;
/** Snapshot interval while draining, so the drain ends soon after the last delivery. */
const DRAIN_INTERVAL_MS = 100;
/** Longest wait for the final snapshots, then for the threads to end, once 'finish' was sent. */
const FINISH_WAIT_MS = 10_000;

/** The phases of a started run. */
export type RunPhase = 'scheduled' | 'draining' | 'finishing' | 'done';

/** The phases each phase may move to: a drain or a finish never runs twice, and nothing follows 'done'. */
const NEXT: Record<RunPhase, readonly RunPhase[]> = { scheduled: ['draining', 'finishing'], draining: ['finishing'], finishing: ['done'], done: [] };

/** What the execution leaves for assemble. */
export interface Execution {
  schedule: RunSchedule;
  interrupted: boolean;
  thresholdAbort?: ThresholdAbort;
  /** CPU the harness process used over the run, as a share of one core. */
  processCpuCores: number;
  server: ServerWatch;
  chaos?: FiredChaos[];
  /** Server-cost counters read at measure start and after the drain (absent when either reading failed). */
  serverCost?: ServerCostWindow;
  /** In a segment: why another segment stopped the run (the run is then `interrupted` too). */
  remoteAbort?: string;
}

/**
 * A segment's part in the run: the common start from the barrier, and the session whose heartbeat carries the
 * progress, the global drain and the abort key. Server telemetry and server cost run on segment 0 only: they read
 * the whole server, whose cost merge divides by every segment's messages.
 */
export interface SegmentExecution {
  session: SegmentSession;
  startUs: number;
}

/** The two server-cost snapshots and how far apart they were. */
export interface ServerCostWindow {
  start: NodeCostCounters[];
  end: NodeCostCounters[];
  windowMs: number;
  warnings: string[];
}

/**
 * Runs the schedule on a fleet whose subscriptions are confirmed; closes the pool, chaos and telemetry.
 * @param runId names the run to the request's live sinks
 */
export async function executeRun(
  req: RunRequest, setup: RunSetup, pool: WorkerPool, recording: RunRecording, runId = '', segment?: SegmentExecution,
): Promise<Execution> {
  const cpuStart = process.cpuUsage();
  const wallStartUs = nowUs();
  let chaos: ChaosRunner | null = null;
  let telemetry: TelemetrySampler | null = null;
  let probe: CostProbe | null = null;
  try {
    if (req.chaos && req.chaos.length > 0) chaos = await ChaosRunner.open(req.chaos, setup.spec, setup.info.masters, setup.local, setup.connectTimeoutMs);
    const run = new ScheduledRun(req, setup, pool, recording, runId, segment);
    // Server-side readings describe the whole server: in a split run segment 0 alone takes them.
    const serverSide = !segment || segment.session.req.index === 0;
    if (serverSide) telemetry = startTelemetry(setup.spec, { nodes: setup.info.masters, originUs: run.schedule.startUs, intervalMs: setup.intervalMs, connectTimeoutMs: setup.connectTimeoutMs });
    // Server cost: one snapshot exactly at measure start (before 'start' without a warmup, so every measured PUBLISH
    // is inside), one after the drain (publishing stops at measure end, so the window holds every measured call).
    probe = serverSide ? await openCostProbe(setup.spec, setup.info.masters, setup.connectTimeoutMs) : null;
    const costProbe = probe;
    let costStart: Promise<{ counters: NodeCostCounters[]; atUs: number }>;
    const snap = async (): Promise<{ counters: NodeCostCounters[]; atUs: number }> => ({ counters: costProbe ? await costProbe.snapshot() : [], atUs: nowUs() });
    let costTimer: NodeJS.Timeout | undefined;
    let startTaken = req.scenario.warmupMs === 0;
    if (!costProbe) costStart = Promise.resolve({ counters: [], atUs: 0 });
    else if (startTaken) {
      costStart = snap();
      await costStart;
    } else {
      costStart = new Promise((resolve) => {
        costTimer = setTimeout(() => {
          startTaken = true;
          resolve(snap());
        }, Math.max(0, (run.schedule.measureStartUs - nowUs()) / 1000));
      });
    }
    run.start();
    chaos?.arm(run.schedule.measureStartUs);
    let costEnd: { counters: NodeCostCounters[]; atUs: number } | undefined;
    try {
      await run.scheduled();
      await run.drain();
      // Ended during warmup: the start snapshot never came, and there is no measure phase to cost.
      if (startTaken) costEnd = await snap();
    } finally {
      clearTimeout(costTimer);
      await run.finish();
    }
    const started = costEnd ? await costStart : undefined;
    const serverCost: ServerCostWindow | undefined = costEnd && started && started.counters.length > 0
      ? { start: started.counters, end: costEnd.counters, windowMs: (costEnd.atUs - Math.max(started.atUs, run.schedule.measureStartUs)) / 1000, warnings: [] }
      : undefined;
    const cpu = process.cpuUsage(cpuStart);
    const remoteAbort = segment?.session.remoteAbort ?? undefined;
    return {
      schedule: run.schedule, interrupted: run.interrupted, ...(run.gates.aborted ? { thresholdAbort: run.gates.aborted } : {}),
      processCpuCores: (cpu.user + cpu.system) / (nowUs() - wallStartUs),
      server: await stopServerWatch(telemetry),
      ...(chaos ? { chaos: await chaos.stop() } : {}),
      ...(serverCost && costProbe ? { serverCost: { ...serverCost, warnings: [...costProbe.problems] } } : {}),
      ...(remoteAbort ? { remoteAbort } : {}),
    };
  } finally {
    // A fault in progress (a restart) must end before the local server is stopped, or its new pid could escape.
    await chaos?.stop();
    await telemetry?.stop();
    await probe?.close();
    await pool.close(true);
  }
}

/** The state machine of one scheduled run. */
class ScheduledRun {
  private phase: RunPhase = 'scheduled';
  interrupted = false;
  readonly schedule: RunSchedule;
  readonly gates: RunGates;
  /** The live aggregate: progress line, early abort, drain. assemble.ts builds the result's own from the recording. */
  private readonly live: RunAggregator;
  /** Completed intervals to the request's live sinks (--metrics-out, --prometheus-port), when it has any. */
  private readonly intervals: LiveIntervals | null;

  constructor(
    private readonly req: RunRequest, private readonly setup: RunSetup, private readonly pool: WorkerPool, private readonly recording: RunRecording, runId: string,
    private readonly segment?: SegmentExecution,
  ) {
    const startUs = segment ? segment.startUs : nowUs() + START_LEAD_US;
    const measureStartUs = startUs + req.scenario.warmupMs * 1000;
    this.schedule = { startUs, measureStartUs, measureEndUs: measureStartUs + req.scenario.durationMs * 1000 };
    this.live = new RunAggregator({
      scheduleStartUs: startUs, measureStartUs, measureEndUs: this.schedule.measureEndUs, intervalMs: setup.intervalMs,
      targetRate: targetRateOf(req.scenario, setup.rateShare), offeredLoad: offeredLoadOf(req.scenario, startUs, setup.rateShare),
    });
    this.gates = new RunGates(req.thresholds ?? [], req.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS);
    this.intervals = req.liveSinks && req.liveSinks.length > 0 ? new LiveIntervals({
      runId, scenario: req.scenario.name, variant: req.label ?? '', workers: recording.workers,
      isGone: (id) => recording.failures.some((f) => f.workerId === id),
      scheduleStartUs: startUs, intervalMs: setup.intervalMs, timeline: () => this.live.timeline(), sinks: req.liveSinks,
      onSinkError: (err) => req.onWarning?.(`live metrics: a sink failed and was dropped for this run (${err instanceof Error ? err.message : String(err)}); result.json still gets every number`),
    }) : null;
    recording.onSnapshot = (s) => {
      this.live.addSnapshot(s.message, s.memory);
      this.intervals?.add(s.message);
    };
    if (segment) {
      segment.session.progress = () => {
        const t = this.live.totals();
        return { publishingDone: this.recording.allPublishingDone, expected: t.expectedMeasured, delivered: t.deliveredMeasured };
      };
      segment.session.startHeartbeat();
    }
  }

  start(): void {
    const { startUs, measureStartUs, measureEndUs } = this.schedule;
    this.pool.broadcast({ type: 'start', v: V, startUs, measureStartUs, measureEndUs });
  }

  /** Warmup and measure: until the schedule ends, or an interrupt, a failed threshold or a failed worker ends it early. */
  async scheduled(): Promise<void> {
    const { req, schedule } = this;
    const progress = setInterval(() => req.onProgress?.(formatProgress(this.live, schedule.startUs, schedule.measureStartUs, schedule.measureEndUs, req.scenario)), 1000);
    try {
      const session = this.segment?.session;
      const endedEarly = await abortable((schedule.measureEndUs - nowUs()) / 1000, req.signal,
        () => this.recording.failed || session?.remoteAbort != null || this.gates.shouldAbort(this.live, schedule.measureStartUs, this.setup.repliesComparable));
      if (endedEarly) {
        this.interrupted = (req.signal?.aborted ?? false) || session?.remoteAbort != null;
        // This segment ended early on its own: the others must stop too.
        if (session && session.remoteAbort == null) {
          await session.abort(req.signal?.aborted ? 'interrupted' : this.recording.failed ? `a worker failed: ${this.recording.failures[0]?.message ?? ''}` : 'stopped early');
        }
        schedule.measureEndUs = Math.max(schedule.measureStartUs, Math.min(schedule.measureEndUs, nowUs()));
        this.live.setMeasureEndUs(schedule.measureEndUs);
        this.pool.broadcast({ type: 'stop-publishing', v: V });
      }
    } finally {
      clearInterval(progress);
    }
  }

  /** Draining: wait for every expected delivery, or the drain timeout (short after an interrupt). */
  async drain(): Promise<void> {
    this.to('draining');
    this.pool.broadcast({ type: 'interval', v: V, intervalMs: DRAIN_INTERVAL_MS });
    const timeoutMs = this.req.scenario.drainTimeoutMs;
    const drainMs = this.interrupted ? Math.min(1000, timeoutMs) : timeoutMs;
    const session = this.segment?.session;
    await waitFor(() => {
      // A segment waits for the whole run (Σ over segments); an abort arriving while draining ends the wait.
      if (session) return session.drained || (!this.interrupted && session.remoteAbort != null);
      if (!this.recording.allPublishingDone) return false;
      const t = this.live.totals();
      return t.deliveredMeasured >= t.expectedMeasured;
    }, drainMs + 2000, undefined);
    // An abort that came during the drain still marks the result.
    if (session?.remoteAbort != null) this.interrupted = true;
    await session?.finishHeartbeat();
  }

  /** Finishing: every worker sends its final snapshot and ends; a thread that hangs is not waited for long. */
  async finish(): Promise<void> {
    this.to('finishing');
    this.pool.broadcast({ type: 'finish', v: V });
    try {
      await waitFor(() => this.recording.allFinal, FINISH_WAIT_MS, undefined);
      await Promise.race([Promise.all(this.pool.done), new Promise((r) => setTimeout(r, FINISH_WAIT_MS).unref())]);
    } finally {
      this.recording.onSnapshot = undefined;
      // Every snapshot that will come is in (or no longer waited for): the last intervals are complete.
      this.intervals?.flush();
      this.live.destroy();
      this.to('done');
    }
  }

  private to(next: RunPhase): void {
    if (!NEXT[this.phase].includes(next)) throw new Error(`internal: run phase ${this.phase} cannot move to ${next}`);
    this.phase = next;
  }
}
