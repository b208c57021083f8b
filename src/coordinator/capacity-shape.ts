/**
 * What a scenario asks of the server per published message, for the capacity model: deliveries, output bytes (RESP
 * framing included, so they can be checked against total_net_output_bytes), distinct patterns, and per channel its
 * publish share, receivers and hash slot. Built from the same fleet plan the runs use, so it counts exactly what a
 * run of the scenario would. Pure.
 */
import type { CapacityShape, ChannelLoad } from '../core/capacity-model.js';
import type { Scenario } from '../core/scenario.js';
import { globMatch } from '../scenarios/glob.js';
import { keySlot } from '../targets/slot.js';
import { planFleet } from './plan.js';

/** The publish mode as the model records it: 'await', 'pipeline/100', 'multi/10', 'auto/1000'. */
export function publishModeOf(scenario: Pick<Scenario, 'publishers'>): string {
  const p = scenario.publishers;
  if (p.mode === 'pipeline' || p.mode === 'multi') return `${p.mode}/${p.batch}`;
  if (p.mode === 'auto') return `auto/${p.maxInFlight}`;
  return p.mode;
}

const bulkBytes = (len: number): number => 1 + String(len).length + 2 + len + 2;

/** Bytes of one push: `*3 $7 message <channel> <payload>` (smessage when sharded, pmessage with the pattern). */
export function pushBytes(channelBytes: number, messageBytes: number, kind: 'message' | 'smessage' | { pattern: number }): number {
  if (typeof kind === 'object') return 4 + bulkBytes(8) + bulkBytes(kind.pattern) + bulkBytes(channelBytes) + bulkBytes(messageBytes);
  return 4 + bulkBytes(kind.length) + bulkBytes(channelBytes) + bulkBytes(messageBytes);
}

/** The PUBLISH reply `:N\r\n`. */
const replyBytes = (receivers: number): number => 1 + String(receivers).length + 2;

/** The shape of `scenario` (its rate does not matter: everything is per published message). */
export function shapeOf(scenario: Scenario): CapacityShape {
  const plan = planFleet(scenario, 1);
  const names = plan.channelNames;
  const shares = new Array<number>(names.length).fill(0);
  for (const pub of plan.perWorker.flatMap((w) => w.publishers)) {
    // 'max' publishers have no set rate: each counts the same.
    const rate = typeof pub.rate === 'number' ? pub.rate : 1;
    for (const c of pub.channels) shares[c] += rate / pub.channels.length;
  }
  const total = shares.reduce((a, b) => a + b, 0);
  const msg = scenario.publishers.messageBytes;
  const patternGroups = scenario.subscribers.filter((g) => g.count > 0 && g.patterns.length > 0);
  const channelLoads: ChannelLoad[] = names.map((name, c) => {
    const nameBytes = Buffer.byteLength(name);
    let deliveryBytes = plan.expectedNumsub[c] * pushBytes(nameBytes, msg, scenario.channels.sharded ? 'smessage' : 'message');
    for (const g of patternGroups) {
      for (const p of g.patterns) if (globMatch(p, name)) deliveryBytes += g.count * pushBytes(nameBytes, msg, { pattern: Buffer.byteLength(p) });
    }
    return { slot: keySlot(name), nameBytes, publishShare: total > 0 ? shares[c] / total : 0, receivers: plan.receiversPerChannel[c], deliveryBytes };
  });
  const perPublish = (f: (c: ChannelLoad) => number): number => channelLoads.reduce((s, c) => s + c.publishShare * f(c), 0);
  return {
    name: scenario.name,
    publishers: scenario.publishers.count,
    subscribers: scenario.subscribers.reduce((n, g) => n + g.count, 0),
    channels: names.length,
    messageBytes: msg,
    publishMode: publishModeOf(scenario),
    sharded: scenario.channels.sharded,
    patterns: plan.expectedNumpat,
    deliveriesPerPublish: perPublish((c) => c.receivers),
    outputBytesPerPublish: perPublish((c) => c.deliveryBytes + replyBytes(c.receivers)),
    channelLoads,
  };
}
