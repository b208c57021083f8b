/**
 * The coordinator's memory sample, taken as each worker snapshot arrives (so once per interval per worker): the
 * process RSS covers every thread, the heap only the main thread's isolate (workers report their own).
 */
import { getHeapStatistics } from 'node:v8';
import type { ProcessMemorySample } from '../metrics/memory.js';

/** Reads the process RSS and the main thread's V8 heap now. Cheap: no allocation beyond the small result objects. */
export function sampleProcessMemory(): ProcessMemorySample {
  // memoryUsage.rss() reads only the RSS, not the per-isolate heap figures memoryUsage() would gather too.
  return { rssBytes: process.memoryUsage.rss(), heapUsedBytes: getHeapStatistics().used_heap_size };
}
