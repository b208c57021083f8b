/**
 * The one series runner: what every multi-run command shares — repeats (baselines), `--matrix` variants,
 * `capacity` steps, and next the segments of a distributed run. It owns the output folder, the throwaway local
 * redis-server (started once for the whole series, stopped after it), and the interrupt: once the signal aborts or a
 * run comes back interrupted, no further run starts and what ran is returned. Gates judge the runs it returns
 * (src/cli/commands/run-gates.ts).
 */
import { join } from 'node:path';
import type { RunRequest } from '../core/run.js';
import type { Scenario } from '../core/scenario.js';
import { ensureDir } from '../reporting/output-probe.js';
import { startLocalRedis } from '../targets/local.js';
import { runBenchmark, type RunOutcome, type SharedTarget } from './run.js';

/** One run to make. */
export interface SeriesEntry {
  /** Names the run in progress lines, comparisons and JUnit (a matrix variant, "run 2 of 5", a capacity search). */
  label: string;
  scenario: Scenario;
}

/** A finished run of a series. */
export type SeriesRun = RunOutcome & { label: string };

/** The shared state of a running series, handed to its body. */
export interface SeriesContext {
  /** Folder the series writes into: `<out>/<time>-<kind>/`, or `<out>` itself for plain repeats. */
  readonly dir: string;
  /** True once an interrupt stopped the series (the signal, or a run that came back interrupted). */
  readonly interrupted: boolean;
  /** Runs one scenario against the series' target, into `outDir` (default: the series folder). */
  run(entry: SeriesEntry, outDir?: string): Promise<SeriesRun>;
}

/** How a series is named and run. */
export interface SeriesOptions {
  /** Names the series folder (`<time>-matrix`); null writes every run straight into the request's outDir. */
  kind: 'matrix' | 'capacity' | null;
  /** Settings every run shares (target, workers, gates, signal, progress). */
  base: Omit<RunRequest, 'scenario'>;
}

/** Runs `body` inside a series: folder made, local target started once, stopped whatever happens. */
export async function withSeries<T>(opts: SeriesOptions, body: (series: SeriesContext) => Promise<T>): Promise<T> {
  const dir = opts.kind === null ? opts.base.outDir : join(opts.base.outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${opts.kind}`);
  // Walked folder by folder: a recursive mkdir can spin forever under /proc (the CLI probed the path before this).
  await ensureDir(dir);
  const local = opts.base.target === null ? await startLocalRedis({ kind: 'single' }) : null;
  const shared: SharedTarget | undefined = local ? { local } : undefined;
  let stopped = false;
  const context: SeriesContext = {
    dir,
    get interrupted() {
      return stopped || opts.base.signal?.aborted === true;
    },
    async run(entry, outDir = dir) {
      const outcome = await runBenchmark({ ...opts.base, scenario: entry.scenario, outDir, label: entry.label }, shared);
      if (outcome.result.interrupted) stopped = true;
      return { ...outcome, label: entry.label };
    },
  };
  try {
    return await body(context);
  } finally {
    await local?.stop();
  }
}

/**
 * Runs the entries in turn (repeats or matrix variants), stopping at an interrupt; the runs made so far are
 * returned either way. `onRun` announces each one before it starts.
 */
export async function runEntries(series: SeriesContext, entries: readonly SeriesEntry[], onRun?: (i: number, entry: SeriesEntry) => void): Promise<SeriesRun[]> {
  const runs: SeriesRun[] = [];
  for (const [i, entry] of entries.entries()) {
    if (series.interrupted) break;
    onRun?.(i, entry);
    runs.push(await series.run(entry));
  }
  return runs;
}
