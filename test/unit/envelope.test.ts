import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEnvelope, encodeEnvelope, ENVELOPE_HEADER_BYTES, FLAG_MEASURED, newDecodedEnvelope,
} from '../../src/load/envelope.js';
import { fillPadding } from '../../src/workers/publisher.js';

test('envelope round trip keeps every field, padding untouched', () => {
  const buf = Buffer.alloc(64, 0xab);
  const intended = 1_795_637_364_186_367.25;
  encodeEnvelope(buf, 0xdeadbeef, 41, 70_000, 4_000_000_000, intended, intended + 1234, FLAG_MEASURED);
  const out = newDecodedEnvelope();
  assert.equal(decodeEnvelope(buf, out), true);
  assert.equal(out.runTag, 0xdeadbeef);
  assert.equal(out.publisherId, 41);
  assert.equal(out.channelIndex, 70_000);
  assert.equal(out.seq, 4_000_000_000);
  assert.equal(out.flags & FLAG_MEASURED, FLAG_MEASURED);
  assert.equal(out.intendedUs, intended);
  assert.equal(out.actualUs, intended + 1234);
  assert.equal(buf[ENVELOPE_HEADER_BYTES], 0xab, 'padding after the header is not written');
});

test('send delay is clamped: an actual time before the intended one reads as on time', () => {
  const buf = Buffer.alloc(ENVELOPE_HEADER_BYTES);
  encodeEnvelope(buf, 1, 0, 0, 0, 5000, 4000, 0);
  const out = newDecodedEnvelope();
  assert.ok(decodeEnvelope(buf, out));
  assert.equal(out.actualUs, 5000);
  assert.equal(out.flags, 0);
});

test('foreign, short and corrupt payloads are rejected without throwing', () => {
  const out = newDecodedEnvelope();
  assert.equal(decodeEnvelope(Buffer.from('hello world, this is not an envelope!!'), out), false);
  assert.equal(decodeEnvelope(Buffer.alloc(0), out), false);
  const good = Buffer.alloc(40);
  encodeEnvelope(good, 7, 1, 2, 3, 10, 11, 0);
  assert.equal(decodeEnvelope(good.subarray(0, ENVELOPE_HEADER_BYTES - 1), out), false, 'truncated');
  const wrongVersion = Buffer.from(good);
  wrongVersion[2] = 99;
  assert.equal(decodeEnvelope(wrongVersion, out), false, 'unknown version');
});

test('payload padding is seeded: the same seed and publisher give the same bytes, others differ', () => {
  const make = (seed: number, publisher: number): Buffer => {
    const b = Buffer.alloc(96);
    fillPadding(b, seed, publisher);
    return b;
  };
  assert.deepEqual(make(42, 3), make(42, 3));
  assert.notDeepEqual(make(42, 3), make(43, 3));
  assert.notDeepEqual(make(42, 3), make(42, 4));
  const padding = make(1, 0).subarray(ENVELOPE_HEADER_BYTES);
  assert.ok(new Set(padding).size > 32, 'the padding is not a constant fill');
  assert.ok(make(1, 0).subarray(0, ENVELOPE_HEADER_BYTES).every((x) => x === 0), 'the header is left to the encoder');
});
