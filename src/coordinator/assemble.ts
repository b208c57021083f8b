/**
 * The last part of a run: a PURE function from the recorded worker messages, the plan and the facts gathered around
 * them to the RunResult. Nothing here reads a clock, the environment or the network, so a result can be rebuilt (and
 * unit-tested) from recorded messages alone.
 */
import { ExitCode } from '../core/errors.js';
import { zeroCounters, type OutageEvent } from '../core/messages.js';
import { RESULT_SCHEMA_VERSION, type RunResult, type StreamsReport, type Threshold } from '../core/result.js';
import type { FiredChaos } from './chaos.js';
import { respOf, type Scenario } from '../core/scenario.js';
import type { TargetDescription } from '../core/target.js';
import { encodeHistogram } from '../metrics/histogram.js';
import { RunAggregator } from '../metrics/aggregate.js';
import type { TargetInfo } from '../targets/types.js';
import { offeredLoadOf, targetRateOf, type FleetPlan } from './plan.js';
import { buildWarnings, judgeHealth } from './health.js';
import { buildBreakdowns, ChannelTotals } from './breakdown.js';
import { joinServerWatch, type ServerWatch } from './telemetry.js';
import { buildChaosReports, describeChaos } from './chaos.js';
import { thresholdsOutcome, type ThresholdAbort } from './gates.js';
import type { RecordedSnapshot, WorkerFailure } from './recording.js';
import type { ServerCostWindow } from './execute.js';
import { buildServerCost } from '../metrics/server-cost.js';
import type { TelemetrySample } from '../core/reliability.js';

/** The open-loop schedule as it ran (epoch µs, shared clock); `measureEndUs` is earlier when the run ended early. */
export interface RunSchedule {
  startUs: number;
  measureStartUs: number;
  measureEndUs: number;
}

/** Everything the result is built from. */
export interface AssembleInput {
  runId: string;
  startedAt: Date;
  endedAt: Date;
  scenario: Scenario;
  plan: FleetPlan;
  /** What the workers sent, in arrival order, and which of them failed. */
  snapshots: readonly RecordedSnapshot[];
  failures: readonly WorkerFailure[];
  schedule: RunSchedule;
  intervalMs: number;
  /** An interrupt (Ctrl-C) ended the run early. */
  interrupted: boolean;
  target: TargetDescription;
  info: TargetInfo;
  versions: RunResult['versions'];
  /** Whether Σ PUBLISH replies can be compared with the plan (the connection factory's capability). */
  repliesComparable: boolean;
  /** Notes of the subscription check (other clients on these channels). */
  subscriptionNotes: string[];
  /** CPU the harness process used over the run, as a share of one core. */
  processCpuCores: number;
  thresholds: readonly Threshold[];
  thresholdAbort?: ThresholdAbort;
  server: ServerWatch;
  chaos?: FiredChaos[];
  /** Server-cost snapshots at measure start and after the drain (execute.ts), when both were read. */
  serverCost?: ServerCostWindow;
  /** Warnings about test hooks in force (src/core/test-hooks.ts). */
  hookWarnings: string[];
  /** Set for a segment of a split run only: the share of the offered load its publishers send (their rates / the total). */
  rateShare?: number;
  /** Transport 'streams': the streams' footprint after the drain (coordinator/streams.ts). */
  streams?: StreamsReport;
}

/** How a worker failure reads in result.json (`errors` and `warnings`). */
export function describeFailure(f: WorkerFailure): string {
  if (f.exitCode !== ExitCode.internal) return `worker ${f.workerId}: ${f.message}`;
  const how = f.crashed ? 'crashed' : 'failed';
  return `internal error in worker ${f.workerId} (it ${how}): ${f.message}${f.stack ? ' (stack in errors.log)' : ''}`;
}

