/**
 * Cost points for the capacity model: from a run's result.json (one point), a capacity search's steps (one point
 * each: the step's own `costPoint`, or its run folder's result.json for searches written before steps carried one),
 * a `capacity --predict` report (its model's points), or a folder holding any of these. Only single-node runs count:
 * in a cluster the per-node deliveries are not known (see docs/capacity.md).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CostPoint } from '../core/capacity-model.js';
import { UsageError, type Problem } from '../core/errors.js';
import type { CapacityReport, RunResult } from '../core/result.js';
import type { Scenario } from '../core/scenario.js';
import { readReportInput } from '../reporting/read-input.js';
import { publishModeOf } from './capacity-shape.js';

/**
 * Distinct patterns the scenario subscribes (groups with subscribers only), plus its background patterns: Redis
 * tries every one against each PUBLISH, matching or not, so each is a pattern check (the shape counts them alike).
 */
export function distinctPatterns(scenario: Pick<Scenario, 'subscribers' | 'backgroundPatterns'>): number {
  return new Set(scenario.subscribers.filter((g) => g.count > 0).flatMap((g) => g.patterns)).size + (scenario.backgroundPatterns ?? 0);
}

/** The cost point of one run, or why it has none. */
export function pointFromRun(result: Pick<RunResult, 'summary' | 'scenario'>, source: string): CostPoint | string {
  const cost = result.summary.serverCost;
  if (!cost) return 'no server cost (written before it was measured, or its counters could not be read)';
  if (cost.nodes.length !== 1) return `server cost of ${cost.nodes.length} nodes (the model fits single-node runs)`;
  if (cost.cpuUs === undefined || cost.netOutputBytes === undefined) return 'server cost without CPU or output bytes (a counter was reset)';
  if (!(cost.windowMs > 0) || result.summary.published === 0) return 'nothing published in the server-cost window';
  const s = cost.windowMs / 1000;
  const publishesPerS = result.summary.published / s;
  return {
    source,
    cpuUsPerS: cost.cpuUs / s,
    publishesPerS,
    deliveriesPerS: result.summary.delivered / s,
    outputBytesPerS: cost.netOutputBytes / s,
    patternChecksPerS: publishesPerS * distinctPatterns(result.scenario),
    publishMode: publishModeOf(result.scenario),
    windowMs: cost.windowMs,
    publishers: result.scenario.publishers.count,
    ...(result.summary.latencyUs.publish.count > 0 ? { publishRoundTripP50Us: result.summary.latencyUs.publish.p50 } : {}),
  };
}

/** Points and why some runs gave none. */
export interface LoadedPoints {
  points: CostPoint[];
  skipped: string[];
  /** What the points are ("2 capacity searches (14 steps), 1 run"). */
  description: string;
}

async function pointsOfCapacity(report: CapacityReport, file: string, out: LoadedPoints): Promise<void> {
  if (report.prediction && report.rows.length === 0) {
    out.points.push(...report.prediction.model.points);
    return;
  }
  for (const row of report.rows) {
    for (const step of row.result.steps) {
      const where = `${file} ${row.label} step ${step.index + 1}`;
      if (step.costPoint) {
        out.points.push(step.costPoint);
        continue;
      }
      const run = step.runDir ? await readReportInput(step.runDir).catch(() => null) : null;
      const p = run?.kind === 'run' ? pointFromRun(run.result, step.runDir!) : 'its run folder cannot be read';
      if (typeof p === 'string') out.skipped.push(`${where}: ${p}`);
      else out.points.push(p);
    }
  }
}

/** result.json / capacity.json files under `dir` (not below a folder that has one: its steps are in its capacity.json). */
async function sourcesUnder(dir: string, depth: number, found: string[]): Promise<void> {
  for (const name of ['capacity.json', 'result.json']) {
    if ((await stat(path.join(dir, name)).catch(() => null))?.isFile()) {
      found.push(path.join(dir, name));
      return;
    }
  }
  if (depth === 0) return;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) await sourcesUnder(path.join(dir, e.name), depth - 1, found);
}

/**
 * Every cost point in `inputs` (files or folders, searched 3 levels deep). A missing input, or inputs with no
 * usable point at all, are a UsageError (exit 2) naming them, with what to give instead.
 */
export async function loadCostPoints(inputs: readonly string[], flag = '--model'): Promise<LoadedPoints> {
  const out: LoadedPoints = { points: [], skipped: [], description: '' };
  const problems: Problem[] = [];
  let runs = 0;
  let searches = 0;
  for (const input of inputs) {
    const info = await stat(input).catch(() => null);
    if (!info) {
      problems.push({ field: flag, message: `${input}: no such file or folder`, hint: 'give a capacity.json, a result.json, or a folder holding them' });
      continue;
    }
    const files: string[] = [];
    if (info.isDirectory()) await sourcesUnder(input, 3, files);
    else files.push(input);
    if (files.length === 0) problems.push({ field: flag, message: `${input}: no result.json or capacity.json in it (3 levels deep)`, hint: 'give the folder a run or a capacity search wrote' });
    for (const file of files) {
      const read = await readReportInput(file);
      if (read.kind === 'capacity') {
        searches++;
        await pointsOfCapacity(read.report, read.file, out);
      } else {
        runs++;
        const p = pointFromRun(read.result, path.dirname(read.file));
        if (typeof p === 'string') out.skipped.push(`${read.file}: ${p}`);
        else out.points.push(p);
      }
    }
  }
  if (problems.length === 0 && out.points.length === 0) {
    problems.push({
      field: flag,
      message: `no server-cost data in ${inputs.join(', ')}${out.skipped.length > 0 ? ` (${out.skipped[0]}${out.skipped.length > 1 ? `, and ${out.skipped.length - 1} more` : ''})` : ''}`,
      hint: 'give runs or a capacity search made against a single Redis server by a pubsub-bench that records server cost, or leave --model out to calibrate with short runs',
    });
  }
  if (problems.length > 0) throw new UsageError(problems, 'Cannot fit the capacity model');
  const parts = [searches > 0 ? `${searches} capacity search${searches > 1 ? 'es' : ''}` : '', runs > 0 ? `${runs} run${runs > 1 ? 's' : ''}` : ''].filter(Boolean);
  out.description = `${out.points.length} points from ${parts.join(' and ')}`;
  return out;
}
