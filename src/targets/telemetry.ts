/**
 * Server telemetry during a run: one extra connection per node (every master of a cluster) reads INFO, CLIENT
 * LIST and the pubsub output-buffer limit once per interval, so latency spikes can be lined up with server CPU and
 * with the output buffers of the harness's own connections (a subscriber falling behind shows as growing `omem`).
 *
 * Telemetry never fails a run: a node that cannot be reached or a command the user may not run (ACL) is recorded
 * in `problems` and sampling goes on with what is allowed.
 */
import type { TargetSpec } from '../core/target.js';
import type { ClientBuffer, OutputBufferLimit, TelemetrySample } from '../core/reliability.js';
import { nowUs } from '../core/clock.js';
import { connectNode, type NodeHandle } from './node-connection.js';
import { nodeContext, quietEvents } from './context.js';
import { parseInfo } from './control.js';
import { redactSecrets } from './url.js';
import { intervalPublishCost, parseCostCounters, publishCommandstats, type NodeCostCounters } from '../metrics/server-cost.js';

/** Client names of harness connections (see the worker: `pb-sub-<id>`, `pb-pub-<id>`). */
const HARNESS_NAME_RE = / name=(pb-(?:sub|pub)-\S*)/;
const OMEM_RE = / omem=(\d+)/;
/** Harness connections with a non-empty buffer kept per sample (largest first). */
const MAX_BUFFERS_PER_SAMPLE = 20;
/** Samples kept over all nodes (a week-long run on a big cluster must not grow without bound). */
const MAX_SAMPLES = 50_000;
/** Shortest sampling interval: CLIENT LIST on a big fleet is real work for the server under test. */
const MIN_INTERVAL_MS = 250;
/**
 * CLIENT LIST costs the server about 3.5 µs per client (35 ms for 10,000 measured here) and the coordinator its
 * parsing: beyond this many connections it is read every ceil(clients / this) samples instead of every one.
 */
export const CLIENTS_PER_CLIENT_LIST = 2000;

/** How many samples apart CLIENT LIST is read for a server with `clients` connections. */
export function clientListEvery(clients: number): number {
  return Math.max(1, Math.ceil(clients / CLIENTS_PER_CLIENT_LIST));
}

/** Longest wait for samples still in flight when stopping (a CLIENT PAUSE can hold one). */
const STOP_WAIT_MS = 3000;

/** What to sample and when. */
export interface TelemetryOptions {
  /** Nodes to sample as host:port (TargetInfo.masters). */
  nodes: string[];
  /** Epoch µs (shared clock) that sample times are counted from: the run's schedule start. */
  originUs: number;
  /** Sampling interval, ms (default 1000; at least 250). */
  intervalMs?: number;
  connectTimeoutMs: number;
}

/** A running sampler. */
export interface TelemetrySampler {
  /** Stops sampling, closes the connections and returns every sample, in time order. Safe to call twice. */
  stop(): Promise<TelemetrySample[]>;
  /** What went wrong (unreachable node, commands not allowed, failed samples), plain words, no secrets. */
  readonly problems: string[];
}

/** Splits `host:port` or `[v6]:port`. */
export function splitHostPort(name: string): { host: string; port: number } {
  const colon = name.lastIndexOf(':');
  const host = name.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(name.slice(colon + 1)) };
}

/** The `pubsub` class of a CONFIG GET client-output-buffer-limit reply, or undefined when absent. */
export function parsePubsubLimit(reply: unknown): OutputBufferLimit | undefined {
  const text = Array.isArray(reply) ? String(reply[1] ?? '') : '';
  const m = /\bpubsub\s+(\d+)\s+(\d+)\s+(\d+)/.exec(text);
  return m ? { hardBytes: Number(m[1]), softBytes: Number(m[2]), softSeconds: Number(m[3]) } : undefined;
}

/** Harness connections and their output buffers from CLIENT LIST text. */
export function parseClientBuffers(text: string): { clients: number; maxOmem: number; totalOmem: number; buffers: ClientBuffer[] } {
  let clients = 0;
  let maxOmem = 0;
  let totalOmem = 0;
  const buffers: ClientBuffer[] = [];
  for (const line of text.split('\n')) {
    const name = HARNESS_NAME_RE.exec(line);
    if (!name) continue;
    clients++;
    const omem = Number(OMEM_RE.exec(line)?.[1] ?? 0);
    totalOmem += omem;
    if (omem > maxOmem) maxOmem = omem;
    if (omem > 0) buffers.push({ client: name[1], omemBytes: omem });
  }
  buffers.sort((a, b) => b.omemBytes - a.omemBytes);
  return { clients, maxOmem, totalOmem, buffers: buffers.slice(0, MAX_BUFFERS_PER_SAMPLE) };
}

