/** SubscriptionWindows: the churn window rule on one connection's streams, without Redis. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeqOutcome, SequenceTracker } from '../../src/metrics/sequence.js';
import { SubscriptionWindows } from '../../src/metrics/windows.js';

/** Feeds seqs of stream 7 through the windows then the tracker, as the sink does; returns the outcomes. */
function feed(w: SubscriptionWindows, t: SequenceTracker, seqs: number[], measured = true): SeqOutcome[] {
  return seqs.map((seq) => {
    w.admit(t, 7, 7, seq, measured);
    return t.observe(7, seq);
  });
}

test('numbers published between two windows are excluded, never counted as a gap', () => {
  const w = new SubscriptionWindows();
  const t = new SequenceTracker();
  feed(w, t, [0, 1, 2, 3]);
  w.close();
  assert.deepEqual(feed(w, t, [9, 10, 11]), [SeqOutcome.InOrder, SeqOutcome.InOrder, SeqOutcome.InOrder]);
  assert.equal(w.takeExcluded(), 5, 'seqs 4..8 were published while unsubscribed');
  assert.equal(w.takeExcluded(), 0, 'taken once');
  assert.equal(t.takeCounts().gapMessages, 0);
});

test('a number missing inside a window is a gap whatever churn did before or after', () => {
  const w = new SubscriptionWindows();
  const t = new SequenceTracker();
  feed(w, t, [0, 1]);
  w.close();
  // The new window opens at 5; 7 is missing inside it; then another churn event.
  assert.deepEqual(feed(w, t, [5, 6, 8]), [SeqOutcome.InOrder, SeqOutcome.InOrder, SeqOutcome.Gap]);
  w.close();
  feed(w, t, [12, 13]);
  assert.equal(w.takeExcluded(), 3 + 3, '2..4 and 9..11: only the spans between windows');
  const c = t.takeCounts();
  assert.equal(c.gaps, 1);
  assert.equal(c.gapMessages, 1, 'the one missing inside the window');
  assert.equal(t.stillMissing(), 1);
});

test('the first window needs no opening, and warmup spans are not measured', () => {
  const w = new SubscriptionWindows();
  const t = new SequenceTracker();
  assert.deepEqual(feed(w, t, [0, 2]), [SeqOutcome.InOrder, SeqOutcome.Gap], 'window 0 holds the run from its first message');
  w.close();
  feed(w, t, [6, 7], false);
  assert.equal(w.takeExcluded(), 0, 'a span that ends in the warmup is warmup');
});

test('settled: a churn event waits until every stream seen last delivered a measured message', () => {
  const w = new SubscriptionWindows();
  const t = new SequenceTracker();
  assert.equal(w.settled(), true, 'nothing seen yet');
  w.admit(t, 1, 1, 0, false);
  w.admit(t, 2, 2, 0, true);
  assert.equal(w.settled(), false);
  w.admit(t, 1, 1, 1, true);
  assert.equal(w.settled(), true);
});