/** Builds the RunResult. */
export function assembleResult(a: AssembleInput): RunResult {
  const { scenario, plan, schedule } = a;
  const agg = new RunAggregator({
    scheduleStartUs: schedule.startUs, measureStartUs: schedule.measureStartUs, measureEndUs: schedule.measureEndUs, intervalMs: a.intervalMs,
    targetRate: targetRateOf(scenario, a.rateShare), offeredLoad: offeredLoadOf(scenario, schedule.startUs, a.rateShare),
  });
  const channelTotals = new ChannelTotals(plan.channelNames.length);
  // Copies: the slow-consumer join rewrites causes, and the recorded messages stay as they arrived.
  const outages: OutageEvent[] = [];
  for (const s of a.snapshots) {
    agg.addSnapshot(s.message, s.memory);
    channelTotals.add(s.message.perChannel);
    outages.push(...s.message.outages.map((o) => ({ ...o })));
  }
  try {
    const measureMs = Math.max(1, (schedule.measureEndUs - schedule.measureStartUs) / 1000);
    const summary = agg.summary(measureMs, a.repliesComparable, scenario.subscriberChurn);
    const costWarnings: string[] = [];
    if (a.serverCost) {
      const built = buildServerCost({
        start: a.serverCost.start, end: a.serverCost.end, windowMs: a.serverCost.windowMs, published: summary.published, delivered: summary.delivered,
        peakOutputBufferBytes: peakOutputBuffer(a.server.samples, (schedule.measureStartUs - schedule.startUs) / 1000),
        clusterClassic: a.info.mode === 'cluster' && !scenario.channels.sharded,
      });
      summary.serverCost = built.cost;
      costWarnings.push(...a.serverCost.warnings, ...built.warnings);
    }
    const totals = agg.totals();
    const timeline = agg.timeline();
    const p = scenario.publishers;
    const health = judgeHealth({ summary, timeline, processCpuCores: a.processCpuCores, rateIsMax: p.rate === 'max', publishMode: p.mode, publishers: p.count });
    // A segment's receipts include other segments' messages: more than its own expected is no sign of trouble there.
    const overDelivered = a.rateShare === undefined ? Math.max(0, totals.deliveredMeasured - totals.expectedMeasured) : 0;
    const warnings = buildWarnings({
      summary, health, target: a.target, interrupted: a.interrupted, repliesComparable: a.repliesComparable, overDelivered, subscriptionNotes: a.subscriptionNotes,
    });
    const errors = a.failures.map(describeFailure);
    warnings.push(...a.hookWarnings, ...errors);
    const serverSide = joinServerWatch(a.server, outages, schedule.startUs, a.intervalMs);
    warnings.push(...serverSide.warnings, ...costWarnings);
    const chaos = a.chaos ? buildChaosReports(a.chaos, outages, timeline, schedule.startUs) : undefined;
    warnings.push(...(chaos ?? []).map(describeChaos));
    const thresholds = thresholdsOutcome(a.thresholds, summary, a.thresholdAbort);
    if (a.thresholdAbort) warnings.push(`A failing threshold ended the run after ${a.thresholdAbort.atMs} ms of measuring: ${a.thresholdAbort.expressions.join(', ')}.`);
    const hist = agg.histograms();
    const workerTotals = agg.workerTotals();
    return {
      schemaVersion: RESULT_SCHEMA_VERSION,
      runId: a.runId,
      startedAt: a.startedAt.toISOString(),
      durationMs: a.endedAt.getTime() - a.startedAt.getTime(),
      measureMs,
      interrupted: a.interrupted,
      versions: a.versions,
      schedule: { ...schedule },
      target: a.target,
      scenario,
      resp: respOf(scenario),
      plan: {
        workers: plan.workers,
        publishersPerWorker: plan.perWorker.map((w) => w.publishers.length),
        subscribersPerWorker: plan.perWorker.map((w) => w.subscribers.length),
        subscriptions: plan.subscriptions,
      },
      summary,
      timeline,
      histograms: { endToEnd: encodeHistogram(hist.endToEnd), endToEndUncorrected: encodeHistogram(hist.endToEndUncorrected), publish: encodeHistogram(hist.publish) },
      ordering: {
        inOrder: totals.inOrder, duplicates: totals.duplicates, reordered: totals.reordered, gaps: totals.gaps, gapMessages: totals.gapMessages, examples: agg.examples(),
      },
      workers: plan.perWorker.map((w, workerId) => ({
        workerId, publishers: w.publishers.length, subscribers: w.subscribers.length, counters: workerTotals.get(workerId) ?? zeroCounters(),
      })),
      health,
      ...buildBreakdowns(plan, channelTotals, a.info),
      outages: outages.sort((x, y) => x.atUs - y.atUs),
      ...(serverSide.server ? { server: serverSide.server } : {}),
      ...(chaos ? { chaos } : {}),
      ...(a.streams ? { streams: a.streams } : {}),
      ...(thresholds ? { thresholds } : {}),
      ...(errors.length > 0 ? { errors } : {}),
      warnings,
    };
  } finally {
    agg.destroy();
  }
}

/** Largest output buffer telemetry saw from the measure start on (harness omem or the server's recent max), or undefined without samples. */
export function peakOutputBuffer(samples: readonly TelemetrySample[], measureStartMs: number): number | undefined {
  let peak: number | undefined;
  for (const s of samples) {
    if (s.atMs < measureStartMs) continue;
    const v = Math.max(s.maxOmemBytes ?? 0, s.recentMaxOutputBufferBytes);
    peak = Math.max(peak ?? 0, v);
  }
  return peak;
}
