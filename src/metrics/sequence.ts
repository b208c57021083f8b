/**
 * Ordering checks of message sequences. A stream is one (subscription, publisher, channel): the caller keeps one
 * {@link SequenceTracker} per subscription of a connection and passes a numeric stream key
 * (publisherId * channelCount + channelIndex). Sequence numbers start at 0 per (publisher, channel) and rise by 1,
 * so a stream's first message is expected to be 0 (subscriptions are confirmed before publishing starts).
 */

/** What one observed message was, relative to its stream. */
export const SeqOutcome = {
  /** The expected next sequence number. */
  InOrder: 0,
  /** Seen before (or older than the stream's position and not known to be missing). */
  Duplicate: 1,
  /** A previously skipped (missing) message that arrived late: a delivery, out of order. */
  Reordered: 2,
  /** Ahead of the expected number: the messages in between are skipped (missing until they arrive). */
  Gap: 3,
} as const;
/** One of the {@link SeqOutcome} values (a small number, so nothing is allocated per message). */
export type SeqOutcome = (typeof SeqOutcome)[keyof typeof SeqOutcome];

/** Ordering counts over some span (see {@link SequenceTracker.takeCounts}). */
export interface OrderingCounts {
  inOrder: number;
  duplicates: number;
  reordered: number;
  /** Gap events. */
  gaps: number;
  /** Messages skipped by gap events, counted when the gap is seen (a later reordered arrival does not subtract). */
  gapMessages: number;
}

/** Default bound on the skipped sequence numbers one tracker remembers. */
export const DEFAULT_MISSING_CAP = 65_536;

/**
 * Tracks the sequences of many streams. The in-order path does two Map operations on small integers and allocates
 * nothing; a gap allocates only for the first gap of a stream (its missing set).
 *
 * Counting: the counters are deltas since the last {@link takeCounts} (the worker sends deltas each interval);
 * {@link stillMissing} and {@link forgottenMissing} are cumulative over the tracker's life.
 *
 * Memory bound: a skipped sequence number is remembered as missing until `missingCap` more numbers have been
 * skipped after it on any stream of this tracker; then it is forgotten (oldest first, counted in
 * {@link forgottenMissing}). A forgotten message that still arrives later cannot be told from a duplicate and is
 * reported as {@link SeqOutcome.Duplicate}; it stays counted in {@link stillMissing}. Sequence numbers are assumed
 * not to wrap (u32 per publisher and channel: over four billion messages).
 */
export class SequenceTracker {
  /**
   * The expected sequence number after the last {@link observe} (the number the stream wanted before this message
   * was seen), for violation examples. Overwritten by every call.
   */
  lastExpected = 0;

  private inOrder = 0;
  private duplicates = 0;
  private reordered = 0;
  private gaps = 0;
  private gapMessages = 0;

  /** Next expected sequence number per stream key. Absent means 0. */
  private readonly next = new Map<number, number>();
  /** Missing (skipped, not yet arrived, not forgotten) sequence numbers per stream key. */
  private readonly missing = new Map<number, Set<number>>();
  private missingCount = 0;
  private forgotten = 0;

  /**
   * Ring of the most recent skipped (stream key, seq) pairs, oldest at `ringHead`. Entries whose message has
   * arrived since are stale and simply dropped when they reach the head.
   */
  private ringKeys = new Float64Array(0);
  private ringSeqs = new Float64Array(0);
  private ringHead = 0;
  private ringSize = 0;

  /** @param missingCap how many skipped sequence numbers to remember at most (≥ 1). */
  constructor(readonly missingCap: number = DEFAULT_MISSING_CAP) {
    if (!Number.isInteger(missingCap) || missingCap < 1) throw new RangeError('missingCap must be an integer ≥ 1');
  }

