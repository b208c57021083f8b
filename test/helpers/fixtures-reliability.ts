/**
 * Reliability data for a fixture result: a schedule, server telemetry from two nodes, connection outages and chaos
 * events, and per-shard and per-channel breakdowns over many channels. Deterministic and consistent with the summary
 * (channel and shard counts add up to it).
 */
import type { ChannelBreakdown, ChaosReport, RunResult, ShardBreakdown, TelemetrySample } from '../../src/core/index.js';

/** Knobs of the reliability data. */
export interface ReliabilityOptions {
  /** Channels in the per-channel breakdown (the scenario is resized to match). */
  channels: number;
  /** Hostile text placed in a node name, a channel name, an outage cause and a chaos outcome. */
  hostile?: string;
}

const MASTERS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];

/** Telemetry of two nodes, one sample a second from before the timeline to after it (reports clip to the timeline). */
function samples(result: RunResult, nodes: string[]): TelemetrySample[] {
  const out: TelemetrySample[] = [];
  const slowS = Math.floor(result.scenario.durationMs / 2000);
  nodes.forEach((node, n) => {
    for (let s = -3; s <= result.scenario.durationMs / 1000 + 2; s++) {
      // The second node is busier, the slow patch shows as a CPU spike, and buffers grow after the kill at 4 s.
      const cpu = s === -3 ? null : 20 + 15 * n + (s === slowS ? 55 : 0) + (s % 3) * 4;
      const omem = s >= 4 && s <= 6 ? (s - 3) * 3 * 1024 * 1024 * (n + 1) : 16_384 * (s % 2);
      out.push({
        node, atMs: s * 1000 + 13 * n, cpuPercent: cpu, connectedClients: 12 + n, usedMemoryBytes: 2_000_000 + s * 1000,
        opsPerSec: 3000 + 100 * s, pubsubChannels: result.scenario.channels.count, pubsubPatterns: n, pubsubShardChannels: 0,
        netOutputBytes: 1e6 * (s + 4), recentMaxOutputBufferBytes: omem, harnessClients: 6, maxOmemBytes: omem,
        totalOmemBytes: omem * 2, buffers: omem > 0 ? [{ client: 'pb-sub-1', omemBytes: omem }] : [],
        pubsubLimit: { hardBytes: 32 * 1024 * 1024, softBytes: 8 * 1024 * 1024, softSeconds: 60 },
      });
    }
  });
  return out;
}

/** Chaos events: a kill of the subscribers at 4 s (four outages) and a short pause at 7 s. */
function chaos(result: RunResult, hostile: string): ChaosReport[] {
  const p99s = result.timeline.filter((e) => e.phase === 'measure').map((e) => e.e2eP99Us ?? 0);
  return [
    {
      kind: 'kill-subscribers', atMs: 4000, spec: 'kill-subscribers@4s', firedAtMs: 4000,
      outcome: `killed 4 subscriber connections${hostile}`, failed: false, outages: 4, missedMessages: 96, publishErrors: 0,
      recoveryMs: 640, e2eP99BeforeUs: p99s[2], e2eP99PeakUs: Math.max(...p99s.slice(4, 7)), latencyRecoveryMs: 2000,
    },
    {
      kind: 'pause', atMs: 7000, durationMs: 500, spec: 'pause@7s:500ms', firedAtMs: 7000, outcome: 'paused clients for 500 ms',
      failed: false, outages: 0, missedMessages: 0, publishErrors: 0, recoveryMs: null, e2eP99BeforeUs: p99s[5],
      e2eP99PeakUs: p99s[7], latencyRecoveryMs: 1000,
    },
  ];
}

/** Per-channel counts adding up to the summary: uneven publish shares, the loss spread over a few channels. */
function channels(result: RunResult, count: number, hostile: string): ChannelBreakdown[] {
  const s = result.summary;
  const receivers = s.expectedDeliveries / Math.max(1, s.published);
  const weights = Array.from({ length: count }, (_, i) => 1 + (i % 7) / 10);
  const total = weights.reduce((a, b) => a + b, 0);
  const published = weights.map((w) => Math.floor((s.published * w) / total));
  // Rounding down leaves a remainder smaller than the channel count: one more message each for the first channels.
  const remainder = s.published - published.reduce((a, b) => a + b, 0);
  for (let i = 0; i < remainder; i++) published[i]++;
  const out = published.map((p, i) => ({
    name: i === 3 ? `bench.${hostile || 3}` : `bench.${i}`, receivers, published: p, expected: p * receivers, delivered: p * receivers,
  }));
  // The hostile channel loses the most, so it is listed; the rest of the loss goes to every 47th channel.
  let remaining = s.lost;
  for (const i of [3, ...out.keys()].filter((i, k) => k === 0 || i % 47 === 5)) {
    const take = Math.min(remaining, Math.floor(out[i].expected * (i === 3 ? 0.9 : 0.6)));
    out[i].delivered -= take;
    remaining -= take;
    if (remaining === 0) break;
  }
  if (remaining > 0) throw new Error(`fixture: ${remaining} lost deliveries left over`);
  return out;
}

/** Shards: channel i belongs to master i mod 3. */
function shards(list: ChannelBreakdown[], subscribers: number): ShardBreakdown[] {
  const out = MASTERS.map((master) => ({ master, channels: 0, subscriptions: 0, published: 0, expected: 0, delivered: 0 }));
  list.forEach((c, i) => {
    const s = out[i % MASTERS.length];
    s.channels++;
    s.subscriptions += subscribers;
    s.published += c.published;
    s.expected += c.expected;
    s.delivered += c.delivered;
  });
  return out;
}

/** Adds the reliability fields to a fixture result (in place). */
export function addReliability(result: RunResult, o: ReliabilityOptions): void {
  const hostile = o.hostile ? ` ${o.hostile}` : '';
  const startUs = Date.parse(result.startedAt) * 1000 + 2_000_000;
  // The fixture's timeline starts the measure phase at 0 (warmup is negative), so the schedule origin is there.
  result.schedule = { startUs, measureStartUs: startUs, measureEndUs: startUs + result.measureMs * 1000 };
  const subscribers = result.scenario.subscribers.reduce((sum, g) => sum + g.count, 0);
  result.scenario.channels.count = o.channels;
  result.plan.subscriptions = subscribers * o.channels;
  result.server = { samples: samples(result, [MASTERS[0], `10.0.0.2:6379${o.hostile ?? ''}`]) };
  result.chaos = chaos(result, hostile);
  const killed = Array.from({ length: 4 }, (_, i) => ({
    role: 'subscriber' as const, id: i, cause: `killed by chaos (CLIENT KILL)${hostile}`,
    atUs: startUs + 4_000_000 + i * 1000, durationMs: 400 + 80 * i, lostMessages: 24,
  }));
  result.outages = [...(result.outages ?? []), ...killed].sort((a, b) => a.atUs - b.atUs);
  result.channels = channels(result, o.channels, o.hostile ?? '');
  result.shards = shards(result.channels, subscribers);
  result.summary.unsent = 42;
  result.summary.topologyEvents = 3;
}
