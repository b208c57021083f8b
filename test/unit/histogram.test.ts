import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import {
  HISTOGRAM_SETTINGS, createHistogram, decodeHistogram, encodeHistogram, histogramEngineInfo, initHistogramEngine,
  mergeEncoded, mergeEncodedInto, recordUs, summarizeHistogram,
} from '../../src/metrics/histogram.js';
import { encodedOf, histogramOf, latencySample } from '../helpers/histograms.js';

/** Exact percentile (nearest rank) of a list of values, for comparison with HdrHistogram's 0.1 % precision. */
function exactPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function assertWithinPrecision(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.001 + 1, `${what}: ${actual} vs exact ${expected}`);
}

// Declared first so it runs before the suite's `before` hook enables WebAssembly.
test('before initHistogramEngine the JS implementation is used, and it interoperates through encoding', () => {
  assert.equal(histogramEngineInfo().engine, 'js');
  const js = histogramOf([5, 50, 500]);
  assert.ok(!(js instanceof hdr.WasmHistogram));
  const target = createHistogram();
  mergeEncodedInto(target, encodeHistogram(js));
  assert.deepEqual(summarizeHistogram(target), summarizeHistogram(js));
});

describe('histogram', { timeout: 30_000 }, () => {
  before(async () => {
    await initHistogramEngine();
    await initHistogramEngine(); // idempotent
  });

  test('the engine is WebAssembly after init on Node 20', () => {
    assert.deepEqual(histogramEngineInfo(), { engine: 'wasm', initError: null });
    const h = createHistogram();
    assert.ok(h instanceof hdr.WasmHistogram);
    assert.equal(h.highestTrackableValue, HISTOGRAM_SETTINGS.highestTrackableValue);
    h.destroy();
  });

  test('encode/decode round trip keeps counts and percentiles', () => {
    const values = latencySample(20_000, 50, 2_000_000, 1);
    const h = histogramOf(values);
    const encoded = encodeHistogram(h);
    assert.notEqual(encoded, '');
    const back = decodeHistogram(encoded);
    assert.equal(back.totalCount, 20_000);
    assert.deepEqual(summarizeHistogram(back), summarizeHistogram(h));
    const s = summarizeHistogram(back);
    for (const [p, key] of [[50, 'p50'], [90, 'p90'], [99, 'p99'], [99.9, 'p999']] as const) {
      assertWithinPrecision(s[key], exactPercentile(values, p), key);
    }
    assertWithinPrecision(s.max, Math.max(...values), 'max');
    assertWithinPrecision(s.min, Math.min(...values), 'min');
    h.destroy();
    back.destroy();
  });

  test('merging encoded histograms equals recording every value into one', () => {
    const parts = [latencySample(5000, 100, 5000, 2), latencySample(3000, 1000, 900_000, 3), latencySample(10, 5, 7, 4)];
    const merged = createHistogram();
    for (const part of parts) mergeEncodedInto(merged, encodedOf(part));
    const all = histogramOf(parts.flat());
    assert.equal(merged.totalCount, 8010);
    assert.deepEqual(summarizeHistogram(merged), summarizeHistogram(all));
    merged.destroy();
    all.destroy();
  });

  test('percentiles come from the merged data, never from averaging per-part percentiles', () => {
    const fast = new Array<number>(1000).fill(100);
    const slow = new Array<number>(10).fill(10_000);
    const [fastP99, slowP99] = [fast, slow].map((values) => {
      const h = histogramOf(values);
      const p99 = summarizeHistogram(h).p99;
      h.destroy();
      return p99;
    });
    const merged = createHistogram();
    mergeEncodedInto(merged, encodedOf(fast));
    mergeEncodedInto(merged, encodedOf(slow));
    const s = summarizeHistogram(merged);
    // 10 slow values are 0.99 % of 1010: the merged p99 is still fast, p99.9 is slow.
    assert.equal(s.p99, 100);
    assertWithinPrecision(s.p999, 10_000, 'p999');
    assert.notEqual(s.p99, (fastP99 + slowP99) / 2);
    assert.equal(s.count, 1010);
    merged.destroy();
  });

  test('an empty histogram encodes to "" and summarises to zeros; "" merges as nothing', () => {
    const empty = createHistogram();
    assert.equal(encodeHistogram(empty), '');
    assert.deepEqual(summarizeHistogram(empty), { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, min: 0, mean: 0, count: 0 });
    const decoded = decodeHistogram('');
    assert.equal(decoded.totalCount, 0);
    const target = histogramOf([42]);
    mergeEncodedInto(target, '');
    assert.equal(target.totalCount, 1);
    for (const h of [empty, decoded, target]) h.destroy();
  });

  test('recordUs clamps and rounds so wild clocks never throw', () => {
    const h = createHistogram();
    recordUs(h, 1e12);
    recordUs(h, Number.POSITIVE_INFINITY);
    const s = summarizeHistogram(h);
    assert.equal(s.count, 2);
    assertWithinPrecision(s.max, HISTOGRAM_SETTINGS.highestTrackableValue, 'clamped max');
    recordUs(h, -250);
    recordUs(h, Number.NaN);
    assert.equal(summarizeHistogram(h).min, 0);
    assert.equal(h.totalCount, 4);
    h.destroy();
    const r = histogramOf([2.6, 2.6, 1.4]);
    assert.equal(summarizeHistogram(r).max, 3);
    assert.equal(summarizeHistogram(r).min, 1);
    r.destroy();
  });

  test('mergeEncodedInto destroys its temporary and can merge into a plain JS histogram', () => {
    const proto = hdr.WasmHistogram.prototype;
    const original = proto.destroy;
    let destroyed = 0;
    proto.destroy = function (this: hdr.WasmHistogram) {
      destroyed++;
      original.call(this);
    };
    const target = createHistogram();
    try {
      mergeEncodedInto(target, encodedOf([10, 20, 30]));
    } finally {
      proto.destroy = original;
    }
    // One histogram destroyed by encodedOf, one temporary by mergeEncodedInto; the target is still usable.
    assert.equal(destroyed, 2);
    assert.equal(target.totalCount, 3);
    target.destroy();

    const js = hdr.build({ ...HISTOGRAM_SETTINGS, useWebAssembly: false });
    assert.ok(!(js instanceof hdr.WasmHistogram));
    mergeEncodedInto(js, encodedOf([10, 20, 30]));
    assert.equal(js.totalCount, 3);
    assert.equal(summarizeHistogram(js).max, 30);
  });
});

test('mergeEncoded adds encodings into one summary and frees its temporary histogram', async () => {
  await initHistogramEngine();
  const a = createHistogram();
  const b = createHistogram();
  for (let v = 1; v <= 100; v++) recordUs(a, v);
  for (let v = 101; v <= 200; v++) recordUs(b, v);
  const ea = encodeHistogram(a);
  const eb = encodeHistogram(b);
  a.destroy();
  b.destroy();
  const one = mergeEncoded([ea]);
  assert.equal(one.encoded, ea, 'a single encoding is handed back as it is');
  assert.equal(one.summary?.count, 100);
  const both = mergeEncoded([ea, eb, '']);
  assert.equal(both.summary?.count, 200);
  assert.equal(both.summary?.max, 200);
  assert.ok(Math.abs((both.summary?.p50 ?? 0) - 100) <= 1);
  assert.deepEqual(mergeEncoded([]), { summary: null, encoded: '' });
  assert.deepEqual(mergeEncoded(['']), { summary: null, encoded: '' });
});
