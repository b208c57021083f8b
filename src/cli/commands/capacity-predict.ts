/**
 * `pubsub-bench capacity --predict SHAPE [--model FILE|DIR]… [--cores K] [--shards N] [--headroom 10%]`: the capacity
 * model's predicted saturation rate for SHAPE (a built-in or scenario file, with run's overrides), fitted from saved
 * runs or capacity searches, or — with no --model — from a short calibration against the target. See
 * coordinator/capacity-predict.ts and docs/capacity.md.
 */
import type { Options } from 'yargs';
import { UsageError, type Problem } from '../../core/errors.js';
import { CALIBRATION, DEFAULT_HEADROOM, runPrediction } from '../../coordinator/capacity-predict.js';
import { formatError } from '../errors.js';
import type { CliIo } from '../io.js';
import type { Interrupt } from '../signals.js';
import { reportWriteFailures } from './run-errors.js';
import type { RunArgs } from './run-options.js';
import { buildRunRequest } from './run.js';

const MODEL = 'Capacity model:';

/** The model's flags (they belong to `capacity`). */
export const PREDICT_OPTIONS: Record<string, Options> = {
  predict: { group: MODEL, type: 'string', describe: "Predict the saturation rate of this shape (a built-in or scenario file; run's flags override it) instead of searching, e.g. --predict fan-out --subscribers 100", defaultDescription: 'search instead' },
  model: { group: MODEL, type: 'string', array: true, describe: 'Fit the model from these capacity.json / result.json files or folders (repeatable); without it --predict calibrates with short runs against the target (a probe, halved while it saturates Redis, then rates aimed at 25/50/75% of a core)', defaultDescription: 'calibrate' },
  cores: { group: MODEL, type: 'string', describe: "Also predict for a server with K cores' worth of CPU (comma list), e.g. --cores 2,4", defaultDescription: '2' },
  shards: { group: MODEL, type: 'string', describe: 'Also predict for N-shard clusters, sharded and classic pub/sub (comma list), e.g. --shards 3,6', defaultDescription: '3' },
  headroom: { group: MODEL, type: 'string', describe: 'Share of each core the prediction keeps free, e.g. --headroom 20%', defaultDescription: `${DEFAULT_HEADROOM * 100}%` },
};

/** The model's parsed flags. */
export interface PredictArgs {
  predict?: unknown;
  model?: unknown;
  cores?: unknown;
  shards?: unknown;
  headroom?: unknown;
}

/** A comma list of whole numbers from 1 to `max`. */
function counts(value: unknown, flag: string, fallback: number[], max: number, problems: Problem[]): number[] {
  if (value === undefined) return fallback;
  const text = String(Array.isArray(value) ? value.join(',') : value);
  const out = text.split(',').map((v) => v.trim()).filter((v) => v !== '').map(Number);
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1 || n > max)) {
    problems.push({ field: flag, message: `${JSON.stringify(text)} is not a list of whole numbers from 1 to ${max}`, hint: `e.g. ${flag} 2,4` });
    return fallback;
  }
  return [...new Set(out)];
}

/** The headroom share: `10%` or `0.1`, below 100%. */
export function headroomOf(value: unknown, problems: Problem[]): number {
  if (value === undefined) return DEFAULT_HEADROOM;
  const text = String(Array.isArray(value) ? value.at(-1) : value).trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text);
  const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (n >= 0 && n < 1) return n;
  problems.push({ field: '--headroom', message: `${JSON.stringify(text)} is not a share below 100%`, hint: 'e.g. --headroom 10%' });
  return DEFAULT_HEADROOM;
}

/** Flags that steer a search, which --predict does not run. */
const SEARCH_ONLY = ['slo', 'startRate', 'maxRate', 'resolution', 'maxSteps', 'sweep', 'minCapacity'] as const;

/** Runs `capacity --predict`; resolves to the exit code (0, or 2 bad input, 3 target, 130/143 interrupted). */
export async function predictCommand(args: RunArgs & PredictArgs & Record<string, unknown>, io: CliIo, interrupt: Interrupt): Promise<number> {
  const passwords: Array<string | undefined> = [];
  try {
    const problems: Problem[] = [];
    const shape = String(args.predict).trim();
    if (shape === '' || args.predict === true) problems.push({ field: '--predict', message: 'needs a shape', hint: 'a built-in (pubsub-bench scenarios) or a scenario file, e.g. --predict fan-out' });
    if (typeof args.scenario === 'string' && args.scenario !== shape) {
      problems.push({ field: 'scenario', message: `${JSON.stringify(args.scenario)} given beside --predict ${shape}`, hint: 'name the shape once, as --predict SHAPE' });
    }
    for (const k of SEARCH_ONLY) {
      if (args[k] !== undefined) problems.push({ field: `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, message: 'steers a search, and --predict does not search', hint: 'drop it, or drop --predict to search' });
    }
    const models = args.model === undefined ? [] : (Array.isArray(args.model) ? args.model : [args.model]).map(String);
    const cores = counts(args.cores, '--cores', [2], 1024, problems);
    const shards = counts(args.shards, '--shards', [3], 1000, problems);
    const headroom = headroomOf(args.headroom, problems);
    let built;
    // An empty --predict is already named: the scenario loader would only repeat it.
    if (shape !== '' && args.predict !== true) try {
      built = await buildRunRequest({ ...args, scenario: shape }, io.env, { stepSummary: false });
      passwords.push(...built.secrets);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.problems);
    }
    if (problems.length > 0 || !built) throw new UsageError(problems, 'Invalid capacity prediction');
    const { scenario, ...base } = built.request;
    const outcome = await runPrediction({
      base: { ...base, signal: interrupt.signal }, scenario, modelInputs: models, headroom, cores, shards,
      // --duration / --warmup set each calibration run's phases; otherwise the short defaults.
      calibration: { warmupMs: args.warmup !== undefined ? scenario.warmupMs : CALIBRATION.warmupMs, durationMs: args.duration !== undefined ? scenario.durationMs : CALIBRATION.durationMs },
      onRun: (label, p) => io.stderr(`pubsub-bench: ${label}: ${typeof p === 'string' ? `no cost point (${p})` : `${(p.cpuUsPerS / 1e4).toFixed(1)}% CPU at ${p.publishesPerS.toFixed(0)} publishes/s`}\n`),
    });
    if (args.json === true) io.stdout(`${JSON.stringify(outcome.report)}\n`);
    else io.stdout(`${outcome.text}\n\nWritten to ${outcome.dir}/ (capacity.json, capacity.html)\n`);
    reportWriteFailures(io, outcome.writeFailures);
    return interrupt.exitCode(outcome.writeFailures.length > 0 ? 1 : outcome.interrupted ? 130 : 0);
  } catch (err) {
    const f = formatError(err, { env: io.env, secrets: passwords });
    io.stderr(f.text);
    return interrupt.code ?? f.exitCode;
  }
}
