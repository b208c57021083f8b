/**
 * The pure judgements of the segment rendezvous: the clock offset from TIME round trips, which segments disagree on
 * the plan or are missing from the barrier, and whether the run is globally drained or a segment went silent.
 * segment-session.ts does the I/O; these take what it read.
 */

/** One clock reading: server − local (µs), known to ± uncertainty, taken at local time `atLocalUs`. */
export interface ClockReading {
  offsetUs: number;
  uncertaintyUs: number;
  atLocalUs: number;
}

/**
 * The offset to the server's clock from `samples` round trips of TIME (NTP's rule of thumb): the round trip with the
 * smallest delay bounds the error best, the server read its clock somewhere inside it, so taking the midpoint is
 * wrong by at most half that round trip.
 */
export async function measureClock(localNowUs: () => number, serverTimeUs: () => Promise<number>, samples: number): Promise<ClockReading> {
  let best: ClockReading = { offsetUs: 0, uncertaintyUs: Infinity, atLocalUs: 0 };
  for (let i = 0; i < samples; i++) {
    const t0 = localNowUs();
    const server = await serverTimeUs();
    const t1 = localNowUs();
    const half = (t1 - t0) / 2;
    // TIME truncates to whole µs: the server's reading lies in [server, server + 1).
    if (half < best.uncertaintyUs) best = { offsetUs: server + 0.5 - (t0 + half), uncertaintyUs: half, atLocalUs: t0 + half };
  }
  return best;
}

/** Change of the offset per second of local time between two readings (µs/s), null if they are too close. */
export function driftUsPerS(start: ClockReading, end: ClockReading): number | null {
  const seconds = (end.atLocalUs - start.atLocalUs) / 1e6;
  return seconds >= 1 ? (end.offsetUs - start.offsetUs) / seconds : null;
}

/** Segments whose plan digest differs from `mine` (from the digests hash: index → digest). */
export function digestMismatches(digests: Record<string, string>, mine: string): number[] {
  return Object.entries(digests).filter(([, d]) => d !== mine).map(([i]) => Number(i)).sort((a, b) => a - b);
}

/** Indexes 0 … count−1 missing from a hash keyed by segment index. */
export function missingSegments(present: Record<string, string>, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (!(String(i) in present)) out.push(i);
  return out;
}

/** What each segment publishes about itself while the run goes, under segmentKeys.progress. */
export interface SegmentProgress {
  /** Every publisher of the segment has sent its last message. */
  publishingDone: boolean;
  /** Measured deliveries its publishers' messages must reach (global receivers), and unique ones its subscribers got. */
  expected: number;
  delivered: number;
  /** When this was written (common time base, epoch µs): a segment that stops writing is gone. */
  atUs: number;
  /** The segment has finished its drain and stops writing (it is not gone, it is done). */
  done: boolean;
}

/** The whole run as the progress hash shows it. */
export interface GlobalProgress {
  /** Every segment reported publishing done, and Σ delivered ≥ Σ expected. */
  drained: boolean;
  /** Segments that stopped writing for longer than the stale limit (or never wrote after the start), not done. */
  silent: number[];
}

/** Reads the progress hash: drained or not, and which segments went silent. Unparsable entries count as silent. */
export function judgeProgress(hash: Record<string, string>, count: number, nowUs: number, startUs: number, staleUs: number): GlobalProgress {
  let expected = 0;
  let delivered = 0;
  let allDone = true;
  const silent: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = parseProgress(hash[String(i)]);
    if (!p) {
      allDone = false;
      if (nowUs - startUs > staleUs) silent.push(i);
      continue;
    }
    expected += p.expected;
    delivered += p.delivered;
    if (!p.publishingDone) allDone = false;
    if (!p.done && nowUs - p.atUs > staleUs) silent.push(i);
  }
  return { drained: allDone && delivered >= expected, silent };
}

function parseProgress(text: string | undefined): SegmentProgress | null {
  if (text === undefined) return null;
  try {
    const p = JSON.parse(text) as Partial<SegmentProgress>;
    if (typeof p.expected !== 'number' || typeof p.delivered !== 'number' || typeof p.atUs !== 'number') return null;
    return { publishingDone: p.publishingDone === true, expected: p.expected, delivered: p.delivered, atUs: p.atUs, done: p.done === true };
  } catch {
    return null;
  }
}
