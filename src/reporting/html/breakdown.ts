/**
 * Per-shard and per-channel breakdowns (result.json `shards`, `channels`). A run may have 10,000 channels: the
 * channel table then lists only the worst few and sums the rest up in one line.
 */
import type { ChannelBreakdown, RunResult } from '../../core/index.js';
import { formatCount, formatPercent } from '../format.js';
import { html, type Html } from './escape.js';
import { badIfPositive, table, textCell as t, type Cell } from './page.js';
import { median } from '../../metrics/stats.js';

/** Up to this many channels, every one is listed. */
export const ALL_CHANNELS_UP_TO = 20;
/** Above that, this many channels are listed: the most loss first, then the most published. */
export const WORST_CHANNELS = 10;

/** Lost cell: the count and its share of expected, red when non-zero. */
function lostCell(expected: number, delivered: number): Cell {
  const lost = Math.max(0, expected - delivered);
  return badIfPositive(lost, lost > 0 ? `${formatCount(lost)} (${formatPercent(lost, expected)})` : '0');
}

/** Per cluster master: channels it owns and their counts; nothing when the result has no shard breakdown. */
export function shardsSection(result: RunResult): Html {
  const shards = result.shards ?? [];
  if (shards.length === 0) return html``;
  return html`<h2>Per shard</h2>
<p class="sub">Channels are assigned to masters by the hash slot of their name. For classic (non-sharded) pub/sub every
node forwards every message, so this splits the load by channel name, not by delivering node.</p>
${table([t('master'), 'channels', 'subscriptions', 'published', 'expected', 'delivered', 'lost'], shards.map((s) => [
    t(s.master), formatCount(s.channels), formatCount(s.subscriptions), formatCount(s.published), formatCount(s.expected),
    formatCount(s.delivered), lostCell(s.expected, s.delivered),
  ]))}`;
}

/** Channels to list: all of a few, or the worst WORST_CHANNELS of many (most lost, then most published). */
export function channelsToList(channels: ChannelBreakdown[]): ChannelBreakdown[] {
  if (channels.length <= ALL_CHANNELS_UP_TO) return channels;
  const lost = (c: ChannelBreakdown) => c.expected - c.delivered;
  return [...channels].sort((a, b) => lost(b) - lost(a) || b.published - a.published).slice(0, WORST_CHANNELS);
}

/** One line about every channel: how many, how many lost messages, and published per channel min / median / max. */
function channelSummary(channels: ChannelBreakdown[]): string {
  const published = channels.map((c) => c.published);
  const lossy = channels.filter((c) => c.expected > c.delivered).length;
  return `${formatCount(channels.length)} channels, ${formatCount(lossy)} with loss. Published per channel: min `
    + `${formatCount(Math.min(...published))}, median ${formatCount(median(published) ?? 0)}, max ${formatCount(Math.max(...published))}.`;
}

/** Per channel: every channel of a small run, the worst ten of a large one; nothing without a channel breakdown. */
export function channelsSection(result: RunResult): Html {
  const channels = result.channels ?? [];
  if (channels.length === 0) return html``;
  const listed = channelsToList(channels);
  const partial = listed.length < channels.length;
  // Under a channel skew: the share each channel was meant to get beside the share it got.
  const shares = channels.some((c) => c.share !== undefined);
  const published = channels.reduce((n, c) => n + c.published, 0);
  return html`<h2>Per channel</h2>
<p class="sub" data-summary="channels">${channelSummary(channels)}${
    partial ? ` Listed: the ${listed.length} with the most loss (then the most published); result.json holds them all.` : ''}</p>
${shares ? table([t('channel'), 'receivers', 'intended share', 'published', 'share', 'expected', 'delivered', 'lost'], listed.map((c) => [
    t(c.name), formatCount(c.receivers), formatPercent(c.share ?? 0, 1), formatCount(c.published), formatPercent(c.published, published),
    formatCount(c.expected), formatCount(c.delivered), lostCell(c.expected, c.delivered),
  ])) : table([t('channel'), 'receivers', 'published', 'expected', 'delivered', 'lost'], listed.map((c) => [
    t(c.name), formatCount(c.receivers), formatCount(c.published), formatCount(c.expected), formatCount(c.delivered),
    lostCell(c.expected, c.delivered),
  ]))}`;
}
