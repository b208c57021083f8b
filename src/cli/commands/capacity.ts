/**
 * `pubsub-bench capacity [SCENARIO] --slo 'e2e.p99 < 10ms' --slo 'lost == 0' [--sweep subscribers=10,100,1000]`:
 * finds the highest publish rate that holds the SLO (see coordinator/capacity.ts), once per sweep value, and prints
 * a capacity table. Scenario, target and run flags are the `run` command's, built by the same code.
 */
import type { CommandModule, Options } from 'yargs';
import { ExitCode, exitCodesLine, UsageError, type Problem } from '../../core/errors.js';
import type { CapacityStep } from '../../core/result.js';
import { runCapacity } from '../../coordinator/capacity-run.js';
import { CAPACITY_DEFAULTS } from '../../coordinator/capacity.js';
import { checkThresholds } from '../../metrics/thresholds.js';
import { formatLatencyUs, formatRate } from '../../reporting/format.js';
import { LIMITS } from '../../scenarios/defaults.js';
import { parseRate } from '../../scenarios/human-numbers.js';
import { MATRIX_KEYS, expandMatrix, parseMatrix } from '../../scenarios/matrix.js';
import { formatError } from '../errors.js';
import type { CliIo } from '../io.js';
import { withSignals, type Interrupt } from '../signals.js';
import { GATE_OPTIONS } from './run-gates.js';
import { reportWriteFailures } from './run-errors.js';
import {
  CAPACITY_GATE_OPTIONS, capacityExitCode, capacityVerdictLines, judgeCapacity, readCapacityGates, writeCapacityCiFiles, type CapacityGateArgs,
} from './capacity-gates.js';
import { RUN_OPTIONS, type RunArgs } from './run-options.js';
import { LIVE_OPTIONS, openLive } from './run-live.js';
import { buildRunRequest } from './run.js';
import { PREDICT_OPTIONS, headroomOf, predictCommand, type PredictArgs } from './capacity-predict.js';

const SEARCH = 'Capacity search:';
/** Shorter steps than a normal run's defaults: a search measures many of them. */
const STEP_DURATION = '10s';
const STEP_WARMUP = '3s';

/** The options of `capacity`: run's scenario/target/output flags (without --rate and --matrix) plus the search's. */
export const CAPACITY_OPTIONS: Record<string, Options> = {
  // Run's gates (thresholds, baselines, repeats) judge single runs: a search judges its steps by --slo, its result by
  // its own gates (--min-capacity, --junit).
  ...Object.fromEntries(Object.entries(RUN_OPTIONS).filter(([k]) => k !== 'rate' && k !== 'matrix' && !(k in GATE_OPTIONS))),
  ...CAPACITY_GATE_OPTIONS,
  // Live metrics matter most on long searches: every step streams into the same file or endpoint (label = its rate).
  ...LIVE_OPTIONS,
  ...PREDICT_OPTIONS,
  duration: { ...RUN_OPTIONS.duration, describe: 'Measured phase of EACH step, e.g. --duration 10s', defaultDescription: STEP_DURATION },
  warmup: { ...RUN_OPTIONS.warmup, describe: 'Warmup of EACH step, so it settles before it is measured, e.g. --warmup 3s', defaultDescription: STEP_WARMUP },
  json: { ...RUN_OPTIONS.json, describe: 'Print capacity.json on stdout and nothing else there' },
  slo: { group: SEARCH, type: 'string', array: true, describe: "A threshold every step must pass (repeatable), e.g. --slo 'e2e.p99 < 10ms' --slo 'lost == 0'", defaultDescription: 'required' },
  'start-rate': { group: SEARCH, type: 'string', describe: 'First offered rate (msgs/s, total; 5k works); doubled until a step fails', defaultDescription: '1000' },
  'max-rate': { group: SEARCH, type: 'string', describe: 'Highest rate ever offered (msgs/s, e.g. 1M)', defaultDescription: '1M' },
  resolution: { group: SEARCH, type: 'string', describe: 'Bisect until the bracket is this narrow, e.g. --resolution 5%', defaultDescription: '5%' },
  'max-steps': { group: SEARCH, type: 'string', describe: 'Most steps per search (each is a full run)', defaultDescription: String(CAPACITY_DEFAULTS.maxSteps) },
  sweep: {
    group: SEARCH, type: 'string', array: true,
    describe: `Repeat the search for each value, e.g. --sweep subscribers=10,100,1000. Keys: ${Object.keys(MATRIX_KEYS).filter((k) => k !== 'rate').join(', ')}`,
    defaultDescription: 'none',
  },
};

/** Parsed flags of `capacity`. */
export interface CapacityArgs extends RunArgs, CapacityGateArgs, PredictArgs {
  slo?: unknown;
  startRate?: unknown;
  maxRate?: unknown;
  resolution?: unknown;
  maxSteps?: unknown;
  sweep?: unknown;
}

