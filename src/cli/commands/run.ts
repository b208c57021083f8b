/**
 * `pubsub-bench run [SCENARIO]`: flags → RunRequest → runBenchmark → summary (or JSON) and an exit code.
 * Every input problem (scenario, flags, target) is collected first and reported in one UsageError.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, UsageError, type Problem } from '../../core/errors.js';
import type { RunRequest } from '../../core/run.js';
import type { TargetSpec } from '../../core/target.js';
import { connectionCount, defaultWorkerCount } from '../../coordinator/plan.js';
import { formatSummary } from '../../reporting/terminal.js';
import { verdictLines } from '../../reporting/ci/verdict-lines.js';
import { parseTargetSpec } from '../../targets/url.js';
import { checkDurationMs } from '../../scenarios/duration.js';
import { loadScenarioInput } from '../../scenarios/load.js';
import { findBuiltin } from '../../scenarios/builtins/index.js';
import { parseChaos } from '../../scenarios/chaos.js';
import { applyOverrides } from '../../scenarios/overrides.js';
import { resolveScenario } from '../../scenarios/validate.js';
import { canRewriteLine, colorEnabled, type CliIo } from '../io.js';
import { formatError } from '../errors.js';
import { availableCores, type RunArgs } from './run-options.js';
import { judgeRuns, readGates, type GatePlan } from './run-gates.js';
import { reportWorkerErrors, reportWriteFailures } from './run-errors.js';
import { probeRunOutputs } from '../../reporting/output-probe.js';
import { withSignals } from '../signals.js';
import { runEntries, withSeries } from '../../coordinator/series.js';
import { metricsToConfirm, unconfirmedMetrics } from '../../metrics/baseline.js';
import { matrixSpecs, runMatrixCommand } from './run-matrix.js';
import { openLive, readLiveFlags, type LivePlan } from './run-live.js';
import { readSegmentFlags, segmentVerdict } from './run-segment.js';
import { lastString, readPassword } from './flag-values.js';
import { updateRunHistory } from '../../reporting/history/index.js';

/** Most worker threads accepted: beyond this, threads only compete for the same cores. */
const MAX_WORKERS = 256;

/** A validated request plus the passwords, kept only to blank them out of any error text. */
export interface BuiltRequest {
  request: RunRequest;
  password?: string;
  /** Every password the request holds (the target's and the fleets' own). */
  secrets: string[];
  /** Thresholds, baselines, repeats and CI files. */
  gates: GatePlan;
  /** Where intervals stream during the run (--metrics-out). */
  live: LivePlan;
  /** `--keep N`: run folders of --out to keep after the runs (the oldest beyond are deleted); undefined keeps all. */
  keep?: number;
}

