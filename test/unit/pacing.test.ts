import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Schedule } from '../../src/workers/pacing.js';

test('open-loop schedule spaces messages evenly from the phase offset', () => {
  const s = new Schedule(1000, 1_000_000, 250, 2_000_000);
  assert.equal(s.open, true);
  assert.equal(s.intervalUs, 1000);
  assert.equal(s.intendedUs(0), 1_000_250);
  assert.equal(s.intendedUs(10), 1_010_250);
});

test('dueCount counts what is due now, capped by the limit and the end of the schedule', () => {
  const s = new Schedule(1000, 0, 0, 100_000);
  assert.equal(s.dueCount(0, -1, 100), 0, 'nothing before the first message');
  assert.equal(s.dueCount(0, 0, 100), 1, 'message 0 is due at its time');
  assert.equal(s.dueCount(0, 5_500, 100), 6, 'messages 0..5');
  assert.equal(s.dueCount(3, 5_500, 100), 3, 'messages 3..5 after 3 were sent');
  assert.equal(s.dueCount(0, 5_500, 4), 4, 'capped at the batch limit');
  assert.equal(s.dueCount(0, 10_000_000, 1_000_000), 100, 'never past the end: 100 ms at 1000/s is 100 messages');
  assert.equal(s.finished(99, 0), false);
  assert.equal(s.finished(100, 0), true);
});

test('publishers with phase offsets interleave into one evenly spaced stream', () => {
  // 4 publishers sharing 4000 msgs/s: each 1000/s, offsets i × 250 µs, as the planner assigns them.
  const all: number[] = [];
  for (let p = 0; p < 4; p++) {
    const s = new Schedule(1000, 0, p * 250, 10_000);
    for (let k = 0; !s.finished(k, 0); k++) all.push(s.intendedUs(k));
  }
  all.sort((a, b) => a - b);
  assert.equal(all.length, 40);
  for (let i = 1; i < all.length; i++) assert.equal(all[i] - all[i - 1], 250);
});

test('closed loop (rate max) has no schedule and ends at the end time', () => {
  const s = new Schedule('max', 0, 0, 1000);
  assert.equal(s.open, false);
  assert.equal(s.finished(1_000_000, 999), false);
  assert.equal(s.finished(0, 1000), true);
});

test('a publisher still behind at the end stops on time and counts what it did not send', () => {
  // 1000/s over [0, 100 ms): messages 0..99. Measure from 20 ms: messages 20..99 are measured.
  const s = new Schedule(1000, 0, 0, 100_000);
  assert.equal(s.finished(99, 100_000), false, 'a timer waking a moment after the end still sends what was due');
  assert.equal(s.finished(50, 105_000), true, 'past the grace the end time stops it even with a backlog');
  assert.equal(s.unsentFrom(50, 20_000), 50, 'messages 50..99 never left');
  assert.equal(s.unsentFrom(10, 20_000), 80, 'only measured ones count: 20..99');
  assert.equal(s.unsentFrom(100, 20_000), 0, 'nothing owed once all were sent');
  assert.equal(new Schedule('max', 0, 0, 100_000).unsentFrom(0, 0), 0, 'a closed loop owes nothing');
});
