/**
 * The live-metrics flags of `run`: `--metrics-out FILE|-` (NDJSON, one line per interval) and `--prometheus-port`
 * (GET /metrics during the run). Read and probed with the other flags (a path that cannot be written is exit 2
 * before anything connects); the sinks are opened once for the whole command, so a matrix or `--repeat` series
 * writes into one stream and is served by one endpoint (a port in use is exit 2, also before measuring).
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
  'prometheus-port': {
    group: LIVE, type: 'string',
    describe: 'Serve the live metrics on http://HOST:PORT/metrics (Prometheus text format) while the command runs; 0 picks a free port (its URL is printed), e.g. --prometheus-port 9464',
    defaultDescription: 'none',
  },
  'prometheus-host': {
    group: LIVE, type: 'string', describe: 'Address the /metrics endpoint listens on, e.g. --prometheus-host 0.0.0.0 to let another machine scrape it',
    defaultDescription: '127.0.0.1 (this machine only)',
  },
};

/** The parsed live-metrics flags. */
export interface LiveArgs {
  metricsOut?: unknown;
  prometheusPort?: unknown;
  prometheusHost?: unknown;
  json?: unknown;
}

/** What the command will stream to, once the flags are read. */
export interface LivePlan {
  /** A file path, or '-' for stdout. */
  metricsOut?: string;
  /** Where to serve /metrics. */
  prometheus?: { host: string; port: number };
}

/** Reads and checks the live-metrics flags, probing the file; every problem goes into `problems`. */
export async function readLiveFlags(args: LiveArgs, problems: Problem[]): Promise<LivePlan> {
  const plan: LivePlan = {};
  const prometheus = readPrometheus(args, problems);
  if (prometheus) plan.prometheus = prometheus;
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

function readPrometheus(args: LiveArgs, problems: Problem[]): LivePlan['prometheus'] {
  const { prometheusPort: port, prometheusHost: host } = args;
  if (port === undefined) {
    if (host !== undefined) problems.push({ field: '--prometheus-host', message: 'only applies with --prometheus-port', hint: 'add --prometheus-port 9464, or drop --prometheus-host' });
    return undefined;
  }
  const text = typeof port === 'string' || typeof port === 'number' ? String(port).trim() : '';
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  let ok = true;
  if (!(Number.isInteger(n) && n <= 65535)) {
    problems.push({ field: '--prometheus-port', message: `expected a port from 0 to 65535, got ${JSON.stringify(port)}`, hint: 'e.g. --prometheus-port 9464 (0 picks a free one)' });
    ok = false;
  }
  if (host !== undefined && (typeof host !== 'string' || host.trim() === '')) {
    problems.push({ field: '--prometheus-host', message: 'needs an address to listen on', hint: 'e.g. --prometheus-host 127.0.0.1, or 0.0.0.0 for every interface' });
    ok = false;
  }
  return ok ? { host: typeof host === 'string' ? host.trim() : '127.0.0.1', port: n } : undefined;
}

/** The opened sinks of a command: pass `sinks` in the request, `close` after the last run. */
export interface OpenedLive {
  sinks: LiveSink[];
  /** True when the NDJSON lines take stdout: the command's own output then goes to stderr. */
  stdoutTaken: boolean;
  close(): Promise<void>;
}

/**
 * Opens what the plan names: the server first, so a port in use fails before a file is opened. Throws a UsageError
 * (exit 2) for a port that cannot be bound. Each part loads only when asked for (prom-client costs start-up time).
 */
export async function openLive(plan: LivePlan, io: CliIo): Promise<OpenedLive> {
  const sinks: LiveSink[] = [];
  const closers: Array<() => void | Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    if (plan.prometheus) {
      const { startPrometheusServer } = await import('../../reporting/live/prometheus.js');
      const server = await startPrometheusServer(plan.prometheus.host, plan.prometheus.port);
      sinks.push(server.sink);
      closers.push(server.close);
      if (!io.quiet) io.stderr(`pubsub-bench: live metrics at ${server.url} until the command ends\n`);
    }
    if (plan.metricsOut !== undefined) {
      const { ndjsonSink, openNdjsonFile } = await import('../../reporting/live/ndjson.js');
      if (plan.metricsOut === '-') sinks.push(ndjsonSink(io.stdout));
      else {
        const file = openNdjsonFile(plan.metricsOut);
        sinks.push(file.sink);
        closers.push(file.close);
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { sinks, stdoutTaken: plan.metricsOut === '-', close };
}