function list(value: unknown): string[] {
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
}

/** A positive number (`unit` 'rate': also 5k, 1.5M as every output prints rates; 'percent': 5%) up to `max`. */
function positive(value: unknown, flag: string, fallback: number, max: number, problems: Problem[], unit: 'plain' | 'rate' | 'percent' = 'plain'): number {
  if (value === undefined) return fallback;
  const text = String(Array.isArray(value) ? value.at(-1) : value).trim();
  const m = (unit === 'percent' ? /^(\d+(?:\.\d+)?)%$/ : /^(\d+(?:\.\d+)?)$/).exec(text);
  const n = unit === 'rate' ? parseRate(text) ?? NaN : m ? Number(m[1]) / (unit === 'percent' ? 100 : 1) : NaN;
  if (n > 0 && n <= max) return n;
  const what = { plain: 'a positive number', rate: 'a rate above 0', percent: 'a percentage' }[unit];
  problems.push({ field: flag, message: `${JSON.stringify(text)} is not ${what} up to ${max}`, hint: `e.g. ${flag} ${unit === 'percent' ? '5%' : fallback}` });
  return fallback;
}

/**
 * Runs the command; resolves to the exit code (0 knee found, 1 a step's worker failed, 99 no rate held the SLO,
 * 130/143 interrupted).
 */
export async function runCapacityCommand(args: CapacityArgs, io: CliIo): Promise<number> {
  const stopping = 'ending the current step and writing what was measured';
  return withSignals(io, { stopping }, (interrupt) =>
    (args.predict !== undefined ? predictCommand(args as CapacityArgs & Record<string, unknown>, io, interrupt) : searchCommand(args, io, interrupt)));
}

async function searchCommand(args: CapacityArgs, io: CliIo, interrupt: Interrupt): Promise<number> {
  const passwords: Array<string | undefined> = [];
  try {
    const problems: Problem[] = [];
    const sloExprs = list(args.slo);
    if (sloExprs.length === 0) problems.push({ field: '--slo', message: 'the search needs an SLO', hint: "e.g. --slo 'e2e.p99 < 10ms' --slo 'lost == 0'" });
    const { thresholds: slo, problems: sloProblems } = checkThresholds(sloExprs, '--slo');
    problems.push(...sloProblems);
    const startRate = positive(args.startRate, '--start-rate', 1000, LIMITS.rate, problems, 'rate');
    const maxRate = positive(args.maxRate, '--max-rate', 1_000_000, LIMITS.rate, problems, 'rate');
    if (startRate > maxRate) problems.push({ field: '--start-rate', message: `${startRate} is above --max-rate ${maxRate}`, hint: 'lower --start-rate or raise --max-rate' });
    const resolution = positive(args.resolution, '--resolution', CAPACITY_DEFAULTS.resolution, 1, problems, 'percent');
    const maxSteps = Math.floor(positive(args.maxSteps, '--max-steps', CAPACITY_DEFAULTS.maxSteps, 1000, problems));
    for (const k of ['model', 'cores', 'shards'] as const) {
      if (args[k] !== undefined) problems.push({ field: `--${k}`, message: 'is a flag of --predict', hint: `add --predict SHAPE, or drop --${k}` });
    }
    const headroom = headroomOf(args.headroom, problems);
    const specs = list(args.sweep);
    if (specs.some((s) => s.trim().startsWith('rate='))) problems.push({ field: '--sweep', message: 'rate is what the search varies', hint: 'sweep another key, e.g. --sweep subscribers=10,100' });
    const variants = specs.length > 0 ? expandMatrix(parseMatrix(specs, '--sweep')) : [{ flags: {}, label: '' }];
    const gates = await readCapacityGates(args, maxRate, io.env, problems, (text) => io.stderr(`pubsub-bench: warning: ${text}\n`));
    // Every variant goes through run's own flag path, so its problems read exactly as run's would; the search's gates
    // were read above, once, and are not run's.
    const { junit: _junit, threshold: _threshold, minCapacity: _floor, headroom: _headroom, ...runArgs } = args;
    const stepArgs: RunArgs = { ...runArgs, rate: String(startRate), duration: args.duration ?? STEP_DURATION, warmup: args.warmup ?? STEP_WARMUP };
    const built = [];
    for (const v of variants) {
      try {
        const b = await buildRunRequest({ ...stepArgs, ...v.flags }, io.env, { stepSummary: false });
        passwords.push(...b.secrets);
        built.push({ label: v.label || b.request.scenario.name, request: b.request, scenarioThresholds: b.gates.thresholds.length, live: b.live });
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        problems.push(...err.problems.filter((p) => !problems.some((q) => q.field === p.field && q.message === p.message)));
      }
    }
    if (problems.length > 0 || built.length === 0) throw new UsageError(problems, 'Invalid capacity search');
    if (built[0].scenarioThresholds > 0) {
      io.stderr("pubsub-bench: warning: the scenario's thresholds: are not judged by a capacity search; give them as --slo (what every step must pass)\n");
    }

    const { scenario: _unused, ...base } = built[0].request;
    const live = await openLive(built[0].live, io);
    // With --metrics-out - the NDJSON lines own stdout: the capacity table goes to stderr.
    const out = live.stdoutTaken ? { ...io, stdout: io.stderr } : io;
    const outcome = await runCapacity({
      base: { ...base, signal: interrupt.signal, ...(live.sinks.length > 0 ? { liveSinks: live.sinks } : {}) },
      variants: built.map((b) => ({ label: b.label, scenario: b.request.scenario })),
      slo,
      search: { startRate, maxRate, resolution, maxSteps },
      headroom,
      onStep: (label, s) => io.stderr(`${stepLine(label, s)}\n`),
    }).finally(() => live.close());
    const verdicts = judgeCapacity(outcome.report, gates.floorRate, outcome.errors);
    const ciFailures = await writeCapacityCiFiles(verdicts, outcome.report.slo, gates, io.env);
    if (args.json === true) out.stdout(`${JSON.stringify(outcome.report)}\n`);
    else out.stdout(`${outcome.text}\n\nWritten to ${outcome.dir}/ (capacity.json, capacity.html, one folder of runs per search)\n`);
    for (const e of outcome.errors.flat()) io.stderr(`pubsub-bench: ${e}\n`);
    for (const line of capacityVerdictLines(verdicts)) io.stderr(`${line}\n`);
    if (gates.junitPath && !ciFailures.some((f) => f.path === gates.junitPath)) io.stderr(`pubsub-bench: JUnit XML written to ${gates.junitPath}\n`);
    const writeFailures = [...outcome.writeFailures, ...ciFailures];
    reportWriteFailures(io, writeFailures);
    return interrupt.exitCode(capacityExitCode(verdicts, outcome.interrupted, writeFailures.length));
  } catch (err) {
    const f = formatError(err, { env: io.env, secrets: passwords });
    io.stderr(f.text);
    return interrupt.code ?? f.exitCode;
  }
}

