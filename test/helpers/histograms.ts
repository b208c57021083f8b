/** Test helpers: histograms built from known values, and a seeded random source so tests are reproducible. */
import { createHistogram, encodeHistogram, recordUs, type Histogram } from '../../src/metrics/histogram.js';

/** A histogram holding exactly `valuesUs`. The caller owns it and must `destroy()` it. */
export function histogramOf(valuesUs: readonly number[]): Histogram {
  const h = createHistogram();
  for (const v of valuesUs) recordUs(h, v);
  return h;
}

/** The encoded form of a histogram holding exactly `valuesUs` ('' when empty); no histogram is left behind. */
export function encodedOf(valuesUs: readonly number[]): string {
  const h = histogramOf(valuesUs);
  try {
    return encodeHistogram(h);
  } finally {
    h.destroy();
  }
}

/** Mulberry32: a small seeded generator returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` integer latencies in µs, drawn from a log-uniform distribution between `lowUs` and `highUs`. */
export function latencySample(n: number, lowUs: number, highUs: number, seed: number): number[] {
  const rnd = seededRandom(seed);
  const out: number[] = [];
  const span = Math.log(highUs / lowUs);
  for (let i = 0; i < n; i++) out.push(Math.round(lowUs * Math.exp(rnd() * span)));
  return out;
}
