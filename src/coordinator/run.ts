/**
 * The lifecycle of one run: target → preflight → plan → workers → connect+subscribe → warmup → measure → drain →
 * stop → aggregate → judge → write. Interrupts (the request's AbortSignal) cut the schedule short but still write
 * what was measured.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RunRequest } from '../core/run.js';
import type { RunResult } from '../core/result.js';
import { RESULT_SCHEMA_VERSION } from '../core/result.js';
import type { OutageEvent, WorkerMessage, WorkerTask } from '../core/messages.js';
import { WORKER_PROTOCOL_VERSION as V, zeroCounters } from '../core/messages.js';
import { TargetError } from '../core/errors.js';
import { nowUs } from '../core/clock.js';
import { harnessVersion } from '../core/version.js';
import { describeTestHooks } from '../core/test-hooks.js';
import { createConnectionFactory } from '../targets/connection.js';
import { describeTarget } from '../targets/url.js';
import { startLocalRedis, type LocalTargetDetails } from '../targets/local.js';
import { startTelemetry, type TelemetrySampler } from '../targets/telemetry.js';
import { initHistogramEngine, encodeHistogram } from '../metrics/histogram.js';
import { RunAggregator } from '../metrics/aggregate.js';
import { writeRunOutputs } from '../reporting/write.js';
import { offeredLoadOf, planFleet } from './plan.js';
import { WorkerPool } from './pool.js';
import { checkSubscriptions } from './preflight.js';
import { buildWarnings, judgeHealth } from './health.js';
import { sampleProcessMemory } from './memory.js';
import { buildBreakdowns, ChannelTotals } from './breakdown.js';
import { formatProgress } from './progress.js';
import { finishServerWatch } from './telemetry.js';
import { buildChaosReports, ChaosRunner, describeChaos } from './chaos.js';
import { waitFor, abortable } from './wait.js';
import { RunGates } from './gates.js';

/** Lead time between 'start' and the first scheduled message, so every worker has the message before it matters. */
const START_LEAD_US = 200_000;
/** Snapshot interval while draining, so the drain ends soon after the last delivery. */
const DRAIN_INTERVAL_MS = 100;
/** Default grace before abortOnFail thresholds are judged: latency settles in the first seconds after warmup. */
export const DEFAULT_ABORT_GRACE_MS = 5000;

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

/** What a run returns: its result and the folder it was written to. */
export interface RunOutcome {
  result: RunResult;
  runDir: string;
}

