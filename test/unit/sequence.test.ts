import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SeqOutcome, SequenceTracker } from '../../src/metrics/sequence.js';

const { InOrder, Duplicate, Reordered, Gap } = SeqOutcome;

/** Feeds `seqs` to stream `key` and returns the outcomes. */
function feed(t: SequenceTracker, key: number, seqs: number[]): SeqOutcome[] {
  return seqs.map((s) => t.observe(key, s));
}

describe('SequenceTracker', { timeout: 10_000 }, () => {
  test('a clean sequence from 0 is in order', () => {
    const t = new SequenceTracker();
    assert.deepEqual(feed(t, 7, [0, 1, 2, 3]), [InOrder, InOrder, InOrder, InOrder]);
    assert.equal(t.lastExpected, 3);
    assert.deepEqual(t.takeCounts(), { inOrder: 4, duplicates: 0, reordered: 0, gaps: 0, gapMessages: 0 });
    assert.equal(t.stillMissing(), 0);
  });

  test('the first message of a stream must be 0: a later start is a gap', () => {
    const t = new SequenceTracker();
    assert.equal(t.observe(1, 3), Gap);
    assert.equal(t.lastExpected, 0);
    assert.deepEqual(t.takeCounts(), { inOrder: 0, duplicates: 0, reordered: 0, gaps: 1, gapMessages: 3 });
    assert.equal(t.stillMissing(), 3);
  });

  test('each outcome kind, with the expected number kept for examples', () => {
    const t = new SequenceTracker();
    assert.deepEqual(feed(t, 0, [0, 1]), [InOrder, InOrder]);
    assert.equal(t.observe(0, 1), Duplicate);
    assert.equal(t.lastExpected, 2);
    assert.equal(t.observe(0, 5), Gap); // skips 2, 3, 4
    assert.equal(t.lastExpected, 2);
    assert.equal(t.observe(0, 3), Reordered);
    assert.equal(t.lastExpected, 6);
    assert.equal(t.observe(0, 6), InOrder);
    assert.deepEqual(t.takeCounts(), { inOrder: 3, duplicates: 1, reordered: 1, gaps: 1, gapMessages: 3 });
    assert.equal(t.stillMissing(), 2);
  });

  test('a gap later filled: every skipped message arrives, none is missing any more', () => {
    const t = new SequenceTracker();
    assert.deepEqual(feed(t, 2, [0, 4, 1, 3, 2, 5]), [InOrder, Gap, Reordered, Reordered, Reordered, InOrder]);
    // gapMessages keeps the count skipped when the gap was seen; stillMissing tracks what never came.
    assert.deepEqual(t.takeCounts(), { inOrder: 2, duplicates: 0, reordered: 3, gaps: 1, gapMessages: 3 });
    assert.equal(t.stillMissing(), 0);
  });

  test('duplicates of in-order and of reordered messages', () => {
    const t = new SequenceTracker();
    assert.deepEqual(feed(t, 0, [0, 0, 2, 1, 1, 2, 0]), [InOrder, Duplicate, Gap, Reordered, Duplicate, Duplicate, Duplicate]);
    assert.deepEqual(t.takeCounts(), { inOrder: 1, duplicates: 4, reordered: 1, gaps: 1, gapMessages: 1 });
    assert.equal(t.stillMissing(), 0);
  });

  test('mixed sequence with several gaps, and takeCounts returns deltas', () => {
    const t = new SequenceTracker();
    feed(t, 9, [0, 1, 2]);
    assert.equal(t.takeCounts().inOrder, 3);
    const outcomes = feed(t, 9, [5, 3, 6, 10, 6, 8, 11]);
    assert.deepEqual(outcomes, [Gap, Reordered, InOrder, Gap, Duplicate, Reordered, InOrder]);
    // Skipped: 3, 4 then 7, 8, 9; arrived late: 3, 8.
    assert.deepEqual(t.takeCounts(), { inOrder: 2, duplicates: 1, reordered: 2, gaps: 2, gapMessages: 5 });
    assert.deepEqual(t.takeCounts(), { inOrder: 0, duplicates: 0, reordered: 0, gaps: 0, gapMessages: 0 });
    assert.equal(t.stillMissing(), 3);
  });

  test('many streams are independent', () => {
    const t = new SequenceTracker();
    const publishers = 50;
    const channels = 40;
    for (let round = 0; round < 3; round++) {
      for (let p = 0; p < publishers; p++) {
        for (let c = 0; c < channels; c++) assert.equal(t.observe(p * channels + c, round), InOrder);
      }
    }
    assert.equal(t.streamCount(), publishers * channels);
    // One stream skips ahead; its neighbours are unaffected.
    assert.equal(t.observe(3 * channels + 5, 7), Gap);
    assert.equal(t.observe(3 * channels + 6, 3), InOrder);
    assert.equal(t.observe(3 * channels + 5, 3), Reordered);
    assert.equal(t.observe(3 * channels + 4, 2), Duplicate);
    assert.deepEqual(t.takeCounts(), { inOrder: 3 * publishers * channels + 1, duplicates: 1, reordered: 1, gaps: 1, gapMessages: 4 });
    assert.equal(t.stillMissing(), 3);
  });

  test('the cap forgets the oldest skipped numbers first', () => {
    const t = new SequenceTracker(4);
    assert.equal(t.observe(0, 3), Gap); // skips 0, 1, 2
    assert.equal(t.observe(1, 2), Gap); // skips 0, 1 on stream 1: stream 0's seq 0 is forgotten
    assert.equal(t.forgottenMissing(), 1);
    assert.equal(t.stillMissing(), 5);
    assert.equal(t.observe(0, 0), Duplicate); // forgotten: cannot be told from a duplicate
    assert.equal(t.observe(0, 1), Reordered);
    assert.equal(t.observe(1, 0), Reordered);
    assert.equal(t.stillMissing(), 3);
    // Filled entries still occupy the ring until they reach its head; a new gap pushes out the oldest entries.
    assert.equal(t.observe(2, 3), Gap); // skips 0, 1, 2 on stream 2
    assert.equal(t.forgottenMissing(), 2); // stream 0's seq 2 forgotten (seq 1 was already filled)
    assert.equal(t.observe(0, 2), Duplicate);
    assert.equal(t.observe(1, 1), Reordered);
    assert.equal(t.stillMissing(), 5);
  });

  test('a gap wider than the cap remembers only its last numbers', () => {
    const t = new SequenceTracker(10);
    assert.equal(t.observe(0, 1_000_000), Gap);
    assert.equal(t.forgottenMissing(), 1_000_000 - 10);
    assert.equal(t.stillMissing(), 1_000_000);
    assert.equal(t.observe(0, 999_990), Reordered);
    assert.equal(t.observe(0, 999_989), Duplicate);
    assert.deepEqual(t.takeCounts(), { inOrder: 0, duplicates: 1, reordered: 1, gaps: 1, gapMessages: 1_000_000 });
    assert.equal(t.stillMissing(), 999_999);
  });

  test('rejects a cap that is not a positive integer', () => {
    assert.throws(() => new SequenceTracker(0), RangeError);
    assert.throws(() => new SequenceTracker(2.5), RangeError);
  });
});

test('the memory of missing messages grows with gaps and keeps the newest up to the cap', () => {
  // Cap 200: 10 gaps of 30 skipped messages each (300 in all) pass through several ring growths (64, 128, 200).
  const t = new SequenceTracker(200);
  for (let stream = 0; stream < 10; stream++) {
    assert.equal(t.observe(stream, 0), SeqOutcome.InOrder);
    assert.equal(t.observe(stream, 31), SeqOutcome.Gap); // skips 1..30
  }
  assert.equal(t.stillMissing(), 300);
  assert.equal(t.forgottenMissing(), 100, 'the oldest 100 beyond the cap are forgotten');
  // Streams 0..2 and the first 10 of stream 3 were skipped first, so they are the forgotten ones.
  assert.equal(t.observe(0, 5), SeqOutcome.Duplicate, 'a forgotten message cannot be told from a duplicate');
  assert.equal(t.observe(3, 10), SeqOutcome.Duplicate);
  assert.equal(t.observe(3, 11), SeqOutcome.Reordered, 'the newest skipped ones are still known');
  assert.equal(t.observe(9, 30), SeqOutcome.Reordered);
  assert.equal(t.stillMissing(), 298);
});