  /** Classifies one message of stream `key` with sequence number `seq` and updates the counts. */
  observe(key: number, seq: number): SeqOutcome {
    const expected = this.next.get(key) ?? 0;
    this.lastExpected = expected;
    if (seq === expected) {
      this.next.set(key, seq + 1);
      this.inOrder++;
      return SeqOutcome.InOrder;
    }
    if (seq > expected) {
      this.next.set(key, seq + 1);
      this.gaps++;
      this.gapMessages += seq - expected;
      this.remember(key, expected, seq);
      return SeqOutcome.Gap;
    }
    const set = this.missing.get(key);
    if (set !== undefined && set.delete(seq)) {
      this.missingCount--;
      this.reordered++;
      return SeqOutcome.Reordered;
    }
    this.duplicates++;
    return SeqOutcome.Duplicate;
  }

  /** Returns the counts since the last call (or since construction) and resets them to zero. */
  takeCounts(): OrderingCounts {
    const out: OrderingCounts = {
      inOrder: this.inOrder, duplicates: this.duplicates, reordered: this.reordered, gaps: this.gaps,
      gapMessages: this.gapMessages,
    };
    this.inOrder = this.duplicates = this.reordered = this.gaps = this.gapMessages = 0;
    return out;
  }

  /**
   * Messages skipped by gaps that have not arrived since, over the tracker's life. Forgotten ones (beyond the cap)
   * are included, because their late arrival, if any, could not be recognised.
   */
  stillMissing(): number {
    return this.missingCount + this.forgotten;
  }

  /** Skipped sequence numbers dropped from memory because of the cap, over the tracker's life. */
  forgottenMissing(): number {
    return this.forgotten;
  }

  /** The sequence number stream `key` expects next (0 for a stream not seen yet). */
  nextOf(key: number): number {
    return this.next.get(key) ?? 0;
  }

  /**
   * Moves stream `key` on to expect `seq` without counting the numbers skipped as a gap: they were published while
   * the subscriber was not subscribed (a churn window closed; see src/metrics/windows.ts).
   */
  skipTo(key: number, seq: number): void {
    if (seq > (this.next.get(key) ?? 0)) this.next.set(key, seq);
  }

  /** Number of streams seen so far. */
  streamCount(): number {
    return this.next.size;
  }

  /** Remembers the skipped numbers [from, to) of stream `key`, forgetting the oldest beyond the cap. */
  private remember(key: number, from: number, to: number): void {
    const cap = this.missingCap;
    // A gap wider than the cap would evict all of itself but its last `cap` numbers: skip that work.
    if (to - from > cap) {
      this.forgotten += to - from - cap;
      from = to - cap;
    }
    let set = this.missing.get(key);
    if (set === undefined) {
      set = new Set<number>();
      this.missing.set(key, set);
    }
    for (let seq = from; seq < to; seq++) {
      if (this.ringSize === this.ringKeys.length) {
        if (this.ringKeys.length < cap) this.growRing();
        else this.evictOldest();
      }
      const tail = (this.ringHead + this.ringSize) % this.ringKeys.length;
      this.ringKeys[tail] = key;
      this.ringSeqs[tail] = seq;
      this.ringSize++;
      set.add(seq);
      this.missingCount++;
    }
  }

  /**
   * Doubles the ring (up to the cap), oldest entry first. The ring starts empty and grows only with gaps: a
   * subscriber connection whose streams never skip costs no memory here, however many connections a run has.
   */
  private growRing(): void {
    const size = Math.min(this.missingCap, Math.max(64, this.ringKeys.length * 2));
    const keys = new Float64Array(size);
    const seqs = new Float64Array(size);
    for (let i = 0; i < this.ringSize; i++) {
      const from = (this.ringHead + i) % this.ringKeys.length;
      keys[i] = this.ringKeys[from];
      seqs[i] = this.ringSeqs[from];
    }
    this.ringKeys = keys;
    this.ringSeqs = seqs;
    this.ringHead = 0;
  }

  private evictOldest(): void {
    const head = this.ringHead;
    const set = this.missing.get(this.ringKeys[head]);
    if (set !== undefined && set.delete(this.ringSeqs[head])) {
      this.missingCount--;
      this.forgotten++;
    }
    this.ringHead = (head + 1) % this.ringKeys.length;
    this.ringSize--;
  }
}