function num(fields: Map<string, string>, key: string): number {
  const v = Number(fields.get(key));
  return Number.isFinite(v) ? v : 0;
}

/** Samples one node. */
class NodeSampler {
  private handle: NodeHandle | undefined;
  private prevCpu: { seconds: number; atUs: number } | undefined;
  private clientListAllowed = true;
  /** Samples taken, and how many apart CLIENT LIST is read (see clientListEvery). */
  private samplesTaken = 0;
  private listEvery = 1;
  private configAllowed = true;
  private commandstatsAllowed = true;
  private prevPublish: { calls: number; usec: number } | undefined;
  private inFlight: Promise<void> | undefined;
  private failures = 0;
  private attempts = 0;
  private lastFailure = '';

  constructor(
    readonly name: string,
    private readonly spec: TargetSpec,
    private readonly problems: string[],
  ) {}

  async connect(connectTimeoutMs: number): Promise<void> {
    try {
      const ctx = nodeContext(this.spec);
      this.handle = await connectNode(ctx, splitHostPort(this.name), { clientName: 'pb-telemetry', connectTimeoutMs }, quietEvents);
    } catch (err) {
      this.problems.push(`Server telemetry: could not connect to ${this.name}: ${this.redact(err)}`);
    }
  }

  /** Starts one sample unless the previous one is still waiting (a paused or busy server). */
  tick(originUs: number, push: (s: TelemetrySample) => void): void {
    if (!this.handle || this.inFlight) return;
    this.attempts++;
    this.inFlight = this.sample(originUs).then(
      (s) => push(s),
      (err: unknown) => {
        this.failures++;
        this.lastFailure = this.redact(err);
      },
    ).finally(() => (this.inFlight = undefined));
  }

  private async sample(originUs: number): Promise<TelemetrySample> {
    const redis = this.handle!.redis;
    const listNow = this.clientListAllowed && this.samplesTaken++ % this.listEvery === 0;
    const [info, list, config, stats] = await Promise.allSettled([
      redis.info(),
      listNow ? redis.call('CLIENT', 'LIST') : Promise.resolve(undefined),
      this.configAllowed ? redis.call('CONFIG', 'GET', 'client-output-buffer-limit') : Promise.resolve(undefined),
      this.commandstatsAllowed ? redis.info('commandstats') : Promise.resolve(undefined),
    ]);
    const atUs = nowUs();
    if (info.status === 'rejected') throw info.reason;
    if (list.status === 'rejected') this.refused('CLIENT LIST', list.reason, () => (this.clientListAllowed = false), 'output buffers are not sampled');
    if (config.status === 'rejected') this.refused('CONFIG GET', config.reason, () => (this.configAllowed = false), 'the output-buffer limit is unknown');
    if (stats.status === 'rejected') this.refused('INFO commandstats', stats.reason, () => (this.commandstatsAllowed = false), 'PUBLISH cost per interval is not sampled');
    const f = parseInfo(String(info.value));
    this.listEvery = clientListEvery(num(f, 'connected_clients'));
    const cpuSeconds = num(f, 'used_cpu_sys') + num(f, 'used_cpu_user');
    const prev = this.prevCpu;
    this.prevCpu = { seconds: cpuSeconds, atUs };
    const sample: TelemetrySample = {
      node: this.name,
      atMs: Math.round((atUs - originUs) / 100) / 10,
      // Less CPU than before means the server restarted in between: no rate for this interval.
      cpuPercent: prev && atUs > prev.atUs && cpuSeconds >= prev.seconds
        ? Math.round(((cpuSeconds - prev.seconds) / ((atUs - prev.atUs) / 1e6)) * 1000) / 10
        : null,
      connectedClients: num(f, 'connected_clients'),
      usedMemoryBytes: num(f, 'used_memory'),
      opsPerSec: num(f, 'instantaneous_ops_per_sec'),
      pubsubChannels: num(f, 'pubsub_channels'),
      pubsubPatterns: num(f, 'pubsub_patterns'),
      ...(f.has('pubsubshard_channels') ? { pubsubShardChannels: num(f, 'pubsubshard_channels') } : {}),
      netOutputBytes: num(f, 'total_net_output_bytes'),
      recentMaxOutputBufferBytes: num(f, 'client_recent_max_output_buffer'),
    };
    if (list.status === 'fulfilled' && list.value !== undefined) {
      const c = parseClientBuffers(String(list.value));
      Object.assign(sample, { harnessClients: c.clients, maxOmemBytes: c.maxOmem, totalOmemBytes: c.totalOmem, buffers: c.buffers });
    }
    const limit = config.status === 'fulfilled' ? parsePubsubLimit(config.value) : undefined;
    if (limit) sample.pubsubLimit = limit;
    if (stats.status === 'fulfilled' && stats.value !== undefined) {
      const now = publishCommandstats(String(stats.value));
      const interval = intervalPublishCost(this.prevPublish, now);
      this.prevPublish = now;
      if (interval) Object.assign(sample, { publishCalls: interval.calls, usPerPublish: interval.usPerCall });
    }
    return sample;
  }

