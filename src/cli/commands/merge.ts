/**
 * `pubsub-bench merge FILES|FOLDERS… | --from-redis URL --run-id ID`: the segments of one run → one result.json and
 * report.html, judged by the thresholds (exit 99) with JUnit and the step summary, like a one-machine run.
 */
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { ExitCode, UsageError, exitCodesLine, type Problem } from '../../core/errors.js';
import { mergeSegments, type SegmentInput } from '../../coordinator/merge.js';
import { checkThresholds } from '../../metrics/thresholds.js';
import { formatSummary } from '../../reporting/terminal.js';
import { verdictLines } from '../../reporting/ci/verdict-lines.js';
import { probeOutputs } from '../../reporting/output-probe.js';
import { writeRunOutputs } from '../../reporting/write.js';
import { checkDurationMs } from '../../scenarios/duration.js';
import type { TargetSpec } from '../../core/target.js';
import { parseTargetSpec } from '../../targets/url.js';
import { colorEnabled, type CliIo } from '../io.js';
import { GATE_OPTIONS, judgeRuns, readGates } from './run-gates.js';
import { reportWriteFailures } from './run-errors.js';
import { lastString, readPassword } from './flag-values.js';
import { readSegmentFiles, readSegmentsFromRedis } from './merge-inputs.js';

/** The flags of `merge` as yargs parsed them. */
export interface MergeArgs {
  files?: string[];
  out?: string;
  threshold?: string[];
  junit?: string;
  allowPartial?: boolean;
  baseline?: string[];
  maxRegression?: string[];
  baselineStat?: string;
  fromRedis?: string;
  runId?: string;
  segments?: unknown;
  wait?: unknown;
  passwordEnv?: unknown;
  user?: unknown;
  tlsCa?: unknown;
  tlsCert?: unknown;
  tlsKey?: unknown;
  tlsServername?: unknown;
  tlsInsecure?: unknown;
}

/** The flags that only mean something with --from-redis (the connection to the Redis the segments stored into). */
const FROM_REDIS_FLAGS = ['runId', 'segments', 'wait', 'passwordEnv', 'user', 'tlsCa', 'tlsCert', 'tlsKey', 'tlsServername', 'tlsInsecure'] as const;

const DEFAULT_WAIT_MS = 0;
const CONNECT_TIMEOUT_MS = 5000;
const MAX_SEGMENTS = 10_000;

/** Where the segments are to be read from, after the flags were checked. */
type Source = { kind: 'files'; paths: string[] } | { kind: 'redis'; url: string; spec: TargetSpec | null; runId: string; count?: number; waitMs: number };

