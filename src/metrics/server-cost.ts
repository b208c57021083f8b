/**
 * Server cost of a run: what the measure phase cost Redis itself, from per-node counters read at measure start and
 * at measure end (after the drain: publishing stops at the end of the measure phase, so the window holds every
 * measured PUBLISH and its deliveries). Reset-free: nothing is reset, only deltas of cumulative counters are used.
 *
 * - CPU µs per published message and per delivery: INFO used_cpu_user + used_cpu_sys;
 * - µs per PUBLISH/SPUBLISH call: INFO commandstats cmdstat_publish / cmdstat_spublish (calls, usec); XADD counts as
 *   a PUBLISH (the streams transport's publish; a pub/sub run sends none);
 * - output bytes per delivery: total_net_output_bytes.
 *
 * These quantities are what noise on the client machine cannot move, which makes them good CI gates. Their limits are
 * named in `notes`: other clients of a shared server count too, a CONFIG RESETSTAT or restart by someone else makes a
 * delta negative (that metric is then absent, with a warning), and in a cluster classic PUBLISH is forwarded over the
 * cluster bus to every node, so CPU and output bytes are spent on every node (shown per node as well as in total).
 *
 * Pure: parsing and arithmetic only.
 */

/** Cumulative counters of one node at one moment. */
export interface NodeCostCounters {
  node: string;
  /** used_cpu_user + used_cpu_sys, µs. */
  cpuUs: number;
  publishCalls: number;
  publishUsec: number;
  spublishCalls: number;
  spublishUsec: number;
  /** total_net_output_bytes. */
  netOutputBytes: number;
}

import type { NodeCost, ServerCost } from '../core/server-cost.js';

export type { NodeCost, ServerCost } from '../core/server-cost.js';

const CPU_RE = /^used_cpu_(?:user|sys):([\d.]+)\s*$/gm;

/** Reads `field` from a commandstats line such as `cmdstat_publish:calls=3,usec=9,usec_per_call=3.00,...`. */
function cmdstat(text: string, command: string): { calls: number; usec: number } {
  const m = new RegExp(`^cmdstat_${command}:(.*)$`, 'm').exec(text);
  if (!m) return { calls: 0, usec: 0 };
  const calls = /(?:^|,)calls=(\d+)/.exec(m[1]);
  const usec = /(?:^|,)usec=(\d+)/.exec(m[1]);
  return { calls: Number(calls?.[1] ?? 0), usec: Number(usec?.[1] ?? 0) };
}

/** PUBLISH calls plus XADD calls: the publish command of either transport. */
function xaddAsPublish(text: string): { calls: number; usec: number } {
  const p = cmdstat(text, 'publish');
  const x = cmdstat(text, 'xadd');
  return { calls: p.calls + x.calls, usec: p.usec + x.usec };
}

/** Counters of one node from INFO text that holds the cpu, stats and commandstats sections (several replies may be joined). */
export function parseCostCounters(node: string, infoText: string): NodeCostCounters {
  let cpuSeconds = 0;
  for (const m of infoText.matchAll(CPU_RE)) cpuSeconds += Number(m[1]);
  const pub = xaddAsPublish(infoText);
  const spub = cmdstat(infoText, 'spublish');
  const net = /^total_net_output_bytes:(\d+)/m.exec(infoText);
  return {
    node, cpuUs: Math.round(cpuSeconds * 1e6), publishCalls: pub.calls, publishUsec: pub.usec, spublishCalls: spub.calls, spublishUsec: spub.usec,
    netOutputBytes: Number(net?.[1] ?? 0),
  };
}

/** One node's deltas; a counter that went backwards (reset, restart) is left out and named in `warnings`. */
export function nodeDelta(start: NodeCostCounters, end: NodeCostCounters, warnings: string[]): NodeCost {
  const out: NodeCost = { node: start.node };
  const d = (label: string, a: number, b: number): number | undefined => {
    if (b >= a) return b - a;
    warnings.push(`Server cost: ${label} on ${start.node} went backwards during the measure phase (CONFIG RESETSTAT or a restart by someone else?): left out.`);
    return undefined;
  };
  const cpu = d('used_cpu_user + used_cpu_sys', start.cpuUs, end.cpuUs);
  if (cpu !== undefined) out.cpuUs = cpu;
  const calls = d('commandstats PUBLISH/SPUBLISH calls', start.publishCalls + start.spublishCalls, end.publishCalls + end.spublishCalls);
  const usec = d('commandstats PUBLISH/SPUBLISH usec', start.publishUsec + start.spublishUsec, end.publishUsec + end.spublishUsec);
  if (calls !== undefined && usec !== undefined) {
    out.publishCalls = calls;
    out.publishUsec = usec;
  }
  const net = d('total_net_output_bytes', start.netOutputBytes, end.netOutputBytes);
  if (net !== undefined) out.netOutputBytes = net;
  return out;
}

