/**
 * The segment flags of `run` (one share of a distributed run, issue 12): `--segment I/N`, `--run-id ID`,
 * `--control-target URL`, `--barrier-timeout DURATION`. I, N and the run id may come from the environment
 * (core/segment.ts SEGMENT_ENV), so one Kubernetes manifest serves every pod; a flag wins over its variable.
 */
import { UsageError, type Problem } from '../../core/errors.js';
import type { SegmentRequest } from '../../core/run.js';
import type { RunResult } from '../../core/result.js';
import type { Scenario } from '../../core/scenario.js';
import { SEGMENT_ENV } from '../../core/segment.js';
import { ExitCode } from '../../core/errors.js';
import { parseSegmentFlag, RUN_ID_RE, segmentCountProblem } from '../../coordinator/segment-plan.js';
import { checkDurationMs } from '../../scenarios/duration.js';
import { ABORTED_BY_OTHER } from '../../coordinator/segment-result.js';
import { parseTargetSpec } from '../../targets/url.js';
import { lastString, readPassword } from './flag-values.js';
import { DEFAULT_BARRIER_TIMEOUT_MS, type SegmentArgs } from './run-segment-options.js';

/** What the segment flags leave out for the rest of `run` to check (incompatible flags). */
export interface SegmentConflicts {
  matrix: boolean;
  repeat: number;
  baselines: number;
  flagThresholds: boolean;
  junit: boolean;
  chaos: boolean;
}

/**
 * Reads the segment flags and variables; undefined when this is not a segment. Every problem (naming the flag or
 * variable) goes into `problems`.
 */
export function readSegmentFlags(args: SegmentArgs, env: NodeJS.ProcessEnv, scenario: Scenario | undefined, conflicts: SegmentConflicts, problems: Problem[]): SegmentRequest | undefined {
  const countEnv = env[SEGMENT_ENV.count];
  const active = args.segment !== undefined || (countEnv !== undefined && countEnv !== '');
  if (!active) {
    for (const [key, flag] of [['runId', '--run-id'], ['controlTarget', '--control-target'], ['controlPasswordEnv', '--control-password-env'], ['controlTlsCa', '--control-tls-ca'], ['barrierTimeout', '--barrier-timeout']] as const) {
      if (args[key] !== undefined) problems.push({ field: flag, message: 'only applies to a segment of a distributed run', hint: `add --segment I/N (or set $${SEGMENT_ENV.count}), or drop ${flag}` });
    }
    return undefined;
  }
  const spec = readIndexCount(args.segment, env, problems);
  const runId = lastString(args.runId) ?? env[SEGMENT_ENV.runId];
  const runIdField = args.runId !== undefined ? '--run-id' : `$${SEGMENT_ENV.runId}`;
  if (runId === undefined || runId === '') {
    problems.push({ field: '--run-id', message: 'a segment needs the run id every segment of the run shares', hint: `e.g. --run-id nightly-42 (or set $${SEGMENT_ENV.runId}); the same on every segment` });
  } else if (!RUN_ID_RE.test(runId)) {
    problems.push({ field: runIdField, message: `${JSON.stringify(runId)} is not a valid run id`, hint: 'letters, digits, dot, underscore and dash, starting with a letter or digit, up to 64 characters' });
  }
  let barrierTimeoutMs = DEFAULT_BARRIER_TIMEOUT_MS;
  if (args.barrierTimeout !== undefined) {
    const ms = checkDurationMs(lastString(args.barrierTimeout), '--barrier-timeout');
    if (typeof ms !== 'number') problems.push(ms);
    else if (ms < 100 || ms > 24 * 3600_000) problems.push({ field: '--barrier-timeout', message: `${ms} ms is out of range (100 ms to 24 h)`, hint: 'e.g. --barrier-timeout 2m' });
    else barrierTimeoutMs = ms;
  }
  const controlTarget = readControlTarget(args, env, problems);
  if (spec && scenario) {
    const subscribers = scenario.subscribers.reduce((n, g) => n + g.count, 0);
    const why = segmentCountProblem(spec.count, scenario.publishers.count, subscribers);
    if (why) problems.push({ field: '--segment', message: why, hint: `use at most ${scenario.publishers.count + subscribers} segments, or more publishers/subscribers` });
  }
  const refuse = (flag: string, why: string, hint: string): void => void problems.push({ field: flag, message: `cannot be used with --segment: ${why}`, hint });
  if (conflicts.matrix) refuse('--matrix', 'a segment is one share of one run', 'run the matrix on one machine, or one distributed run per variant');
  if (conflicts.repeat > 1) refuse('--repeat', 'a segment is one share of one run', 'start the distributed run again with a new --run-id');
  if (conflicts.baselines > 0) refuse('--baseline', 'one segment is not the whole run', 'give --baseline to pubsub-bench merge');
  if (conflicts.flagThresholds) refuse('--threshold', 'one segment cannot judge the whole run', 'give --threshold to pubsub-bench merge, which judges the merged run');
  if (conflicts.junit) refuse('--junit', 'a segment judges nothing', 'give --junit to pubsub-bench merge');
  if (conflicts.chaos && spec && spec.count > 1) refuse('--chaos', 'every segment would inject the same faults into one server', 'run chaos on one machine, or use --segment 0/1');
  if (!spec || runId === undefined || !RUN_ID_RE.test(runId)) return undefined;
  return { index: spec.index, count: spec.count, runId, barrierTimeoutMs, ...(controlTarget ? { controlTarget } : {}) };
}

