/**
 * Harness memory per timeline interval: the process RSS the coordinator samples and the V8 heap of every thread
 * (each worker reports its own isolate's heap; the coordinator adds the main thread's). Pure bookkeeping: the
 * samples are taken by the caller.
 */
import type { TimelineEntry } from '../core/result.js';

/** The harness process's memory at one moment, sampled on the main thread by the coordinator. */
export interface ProcessMemorySample {
  /** Resident set size of the whole process (every thread), bytes. */
  rssBytes: number;
  /** V8 heap used by the main thread's isolate, bytes. */
  heapUsedBytes: number;
}

/** The memory fields of a timeline entry. */
export type MemoryFields = Pick<TimelineEntry, 'rssBytes' | 'heapUsedBytes'>;

/**
 * Memory seen during one timeline bucket. Each source keeps its highest sample, so an interval shows its worst
 * moment: several snapshots can land in one bucket (the drain reports every 100 ms).
 */
export class BucketMemory {
  private rssBytes = -1;
  private mainHeapBytes = -1;
  private readonly workerHeapBytes = new Map<number, number>();

  /** Adds what came with one worker snapshot: the worker's own heap and the coordinator's sample at its arrival. */
  add(workerId: number, workerHeapBytes: number | undefined, main: ProcessMemorySample | undefined): void {
    if (workerHeapBytes !== undefined) {
      this.workerHeapBytes.set(workerId, Math.max(this.workerHeapBytes.get(workerId) ?? 0, workerHeapBytes));
    }
    if (main !== undefined) {
      this.rssBytes = Math.max(this.rssBytes, main.rssBytes);
      this.mainHeapBytes = Math.max(this.mainHeapBytes, main.heapUsedBytes);
    }
  }

  /** `rssBytes` and `heapUsedBytes` (workers + main thread) for the entry; each left out when nothing reported it. */
  fields(): MemoryFields {
    const out: MemoryFields = {};
    if (this.rssBytes >= 0) out.rssBytes = this.rssBytes;
    if (this.workerHeapBytes.size > 0 || this.mainHeapBytes >= 0) {
      let heap = Math.max(0, this.mainHeapBytes);
      for (const bytes of this.workerHeapBytes.values()) heap += bytes;
      out.heapUsedBytes = heap;
    }
    return out;
  }
}