/** Runs one benchmark as the request says and writes its outputs. */
export async function runBenchmark(req: RunRequest): Promise<RunOutcome> {
  const startedAt = new Date();
  const runId = `${startedAt.toISOString().replace(/[:.]/g, '-')}-${req.scenario.name}`;
  const intervalMs = req.intervalMs ?? 1000;
  const connectTimeoutMs = req.connectTimeoutMs ?? 5000;
  await initHistogramEngine();
  let local: LocalTargetDetails | null = null;
  try {
    if (req.target === null) local = await startLocalRedis({ kind: 'single' });
    const spec = local ? local.spec : req.target!;
    const factory = createConnectionFactory(spec);
    const control = await factory.openControl(connectTimeoutMs);
    let telemetry: TelemetrySampler | null = null;
    let chaos: ChaosRunner | null = null;
    try {
      const info = await control.info();
      const target = { ...describeTarget(spec, local !== null), redisVersion: info.redisVersion };
      const plan = planFleet(req.scenario, req.workers);
      const runTag = randomBytes(4).readUInt32LE(0);
      const tasks: WorkerTask[] = plan.perWorker.map((w, workerId) => ({
        v: V, workerId, runTag, scenario: req.scenario, target: spec, channelNames: plan.channelNames,
        receiversPerChannel: plan.receiversPerChannel, publishers: w.publishers, subscribers: w.subscribers,
        intervalMs, connectTimeoutMs,
      }));

      const cpuStart = process.cpuUsage();
      const wallStartUs = nowUs();
      let aggregator: RunAggregator | null = null;
      const ready = new Set<number>();
      const finals = new Set<number>();
      const gone = new Set<number>();
      const publishingDone = new Set<number>();
      const outages: OutageEvent[] = [];
      const channelTotals = new ChannelTotals(plan.channelNames.length);
      let fatal: Extract<WorkerMessage, { type: 'fatal' }> | null = null;
      const pool = new WorkerPool(tasks, (msg) => {
        if (msg.type === 'ready') ready.add(msg.workerId);
        else if (msg.type === 'fatal') {
          fatal ??= msg;
          gone.add(msg.workerId);
        }
        else if (msg.type === 'snapshot' && aggregator) {
          aggregator.addSnapshot(msg, sampleProcessMemory());
          if (msg.publishingDone) publishingDone.add(msg.workerId);
          if (msg.final) finals.add(msg.workerId);
          outages.push(...msg.outages);
          channelTotals.add(msg.perChannel);
        }
      });
      const crashes: string[] = [];
      pool.done.forEach((p, i) => void p.then((err) => {
        if (!err) return;
        crashes.push(`worker ${i} crashed: ${err.message}`);
        gone.add(i);
      }));
      // Workers that crashed or gave up: the drain and the final snapshots wait only for the others, whose data is kept.
      const settled = (done: Set<number>) => tasks.every((_, i) => done.has(i) || gone.has(i));
      const failed = () => fatal !== null || crashes.length > 0;
      let interrupted = false;
      let measureEndUs = 0;
      let measureStartUs = 0;
      let scheduleStartUs = 0;
      let subscriptionNotes: string[] = [];
      const repliesComparable = spec.kind === 'single' || req.scenario.channels.sharded;
      const gates = new RunGates(req.thresholds ?? [], req.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS);
      try {
        // Connect + subscribe: every worker confirms its subscriptions, then the server's counts are checked.
        const readyDeadlineMs = connectTimeoutMs + 50 * plan.subscriptions + 5000;
        await waitFor(() => ready.size === tasks.length || failed(), readyDeadlineMs, req.signal);
        if (fatal) throw new TargetError(`Could not set up the fleet: ${(fatal as { message: string }).message}`);
        if (crashes.length > 0) throw new Error(crashes.join('; '));
        if (req.signal?.aborted) throw new TargetError('Interrupted before the run started.');
        if (ready.size !== tasks.length) throw new TargetError(`Subscribers did not confirm their subscriptions within ${readyDeadlineMs} ms.`);
        subscriptionNotes = await checkSubscriptions(control, plan, req.scenario.channels.sharded);
        if (req.chaos && req.chaos.length > 0) chaos = await ChaosRunner.open(req.chaos, spec, info.masters, local, connectTimeoutMs);

        const startUs = nowUs() + START_LEAD_US;
        scheduleStartUs = startUs;
        telemetry = startTelemetry(spec, { nodes: info.masters, originUs: startUs, intervalMs, connectTimeoutMs });
        measureStartUs = startUs + req.scenario.warmupMs * 1000;
        measureEndUs = measureStartUs + req.scenario.durationMs * 1000;
        const targetRate = req.scenario.publishers.rate === 'max' ? null : req.scenario.publishers.rate;
        aggregator = new RunAggregator({ scheduleStartUs: startUs, measureStartUs, measureEndUs, intervalMs, targetRate, offeredLoad: offeredLoadOf(req.scenario, startUs) });
        pool.broadcast({ type: 'start', v: V, startUs, measureStartUs, measureEndUs });
        chaos?.arm(measureStartUs);

        const progress = setInterval(() => req.onProgress?.(formatProgress(aggregator!, startUs, measureStartUs, measureEndUs, req.scenario)), 1000);
        try {
          const endedEarly = await abortable((measureEndUs - nowUs()) / 1000, req.signal,
            () => failed() || gates.shouldAbort(aggregator!, measureStartUs, repliesComparable));
          if (endedEarly) {
            interrupted = req.signal?.aborted ?? false;
            measureEndUs = Math.max(measureStartUs, Math.min(measureEndUs, nowUs()));
            aggregator.setMeasureEndUs(measureEndUs);
            pool.broadcast({ type: 'stop-publishing', v: V });
          }
          // Drain: wait for every expected delivery, or the drain timeout.
          pool.broadcast({ type: 'interval', v: V, intervalMs: DRAIN_INTERVAL_MS });
          const drainMs = interrupted ? Math.min(1000, req.scenario.drainTimeoutMs) : req.scenario.drainTimeoutMs;
          await waitFor(() => {
            if (!settled(publishingDone)) return false;
            const t = aggregator!.totals();
            return t.deliveredMeasured >= t.expectedMeasured;
          }, drainMs + 2000, undefined);
        } finally {
          clearInterval(progress);
        }
      } finally {
        pool.broadcast({ type: 'finish', v: V });
        // Only a started run has final snapshots to wait for.
        if (aggregator) await waitFor(() => settled(finals), 10_000, undefined);
        await Promise.race([Promise.all(pool.done), new Promise((r) => setTimeout(r, 10_000).unref())]);
        await pool.close(true);
      }
      if (!aggregator) throw new Error('internal: the run ended before it started');
      const agg: RunAggregator = aggregator;

      const measureMs = Math.max(1, (measureEndUs - measureStartUs) / 1000);
      const cpu = process.cpuUsage(cpuStart);
      const wallUs = nowUs() - wallStartUs;
      const summary = agg.summary(measureMs, repliesComparable);
      const totals = agg.totals();
      const timeline = agg.timeline();
      const health = judgeHealth({
        summary, timeline, processCpuCores: (cpu.user + cpu.system) / wallUs, rateIsMax: req.scenario.publishers.rate === 'max', publishMode: req.scenario.publishers.mode, publishers: req.scenario.publishers.count,
      });
      const overDelivered = Math.max(0, totals.deliveredMeasured - totals.expectedMeasured);
      const warnings = buildWarnings({ summary, health, target, interrupted, repliesComparable, overDelivered, subscriptionNotes });
      const runErrors = [...crashes, ...(fatal ? [`worker ${(fatal as { workerId: number }).workerId}: ${(fatal as { message: string }).message}`] : [])];
      warnings.push(...describeTestHooks(process.env), ...runErrors);
      const serverSide = await finishServerWatch(telemetry, outages, scheduleStartUs, intervalMs);
      warnings.push(...serverSide.warnings);
      const chaosReports = chaos ? buildChaosReports(await chaos.stop(), outages, timeline, scheduleStartUs) : undefined;
      warnings.push(...(chaosReports ?? []).map(describeChaos));
      const hist = agg.histograms();
      const workerTotals = agg.workerTotals();
      const result: RunResult = {
        schemaVersion: RESULT_SCHEMA_VERSION,
        runId,
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
        measureMs,
        interrupted,
        versions: { harness: harnessVersion(), node: process.versions.node, redis: info.redisVersion, ...(await gitCommit()) },
        schedule: { startUs: scheduleStartUs, measureStartUs, measureEndUs },
        target,
        scenario: req.scenario,
        plan: {
          workers: plan.workers,
          publishersPerWorker: plan.perWorker.map((w) => w.publishers.length),
          subscribersPerWorker: plan.perWorker.map((w) => w.subscribers.length),
          subscriptions: plan.subscriptions,
        },
        summary,
        timeline,
        histograms: {
          endToEnd: encodeHistogram(hist.endToEnd),
          endToEndUncorrected: encodeHistogram(hist.endToEndUncorrected),
          publish: encodeHistogram(hist.publish),
        },
        ordering: {
          inOrder: totals.inOrder, duplicates: totals.duplicates, reordered: totals.reordered, gaps: totals.gaps,
          gapMessages: totals.gapMessages, examples: agg.examples(),
        },
        workers: plan.perWorker.map((w, workerId) => ({
          workerId, publishers: w.publishers.length, subscribers: w.subscribers.length,
          counters: workerTotals.get(workerId) ?? zeroCounters(),
        })),
        health,
        ...buildBreakdowns(plan, channelTotals, info),
        outages: outages.sort((a, b) => a.atUs - b.atUs),
        ...(serverSide.server ? { server: serverSide.server } : {}),
        ...(chaosReports ? { chaos: chaosReports } : {}),
        ...(gates.verdict(summary) ? { thresholds: gates.verdict(summary) } : {}),
        ...(runErrors.length > 0 ? { errors: runErrors } : {}),
        warnings,
      };
      if (gates.aborted) warnings.push(`A failing threshold ended the run after ${gates.aborted.atMs} ms of measuring: ${gates.aborted.expressions.join(', ')}.`);
      agg.destroy();
      const written = await writeRunOutputs(result, `${req.outDir}/${runId}`);
      return { result, runDir: written.resultPath.replace(/\/result\.json$/, '') };
    } finally {
      // A fault in progress (a restart) must end before the local server is stopped, or its new pid could escape.
      await chaos?.stop();
      await telemetry?.stop();
      await control.close();
    }
  } finally {
    await local?.stop();
  }
}

