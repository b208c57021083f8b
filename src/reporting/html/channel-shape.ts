/**
 * The shape of a skewed run (channel skew, subscriber skew): per channel, in channel order (channel 0 the hottest),
 * the share of published messages it got beside the share it was meant to get, and how many subscriptions receive
 * it. Reads result.json `channels` only.
 */
import type { ChannelBreakdown, RunResult } from '../../core/index.js';
import { FULL_WIDTH, PALETTE, type VlSpec } from './charts.js';
import { html, type Html } from './escape.js';
import { figure } from './page.js';

/** Channels drawn: the head and a long enough tail to show the curve; the table and result.json hold them all. */
export const SHAPE_CHANNELS = 200;

/** Published share per channel (bars) and, under a channel skew, the intended share (line), log-scaled when skewed. */
export function publishShareChart(channels: readonly ChannelBreakdown[]): VlSpec {
  const total = channels.reduce((n, c) => n + c.published, 0) || 1;
  const shown = channels.slice(0, SHAPE_CHANNELS);
  const values = shown.flatMap((c, i) => [
    { channel: i, series: 'published', percent: (100 * c.published) / total },
    ...(c.share !== undefined ? [{ channel: i, series: 'intended', percent: 100 * c.share }] : []),
  ]);
  const series = ['published', ...(shown.some((c) => c.share !== undefined) ? ['intended'] : [])];
  const color = { field: 'series', type: 'nominal', scale: { domain: series, range: PALETTE.slice(0, series.length) } };
  const x = { field: 'channel', type: 'quantitative', title: 'channel index (0 = hottest)' };
  const y = { field: 'percent', type: 'quantitative', title: '% of published messages' };
  return {
    width: FULL_WIDTH, height: 200,
    layer: [
      { data: { values: values.filter((v) => v.series === 'published') }, mark: { type: 'bar', opacity: 0.8 }, encoding: { x, y, color } },
      { data: { values: values.filter((v) => v.series === 'intended') }, mark: { type: 'line', point: { size: 12 } }, encoding: { x, y, color } },
    ],
  };
}

/** Receiving subscriptions per channel (bars). */
export function receiversChart(channels: readonly ChannelBreakdown[]): VlSpec {
  const values = channels.slice(0, SHAPE_CHANNELS).map((c, i) => ({ channel: i, receivers: c.receivers }));
  return {
    width: FULL_WIDTH, height: 160,
    data: { values },
    mark: { type: 'bar', color: PALETTE[2] },
    encoding: {
      x: { field: 'channel', type: 'quantitative', title: 'channel index (0 = hottest)' },
      y: { field: 'receivers', type: 'quantitative', title: 'receiving subscriptions' },
    },
  };
}

/** Nothing unless the scenario is skewed and result.json has the per-channel breakdown. */
export async function channelShapeSection(result: RunResult): Promise<Html> {
  const channels = result.channels ?? [];
  const { channelSkew, subscriberSkew } = result.scenario;
  if (channels.length < 2 || (!channelSkew && !subscriberSkew)) return html``;
  const more = channels.length > SHAPE_CHANNELS ? ` The first ${SHAPE_CHANNELS} of ${channels.length} channels.` : '';
  return html`<h2>Channel shape</h2>
<p class="sub">${[channelSkew ? `channel skew ${channelSkew}` : '', subscriberSkew ? `subscriber skew ${subscriberSkew}` : ''].filter(Boolean).join(' · ')}:
per channel, the measured messages it carried and the subscriptions receiving it.${more}</p>
${await figure('channel-publish-share', publishShareChart(channels), 'Share of measured published messages per channel; the line is the share the skew intends.')}
${subscriberSkew ? await figure('channel-receivers', receiversChart(channels), 'Subscriptions receiving each channel (direct and pattern).') : ''}`;
}
