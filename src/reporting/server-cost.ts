/**
 * Server cost in words and figures, shared by the terminal summary and the report: what the measure phase cost
 * Redis per published message, per delivery and per PUBLISH call (summary.serverCost), per node, with its limits.
 */
import type { RunResult } from '../core/index.js';
import type { NodeCost, ServerCost } from '../core/server-cost.js';
import { NONE, formatBytes, formatCount, formatLatencyUs } from './format.js';
import { heading, plainText, renderTable, type Styler } from './table.js';

/** µs with enough digits for per-message costs (3.12 µs, 0.41 µs); larger values as latencies (1.2 ms). */
export function formatCostUs(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return NONE;
  return us < 100 ? `${Number(us.toPrecision(3))} µs` : formatLatencyUs(us);
}

/** The headline figures: label, value, detail. */
export function serverCostFigures(c: ServerCost): Array<[string, string, string]> {
  const nodes = c.nodes.length === 1 ? '1 node' : `${c.nodes.length} nodes`;
  return [
    ['CPU per publish', formatCostUs(c.cpuUsPerPublish), c.cpuUs === undefined ? 'CPU counters not comparable' : `server CPU ${formatCostUs(c.cpuUs)} over ${nodes}`],
    ['CPU per delivery', formatCostUs(c.cpuUsPerDelivery), ''],
    ['per PUBLISH call', formatCostUs(c.usPerPublish), c.publishCalls === undefined ? 'commandstats not comparable' : `commandstats, ${formatCount(c.publishCalls)} calls`],
    ['bytes per delivery', c.bytesPerDelivery === undefined ? NONE : formatBytes(c.bytesPerDelivery), c.netOutputBytes === undefined ? '' : `${formatBytes(c.netOutputBytes)} written to clients`],
    ['peak output buffer', formatBytes(c.peakOutputBufferBytes), 'largest client output buffer telemetry saw'],
  ];
}

/** One row per node: CPU, PUBLISH calls, µs per call, output bytes. */
export function serverCostNodeRows(c: ServerCost): string[][] {
  return c.nodes.map((n: NodeCost) => [
    plainText(n.node), n.cpuUs === undefined ? NONE : formatCostUs(n.cpuUs), n.publishCalls === undefined ? NONE : formatCount(n.publishCalls),
    n.publishCalls && n.publishUsec !== undefined ? formatCostUs(n.publishUsec / n.publishCalls) : NONE, formatBytes(n.netOutputBytes),
  ]);
}

export const SERVER_COST_NODE_HEADER = ['node', 'CPU', 'PUBLISH calls', 'µs per call', 'output'];

/** The terminal section (nothing without summary.serverCost). */
export function serverCostLines(result: RunResult, st: Styler): string[] {
  const c = result.summary.serverCost;
  if (!c) return [];
  const lines = ['', heading('Server cost (measure phase, from Redis INFO)', st),
    renderTable(serverCostFigures(c).map(([label, value, detail]) => [`  ${label}`, value, detail]), ['left', 'right', 'left'])];
  if (c.nodes.length > 1) {
    lines.push(renderTable([SERVER_COST_NODE_HEADER.map((h, i) => (i === 0 ? `  ${h}` : h)), ...serverCostNodeRows(c).map(([n, ...rest]) => [`  ${n}`, ...rest])],
      ['left', 'right', 'right', 'right', 'right']));
  }
  lines.push(...c.notes.map((n) => st.dim(`  note: ${plainText(n)}`)));
  return lines;
}
