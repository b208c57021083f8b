/**
 * The report's "Server cost" section: what the measure phase cost Redis (summary.serverCost) as cards, a per-node
 * table, its limits, and µs per PUBLISH call per interval and node (from the telemetry samples).
 */
import type { RunResult } from '../../core/index.js';
import { plainText } from '../table.js';
import { SERVER_COST_NODE_HEADER, serverCostFigures, serverCostNodeRows } from '../server-cost.js';
import { PALETTE, timeChart, FULL_WIDTH } from './charts.js';
import { html, type Html } from './escape.js';
import { card, figure, table, textCell as t } from './page.js';
import { markerCaption, markerLayers, type TimeMarkers } from './markers.js';
import type { ChartTimeline } from './timeline.js';

/** Nothing without summary.serverCost. */
export async function serverCostSection(result: RunResult, tl: ChartTimeline, markers: TimeMarkers): Promise<Html> {
  const c = result.summary.serverCost;
  if (!c) return html``;
  const fromS = tl.phases[0]?.fromS ?? -Infinity;
  const toS = tl.phases[tl.phases.length - 1]?.toS ?? Infinity;
  const data = (result.server?.samples ?? [])
    .filter((s) => typeof s.usPerPublish === 'number' && s.atMs / 1000 >= fromS && s.atMs / 1000 <= toS)
    .map((s) => ({ tS: s.atMs / 1000, series: plainText(s.node), value: s.usPerPublish as number }));
  const series = [...new Set(data.map((d) => d.series))];
  const chart = data.length === 0 ? html`` : await figure('server-us-per-publish',
    timeChart(tl, data, { width: FULL_WIDTH, yTitle: 'µs per PUBLISH call', series, colors: PALETTE, markers: markerLayers(markers) }),
    `µs per PUBLISH/SPUBLISH call inside Redis (INFO commandstats) per interval and node.${markerCaption(markers)}`);
  const [head, ...rest] = SERVER_COST_NODE_HEADER;
  return html`<h2>Server cost</h2>
<p class="sub">What the measure phase cost Redis itself: per-node INFO counters read at measure start and after the
drain (CPU, commandstats, output bytes), divided by the run's published messages and deliveries. Noise on the client
machine cannot move these, which makes them steady CI gates (server.cpuUsPerPublish, server.usPerPublish, …).</p>
<div class="cards">${serverCostFigures(c).map(([label, value, detail]) => card(label, value, detail))}</div>
${table([t(head), ...rest], serverCostNodeRows(c).map(([node, ...cells]) => [t(node), ...cells]))}
${c.notes.map((n) => html`<p class="quiet">${n}</p>`)}
${chart}`;
}