/** Turns parsed flags into a RunRequest (without signal and progress), or throws one UsageError with every problem. */
export async function buildRunRequest(args: RunArgs, env: NodeJS.ProcessEnv, opts: { stepSummary?: boolean } = {}): Promise<BuiltRequest> {
  const problems: Problem[] = [];
  const collect = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };

  let source = 'scenario';
  let scenario: RunRequest['scenario'] | undefined;
  try {
    const loaded = await loadScenarioInput(typeof args.scenario === 'string' ? args.scenario : undefined);
    source = loaded.source;
    const o = applyOverrides(loaded.input, args);
    scenario = collect(() => resolveScenario(o.input, loaded.source, { rename: o.rename, problems: o.problems }));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
  }

  const targets = stringList(args.target);
  // Sized for this scenario and target: a scenario that did not validate plans no connections, so no cap then.
  const fallbackWorkers = defaultWorkerCount({
    cores: availableCores(), localTarget: targets.length === 0, connections: scenario ? connectionCount(scenario) : Infinity,
  });
  const workers = readInt(args.workers, '--workers', 1, MAX_WORKERS, Math.min(fallbackWorkers, MAX_WORKERS), problems);
  const intervalMs = readDuration(args.interval, '--interval', 100, 60_000, 1000, problems);
  const connectTimeoutMs = readDuration(args.connectTimeout, '--connect-timeout', 100, 300_000, 5000, problems);
  const outDir = args.out === undefined ? 'reports' : typeof args.out === 'string' && args.out.trim() !== '' ? args.out : undefined;
  if (outDir === undefined) problems.push({ field: '--out', message: 'needs a folder name', hint: 'e.g. --out reports' });
  const keep = args.keep === undefined ? undefined : readInt(args.keep, '--keep', 1, 1_000_000, 20, problems);

  const password = readPassword(args.passwordEnv, env, problems);
  const fleets = readFleetUsers(args, env, problems);
  let target: TargetSpec | null = null;
  if (targets.length > 0) {
    target = collect(() =>
      parseTargetSpec({
        targets,
        cluster: args.cluster === true,
        clientSharding: args.clientSharding === true,
        tlsCa: lastString(args.tlsCa),
        tlsCert: lastString(args.tlsCert),
        tlsKey: lastString(args.tlsKey),
        tlsServername: lastString(args.tlsServername),
        tlsInsecure: args.tlsInsecure === true,
        user: lastString(args.user),
        password,
        ...fleets,
      }),
    ) ?? null;
  } else {
    const stray = ['allowConfigSet', 'cluster', 'clientSharding', 'tlsCa', 'tlsCert', 'tlsKey', 'tlsServername', 'tlsInsecure', 'user', 'passwordEnv', ...FLEET_FLAGS]
      .filter((k) => args[k as keyof RunArgs] !== undefined && args[k as keyof RunArgs] !== false);
    for (const k of stray) {
      problems.push({ field: `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, message: 'only applies with --target', hint: 'add --target redis://host:port, or drop this flag' });
    }
  }

  if (target?.kind === 'servers' && scenario?.channels.sharded) {
    problems.push({ field: '--client-sharding', message: 'cannot be combined with --sharded', hint: 'sharded pub/sub (SPUBLISH) needs a Redis Cluster: drop --sharded, or use --cluster' });
  }

  const allowConfigSet = args.allowConfigSet === true;
  if (scenario?.pubsubBufferLimit && targets.length > 0 && !allowConfigSet) {
    problems.push({
      field: '--pubsub-buffer-limit', message: "would change the --target's client-output-buffer-limit, and --allow-config-set was not given",
      hint: 'add --allow-config-set (the old limit is read first and restored after the run), or run without --target on a throwaway local redis-server',
    });
  }

  if (target && target.kind !== 'single' && scenario?.transport === 'streams') {
    const flag = target.kind === 'cluster' ? '--cluster' : '--client-sharding';
    problems.push({ field: '--transport', message: `streams cannot be combined with ${flag} yet: each stream would have to live on the server its key maps to`, hint: `run --transport streams against one server, or drop ${flag}` });
  }
  // A built-in that compares behaviour under a fault (pubsub-vs-streams) brings its own, unless --chaos is given.
  const chaosSpecs = args.chaos ?? (typeof args.scenario === 'string' ? findBuiltin(args.scenario)?.chaos : undefined);
  const chaos = collect(() => parseChaos(chaosSpecs, '--chaos', { durationMs: scenario?.durationMs, localTarget: targets.length === 0 }));

  // Scenario thresholds were checked with the scenario; only the flags' are new problems here.
  const gates = await readGates(args, scenario?.thresholds, problems);
  problems.push(...(await probeRunOutputs({ outDir, junitPath: gates.junitPath, stepSummary: opts.stepSummary === false ? undefined : env.GITHUB_STEP_SUMMARY })));
  const live = await readLiveFlags(args, problems);
  const segment = readSegmentFlags(args, env, scenario, {
    matrix: args.matrix !== undefined, repeat: gates.repeat, baselines: gates.baselines.length,
    flagThresholds: args.threshold !== undefined || args.abortOnFail === true, junit: gates.junitPath !== undefined, chaos: (chaos?.length ?? 0) > 0,
  }, problems);
  if (segment && targets.length === 0) {
    problems.push({ field: '--target', message: 'a segment needs the Redis every segment loads', hint: 'add --target redis://host:port (the same on every segment)' });
  }

  if (problems.length > 0 || !scenario || workers === undefined || intervalMs === undefined || connectTimeoutMs === undefined || !outDir) {
    throw new UsageError(problems, `Invalid scenario or flags (${source})`);
  }
  const secrets = [password, fleets.publisherPassword, fleets.subscriberPassword].filter((p): p is string => p !== undefined);
  const request = { scenario, target, workers, outDir, intervalMs, connectTimeoutMs, ...(chaos && chaos.length > 0 ? { chaos } : {}), ...(allowConfigSet ? { allowConfigSet } : {}), ...(segment ? { segment } : {}) };
  // A segment judges nothing (merge judges the whole run): the scenario's thresholds go with the scenario to merge.
  return { request, password, secrets, gates: segment ? { ...gates, thresholds: [] } : gates, keep, live };
}

/** Runs the command; returns the exit code. */
export async function runCommand(args: RunArgs, io: CliIo): Promise<number> {
  const progress = progressWriter(io);
  const stopping = 'stopping publishers, short drain, writing results';
  return withSignals(io, { stopping, beforeWrite: progress.end }, async (interrupt) => {
    let secrets: string[] = [];
    try {
      const parsed = await buildRunRequest(args, io.env);
      secrets = parsed.secrets;
      // Opened once for the whole series (a matrix or --repeat streams into one file), closed after it.
      const live = await openLive(parsed.live, io);
      const built = { ...parsed, request: { ...parsed.request, ...(live.sinks.length > 0 ? { liveSinks: live.sinks } : {}) } };
      // With --metrics-out -, stdout carries the NDJSON lines alone; the command's own output goes to stderr.
      const out = live.stdoutTaken ? { ...io, stdout: io.stderr } : io;
      const shared = { signal: interrupt.signal, onProgress: progress.write, onWarning: progress.warn };
      const specs = matrixSpecs(args);
      const code = await (specs !== undefined
        ? runMatrixCommand(args, out, specs, built, (a) => buildRunRequest(a, io.env), shared)
        : runRepeats(args, out, built, shared, progress.end)).finally(() => live.close());
      progress.end();
      if (built.keep !== undefined) await pruneOutFolder(io, built.request.outDir, built.keep);
      return interrupt.exitCode(code);
    } catch (err) {
      progress.end();
      const f = formatError(err, { env: io.env, secrets });
      io.stderr(f.text);
      // Interrupted before a result existed: the user's signal, not the error, decides the exit code.
      return interrupt.code ?? f.exitCode;
    }
  });
}

/** A plain run, `--repeat` times through the series runner, judged by the gates; returns the exit code. */
async function runRepeats(
  args: RunArgs, io: CliIo, built: BuiltRequest, shared: Pick<RunRequest, 'signal' | 'onProgress' | 'onWarning'>, endProgress: () => void,
): Promise<number> {
  const { gates } = built;
  const base = { ...built.request, ...shared, thresholds: gates.thresholds, abortGraceMs: gates.abortGraceMs };
  const entries = Array.from({ length: gates.repeat }, (_, i) => ({ label: `run ${i + 1} of ${gates.repeat}`, scenario: built.request.scenario }));
  const announce = (label: string): void => {
    if (io.quiet) return;
    endProgress();
    io.stderr(`pubsub-bench: ${label}\n`);
  };
  const runs = await withSeries({ kind: null, base }, async (series) => {
    const made = await runEntries(series, entries, (i, e) => { if (gates.repeat > 1) announce(e.label); });
    // --repeat-max: more runs while a gated metric's best run has no second run within 5% of it (best-run.ts).
    const gated = metricsToConfirm(gates.tolerance);
    while (made.length < gates.repeatMax && !series.interrupted) {
      const open = unconfirmedMetrics(made.filter((r) => !r.result.interrupted).map((r) => r.result), gated);
      if (open.length === 0) break;
      const label = `run ${made.length + 1} (up to ${gates.repeatMax}): the best run of ${open.join(', ')} is not yet confirmed within 5%`;
      announce(label);
      made.push(await series.run({ label, scenario: built.request.scenario }));
    }
    return made;
  });
  endProgress();
  if (runs.length === 0) return ExitCode.sigint;
  const segment = built.request.segment ? segmentVerdict(runs[0].result) : undefined;
  if (segment?.line) io.stderr(`pubsub-bench: ${segment.line}\n`);
  const { exitCode, writeFailures } = segment
    ? { exitCode: runs.some((r) => r.writeFailures.length > 0) ? ExitCode.internal : segment.exitCode, writeFailures: runs.flatMap((r) => r.writeFailures) }
    : await judgeRuns([{ runs }], gates, io.env);
  const { result, runDir } = runs[runs.length - 1];
  if (args.json === true) {
    io.stdout(`${JSON.stringify(runs.length === 1 ? result : runs.map((r) => r.result))}\n`);
    // stdout is the JSON alone; the verdict, failed checks and report path go where a CI log shows them.
    io.stderr(`${verdictLines(result, join(runDir, 'report.html')).join('\n')}\n`);
  } else if (io.quiet) io.stdout(`${verdictLines(result, join(runDir, 'report.html')).join('\n')}\n`);
  else io.stdout(`${formatSummary(result, { color: colorEnabled(io) })}\n\n${await describeOutputs(runDir)}\n`);
  if (gates.junitPath && !writeFailures.some((f) => f.path === gates.junitPath)) io.stderr(`pubsub-bench: JUnit XML written to ${gates.junitPath}\n`);
  reportWorkerErrors(io, runs);
  reportWriteFailures(io, writeFailures);
  return exitCode;
}

/** `--keep`: deletes the oldest run folders of --out and rewrites its index; what it did goes to stderr. */
async function pruneOutFolder(io: CliIo, outDir: string, keep: number): Promise<void> {
  const { pruned, warnings } = await updateRunHistory(outDir, { keep });
  if (pruned.length > 0 && !io.quiet) io.stderr(`pubsub-bench: --keep ${keep}: deleted ${pruned.length} older run folder(s) in ${outDir}\n`);
  for (const w of warnings) io.stderr(`pubsub-bench: warning: ${w}\n`);
}

async function describeOutputs(runDir: string): Promise<string> {
  const files = await readdir(runDir).catch(() => [] as string[]);
  const listed = files.sort().map((f) => `  ${join(runDir, f)}`);
  return [`Written to ${runDir}/`, ...listed].join('\n');
}

/** Progress on stderr: one line rewritten in place on a TTY, plain lines otherwise; warnings on lines of their own. */
function progressWriter(io: CliIo): { write: (line: string) => void; end: () => void; warn: (text: string) => void } {
  let open = false;
  return {
    // Said before measuring, so a doomed run can be stopped at once; the progress line must not overwrite it.
    warn: (text: string) => {
      if (open) io.stderr('\n');
      open = false;
      io.stderr(`pubsub-bench: warning: ${text}\n`);
    },
    write: (line: string) => {
      if (io.quiet) return;
      if (canRewriteLine(io)) {
        io.stderr(`\r\x1b[2K${line}`);
        open = true;
      } else {
        io.stderr(`${line}\n`);
      }
    },
    end: () => {
      if (open) io.stderr('\n');
      open = false;
    },
  };
}

function readInt(value: unknown, flag: string, min: number, max: number, fallback: number, problems: Problem[]): number | undefined {
  if (value === undefined) return fallback;
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  problems.push({ field: flag, message: `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, hint: `e.g. ${flag} ${fallback}` });
  return undefined;
}

function readDuration(value: unknown, flag: string, minMs: number, maxMs: number, fallback: number, problems: Problem[]): number | undefined {
  if (value === undefined) return fallback;
  if (Array.isArray(value)) {
    problems.push({ field: flag, message: `given ${value.length} times`, hint: `give ${flag} once` });
    return undefined;
  }
  const ms = checkDurationMs(value, flag);
  if (typeof ms !== 'number') {
    problems.push(ms);
    return undefined;
  }
  if (ms >= minMs && ms <= maxMs) return ms;
  problems.push({ field: flag, message: `${ms} ms is out of range: must be between ${minMs} ms and ${maxMs} ms`, hint: `e.g. ${flag} ${fallback / 1000}s` });
  return undefined;
}

/** The fleet credential flags (camel-cased as yargs gives them). */
const FLEET_FLAGS = ['publisherUser', 'publisherPasswordEnv', 'subscriberUser', 'subscriberPasswordEnv'];

/** `--publisher-user` / `--subscriber-user` and their passwords; a password without its user is a problem. */
function readFleetUsers(args: RunArgs, env: NodeJS.ProcessEnv, problems: Problem[]) {
  const read = (role: 'publisher' | 'subscriber', user: unknown, passwordEnv: unknown) => {
    const name = lastString(user);
    if (name !== undefined && name.trim() === '') problems.push({ field: `--${role}-user`, message: 'needs an ACL user name', hint: `e.g. --${role}-user bench-${role}` });
    const password = readPassword(passwordEnv, env, problems, `--${role}-password-env`);
    if (passwordEnv !== undefined && name === undefined) {
      problems.push({ field: `--${role}-password-env`, message: `needs --${role}-user`, hint: `name the ACL user the ${role}s log in as, e.g. --${role}-user bench-${role}` });
    }
    return { name: name?.trim() === '' ? undefined : name, password };
  };
  const pub = read('publisher', args.publisherUser, args.publisherPasswordEnv);
  const sub = read('subscriber', args.subscriberUser, args.subscriberPasswordEnv);
  return { publisherUser: pub.name, publisherPassword: pub.password, subscriberUser: sub.name, subscriberPassword: sub.password };
}

function stringList(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => String(v));
}
