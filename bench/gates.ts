/**
 * `npm run bench -- --only gates`: a gate's power, measured (issue 15: 3). Runs A/A pairs (the same configuration on
 * both sides) and A/B pairs whose B side carries a known server-cost increase, applies the same gate rules to
 * server-cost and client-latency metrics, and reports false alarms (A/A flagged) and detections (A/B flagged).
 *
 * The cost knob: one extra connection opened by the bench PSUBSCRIBEs to K patterns that match nothing
 * (`<channel>:nomatch:{i}`). Redis tries every pattern against the channel of every PUBLISH, so each call costs more
 * while nothing else changes (no extra delivery, no extra byte). The patterns share the channel's 20-character
 * prefix, so each costs ~40 ns of comparing rather than a cache miss: patterns that fail at the first character
 * (`nomatch:{i}:*`, ~10 ns each) gave an increase that swung from +2% to +16% between pairs with the cache's state.
 * K is calibrated first so that PUBLISH's commandstats µs per call rises by about 10%. The connection is open on
 * both sides of every pair; only B holds the patterns.
 *
 * Each side of a pair is a short series of real harness runs (runBenchmark, worker threads) against one local
 * redis-server; the two sides' runs are interleaved (A B A B …, the first side alternating per pair) so that a
 * neighbour's load on a shared machine falls on both sides alike — as a CI job that measures the base and the head
 * commit in the same job does.
 *
 *   npm run bench -- --only gates [--pairs 20] [--runs 3] [--max-runs 10] [--patterns K] [--save FILE]
 *   npm run bench -- --only gates --from FILE      judge the pairs a --save FILE holds again, without running
 */
import net from 'node:net';
import os from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../src/core/result.js';
import type { ScenarioInput } from '../src/scenarios/input.js';
import { METRICS } from '../src/metrics/thresholds.js';
import { mean } from '../src/metrics/stats.js';
import { pollUntil, rawCommand } from '../src/targets/raw.js';
import type { LocalTargetDetails } from '../src/targets/local.js';
import { bestRunConfirmed } from '../src/metrics/best-run.js';
import { gatePower, powerTable, ruleText, type GateRule, type PairSeries } from './gate-power.js';
import { harnessRun, problems } from './runs.js';
import { heading, note } from './table.js';

/** The metrics every pair records and every rule judges: server cost first, then client latency. */
export const GATE_METRICS = ['server.usPerPublish', 'server.cpuUsPerPublish', 'server.cpuUsPerDelivery', 'server.bytesPerDelivery', 'e2e.p50', 'e2e.p99'];
/** The rules judged on every metric (tolerances as shares). */
export const GATE_RULES: GateRule[] = [
  { kind: 'welch', tolerance: 0.05, alpha: 0.05 },
  { kind: 'mean', tolerance: 0.05 },
  { kind: 'min', tolerance: 0.05 },
  { kind: 'median', tolerance: 0.05 },
];
/** The min rule on the first `--runs` runs a side alone: what the pair would have said without confirmation runs. */
const fixedMinRule = (runs: number): GateRule => ({ kind: 'min', tolerance: 0.05, firstRuns: runs });
/** The cost increase the knob is calibrated to, as a share of PUBLISH's µs per call. */
const TARGET_INCREASE = 0.1;
/**
 * Patterns held while calibrating: an increase of ~25%, well above the noise, with calls still short — at 100 the
 * calls were long enough that every loaded run of a busy machine was descheduled inside some, and K came out 8× low.
 */
const CALIBRATION_PATTERNS = 20;
/** The metric whose best runs a pair waits to see confirmed (the gate under test). */
const CONFIRM_METRIC = 'server.usPerPublish';

/**
 * The workload of every run: a short fan-out, 1 publisher at 5k msgs/s to 20 subscribers of one channel. At 1k/s
 * the server idles between calls and PUBLISH's µs per call swung ~10% run to run here; at 5k/s about 4%.
 */
const WORKLOAD: ScenarioInput = {
  channels: { count: 1, naming: 'pubsub-bench:gates:{i}' },
  publishers: { count: 1, rate: 5000, messageBytes: 256, mode: 'auto' },
  subscribers: [{ count: 20 }],
  warmup: '500ms',
  duration: '2s',
  drainTimeout: '2s',
};

interface GateOptions {
  pairs: number;
  runs: number;
  /** Most runs a side while the best run is unconfirmed (= runs: none extra). */
  maxRuns: number;
  patterns: number | null;
  save: string;
  /** A file --save wrote: judge its pairs again, run nothing. */
  from: string | undefined;
}

/** What --save writes after every pair (and --from reads). */
interface SavedPairs {
  patterns: number;
  runs: number;
  maxRuns?: number;
  workload: ScenarioInput;
  pairs: PairSeries[];
}