/** "fan-out step 3 (up): 4k/s offered → achieved 4k/s, e2e p99 3.2 ms ✓". */
function stepLine(label: string, s: CapacityStep): string {
  const verdict = s.held ? '✓ held' : `✗ ${s.reasons[0] ?? 'failed'}`;
  return `pubsub-bench: ${label} step ${s.index + 1} (${s.phase}): ${formatRate(s.offeredRate)} offered → achieved ${formatRate(s.achievedRate)}, e2e p99 ${formatLatencyUs(s.e2eP99Us)} ${verdict}`;
}

/** The command module, reporting its exit code through `onExit` (main.ts: `(code) => (exitCode = code)`). */
export function makeCapacityCommand(io: CliIo, onExit: (code: number) => void): CommandModule<object, CapacityArgs> {
  return {
    command: 'capacity [scenario]',
    describe: 'Find the highest publish rate that holds an SLO (step up ×2, then bisect), optionally per sweep value',
    builder: (yargs) =>
      yargs
        .positional('scenario', { type: 'string', describe: 'A built-in or a .json/.yaml scenario file (its rate is what the search varies)' })
        .options(CAPACITY_OPTIONS)
        .example("$0 capacity fan-out --slo 'e2e.p99 < 10ms' --slo 'lost == 0'", 'The knee of the default fan-out against a local redis-server')
        .example("$0 capacity fan-out --target redis://10.0.0.5:6379 --slo 'e2e.p99 < 5ms' --sweep subscribers=10,100,1000", 'How many subscribers can this deployment serve, at what rate?')
        .example("$0 capacity fan-out --slo 'e2e.p99 < 10ms' --min-capacity 20k --junit junit.xml", 'A CI gate: exit 99 unless the knee is at least 20k msgs/s')
        .example('$0 capacity --predict chat --subscribers 500 --model reports/<time>-capacity --shards 3,6', 'Predicted saturation of a shape, from saved searches, on this server and on 3/6-shard clusters')
        .epilogue(`Each step is a full run with its own warmup. ${exitCodesLine({
          [ExitCode.ok]: 'knee found', [ExitCode.noData]: null, [ExitCode.regression]: null,
          [ExitCode.thresholds]: 'no rate held the SLO or a knee is below --min-capacity',
        })}`),
    handler: async (argv) => onExit(await runCapacityCommand(argv, io)),
  };
}
