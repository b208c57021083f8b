/**
 * The live-metrics flags of `run`: `--metrics-out FILE|-` (NDJSON, one line per interval). Read and probed with
 * the other flags (a path that cannot be written is exit 2 before anything connects); the sinks are opened once for
 * the whole command, so a matrix or `--repeat` series writes into one stream.
 */
import type { Options } from 'yargs';
import type { Problem } from '../../core/errors.js';
import type { LiveSink } from '../../core/live.js';
import { probeOutputs } from '../../reporting/output-probe.js';
import type { CliIo } from '../io.js';

const LIVE = 'Live metrics (during the run):';

/** The live-metrics options of `run`, keyed by flag name. */
export const LIVE_OPTIONS: Record<string, Options> = {
  'metrics-out': {
    // nargs 1: yargs otherwise reads a lone '-' as a stray argument instead of this flag's value.
    group: LIVE, type: 'string', nargs: 1,
    describe: "Append one JSON line per interval to FILE as the run goes (flushed each line; '-' for stdout, which then carries only these lines), e.g. --metrics-out metrics.ndjson",
    defaultDescription: 'none',
  },
};

/** The parsed live-metrics flags. */
export interface LiveArgs {
  metricsOut?: unknown;
  json?: unknown;
}

/** What the command will stream to, once the flags are read. */
export interface LivePlan {
  /** A file path, or '-' for stdout. */
  metricsOut?: string;
}

/** Reads and checks the live-metrics flags, probing the file; every problem goes into `problems`. */
export async function readLiveFlags(args: LiveArgs, problems: Problem[]): Promise<LivePlan> {
  const plan: LivePlan = {};
  const out = args.metricsOut;
  if (out === undefined) return plan;
  if (Array.isArray(out) || typeof out !== 'string' || out.trim() === '') {
    problems.push({ field: '--metrics-out', message: Array.isArray(out) ? `given ${out.length} times` : 'needs a file name, or - for stdout', hint: 'give it once, e.g. --metrics-out metrics.ndjson' });
    return plan;
  }
  if (out === '-' && args.json === true) {
    problems.push({ field: '--metrics-out', message: "'-' (stdout) cannot share stdout with --json", hint: 'write the lines to a file, e.g. --metrics-out metrics.ndjson, or drop --json' });
    return plan;
  }
  if (out !== '-') {
    const found = await probeOutputs([{ path: out, kind: 'file', flag: '--metrics-out' }]);
    problems.push(...found);
    if (found.length > 0) return plan;
  }
  plan.metricsOut = out;
  return plan;
}

/** The opened sinks of a command: pass `sinks` in the request, `close` after the last run. */
export interface OpenedLive {
  sinks: LiveSink[];
  /** True when the NDJSON lines take stdout: the command's own output then goes to stderr. */
  stdoutTaken: boolean;
  close(): Promise<void>;
}

/** Opens what the plan names. */
export async function openLive(plan: LivePlan, io: CliIo): Promise<OpenedLive> {
  const { ndjsonSink, openNdjsonFile } = await import('../../reporting/live/index.js');
  const sinks: LiveSink[] = [];
  const closers: Array<() => void | Promise<void>> = [];
  if (plan.metricsOut === '-') sinks.push(ndjsonSink(io.stdout));
  else if (plan.metricsOut !== undefined) {
    const file = openNdjsonFile(plan.metricsOut);
    sinks.push(file.sink);
    closers.push(file.close);
  }
  return {
    sinks,
    stdoutTaken: plan.metricsOut === '-',
    close: async () => {
      for (const c of closers.splice(0)) await c();
    },
  };
}
