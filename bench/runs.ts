/**
 * Real harness runs for the benchmark: `runBenchmark` (the coordinator, worker threads, result.json) against a server
 * the benchmark started, with a scenario given as data, plus the small formatting the rows need.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmark } from '../src/coordinator/index.js';
import { connectionCount, defaultWorkerCount } from '../src/coordinator/plan.js';
import { nowUs } from '../src/core/clock.js';
import type { RunResult } from '../src/core/result.js';
import type { ClientKind } from '../src/core/scenario.js';
import type { TargetSpec } from '../src/core/target.js';
import type { ScenarioInput } from '../src/scenarios/input.js';
import { resolveScenario } from '../src/scenarios/validate.js';
import { formatBytes, formatCompact, formatLatencyUs } from '../src/reporting/format.js';

/** Lead time the coordinator puts between 'all subscribed' and the first message (START_LEAD_US in coordinator/run.ts). */
const START_LEAD_MS = 200;

export interface HarnessRun {
  result: RunResult;
  /** Highest RSS of this process (the workers are its threads) sampled every 250 ms during the run, and before it. */
  peakRssBytes: number;
  rssBeforeBytes: number;
  /** From calling runBenchmark to every subscription confirmed and checked (threads started, connected, NUMSUB). */
  readyMs: number;
}

export interface RunOptions {
  /** Worker threads; 'default' = what `pubsub-bench run` picks on this machine for a local target. */
  workers: number | 'default';
  /** Called with the run folder before it is removed. */
  inspect?: (runDir: string) => void;
}

/** The worker count `pubsub-bench run` uses by default against a local server (cores less one, capped by connections). */
export function defaultWorkers(input: ScenarioInput): number {
  const scenario = resolveScenario({ ...input, name: 'bench' }, 'bench');
  return defaultWorkerCount({ cores: os.availableParallelism(), localTarget: true, connections: connectionCount(scenario) });
}

/** One run of `input` on `client` against `spec`. */
export async function harnessRun(spec: TargetSpec, client: ClientKind, input: ScenarioInput, o: RunOptions): Promise<HarnessRun> {
  const scenario = resolveScenario({ name: 'bench', ...input, client }, 'bench');
  const workers = o.workers === 'default' ? defaultWorkers(input) : o.workers;
  const outDir = mkdtempSync(join(tmpdir(), 'pb-bench-'));
  const rssBeforeBytes = process.memoryUsage.rss();
  let peakRssBytes = rssBeforeBytes;
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
  }, 250);
  const t0 = nowUs() / 1000;
  try {
    const { result, runDir } = await runBenchmark({ scenario, target: spec, workers, outDir });
    o.inspect?.(runDir);
    const readyMs = result.schedule ? result.schedule.startUs / 1000 - START_LEAD_MS - t0 : NaN;
    return { result, peakRssBytes, rssBeforeBytes, readyMs };
  } finally {
    clearInterval(sampler);
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** result.json of a run folder, parsed. */
export function readResultJson(runDir: string): RunResult {
  return JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult;
}

export const rate = (perS: number | null | undefined): string => (perS == null || !Number.isFinite(perS) ? '–' : `${formatCompact(perS)}/s`);
export const ms = (us: number | null | undefined): string => formatLatencyUs(us);
export const bytes = (b: number | null | undefined): string => formatBytes(b);

/** Peak event-loop utilisation of the busiest worker thread in the measure phase, e.g. "thread 98% busy". */
export function busy(r: RunResult): string {
  return `thread ${(r.health.maxEventLoopUtilization * 100).toFixed(0)}% busy`;
}

/** Loss, duplicates, reordering, failed publishes and disconnects, when any (empty when clean). */
export function problems(r: RunResult): string {
  const s = r.summary;
  const parts: string[] = [];
  if (s.lost > 0) parts.push(`lost ${s.lost}`);
  if (s.duplicates > 0) parts.push(`${s.duplicates} duplicates`);
  if (s.reordered > 0) parts.push(`${s.reordered} reordered`);
  if (s.publishErrors > 0) parts.push(`${s.publishErrors} publish errors`);
  if (s.disconnects > 0) parts.push(`${s.disconnects} disconnects`);
  if (r.errors && r.errors.length > 0) parts.push(`errors: ${r.errors.join('; ')}`);
  return parts.join(', ');
}

/** The run's shape in words, for the live line: workers, clients. */
export function shape(r: RunResult): string {
  return `${r.plan.workers} worker thread${r.plan.workers === 1 ? '' : 's'}, ${r.scenario.client}`;
}