function parseGateArgs(argv: readonly string[]): GateOptions {
  const value = (flag: string): string | undefined => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    return argv[i].includes('=') ? argv[i].slice(flag.length + 1) : argv[i + 1];
  };
  const count = (flag: string, fallback: number, min: number): number => {
    const raw = value(flag);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min) throw new RangeError(`${flag} must be a whole number ≥ ${min}, got ${raw}`);
    return n;
  };
  const patterns = value('--patterns') === undefined ? null : count('--patterns', 0, 1);
  const runs = count('--runs', 3, 1);
  const maxRuns = count('--max-runs', Math.max(runs, 10), runs);
  return {
    pairs: count('--pairs', 20, 1), runs, maxRuns, patterns,
    save: value('--save') ?? join(os.tmpdir(), `pubsub-bench-gates-${process.pid}.json`),
    from: value('--from'),
  };
}

/** The one channel of WORKLOAD, whose prefix the patterns share. */
const CHANNEL = 'pubsub-bench:gates:0';

/** The extra connection that holds (or not) the patterns that match nothing. */
class PatternLoad {
  private constructor(private readonly socket: net.Socket, private readonly port: number) {}

  static async open(port: number): Promise<PatternLoad> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('data', () => {}); // subscription confirmations: read and dropped
    return new PatternLoad(socket, port);
  }

  /** Holds exactly `k` patterns (0: none), and waits until the server counts them. */
  async hold(k: number): Promise<void> {
    const frames: string[] = ['*1\r\n$12\r\nPUNSUBSCRIBE\r\n'];
    for (let i = 0; i < k; i++) {
      const p = `${CHANNEL}:nomatch:${i}`;
      frames.push(`*2\r\n$10\r\nPSUBSCRIBE\r\n$${p.length}\r\n${p}\r\n`);
    }
    this.socket.write(frames.join(''));
    const held = await pollUntil(async () => Number(await rawCommand({ host: '127.0.0.1', port: this.port }, ['PUBSUB', 'NUMPAT'], 2000)) === k, 10_000);
    if (!held.ok) throw new Error(`the server did not report ${k} patterns within 10 s (${held.lastError ?? 'PUBSUB NUMPAT differs'})`);
  }

  close(): void {
    this.socket.destroy();
  }
}

function metricValues(r: RunResult): Record<string, number | null> {
  return Object.fromEntries(GATE_METRICS.map((m) => [m, METRICS.get(m)!.read(r.summary)]));
}

