/**
 * The only place that knows the HdrHistogram settings. Everything else creates, records, encodes and merges through
 * these helpers, so histograms from every worker thread are compatible and can be added bucket by bucket.
 *
 * Ownership: whoever calls {@link createHistogram} or {@link decodeHistogram} owns the returned histogram and must call
 * `destroy()` on it when done (a WebAssembly histogram lives in WASM memory that the garbage collector does not see;
 * a plain JS histogram ignores `destroy()`, so calling it is always right). {@link mergeEncodedInto} and
 * {@link encodeHistogram} never keep or hand out temporaries: they destroy what they decode.
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { LatencySummaryUs } from '../core/result.js';

export type { Histogram } from 'hdr-histogram-js';

/** Settings of every latency histogram in the harness. Values are microseconds. */
export const HISTOGRAM_SETTINGS = {
  /** Smallest distinguishable value: 1 µs. */
  lowestDiscernibleValue: 1,
  /** One hour in µs; larger values are clamped to this when recorded (see {@link recordUs}). */
  highestTrackableValue: 3_600_000_000,
  /** Relative precision 0.1 % across the whole range. */
  numberOfSignificantValueDigits: 3,
  /** Fixed range: memory stays bounded and every histogram has the same layout, which adding relies on. */
  autoResize: false,
  bitBucketSize: 32,
} as const;

/** Which implementation new histograms use. 'js' until {@link initHistogramEngine} has enabled WebAssembly. */
export type HistogramEngine = 'wasm' | 'js';

let engine: HistogramEngine = 'js';
let engineInit: Promise<void> | null = null;
let engineInitError: string | null = null;

/**
 * Prepares the fast WebAssembly implementation for this thread (about 5x faster to record than plain JS).
 * Idempotent: later calls return the first call's promise. Never rejects: when WebAssembly cannot start, the
 * thread keeps using the JS implementation and {@link histogramEngineInfo} says why.
 */
export function initHistogramEngine(): Promise<void> {
  engineInit ??= hdr.initWebAssembly().then(
    () => {
      engine = 'wasm';
    },
    (err: unknown) => {
      engine = 'js';
      engineInitError = err instanceof Error ? err.message : String(err);
    },
  );
  return engineInit;
}

/** The engine new histograms use in this thread, and why WebAssembly is not used when it is not. */
export function histogramEngineInfo(): { engine: HistogramEngine; initError: string | null } {
  return { engine, initError: engineInitError };
}

/** Creates an empty histogram with {@link HISTOGRAM_SETTINGS}. The caller owns it and must `destroy()` it. */
export function createHistogram(): Histogram {
  return hdr.build({ ...HISTOGRAM_SETTINGS, useWebAssembly: engine === 'wasm' });
}

/**
 * Records one value in µs, rounded to a whole µs and clamped to [0, highestTrackableValue], so a clock that
 * jumps (negative or absurd latency, NaN) never throws on the hot path. Negative and NaN values count as 0.
 */
export function recordUs(h: Histogram, valueUs: number): void {
  let v = Math.round(valueUs);
  // `!(v > 0)` is also true for NaN.
  if (!(v > 0)) v = 0;
  else if (v > HISTOGRAM_SETTINGS.highestTrackableValue) v = HISTOGRAM_SETTINGS.highestTrackableValue;
  h.recordValue(v);
}

/** Encodes a histogram as HdrHistogram V2 compressed base64, or '' when it holds no values. */
export function encodeHistogram(h: Histogram): string {
  if (h.totalCount === 0) return '';
  return hdr.encodeIntoCompressedBase64(h);
}

/**
 * Decodes a histogram produced by {@link encodeHistogram} (or any HdrHistogram V2 compressed base64) using this
 * thread's engine. '' decodes to an empty histogram. The caller owns the result and must `destroy()` it.
 */
export function decodeHistogram(encoded: string): Histogram {
  return decodeWith(encoded, engine === 'wasm');
}

function decodeWith(encoded: string, useWasm: boolean): Histogram {
  if (encoded === '') {
    return hdr.build({ ...HISTOGRAM_SETTINGS, useWebAssembly: useWasm });
  }
  const h = hdr.decodeFromCompressedBase64(encoded, HISTOGRAM_SETTINGS.bitBucketSize, useWasm);
  h.autoResize = false;
  return h;
}

/**
 * Adds the values of an encoded histogram into `target` ('' adds nothing). The temporary decoded histogram is
 * destroyed here. The decode uses the target's own implementation, because WASM and JS histograms cannot be added
 * to each other.
 */
export function mergeEncodedInto(target: Histogram, encoded: string): void {
  if (encoded === '') return;
  const temp = decodeWith(encoded, target instanceof hdr.WasmHistogram);
  try {
    target.add(temp);
  } finally {
    temp.destroy();
  }
}

/** Summarises a histogram in µs; every field is 0 when it holds no values. */
export function summarizeHistogram(h: Histogram): LatencySummaryUs {
  const count = h.totalCount;
  if (count === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, min: 0, mean: 0, count: 0 };
  return {
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    // Percentile 100 (the top of the highest bucket), not maxValue: a freshly recorded histogram keeps the exact
    // max but a decoded or merged one does not, and the same data must summarise the same either way.
    max: h.getValueAtPercentile(100),
    // Percentile 0 is the lowest recorded value, 0 included (minNonZeroValue would skip recorded zeros).
    min: h.getValueAtPercentile(0),
    mean: h.mean,
    count,
  };
}

/**
 * The summary and the encoding of several encoded histograms added together ('' and null when there is nothing):
 * a single encoding is handed back as it is; several are merged in a temporary histogram that is freed at once,
 * so no decoded (WASM) histogram outlives the call.
 */
export function mergeEncoded(encoded: string[]): { summary: LatencySummaryUs | null; encoded: string } {
  if (encoded.length === 0) return { summary: null, encoded: '' };
  const h = createHistogram();
  try {
    for (const e of encoded) mergeEncodedInto(h, e);
    if (h.totalCount === 0) return { summary: null, encoded: '' };
    return { summary: summarizeHistogram(h), encoded: encoded.length === 1 ? encoded[0] : encodeHistogram(h) };
  } finally {
    h.destroy();
  }
}
