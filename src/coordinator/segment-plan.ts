/**
 * A segment's share of the global plan (`run --segment I/N`). Pure: every segment computes the whole fleet plan and
 * keeps publishers p with p mod N = I and subscribers s with s mod N = I, with their global ids, the global
 * receivers per channel and the per-publisher rates and phase offsets unchanged, so the segments together are
 * exactly the one-machine run (property-tested in test/unit/segment-plan.test.ts).
 */
import { createHash } from 'node:crypto';
import type { PublisherAssignment, SubscriberAssignment } from '../core/messages.js';
import type { Scenario } from '../core/scenario.js';
import type { SegmentSpec } from '../core/segment.js';
import { assignWorkers, type FleetPlan } from './plan.js';

/** The segment that runs publisher or subscriber `id` in a run of `count` segments. */
export function segmentOf(id: number, count: number): number {
  return id % count;
}

/** Every publisher and subscriber of a plan, in id order, whichever worker thread it was planned on. */
export function fleetMembers(plan: FleetPlan): { publishers: PublisherAssignment[]; subscribers: SubscriberAssignment[] } {
  const publishers = plan.perWorker.flatMap((w) => w.publishers).sort((a, b) => a.publisherId - b.publisherId);
  const subscribers = plan.perWorker.flatMap((w) => w.subscribers).sort((a, b) => a.subscriberId - b.subscriberId);
  return { publishers, subscribers };
}

/**
 * Segment `index` of `count` of the global plan, spread over this process's worker threads. Channels, receivers per
 * channel and the server-side expectations (NUMSUB, NUMPAT) stay global; `subscriptions` (what this process's
 * workers must confirm) counts this segment's own.
 */
export function segmentPlan(global: FleetPlan, index: number, count: number, workersRequested: number, rateMax: boolean): FleetPlan {
  const all = fleetMembers(global);
  const publishers = all.publishers.filter((p) => segmentOf(p.publisherId, count) === index);
  const subscribers = all.subscribers.filter((s) => segmentOf(s.subscriberId, count) === index);
  const { workers, perWorker } = assignWorkers(publishers, subscribers, workersRequested, rateMax);
  let subscriptions = subscribers.reduce((n, s) => n + s.channels.length + s.patterns.length, 0);
  // Background patterns (one idle connection holding them all) are the server's load, not a member's: segment 0
  // holds them, so the server sees each once, as in the one-machine run.
  const background = global.perWorker.flatMap((w) => w.backgroundPatterns ?? []);
  if (index === 0 && background.length > 0) {
    perWorker[0].backgroundPatterns = background;
    subscriptions += background.length;
  }
  return { ...global, workers, perWorker, subscriptions };
}

/** Why a segment spec cannot be run with this scenario (N larger than the fleet), or null. */
export function segmentCountProblem(count: number, publishers: number, subscribers: number): string | null {
  if (count <= publishers + subscribers) return null;
  return `${count} segments but only ${publishers} publishers + ${subscribers} subscribers: some segment would have nothing to run`;
}

/** Parses `I/N` (0 ≤ I < N); null when malformed. */
export function parseSegmentFlag(text: string): { index: number; count: number } | null {
  const m = /^\s*(\d{1,5})\s*\/\s*(\d{1,5})\s*$/.exec(text);
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index < count ? { index, count } : null;
}

/** Run ids go into Redis keys (inside a hash tag) and folder names: a safe alphabet only. */
export const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The envelope's run tag from the run id (FNV-1a, 32 bits), so every segment stamps and accepts the same tag.
 * A random tag per process would make each segment reject the others' messages as foreign.
 */
export function runTagOf(runId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) {
    h ^= runId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Digest of everything the segments must agree on: harness and protocol version, the resolved scenario, the segment
 * count, the channels and the fleet (ids, channels, rates, phase offsets, receivers). Worker threads are left out:
 * each pod may have its own core count.
 */
export function planDigest(scenario: Scenario, global: FleetPlan, count: number, versions: { harness: string; protocol: number }): string {
  const { publishers, subscribers } = fleetMembers(global);
  const canonical = canonicalJson({
    versions, count, scenario, channels: global.channelNames, receivers: global.receiversPerChannel, publishers, subscribers,
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so two processes that built equal objects in another order agree. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/** A short label for messages: "segment 2/3". */
export function segmentLabel(spec: Pick<SegmentSpec, 'index' | 'count'>): string {
  return `segment ${spec.index}/${spec.count}`;
}