  /** A refused command (ACL, renamed command) is given up on for the rest of the run; anything else just fails this sample. */
  private refused(command: string, reason: unknown, disable: () => void, consequence: string): void {
    const message = this.redact(reason);
    if (!/NOPERM|unknown command|ERR unknown|not allowed/i.test(message)) return;
    disable();
    this.problems.push(`Server telemetry: ${this.name} refused ${command} (${message}): ${consequence}.`);
  }

  async stop(): Promise<void> {
    if (this.inFlight) await Promise.race([this.inFlight, new Promise((r) => setTimeout(r, STOP_WAIT_MS))]);
    await this.handle?.close();
    if (this.failures > 0) {
      this.problems.push(`Server telemetry: ${this.failures} of ${this.attempts} samples from ${this.name} failed (last: ${this.lastFailure}).`);
    }
  }

  private redact(err: unknown): string {
    return redactSecrets(err instanceof Error ? err.message : String(err), this.spec);
  }
}

/** Starts sampling every node in `opts.nodes` once per interval (the first sample as soon as a node is connected). */
export function startTelemetry(spec: TargetSpec, opts: TelemetryOptions): TelemetrySampler {
  const problems: string[] = [];
  const samples: TelemetrySample[] = [];
  let full = false;
  const push = (s: TelemetrySample): void => {
    if (samples.length < MAX_SAMPLES) samples.push(s);
    else if (!full) {
      full = true;
      problems.push(`Server telemetry: stopped keeping samples after ${MAX_SAMPLES}.`);
    }
  };
  const nodes = opts.nodes.map((name) => new NodeSampler(name, spec, problems));
  let stopped = false;
  const connected = Promise.all(nodes.map(async (n) => {
    await n.connect(opts.connectTimeoutMs);
    if (!stopped) n.tick(opts.originUs, push);
  }));
  const timer = setInterval(() => {
    for (const n of nodes) n.tick(opts.originUs, push);
  }, Math.max(MIN_INTERVAL_MS, opts.intervalMs ?? 1000));
  let stopping: Promise<TelemetrySample[]> | undefined;
  return {
    problems,
    stop(): Promise<TelemetrySample[]> {
      stopped = true;
      clearInterval(timer);
      stopping ??= connected
        .then(() => Promise.all(nodes.map((n) => n.stop())))
        .then(() => samples.sort((a, b) => a.atMs - b.atMs));
      return stopping;
    },
  };
}

/** Reads the server-cost counters of every node on demand (measure start and end): see src/metrics/server-cost.ts. */
export interface CostProbe {
  /** One reading per node that answered; a node that did not is named in `problems`. */
  snapshot(): Promise<NodeCostCounters[]>;
  close(): Promise<void>;
  readonly problems: string[];
}

/**
 * Opens one connection per node for the two server-cost snapshots (its own, so a slow telemetry sample never
 * delays them). Never throws: an unreachable node is a problem, and its cost is left out.
 */
export async function openCostProbe(spec: TargetSpec, nodes: string[], connectTimeoutMs: number): Promise<CostProbe> {
  const problems: string[] = [];
  const redact = (err: unknown): string => redactSecrets(err instanceof Error ? err.message : String(err), spec);
  const handles = await Promise.all(nodes.map(async (name) => {
    try {
      return { name, handle: await connectNode(nodeContext(spec), splitHostPort(name), { clientName: 'pb-telemetry', connectTimeoutMs }, quietEvents) };
    } catch (err) {
      problems.push(`Server cost: could not connect to ${name}: ${redact(err)}`);
      return undefined;
    }
  }));
  const open = handles.filter((h): h is { name: string; handle: NodeHandle } => h !== undefined);
  return {
    problems,
    async snapshot(): Promise<NodeCostCounters[]> {
      const read = await Promise.all(open.map(async ({ name, handle }) => {
        try {
          const [cpu, stats, cmd] = await Promise.all([handle.redis.info('cpu'), handle.redis.info('stats'), handle.redis.info('commandstats')]);
          return parseCostCounters(name, `${cpu}\n${stats}\n${cmd}`);
        } catch (err) {
          problems.push(`Server cost: INFO on ${name} failed: ${redact(err)}`);
          return undefined;
        }
      }));
      return read.filter((c): c is NodeCostCounters => c !== undefined);
    },
    async close(): Promise<void> {
      await Promise.all(open.map(({ handle }) => handle.close().catch(() => undefined)));
    },
  };
}
