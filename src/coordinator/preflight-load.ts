/**
 * Before connecting the fleet: can the planned load fit? A subscriber connection whose output buffer on the server
 * passes `client-output-buffer-limit pubsub` is disconnected (loss and outages that describe the configuration, not
 * Redis), and a fleet whose messages in flight do not fit in memory gets the harness killed and the run lost. The
 * estimate is pure (`estimateLoad`, `judgeLoad`); `preflightLoad` reads the server's limit and this machine's memory.
 */
import { freemem } from 'node:os';
import type { OutputBufferLimit } from '../core/reliability.js';
import type { RunRequest } from '../core/run.js';
import type { Scenario } from '../core/scenario.js';
import type { TargetSpec } from '../core/target.js';
import { UsageError } from '../core/errors.js';
import { nodeContext, quietEvents } from '../targets/context.js';
import { connectNode } from '../targets/node-connection.js';
import { parsePubsubLimit, splitHostPort } from '../targets/telemetry.js';
import type { TargetInfo } from '../targets/types.js';
import { globMatch } from '../scenarios/glob.js';
import { formatBytes } from '../reporting/format.js';
import type { FleetPlan } from './plan.js';

/** Redis' default `client-output-buffer-limit pubsub 32mb 8mb 60`, assumed when CONFIG GET is refused. */
export const DEFAULT_PUBSUB_LIMIT: OutputBufferLimit = { hardBytes: 32 * 1024 * 1024, softBytes: 8 * 1024 * 1024, softSeconds: 60 };
/** RESP framing of one pushed message besides payload and channel name (`*3`, `$7 message`, lengths, CRLFs). */
const PUSH_OVERHEAD_BYTES = 32;
/** The native publisher's ring stops growing here (targets/resp/publisher.ts): a deeper window waits for room. */
const NATIVE_RING_BYTES = 64 * 1024 * 1024;
/** Above this share of the available memory the run is warned about; above all of it, refused. */
const MEMORY_WARN_SHARE = 0.5;

/** What one burst of the planned load weighs. */
export interface LoadEstimate {
  /** Messages one publisher may have sent and not yet had answered: 1 (await), batch (pipeline, multi), maxInFlight (auto). */
  windowMessages: number;
  /** Bytes one subscriber connection receives for one message, on the connection that receives it most often. */
  largestDeliveryBytes: number;
  /**
   * Bytes the busiest subscriber connection must take when every publisher's window arrives at once: what its output
   * buffer on the server holds if it falls behind for one round trip.
   */
  burstBytesPerSubscriber: number;
  /** Memory of this process for the messages in flight: publisher buffers plus a message being read per subscriber. */
  harnessBytes: number;
  /** Output buffers the server may hold for the whole fleet in one burst (each subscriber's capped by the hard limit). */
  serverBytes: (hardBytes: number) => number;
}

/** Messages a publisher keeps in flight in the scenario's mode. */
export function windowMessages(scenario: Scenario): number {
  const p = scenario.publishers;
  return p.mode === 'await' ? 1 : p.mode === 'auto' ? p.maxInFlight : p.batch;
}

/** Weighs one burst of the plan: every publisher's window in flight at once, spread evenly over its channels. */
export function estimateLoad(scenario: Scenario, plan: FleetPlan): LoadEstimate {
  const bytes = scenario.publishers.messageBytes;
  let window = windowMessages(scenario);
  // The native ring holds fewer huge messages than the window asks for (at least one).
  if (scenario.client === 'native') window = Math.min(window, Math.max(1, Math.floor(NATIVE_RING_BYTES / (2 * bytes))));
  const names = plan.channelNames;
  // Messages in flight per channel: each publisher's window shared over the channels it writes to, round-robin.
  const inFlight = new Float64Array(names.length);
  const publishers = plan.perWorker.flatMap((w) => w.publishers);
  for (const p of publishers) for (const c of p.channels) inFlight[c] += window / p.channels.length;
  const patternFlight = new Map<string, { messages: number; longestName: number }>();
  let burst = 0;
  let largest = 0;
  let subscribers = 0;
  for (const s of plan.perWorker.flatMap((w) => w.subscribers)) {
    subscribers++;
    let messages = 0;
    let one = 0;
    for (const c of s.channels) {
      messages += inFlight[c];
      if (inFlight[c] > 0) one = Math.max(one, bytes + PUSH_OVERHEAD_BYTES + names[c].length);
    }
    for (const pattern of s.patterns) {
      let f = patternFlight.get(pattern);
      if (!f) {
        f = { messages: 0, longestName: 0 };
        names.forEach((name, c) => {
          if (inFlight[c] === 0 || !globMatch(pattern, name)) return;
          f!.messages += inFlight[c];
          f!.longestName = Math.max(f!.longestName, name.length);
        });
        patternFlight.set(pattern, f);
      }
      messages += f.messages;
      if (f.messages > 0) one = Math.max(one, bytes + PUSH_OVERHEAD_BYTES + pattern.length + f.longestName);
    }
    largest = Math.max(largest, one);
    // At least one whole message: a connection that receives anything holds one at a time however thin its share.
    burst = Math.max(burst, messages === 0 ? 0 : Math.max(one, messages * (bytes + PUSH_OVERHEAD_BYTES)));
  }
  // The native ring is sized for the window twice over (frames wrap); ioredis keeps each command's buffer until sent.
  const publisherBytes = publishers.length * window * bytes * (scenario.client === 'native' ? 2 : 1);
  return {
    windowMessages: window, largestDeliveryBytes: largest, burstBytesPerSubscriber: burst,
    harnessBytes: publisherBytes + subscribers * (largest > 0 ? bytes : 0),
    serverBytes: (hardBytes) => subscribers * (hardBytes > 0 ? Math.min(burst, hardBytes + largest) : burst) + publishers.length * window * bytes,
  };
}

