import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBytes, parseRate } from '../../src/scenarios/human-numbers.js';
import { applyOverrides } from '../../src/scenarios/overrides.js';

test('rates: k, M (either case), /s; anything else is left to the caller', () => {
  const cases: Array<[string, number | undefined]> = [
    ['5k', 5000], ['5K', 5000], ['1.5M', 1_500_000], ['1.5m', 1_500_000], ['2.5k/s', 2500], ['2k msg/s', 2000],
    ['250/s', 250], ['.5k', 500], ['1.1k', 1100], ['1g', 1e9], [' 20k ', 20_000],
    ['max', undefined], ['5kb', undefined], ['k', undefined], ['-5k', undefined], ['5 thousand', undefined], ['', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseRate(text), want, text);
});

test('sizes: B, KiB/MiB/GiB are powers of 1024, kB/MB/GB (any case) powers of 1000', () => {
  const cases: Array<[string, number | undefined]> = [
    ['64B', 64], ['64b', 64], ['1KiB', 1024], ['1kib', 1024], ['1Ki', 1024], ['1.5MiB', 1.5 * 1024 * 1024], ['1GiB', 1024 ** 3],
    ['4mb', 4_000_000], ['4MB', 4_000_000], ['2kB', 2000], ['2k', 2000], ['1 KiB', 1024],
    ['64', undefined], ['1KiBs', undefined], ['1TB', undefined], ['big', undefined], ['', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseBytes(text), want, text);
});

test('--rate and --message-size take human numbers; other count flags do not', () => {
  const o = applyOverrides({}, { rate: '5k', messageSize: '1KiB', publishers: '2k' });
  const p = (o.input as { publishers: Record<string, unknown> }).publishers;
  assert.equal(p.rate, 5000);
  assert.equal(p.messageBytes, 1024);
  assert.equal(p.count, undefined);
  assert.match(o.problems.map((x) => x.field).join(' '), /--publishers/);
});

test('--rate max and a misspelt max still behave as before', () => {
  assert.equal((applyOverrides({}, { rate: 'MAX' }).input as { publishers: { rate: unknown } }).publishers.rate, 'max');
  const bad = applyOverrides({}, { rate: 'maxx' });
  assert.match(bad.problems[0]?.hint ?? '', /did you mean 'max'/);
});
