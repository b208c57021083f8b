/**
 * The one clock every thread reads: epoch microseconds as a double.
 *
 * `performance.timeOrigin + performance.now()` is monotonic within a thread (now() is monotonic, timeOrigin is fixed
 * when the thread starts) and agrees across the worker threads of one process to a few microseconds, which is what
 * publisher → subscriber latency inside one process needs. A double holds whole microseconds exactly up to 2^53,
 * far beyond any epoch µs value, and reading it allocates nothing (unlike process.hrtime.bigint()).
 */
import { performance } from 'node:perf_hooks';

const originMs = performance.timeOrigin;

/** Current time in epoch microseconds (fractional). */
export function nowUs(): number {
  return (originMs + performance.now()) * 1000;
}
