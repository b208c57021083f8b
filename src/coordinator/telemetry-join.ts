/**
 * Joins server telemetry with the connection outages the workers saw, to name slow consumers: a subscriber whose
 * output buffer (CLIENT LIST `omem`) grew towards the pubsub `client-output-buffer-limit` and that then lost its
 * connection was cut off by the server for falling behind. Pure: inputs in, findings and plain warnings out.
 */
import type { OutageEvent } from '../core/messages.js';
import type { OutputBufferLimit, TelemetrySample } from '../core/reliability.js';

/**
 * How far before a disconnect a big buffer still counts, at least. The client notices the cut only after it has
 * read the backlog the kernel still holds for it, which for a slow consumer can take seconds.
 */
const MIN_LOOKBACK_MS = 10_000;
/** How long INFO's client_recent_max_output_buffer remembers a peak (Redis keeps 8 one-second slots). */
const RECENT_PEAK_MS = 8000;
/** Without a known limit, a buffer this big is taken as a consumer falling behind. */
const UNKNOWN_LIMIT_THRESHOLD_BYTES = 1024 * 1024;

/** One subscriber found cut off by the output-buffer limit. */
export interface SlowConsumer {
  subscriberId: number;
  /** Outages of this subscriber attributed to the limit. */
  cutoffs: number;
  /** Largest output buffer seen for it before a cut-off, bytes. */
  peakOmemBytes: number;
  /** Messages its attributed outages missed. */
  lostMessages: number;
  limit?: OutputBufferLimit;
}

/** Bytes in plain words (KB / MB, binary units as Redis uses them). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(bytes >= 10 * 1024 * 1024 ? 0 : 2)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}

function describeLimit(l: OutputBufferLimit): string {
  const soft = l.softBytes > 0 ? `, ${formatBytes(l.softBytes)} for ${l.softSeconds} s` : '';
  return `pubsub ${l.hardBytes > 0 ? formatBytes(l.hardBytes) : 'no'} hard${soft}`;
}

/** Half the smallest limit that can cut a client off: a buffer past it is on its way to being cut. */
function thresholdOf(limit: OutputBufferLimit | undefined): number {
  const limits = [limit?.hardBytes ?? 0, limit?.softBytes ?? 0].filter((b) => b > 0);
  return limits.length > 0 ? Math.min(...limits) / 2 : UNKNOWN_LIMIT_THRESHOLD_BYTES;
}

/**
 * Finds subscriber outages preceded by a growing output buffer of the same connection (`pb-sub-<id>`), rewrites
 * their cause to name the output-buffer limit (keeping what the client saw), and returns one finding per
 * subscriber plus warnings in plain words. Outages are changed in place.
 *
 * @param originUs epoch µs that sample times count from (the schedule start).
 */
export function findSlowConsumers(
  outages: OutageEvent[],
  samples: TelemetrySample[],
  originUs: number,
  intervalMs: number,
): { consumers: SlowConsumer[]; warnings: string[] } {
  const lookbackMs = Math.max(MIN_LOOKBACK_MS, 5 * intervalMs);
  // Observations per connection name, and the latest known limit per node.
  const seen = new Map<string, Array<{ atMs: number; omem: number; node: string }>>();
  const limits = new Map<string, OutputBufferLimit>();
  for (const s of samples) {
    if (s.pubsubLimit) limits.set(s.node, s.pubsubLimit);
    for (const b of s.buffers ?? []) {
      const list = seen.get(b.client) ?? [];
      list.push({ atMs: s.atMs, omem: b.omemBytes, node: s.node });
      seen.set(b.client, list);
    }
  }
  const bySubscriber = new Map<number, SlowConsumer>();
  for (const o of outages) {
    if (o.role !== 'subscriber') continue;
    const atMs = (o.atUs - originUs) / 1000;
    const observed = (seen.get(`pb-sub-${o.id}`) ?? []).filter((x) => x.atMs <= atMs && x.atMs >= atMs - lookbackMs);
    if (observed.length === 0) continue;
    const peak = observed.reduce((a, b) => (b.omem > a.omem ? b : a));
    const limit = limits.get(peak.node);
    if (peak.omem < thresholdOf(limit)) continue;
    o.cause = `cut off by client-output-buffer-limit pubsub (omem reached ${formatBytes(peak.omem)}` +
      `${limit ? `; limit ${describeLimit(limit)}` : ''}); the client saw: ${o.cause}`;
    const c = bySubscriber.get(o.id) ?? { subscriberId: o.id, cutoffs: 0, peakOmemBytes: 0, lostMessages: 0, ...(limit ? { limit } : {}) };
    c.cutoffs++;
    c.peakOmemBytes = Math.max(c.peakOmemBytes, peak.omem);
    c.lostMessages += o.lostMessages;
    bySubscriber.set(o.id, c);
  }
  const consumers = [...bySubscriber.values()].sort((a, b) => a.subscriberId - b.subscriberId);
  const warnings = consumers.map((c) =>
    `Slow consumer: subscriber ${c.subscriberId} fell behind and was cut off by client-output-buffer-limit pubsub ` +
    `${c.cutoffs} time(s) (omem reached ${formatBytes(c.peakOmemBytes)}${c.limit ? `; limit ${describeLimit(c.limit)}` : ''}); ` +
    `${c.lostMessages} message(s) missed while it was disconnected.`,
  );
  // Big buffers the samples did show explain a node's peak for the few seconds INFO keeps it.
  const explained = [...seen.values()].flat().filter((x) => x.omem >= thresholdOf(limits.get(x.node)));
  warnings.push(...unnamedCutoffs(outages, samples, originUs, lookbackMs, bySubscriber, limits, explained));
  return { consumers, warnings };
}

/**
 * Subscriber outages the per-connection samples cannot explain (a buffer that filled between two samples), seen
 * while a node's recent peak output buffer (INFO client_recent_max_output_buffer) was past the threshold: said as
 * likely, never written into the outage, since the peak may belong to another client.
 */
function unnamedCutoffs(
  outages: OutageEvent[],
  samples: TelemetrySample[],
  originUs: number,
  lookbackMs: number,
  named: Map<number, SlowConsumer>,
  limits: Map<string, OutputBufferLimit>,
  explained: Array<{ atMs: number; node: string }>,
): string[] {
  const suspects = new Set<number>();
  let peakBytes = 0;
  for (const o of outages) {
    if (o.role !== 'subscriber' || named.has(o.id) || o.cause.startsWith('cut off by')) continue;
    const atMs = (o.atUs - originUs) / 1000;
    for (const s of samples) {
      // The peak stays in INFO for a few seconds after the cut, so samples just after the disconnect count too.
      if (s.atMs < atMs - lookbackMs || s.atMs > atMs + RECENT_PEAK_MS) continue;
      if (s.recentMaxOutputBufferBytes < thresholdOf(limits.get(s.node))) continue;
      if (explained.some((x) => x.node === s.node && x.atMs <= s.atMs && x.atMs >= s.atMs - RECENT_PEAK_MS)) continue;
      suspects.add(o.id);
      peakBytes = Math.max(peakBytes, s.recentMaxOutputBufferBytes);
    }
  }
  if (suspects.size === 0) return [];
  const ids = [...suspects].sort((a, b) => a - b);
  return [
    `Subscriber(s) ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` and ${ids.length - 10} more` : ''} disconnected while the ` +
    `server's recent peak client output buffer was ${formatBytes(peakBytes)}: probably slow consumers cut off by ` +
    'client-output-buffer-limit pubsub (their own buffers grew between two telemetry samples).',
  ];
}
