/**
 * The skewed parts of the fleet plan (`channelSkew`, `subscriberSkew`): which channels each publisher writes to with
 * what weight and at what rate, and which channels each subscriber of a group holds. Pure, like plan.ts, so the
 * shares can be checked without Redis.
 */
import type { Scenario, SubscriberGroupSpec } from '../core/scenario.js';
import { apportion, skewOf, skewShares } from '../load/skew.js';

/** What the plan gives one publisher under a channel skew. */
export interface SkewedPublisher {
  /** Channel indexes it writes to. */
  channels: number[];
  /** Relative weight per entry of `channels`: its share of this publisher's messages. */
  weights: number[];
  /** Share of the fleet's total rate (the shares of all publishers add up to 1). */
  rateShare: number;
}

/** The publishers' side of a channel skew: per publisher, and the share of all messages each channel is meant to get. */
export interface PublishSkewPlan {
  publishers: SkewedPublisher[];
  /** Per channel: intended share of the published messages (0 for a channel no publisher writes to). */
  shares: number[];
}

/**
 * Plans publishers under `scenario.channelSkew` (null when uniform): channel k's share of ALL messages is
 * p_k ∝ 1/(k+1)^S. With channelsEach 'all' every publisher writes to channels 0 … K−1 with weights p_k (equal
 * rates, any rate or profile: the fleet's shares are p whatever each publisher achieves). With k channels each,
 * channel c is written by m_c publishers, each giving it p_c / m_c: publisher i then carries Σ p_c / m_c of the
 * total rate (unequal rates that add up to the total), and the fleet's shares are exactly p again. Validation keeps
 * that case to a constant open-loop rate, where a publisher's rate is its to hold.
 */
export function planPublishSkew(scenario: Scenario, channelCount: number, spread: (i: number) => number[]): PublishSkewPlan | null {
  const skew = skewOf(scenario.channelSkew);
  const count = scenario.publishers.count;
  if (skew.kind === 'uniform' || count === 0) return null;
  const p = skewShares(skew, channelCount);
  const all = scenario.publishers.channelsEach === 'all';
  const sets = Array.from({ length: count }, (_, i) => (all ? Array.from({ length: channelCount }, (_, c) => c) : spread(i)));
  const writers = new Array<number>(channelCount).fill(0);
  for (const set of sets) for (const c of set) writers[c]++;
  let covered = 0;
  for (let c = 0; c < channelCount; c++) if (writers[c] > 0) covered += p[c];
  const publishers = sets.map((channels) => {
    const weights = channels.map((c) => p[c] / writers[c] / covered);
    return { channels, weights, rateShare: weights.reduce((a, b) => a + b, 0) };
  });
  return { publishers, shares: p.map((share, c) => (writers[c] > 0 ? share / covered : 0)) };
}

/**
 * Per-publisher rates adding up to exactly `total`, in proportion to `shares` (summed in publisher order, the last
 * taking what the others left, as splitRate does for equal shares).
 */
export function splitRateByShares(total: number, shares: readonly number[]): number[] {
  const rates = shares.map((s) => total * s);
  let others = 0;
  for (let i = 0; i < rates.length - 1; i++) others += rates[i];
  if (rates.length > 0) rates[rates.length - 1] = total - others;
  return rates;
}

/**
 * The channels of every subscriber of `group` under `scenario.subscriberSkew`, or null when the group keeps its
 * even spread (uniform skew, 'all' channels, 0 channels, or as many channels each as there are). The group's
 * N × k subscriptions are shared out over the channels in proportion to 1/(c+1)^S, at most N per channel (a
 * connection subscribes to a channel once), then dealt out in channel order to subscribers 0, 1, …, N−1, 0, …:
 * each subscriber gets exactly k distinct channels, and channel c exactly its share.
 */
export function planSubscriberSkew(scenario: Scenario, group: SubscriberGroupSpec, channelCount: number): number[][] | null {
  const skew = skewOf(scenario.subscriberSkew);
  const each = group.channelsEach;
  if (skew.kind === 'uniform' || each === 'all' || each === 0 || each >= channelCount || group.count === 0) return null;
  const n = group.count;
  const perChannel = apportion(n * each, skewShares(skew, channelCount), n);
  const lists: number[][] = Array.from({ length: n }, () => []);
  let slot = 0;
  for (let c = 0; c < channelCount; c++) for (let r = 0; r < perChannel[c]; r++) lists[slot++ % n].push(c);
  return lists;
}