function readSource(args: MergeArgs, env: NodeJS.ProcessEnv, problems: Problem[]): Source | null {
  const files = args.files ?? [];
  if (args.fromRedis === undefined) {
    for (const flag of FROM_REDIS_FLAGS) {
      if (args[flag] !== undefined) problems.push({ field: `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, message: 'only applies with --from-redis', hint: 'pubsub-bench merge --from-redis redis://host:6379 --run-id ID' });
    }
    if (files.length === 0) problems.push({ field: 'FILES', message: 'no segment results given', hint: 'pubsub-bench merge seg-0/result.json seg-1/result.json …, a folder holding them, or --from-redis URL --run-id ID' });
    return { kind: 'files', paths: files };
  }
  if (files.length > 0) problems.push({ field: '--from-redis', message: 'reads the results from Redis; files were given too', hint: 'give either FILES or --from-redis, not both' });
  if (args.runId === undefined || String(args.runId).trim() === '') problems.push({ field: '--run-id', message: '--from-redis needs the run id the segments ran with', hint: 'e.g. --run-id nightly-42' });
  let count: number | undefined;
  if (args.segments !== undefined) {
    count = Number(String(args.segments).trim());
    if (!Number.isInteger(count) || count < 1 || count > MAX_SEGMENTS) {
      problems.push({ field: '--segments', message: `expected a whole number from 1 to ${MAX_SEGMENTS}, got ${JSON.stringify(args.segments)}`, hint: 'N of --segment I/N, e.g. --segments 3' });
    }
  }
  let waitMs = DEFAULT_WAIT_MS;
  if (args.wait !== undefined) {
    const ms = checkDurationMs(args.wait, '--wait');
    if (typeof ms === 'number') waitMs = ms;
    else problems.push(ms);
  }
  const password = readPassword(args.passwordEnv, env, problems);
  let spec: TargetSpec | null = null;
  try {
    // The same URL and TLS rules as run's --target: a rediss:// URL or any --tls-* flag means TLS (mutual with a cert).
    spec = parseTargetSpec({
      targets: [args.fromRedis], password, user: lastString(args.user), tlsCa: lastString(args.tlsCa), tlsCert: lastString(args.tlsCert), tlsKey: lastString(args.tlsKey),
      tlsServername: lastString(args.tlsServername), tlsInsecure: args.tlsInsecure === true,
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems.map((p) => ({ ...p, field: p.field === '--target' ? '--from-redis' : p.field })));
  }
  return { kind: 'redis', url: args.fromRedis, spec, runId: String(args.runId ?? ''), count, waitMs };
}

async function readInputs(source: Source, io: CliIo): Promise<SegmentInput[]> {
  if (source.kind === 'files') return readSegmentFiles(source.paths);
  const spec = source.spec!;
  const shown = source.url.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
  let said = '';
  return readSegmentsFromRedis({
    spec, shown, runId: source.runId, count: source.count, waitMs: source.waitMs, connectTimeoutMs: CONNECT_TIMEOUT_MS,
    onWaiting: (missing, n) => {
      const line = `waiting for segment${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${n}`;
      if (line !== said && !io.quiet) io.stderr(`pubsub-bench: ${line}\n`);
      said = line;
    },
  });
}

/** Does the work of `merge`; returns the exit code. Tests call it directly. */
export async function runMerge(args: MergeArgs, io: CliIo): Promise<number> {
  const problems: Problem[] = [];
  const source = readSource(args, io.env, problems);
  const flagged = checkThresholds(args.threshold ?? [], '--threshold');
  problems.push(...flagged.problems);
  if (args.junit !== undefined && args.junit.trim() === '') problems.push({ field: '--junit', message: 'needs a file name', hint: 'e.g. --junit reports/junit.xml' });
  if (problems.length > 0 || source === null) throw new UsageError(problems, 'Invalid flags for merge');

  const inputs = await readInputs(source, io);
  // The scenario's thresholds apply as in a one-machine run; the baselines are read here too (every problem at once).
  const scenarioThresholds = inputs.find((i) => i.result.segment)?.result.scenario.thresholds;
  const gates = await readGates({ threshold: args.threshold, baseline: args.baseline, maxRegression: args.maxRegression, baselineStat: args.baselineStat, junit: args.junit }, scenarioThresholds, problems);
  if (problems.length > 0) throw new UsageError(problems, 'Invalid thresholds or baselines for merge');
  const thresholds = gates.thresholds;
  const result = mergeSegments(inputs, { allowPartial: args.allowPartial === true, thresholds });

  const runDir = args.out ?? join('reports', `${result.runId}-merged`);
  const unwritable = await probeOutputs([
    { path: runDir, kind: 'folder', flag: '--out' },
    ...(args.junit ? [{ path: args.junit, kind: 'file' as const, flag: '--junit' }] : []),
  ]);
  if (unwritable.length > 0) throw new UsageError(unwritable, 'Cannot write the merged result');
  const written = await writeRunOutputs(result, runDir);
  const outcome = { result, runDir, resultPath: written.resultPath, writeFailures: written.failures };
  const judged = await judgeRuns([{ runs: [outcome] }], gates, io.env);
  const { writeFailures } = judged;
  // Nobody interrupted the merge: an interrupted segment (stopped by a signal or by another segment) is a failed run.
  const exitCode = judged.exitCode === ExitCode.sigint ? ExitCode.internal : judged.exitCode;
  if (io.quiet) io.stdout(`${verdictLines(result, join(runDir, 'report.html')).join('\n')}\n`);
  else io.stdout(`${formatSummary(result, { color: colorEnabled(io) })}\n\nMerged ${result.segments?.length ?? 0} segments into ${written.resultPath} and ${written.reportPath}\n`);
  if (args.junit && !writeFailures.some((f) => f.path === args.junit)) io.stderr(`pubsub-bench: JUnit XML written to ${args.junit}\n`);
  for (const e of result.errors ?? []) io.stderr(`pubsub-bench: ${e}\n`);
  reportWriteFailures(io, writeFailures);
  return exitCode;
}

/** The yargs command module; the exit code goes to `setExitCode`. */
export function mergeCommand(io: CliIo, setExitCode: (code: number) => void): CommandModule<object, MergeArgs> {
  return {
    command: 'merge [files..]',
    describe: 'Merge the segments of a run (`run --segment I/N`) into one result.json and report.html, judged by thresholds',
    builder: (y) =>
      y
        .positional('files', { type: 'string', array: true, describe: 'the segments\' result.json files, or folders holding them (searched up to 3 levels down)' })
        .option('out', { type: 'string', describe: 'folder for the merged result.json, report.html and HdrHistogram files', defaultDescription: 'reports/<run id>-merged' })
        .option('threshold', { type: 'string', array: true, describe: "Fail (exit 99) unless this holds on the merged run, e.g. --threshold 'e2e.p99 < 5ms' --threshold 'lost == 0'; the scenario's thresholds apply too", defaultDescription: 'none' })
        .option('junit', { type: 'string', describe: 'Write JUnit XML (one testcase per threshold) to this file', defaultDescription: 'none' })
        .option('baseline', { type: 'string', array: true, describe: 'Compare the merged run with earlier result.json files (repeatable); a regression beyond --max-regression exits 98', defaultDescription: 'none' })
        .option('max-regression', { type: 'string', array: true, describe: "Tolerated change for the worse: '10%' for every metric, or per metric 'e2e.p99=20%'", defaultDescription: '10%' })
        .option('baseline-stat', GATE_OPTIONS['baseline-stat'])
        .option('allow-partial', { type: 'boolean', describe: 'Merge even when segments are missing: the result is marked partial (missingSegments, a warning, the verdict)', defaultDescription: 'false' })
        .option('from-redis', { type: 'string', describe: 'Read the results the segments stored in this Redis (redis://[user:password@]host:port) under --run-id', defaultDescription: 'none' })
        .option('run-id', { type: 'string', describe: 'With --from-redis: the --run-id the segments ran with' })
        .option('segments', { type: 'string', describe: 'With --from-redis: N, the number of segments (default: from the first result found)' })
        .option('wait', { type: 'string', describe: 'With --from-redis: wait this long for missing segments, e.g. --wait 10m', defaultDescription: '0 (read once)' })
        .option('password-env', { type: 'string', describe: 'With --from-redis: name of the environment variable holding the password' })
        .option('user', { type: 'string', describe: 'With --from-redis: ACL user name (or give it in the URL)' })
        .option('tls-ca', { type: 'string', describe: 'With --from-redis: CA bundle (PEM) to verify the server certificate', defaultDescription: 'system CAs' })
        .option('tls-cert', { type: 'string', describe: 'With --from-redis: client certificate (PEM) for mutual TLS' })
        .option('tls-key', { type: 'string', describe: 'With --from-redis: client private key (PEM) for mutual TLS' })
        .option('tls-servername', { type: 'string', describe: 'With --from-redis: name to verify the server certificate against (SNI)', defaultDescription: 'the host' })
        .option('tls-insecure', { type: 'boolean', describe: 'With --from-redis: skip TLS certificate verification' })
        .example([
          ['$0 merge reports/seg-0 reports/seg-1 reports/seg-2', 'three segment folders → reports/<run id>-merged/'],
          ['$0 merge segments/ --out merged --threshold "e2e.p99 < 10ms" --junit junit.xml', 'every result.json below segments/, gated'],
          ['$0 merge --from-redis redis://redis:6379 --run-id nightly-42 --segments 3 --wait 10m', 'the results the segments stored in Redis'],
          ['$0 merge --from-redis rediss://redis:6380 --tls-ca ca.pem --run-id nightly-42', 'the same over TLS with a private CA'],
        ])
        .epilogue(`A missing or doubled segment, segments of different runs or plans, and a result that is not a segment are exit 2 (each named). ${exitCodesLine({ [ExitCode.target]: 'Redis of --from-redis unreachable', [ExitCode.missingTool]: null })}`) as never,
    handler: async (args) => {
      setExitCode(await runMerge(args, io));
    },
  };
}