/** One harness run with `k` patterns held; its gate metrics. */
async function measuredRun(server: LocalTargetDetails, load: PatternLoad, k: number): Promise<Record<string, number | null>> {
  await load.hold(k);
  let result: RunResult;
  try {
    ({ result } = await harnessRun(server.spec, 'native', WORKLOAD, { workers: 'default' }));
  } catch (err) {
    // One retry: on a shared machine a run can fail for reasons outside it; a long experiment should not end there.
    console.log(`    (a run failed, retried once: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    ({ result } = await harnessRun(server.spec, 'native', WORKLOAD, { workers: 'default' }));
  }
  const trouble = problems(result);
  if (trouble) console.log(`    (run ${result.runId}: ${trouble})`);
  return metricValues(result);
}

/**
 * Runs `runs` interleaved runs per side, then more rounds (up to `maxRuns` a side) while either side's best
 * server.usPerPublish is not confirmed by a second run within 5% — what `run --repeat-max` does for the current side
 * (bestRunConfirmed). Side B holds `kB` patterns; `bFirst` alternates the order across pairs.
 */
async function runPair(server: LocalTargetDetails, load: PatternLoad, kind: PairSeries['kind'], kB: number, runs: number, maxRuns: number, bFirst: boolean): Promise<PairSeries> {
  const pair: PairSeries = { kind, metrics: Object.fromEntries(GATE_METRICS.map((m) => [m, { a: [], b: [] }])) };
  const confirmed = (): boolean => {
    const { a, b } = pair.metrics[CONFIRM_METRIC];
    return bestRunConfirmed(a, 'lower') && bestRunConfirmed(b, 'lower');
  };
  for (let i = 0; i < maxRuns && (i < runs || !confirmed()); i++) {
    for (const side of bFirst ? ['b', 'a'] as const : ['a', 'b'] as const) {
      const values = await measuredRun(server, load, side === 'b' ? kB : 0);
      for (const m of GATE_METRICS) {
        const v = values[m];
        if (v !== null && Number.isFinite(v)) pair.metrics[m][side].push(v);
      }
    }
  }
  return pair;
}

/**
 * PUBLISH µs per call with no patterns and with CALIBRATION_PATTERNS, interleaved; K for a TARGET_INCREASE rise.
 * The minimum of each side is used: on a busy machine a run's µs per call is inflated by the server being
 * descheduled inside calls (a few ms each time), and the least disturbed run is the one closest to the true cost.
 */
async function calibrate(server: LocalTargetDetails, load: PatternLoad, runs: number): Promise<number> {
  const base: number[] = [];
  const loaded: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push((await measuredRun(server, load, 0))['server.usPerPublish'] ?? NaN);
    loaded.push((await measuredRun(server, load, CALIBRATION_PATTERNS))['server.usPerPublish'] ?? NaN);
  }
  const baseUs = Math.min(...base.filter(Number.isFinite));
  const loadedUs = Math.min(...loaded.filter(Number.isFinite));
  const perPatternUs = (loadedUs - baseUs) / CALIBRATION_PATTERNS;
  if (!(perPatternUs > 0)) throw new Error(`calibration: ${CALIBRATION_PATTERNS} patterns did not raise PUBLISH's µs per call (${base.join(', ')} → ${loaded.join(', ')})`);
  const k = Math.max(1, Math.round((TARGET_INCREASE * baseUs) / perPatternUs));
  console.log(`  calibration (min of ${runs} runs each): PUBLISH ${baseUs.toFixed(3)} µs/call with 0 patterns, ${loadedUs.toFixed(3)} with ` +
    `${CALIBRATION_PATTERNS} (${(perPatternUs * 1000).toFixed(1)} ns per pattern) → ${k} patterns for +${TARGET_INCREASE * 100}%`);
  return k;
}

function pairLine(i: number, p: PairSeries): string {
  const parts = ['server.usPerPublish', 'server.cpuUsPerPublish', 'e2e.p99'].map((m) => {
    const { a, b } = p.metrics[m];
    const change = a.length > 0 && b.length > 0 ? (mean(b) / mean(a) - 1) * 100 : NaN;
    const minChange = a.length > 0 && b.length > 0 ? (Math.min(...b) / Math.min(...a) - 1) * 100 : NaN;
    const text = (c: number): string => `${c >= 0 ? '+' : ''}${c.toFixed(1)}%`;
    return `${m} mean ${text(change)} min ${text(minChange)}`;
  });
  return `  pair ${String(i + 1).padStart(2)} ${p.kind} (${p.metrics[CONFIRM_METRIC].a.length} runs a side): ${parts.join(', ')}`;
}

/** The power table and the notes under it. */
function report(pairs: readonly PairSeries[], k: number, saved: string, runs: number): void {
  const extended = pairs.filter((p) => p.metrics[CONFIRM_METRIC].a.length > runs);
  const rules = extended.length > 0 ? [...GATE_RULES, fixedMinRule(runs)] : GATE_RULES;
  const rows = gatePower(pairs, GATE_METRICS, rules);
  if (extended.length > 0) {
    const sizes = pairs.map((p) => p.metrics[CONFIRM_METRIC].a.length);
    note(`gates: ${extended.length} of ${pairs.length} pairs ran more than ${runs} runs a side to confirm a best run (${mean(sizes).toFixed(1)} a side on average, at most ${Math.max(...sizes)}); ` +
      `"${ruleText(fixedMinRule(runs))}" judges their first ${runs} alone`);
  }
  console.log(`\n${powerTable(rows)}\n`);
  const effect = (kind: GateRule['kind']): string => {
    const row = rows.find((r) => r.metric === 'server.usPerPublish' && r.rule.kind === kind);
    return row?.effect == null ? '–' : `${row.effect >= 0 ? '+' : ''}${(row.effect * 100).toFixed(1)}%`;
  };
  note(`gates: B held ${k} patterns that match nothing: server.usPerPublish ${effect('min')} (minimum of each side), ${effect('mean')} (mean) on average over the A/B pairs; per-pair series in ${saved}`);
  for (const r of rows.filter((row) => row.metric.startsWith('server.') && row.meetsAim)) {
    note(`gates: ${r.metric} with "${ruleText(r.rule)}" meets the aim (detects ≥ 95% of A/B, ≤ 5% false alarms on A/A)`);
  }
}

/** The gates group: calibration, then A/A and A/B pairs alternating, then the power table (or only the table, --from). */
export async function gatesGroup(server: LocalTargetDetails, argv: readonly string[]): Promise<void> {
  const o = parseGateArgs(argv);
  if (o.from !== undefined) {
    const saved = JSON.parse(readFileSync(o.from, 'utf8')) as SavedPairs;
    heading(`Gate power: ${saved.pairs.length} saved pairs from ${o.from}, ${saved.runs} run(s) a side`);
    report(saved.pairs, saved.patterns, o.from, saved.runs);
    return;
  }
  heading(`Gate power: ${o.pairs} A/A and ${o.pairs} A/B pairs, ${o.runs} run(s) a side (up to ${o.maxRuns} until the best is confirmed), interleaved (5k msgs/s → 20 subscribers, 2 s each)`);
  const load = await PatternLoad.open(server.spec.nodes[0].port);
  try {
    const k = o.patterns ?? (await calibrate(server, load, Math.max(4, o.runs)));
    const pairs: PairSeries[] = [];
    for (let i = 0; i < o.pairs * 2; i++) {
      const kind = i % 2 === 0 ? 'AA' : 'AB';
      const pair = await runPair(server, load, kind, kind === 'AB' ? k : 0, o.runs, o.maxRuns, Math.floor(i / 2) % 2 === 1);
      pairs.push(pair);
      console.log(pairLine(i, pair));
      const file: SavedPairs = { patterns: k, runs: o.runs, maxRuns: o.maxRuns, workload: WORKLOAD, pairs };
      writeFileSync(o.save, JSON.stringify(file, null, 1));
    }
    report(pairs, k, o.save, o.runs);
  } finally {
    load.close(); // its patterns go with it
  }
}