function readIndexCount(flag: unknown, env: NodeJS.ProcessEnv, problems: Problem[]): { index: number; count: number } | undefined {
  if (flag !== undefined) {
    const text = lastString(flag);
    const parsed = text === undefined ? null : parseSegmentFlag(text);
    if (!parsed) problems.push({ field: '--segment', message: `expected I/N with 0 ≤ I < N, got ${JSON.stringify(flag)}`, hint: 'e.g. --segment 0/3 for the first of three segments' });
    return parsed ?? undefined;
  }
  const count = Number(env[SEGMENT_ENV.count]);
  const indexText = env[SEGMENT_ENV.index];
  const index = Number(indexText);
  if (!Number.isInteger(count) || count < 1 || count > 99_999) {
    problems.push({ field: `$${SEGMENT_ENV.count}`, message: `expected a segment count from 1, got ${JSON.stringify(env[SEGMENT_ENV.count])}`, hint: `e.g. ${SEGMENT_ENV.count}=3` });
    return undefined;
  }
  if (indexText === undefined || indexText.trim() === '' || !Number.isInteger(index) || index < 0 || index >= count) {
    problems.push({ field: `$${SEGMENT_ENV.index}`, message: `expected a segment index from 0 to ${count - 1}, got ${JSON.stringify(indexText)}`, hint: `Kubernetes sets it in an Indexed Job; elsewhere give --segment I/${count}` });
    return undefined;
  }
  return { index, count };
}

/**
 * `--control-target` with its own credentials: `--control-password-env` and `--control-tls-ca` (the Redis under
 * test's --password-env and --tls-* are never sent to another server).
 */
function readControlTarget(args: SegmentArgs, env: NodeJS.ProcessEnv, problems: Problem[]) {
  const url = lastString(args.controlTarget);
  if (url === undefined) {
    for (const [key, flag] of [['controlPasswordEnv', '--control-password-env'], ['controlTlsCa', '--control-tls-ca']] as const) {
      if (args[key] !== undefined) problems.push({ field: flag, message: 'only applies with --control-target', hint: 'add --control-target URL, or drop it: the segments then meet on the Redis under test' });
    }
    return undefined;
  }
  const password = readPassword(lastString(args.controlPasswordEnv), env, problems, '--control-password-env');
  const tlsCa = lastString(args.controlTlsCa);
  try {
    return parseTargetSpec({ targets: [url], cluster: false, ...(password !== undefined ? { password } : {}), ...(tlsCa !== undefined ? { tlsCa } : {}) });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const renamed: Record<string, string> = { '--target': '--control-target', '--tls-ca': '--control-tls-ca', '--password-env': '--control-password-env' };
    problems.push(...err.problems.map((p) => ({ ...p, field: renamed[p.field] ?? p.field })));
    return undefined;
  }
}

/**
 * A segment's exit code and what to say about it: 1 when one of its workers failed, or when another segment stopped
 * the run (its result is then marked interrupted; a signal of its own is mapped to 130/143 by the caller); else 0.
 * Loss and thresholds are judged by `merge` on the whole run, and a segment without publishers or subscribers is not
 * "no data".
 */
export function segmentVerdict(result: RunResult): { exitCode: number; line?: string } {
  if ((result.errors?.length ?? 0) > 0) return { exitCode: ExitCode.internal };
  if (!result.interrupted) return { exitCode: ExitCode.ok };
  const why = result.warnings.find((w) => w.startsWith(ABORTED_BY_OTHER));
  return { exitCode: ExitCode.internal, line: why ? `${why}; this segment's result is marked interrupted` : 'the run was interrupted; this segment\'s result is marked so' };
}
