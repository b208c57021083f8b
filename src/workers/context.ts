/**
 * State shared by the fleets of one worker thread: counters and histograms of the current snapshot interval,
 * the run's constants, and the measure window. Fleets write into it on the hot path; the reporter drains it.
 */
import type { Histogram } from 'hdr-histogram-js';
import type { Counters, ErrorTextCount, ViolationExample, WorkerTask } from '../core/messages.js';
import { zeroCounters } from '../core/messages.js';
import { createHistogram } from '../metrics/histogram.js';
import { ErrorTextTally } from '../metrics/error-texts.js';
import { OutageLog } from './outages.js';

/** Most violation examples one worker keeps (the coordinator keeps the first ones overall). */
export const MAX_EXAMPLES_PER_WORKER = 20;

/** The measure window, set when the coordinator says start. */
export interface Window {
  startUs: number;
  measureStartUs: number;
  measureEndUs: number;
}

/** Per-worker shared state. */
export class WorkerContext {
  readonly task: WorkerTask;
  readonly channelCount: number;
  readonly publisherCount: number;
  /** Channel names encoded once, index = channel index (the hot path never encodes strings). */
  readonly channelBuffers: Buffer[];
  /** Counters of the current interval (reset by `takeInterval`). */
  counters: Counters = zeroCounters();
  /** Histograms of the current interval; measured messages only. */
  e2e: Histogram = createHistogram();
  e2eUncorrected: Histogram = createHistogram();
  publish: Histogram = createHistogram();
  /** Violation examples not yet sent. */
  examples: ViolationExample[] = [];
  examplesKept = 0;
  window: Window = { startUs: Infinity, measureStartUs: Infinity, measureEndUs: Infinity };
  /** Measured messages published and unique measured deliveries per channel index, over the whole run. */
  readonly publishedPerChannel: Float64Array;
  readonly deliveredPerChannel: Float64Array;
  /** Failed publishes of the current interval by error text (touched by failures only). */
  readonly publishErrorTexts = new ErrorTextTally();
  /** Connection outages of this worker (sent with the final snapshot). */
  readonly outages = new OutageLog();
  /** Set when publishers must stop early (interrupt). */
  stopPublishing = false;
  /** In a segment: its index and the segment count (0 when not a segment: the split below is then unused). */
  readonly segmentIndex: number;
  readonly segmentCount: number;
  /** A segment's whole-run split of measured deliveries (see SegmentDeliveries); index = publisher segment. */
  readonly deliveredFromSegment: Float64Array;
  readonly e2eSame: Histogram | null;
  readonly e2eCross: Histogram | null;
  negativeLatencies = 0;

  constructor(task: WorkerTask) {
    this.task = task;
    this.channelCount = task.channelNames.length;
    this.publisherCount = task.scenario.publishers.count;
    this.channelBuffers = task.channelNames.map((name) => Buffer.from(name));
    this.publishedPerChannel = new Float64Array(this.channelCount);
    this.deliveredPerChannel = new Float64Array(this.channelCount);
    this.segmentIndex = task.segment?.index ?? 0;
    this.segmentCount = task.segment?.count ?? 0;
    this.deliveredFromSegment = new Float64Array(this.segmentCount);
    this.e2eSame = task.segment ? createHistogram() : null;
    this.e2eCross = task.segment ? createHistogram() : null;
  }

  /** Keeps a violation example if this worker has room left for one. */
  addExample(example: ViolationExample): void {
    if (this.examplesKept >= MAX_EXAMPLES_PER_WORKER) return;
    this.examplesKept++;
    this.examples.push(example);
  }

  /** Hands over this interval's data and starts a fresh interval. The caller owns (and destroys) the histograms. */
  takeInterval(): {
    counters: Counters; e2e: Histogram; e2eUncorrected: Histogram; publish: Histogram; examples: ViolationExample[]; publishErrorTexts: ErrorTextCount[] | undefined;
  } {
    const taken = {
      publishErrorTexts: this.publishErrorTexts.take(),
      counters: this.counters,
      e2e: this.e2e,
      e2eUncorrected: this.e2eUncorrected,
      publish: this.publish,
      examples: this.examples,
    };
    this.counters = zeroCounters();
    this.e2e = createHistogram();
    this.e2eUncorrected = createHistogram();
    this.publish = createHistogram();
    this.examples = [];
    return taken;
  }

  /** Frees the current histograms (end of task). */
  destroy(): void {
    this.e2e.destroy();
    this.e2eUncorrected.destroy();
    this.publish.destroy();
    this.e2eSame?.destroy();
    this.e2eCross?.destroy();
  }
}
