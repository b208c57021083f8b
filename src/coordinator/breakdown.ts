/** Per-channel and per-shard counts for result.json, from the workers' final per-channel arrays and the plan. */
import type { ChannelBreakdown, ShardBreakdown } from '../core/result.js';
import type { TargetInfo } from '../targets/types.js';
import { shardOfChannel } from '../targets/shards.js';
import type { FleetPlan } from './plan.js';

/** Above this many channels result.json keeps only the per-shard breakdown. */
export const MAX_CHANNELS_IN_RESULT = 10_000;

/** Sums per-channel arrays from several workers. */
export class ChannelTotals {
  readonly published: Float64Array;
  readonly delivered: Float64Array;

  constructor(channelCount: number) {
    this.published = new Float64Array(channelCount);
    this.delivered = new Float64Array(channelCount);
  }

  add(perChannel: { published: number[]; delivered: number[] } | undefined): void {
    if (!perChannel) return;
    perChannel.published.forEach((n, i) => (this.published[i] += n));
    perChannel.delivered.forEach((n, i) => (this.delivered[i] += n));
  }
}

/** The per-channel and (for clusters and client-sharded servers) per-shard breakdowns. */
export function buildBreakdowns(plan: FleetPlan, totals: ChannelTotals, info: TargetInfo): { channels?: ChannelBreakdown[]; shards?: ShardBreakdown[] } {
  const channels: ChannelBreakdown[] = plan.channelNames.map((name, i) => ({
    name,
    receivers: plan.receiversPerChannel[i],
    published: totals.published[i],
    expected: totals.published[i] * plan.receiversPerChannel[i],
    delivered: totals.delivered[i],
    ...(plan.publishShares ? { share: plan.publishShares[i] } : {}),
  }));
  let shards: ShardBreakdown[] | undefined;
  if ((info.mode === 'cluster' && info.slotRanges) || info.clientSharding) {
    const byMaster = new Map<string, ShardBreakdown>(
      info.masters.map((master) => [master, { master, channels: 0, subscriptions: 0, published: 0, expected: 0, delivered: 0 }]),
    );
    channels.forEach((c, i) => {
      const master = shardOfChannel(c.name, info);
      const s = master ? byMaster.get(master) : undefined;
      if (!s) return;
      s.channels++;
      s.subscriptions += plan.expectedNumsub[i];
      s.published += c.published;
      s.expected += c.expected;
      s.delivered += c.delivered;
    });
    shards = [...byMaster.values()];
  }
  return { ...(channels.length <= MAX_CHANNELS_IN_RESULT ? { channels } : {}), ...(shards ? { shards } : {}) };
}
