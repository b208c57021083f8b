/**
 * The report's "Server" section: telemetry read on separate connections during the run (result.server.samples) —
 * server CPU and the harness connections' largest output buffer per node, on the client charts' time axis, and a
 * per-node table of peaks.
 */
import type { RunResult, TelemetrySample } from '../../core/index.js';
import { NONE, formatBytes, formatCount } from '../format.js';
import { plainText } from '../table.js';
import { PALETTE, timeChart, FULL_WIDTH, type VlSpec } from './charts.js';
import { html, type Html } from './escape.js';
import { figure, table, textCell as t } from './page.js';
import { markerCaption, markerLayers, type TimeMarkers } from './markers.js';
import { MAX_TIMELINE_POINTS, type ChartTimeline } from './timeline.js';

/** A node's samples reduced to chart points: the peak of each bucket (a spike must not average away). */
interface NodePoint {
  tS: number;
  cpuPercent: number | null;
  maxOmemMb: number | null;
}

function peak(values: Array<number | null | undefined>): number | null {
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return present.length === 0 ? null : Math.max(...present);
}

/** Samples grouped by node, in time order. */
function byNode(samples: TelemetrySample[]): Map<string, TelemetrySample[]> {
  const nodes = new Map<string, TelemetrySample[]>();
  for (const s of samples) {
    const list = nodes.get(s.node) ?? [];
    list.push(s);
    nodes.set(s.node, list);
  }
  for (const list of nodes.values()) list.sort((a, b) => a.atMs - b.atMs);
  return nodes;
}

/**
 * Chart points of one node: samples inside the timeline (so the x axis is the client charts'), grouped into at most
 * MAX_TIMELINE_POINTS buckets.
 */
function nodePoints(samples: TelemetrySample[], fromS: number, toS: number): NodePoint[] {
  const inside = samples.filter((s) => s.atMs / 1000 >= fromS && s.atMs / 1000 <= toS);
  const groupSize = Math.max(1, Math.ceil(inside.length / MAX_TIMELINE_POINTS));
  const points: NodePoint[] = [];
  for (let i = 0; i < inside.length; i += groupSize) {
    const group = inside.slice(i, i + groupSize);
    const omem = peak(group.map((s) => s.maxOmemBytes));
    points.push({
      tS: group.reduce((sum, s) => sum + s.atMs, 0) / group.length / 1000,
      cpuPercent: peak(group.map((s) => s.cpuPercent)),
      maxOmemMb: omem === null ? null : omem / (1024 * 1024),
    });
  }
  return points;
}

/** Long-format rows for one metric, one series per node. */
function rows(points: Map<string, NodePoint[]>, key: 'cpuPercent' | 'maxOmemMb'): VlSpec[] {
  return [...points].flatMap(([node, list]) => list.flatMap((p) => (p[key] === null ? [] : [{ tS: p.tS, series: node, value: p[key] }])));
}

/** The per-node table: peaks over the whole run. */
function nodeTable(nodes: Map<string, TelemetrySample[]>): Html {
  const sharded = [...nodes.values()].some((list) => list.some((s) => s.pubsubShardChannels !== undefined));
  const head = [t('node'), 'samples', 'peak CPU', 'peak harness omem', 'peak clients', 'harness clients', 'pubsub channels', 'patterns',
    ...(sharded ? ['shard channels'] : []), t('pubsub buffer limit')];
  const body = [...nodes].map(([node, list]) => {
    const cpu = peak(list.map((s) => s.cpuPercent));
    const limit = list.find((s) => s.pubsubLimit)?.pubsubLimit;
    const count = (v: number | null) => (v === null ? NONE : formatCount(v));
    return [
      t(node), formatCount(list.length), cpu === null ? NONE : `${cpu.toFixed(0)}%`, formatBytes(peak(list.map((s) => s.maxOmemBytes))),
      count(peak(list.map((s) => s.connectedClients))), count(peak(list.map((s) => s.harnessClients))),
      count(peak(list.map((s) => s.pubsubChannels))), count(peak(list.map((s) => s.pubsubPatterns))),
      ...(sharded ? [count(peak(list.map((s) => s.pubsubShardChannels)))] : []),
      t(limit ? `${limit.hardBytes > 0 ? formatBytes(limit.hardBytes) : 'no'} hard, ${limit.softBytes > 0 ? `${formatBytes(limit.softBytes)} for ${limit.softSeconds} s` : 'no'} soft` : NONE),
    ];
  });
  return table(head, body);
}

/** Server telemetry: CPU and harness output buffers over time per node, and a table of peaks; nothing without samples. */
export async function serverSection(result: RunResult, tl: ChartTimeline, markers: TimeMarkers): Promise<Html> {
  const samples = result.server?.samples ?? [];
  if (samples.length === 0) return html``;
  const nodes = byNode(samples);
  const fromS = tl.phases[0]?.fromS ?? -Infinity;
  const toS = tl.phases[tl.phases.length - 1]?.toS ?? Infinity;
  // Vega-Lite writes a colour domain into expressions, where U+2028 or a control character in a name breaks the
  // chart: chart labels get them replaced (the table below shows the names as they are, escaped).
  const points = new Map([...nodes].map(([node, list]) => [plainText(node), nodePoints(list, fromS, toS)]));
  const series = [...points.keys()];
  const layers = markerLayers(markers);
  const chart = async (name: string, key: 'cpuPercent' | 'maxOmemMb', yTitle: string, caption: string) => {
    const data = rows(points, key);
    // All zeros (no buffer ever built up) would collapse the scale to [0, 0]: give it room to show a flat line.
    const yScale = data.every((row) => row.value === 0) ? { domain: [0, 1] } : undefined;
    if (data.length === 0) return html`<p class="quiet">${caption}: not sampled (the server refused the command, or no sample fell inside the run).</p>`;
    return figure(name, timeChart(tl, data, { width: FULL_WIDTH, yTitle, yScale, series, colors: PALETTE, markers: layers }),
      `${caption}, per node, on the same time axis as the latency chart.${markerCaption(markers)}`);
  };
  return html`<h2>Server</h2>
<p class="sub">Read once per interval on a separate connection per node (INFO and CLIENT LIST). Spikes in latency that
line up with server CPU point at the server; growing output buffers point at subscribers that cannot keep up.</p>
${await chart('server-cpu', 'cpuPercent', 'server CPU (% of one core)', 'Server CPU (user + sys) since the previous sample')}
${await chart('server-omem', 'maxOmemMb', 'harness max output buffer (MB)', "Largest output buffer (omem) among the harness's connections")}
${nodeTable(nodes)}`;
}