/** What `judgeLoad` needs besides the estimate. */
export interface LoadContext {
  /** The server's pubsub output-buffer limit, and whether it was read or assumed. */
  limit: OutputBufferLimit;
  limitRead: boolean;
  /** Memory this process may still use, bytes. */
  availableBytes: number;
  /** The throwaway local server runs on this machine: its output buffers share the memory. */
  localTarget: boolean;
}

/** Warnings (plain sentences) and refusals (exit 2, naming the flags to change) for a load estimate. */
export function judgeLoad(est: LoadEstimate, scenario: Scenario, ctx: LoadContext): { warnings: string[]; refusal: UsageError | null } {
  const warnings: string[] = [];
  const { hardBytes } = ctx.limit;
  const limitText = `client-output-buffer-limit pubsub ${formatBytes(hardBytes)} hard${ctx.limitRead ? '' : " (CONFIG GET was refused: Redis' default assumed)"}`;
  const raise = "raise the limit (CONFIG SET client-output-buffer-limit 'pubsub 256mb 64mb 60')";
  if (hardBytes > 0 && est.largestDeliveryBytes > hardBytes) {
    warnings.push(`One message (${formatBytes(est.largestDeliveryBytes)} as delivered) is larger than the server's ${limitText}: Redis will disconnect every subscriber that receives it, so the run measures reconnects and loss, not delivery. Lower --message-size or ${raise}.`);
  } else if (hardBytes > 0 && est.burstBytesPerSubscriber > hardBytes) {
    const knob = scenario.publishers.mode === 'auto' ? '--max-in-flight' : scenario.publishers.mode === 'await' ? '--publishers' : '--batch';
    warnings.push(`When every publisher's in-flight window (${est.windowMessages} message(s) of ${formatBytes(scenario.publishers.messageBytes)} each) reaches one subscriber connection at once, its output buffer can hold ${formatBytes(est.burstBytesPerSubscriber)}, above the server's ${limitText}: a subscriber that falls behind for one round trip is disconnected. Lower ${knob} or --message-size, or ${raise}.`);
  }
  const needed = est.harnessBytes + (ctx.localTarget ? est.serverBytes(hardBytes) : 0);
  const where = ctx.localTarget ? 'the harness and the local redis-server' : 'the harness';
  const what = `${where} need about ${formatBytes(needed)} for the messages in flight (${est.windowMessages} per publisher of ${formatBytes(scenario.publishers.messageBytes)}), and ${formatBytes(ctx.availableBytes)} of memory is available`;
  const hint = `lower --message-size${est.windowMessages > 1 ? ', --max-in-flight or --batch' : ''}, or run fewer publishers and subscribers`;
  if (needed > ctx.availableBytes) {
    return { warnings, refusal: new UsageError([{ field: '--message-size', message: `${what}: the run would run out of memory and be lost`, hint }], 'The planned load does not fit in memory') };
  }
  if (needed > ctx.availableBytes * MEMORY_WARN_SHARE) warnings.push(`Memory: ${what}; ${hint} if the run is killed or swaps.`);
  return { warnings, refusal: null };
}

/** Memory this process may still take: free memory, within a container's limit when it has one. */
export function availableMemoryBytes(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  const inContainer = constrained > 0 ? constrained - process.memoryUsage.rss() : Infinity;
  return Math.max(0, Math.min(freemem(), inContainer));
}

/**
 * Reads the pubsub output-buffer limit of the first master (the fleet's limits are assumed alike), judges the
 * planned load and returns the warnings (also passed to `req.onWarning` at once, before any measuring). Throws the
 * refusal (exit 2) when the load cannot fit in memory.
 */
export async function preflightLoad(
  req: RunRequest, spec: TargetSpec, info: TargetInfo, plan: FleetPlan, localTarget: boolean, connectTimeoutMs: number,
): Promise<string[]> {
  const est = estimateLoad(req.scenario, plan);
  if (est.burstBytesPerSubscriber === 0 && est.harnessBytes === 0) return [];
  const read = info.masters.length > 0 ? await readPubsubLimit(spec, info.masters[0], connectTimeoutMs) : undefined;
  const { warnings, refusal } = judgeLoad(est, req.scenario, {
    limit: read ?? DEFAULT_PUBSUB_LIMIT, limitRead: read !== undefined, availableBytes: availableMemoryBytes(), localTarget,
  });
  if (refusal) throw refusal;
  for (const w of warnings) req.onWarning?.(w);
  return warnings;
}

/** CONFIG GET client-output-buffer-limit on one node, or undefined when refused (ACL) or unreadable. */
async function readPubsubLimit(spec: TargetSpec, node: string, connectTimeoutMs: number): Promise<OutputBufferLimit | undefined> {
  try {
    const handle = await connectNode(nodeContext(spec), splitHostPort(node), { clientName: 'pb-preflight', connectTimeoutMs }, quietEvents);
    try {
      return parsePubsubLimit(await handle.redis.call('CONFIG', 'GET', 'client-output-buffer-limit'));
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