/** Σ of a field over nodes, or undefined when any node lacks it (a partial total would understate the cost). */
function total(nodes: NodeCost[], key: 'cpuUs' | 'publishCalls' | 'publishUsec' | 'netOutputBytes'): number | undefined {
  let sum = 0;
  for (const n of nodes) {
    const v = n[key];
    if (v === undefined) return undefined;
    sum += v;
  }
  return nodes.length > 0 ? sum : undefined;
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

/** What the run's server cost is built from. */
export interface ServerCostInput {
  start: NodeCostCounters[];
  end: NodeCostCounters[];
  windowMs: number;
  /** Messages published and unique deliveries in the measure phase (the run's summary). */
  published: number;
  delivered: number;
  peakOutputBufferBytes?: number;
  /** Whether PUBLISH in this target is classic and the target is a cluster (bus forwarding to every node). */
  clusterClassic: boolean;
}

/** The run's server cost and its warnings. Nodes missing from either snapshot are left out (and named). */
export function buildServerCost(a: ServerCostInput): { cost: ServerCost; warnings: string[] } {
  const warnings: string[] = [];
  const endByNode = new Map(a.end.map((c) => [c.node, c]));
  const nodes: NodeCost[] = [];
  for (const s of a.start) {
    const e = endByNode.get(s.node);
    if (!e) {
      warnings.push(`Server cost: no end snapshot from ${s.node}: the totals leave it out.`);
      continue;
    }
    nodes.push(nodeDelta(s, e, warnings));
  }
  const cpuUs = total(nodes, 'cpuUs');
  const publishCalls = total(nodes, 'publishCalls');
  const publishUsec = total(nodes, 'publishUsec');
  const netOutputBytes = total(nodes, 'netOutputBytes');
  const notes = [
    'Server cost is node-wide: other clients of this server (and the harness\'s own telemetry) count too; on a shared server it overstates the run\'s cost.',
  ];
  if (a.clusterClassic && nodes.length > 1) {
    notes.push('Classic PUBLISH in a cluster is forwarded over the cluster bus to every node: each node spends CPU and output bytes on it, so see the per-node split; PUBLISH calls count only on the node that received the command.');
  }
  const cost: ServerCost = { windowMs: Math.round(a.windowMs), nodes, notes };
  if (cpuUs !== undefined) {
    cost.cpuUs = cpuUs;
    if (a.published > 0) cost.cpuUsPerPublish = round(cpuUs / a.published);
    if (a.delivered > 0) cost.cpuUsPerDelivery = round(cpuUs / a.delivered);
  }
  if (publishCalls !== undefined && publishUsec !== undefined) {
    cost.publishCalls = publishCalls;
    cost.publishUsec = publishUsec;
    if (publishCalls > 0) cost.usPerPublish = round(publishUsec / publishCalls);
  }
  if (netOutputBytes !== undefined) {
    cost.netOutputBytes = netOutputBytes;
    if (a.delivered > 0) cost.bytesPerDelivery = round(netOutputBytes / a.delivered);
  }
  if (a.peakOutputBufferBytes !== undefined) cost.peakOutputBufferBytes = a.peakOutputBufferBytes;
  return { cost, warnings };
}

/** Counters of one interval of one node, from two consecutive cumulative readings (null when they went backwards). */
export function intervalPublishCost(prev: { calls: number; usec: number } | undefined, now: { calls: number; usec: number }): { calls: number; usPerCall: number | null } | null {
  if (!prev || now.calls < prev.calls || now.usec < prev.usec) return null;
  const calls = now.calls - prev.calls;
  return { calls, usPerCall: calls > 0 ? round((now.usec - prev.usec) / calls) : null };
}

/** The `publish` + `spublish` commandstats of INFO text, summed (per-interval telemetry). */
export function publishCommandstats(infoText: string): { calls: number; usec: number } {
  const p = xaddAsPublish(infoText);
  const s = cmdstat(infoText, 'spublish');
  return { calls: p.calls + s.calls, usec: p.usec + s.usec };
}
