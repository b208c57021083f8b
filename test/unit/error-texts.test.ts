/** Error replies counted by text: the first distinct texts kept, later ones under one entry, MOVED folded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorTextTally, MAX_ERROR_TEXTS, OTHER_ERROR_TEXTS, describeErrorTexts, withRecoveryError } from '../../src/metrics/error-texts.js';

test('counts by text, most frequent first, and folds MOVED slots into one text', () => {
  const t = new ErrorTextTally();
  t.add('NOPERM this user has no permissions to run the \'publish\' command', 3);
  t.add('MOVED 12 127.0.0.1:7001');
  t.add('MOVED 13 127.0.0.1:7002');
  t.add('connection lost: the server closed the connection');
  assert.deepEqual(t.list()?.map((e) => e.count), [3, 2, 1]);
  assert.match(describeErrorTexts(t.list()), /^3 × NOPERM .*; 2 × MOVED \(the slot moved to another node\); 1 × connection lost/);
  assert.equal(t.take()?.length, 3);
  assert.equal(t.take(), undefined, 'take starts over');
});

test('past the first texts, the rest count under one entry, and merging tallies keeps the sum', () => {
  const t = new ErrorTextTally();
  for (let i = 0; i < MAX_ERROR_TEXTS + 5; i++) t.add(`ERR number ${i}`);
  const list = t.list() ?? [];
  assert.equal(list.length, MAX_ERROR_TEXTS + 1);
  assert.deepEqual(list[list.length - 1], { text: OTHER_ERROR_TEXTS, count: 5 });
  const merged = new ErrorTextTally();
  merged.addAll(list);
  merged.addAll(list);
  assert.equal((merged.list() ?? []).reduce((n, e) => n + e.count, 0), 2 * (MAX_ERROR_TEXTS + 5));
});

test('an outage cause keeps its first reason and only the latest recovery error', () => {
  const once = withRecoveryError('the server closed the connection', 'resubscribing failed: NOPERM a');
  assert.equal(withRecoveryError(once, 'resubscribing failed: NOPERM b'), 'the server closed the connection; could not recover: resubscribing failed: NOPERM b');
});
