/**
 * The report's "Streams" section (transport 'streams' only): what the run's streams held after the drain
 * (result.streams) as cards, and the server's used memory per interval and node from the telemetry samples, where
 * the streams' growth up to their MAXLEN cap shows.
 */
import type { RunResult } from '../../core/index.js';
import { plainText } from '../table.js';
import { streamsFigures } from '../streams.js';
import { PALETTE, timeChart, FULL_WIDTH } from './charts.js';
import { html, type Html } from './escape.js';
import { card, figure } from './page.js';
import { markerCaption, markerLayers, type TimeMarkers } from './markers.js';
import type { ChartTimeline } from './timeline.js';

/** Nothing for a pub/sub run. */
export async function streamsSection(result: RunResult, tl: ChartTimeline, markers: TimeMarkers): Promise<Html> {
  const s = result.streams;
  if (!s) return html``;
  const data = (result.server?.samples ?? []).map((x) => ({ tS: x.atMs / 1000, series: plainText(x.node), value: x.usedMemoryBytes / 1e6 }));
  const series = [...new Set(data.map((d) => d.series))];
  const chart = data.length === 0 ? html`` : await figure('streams-used-memory',
    timeChart(tl, data, { width: FULL_WIDTH, yTitle: 'server used_memory (MB)', series, colors: PALETTE, markers: markerLayers(markers) }),
    `The server's used_memory (INFO) per interval and node: the streams grow until XADD's MAXLEN ~ ${s.maxLen} trims them.${markerCaption(markers)}`);
  return html`<h2>Streams</h2>
<p class="sub">Transport 'streams': every channel is a stream that publishers XADD to, and every subscriber reads it
through a consumer group of its own (XREADGROUP + XACK), so a subscriber that reconnects re-reads what it had not
acknowledged and then resumes. Read after the drain, just before the run's streams were deleted.</p>
<div class="cards">${streamsFigures(s).map(([label, value, detail]) => card(label, value, detail))}</div>
${chart}`;
}
