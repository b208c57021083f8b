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
/**
 * Added to every reading (µs). 0 in a plain run. In a segment of a distributed run it is the measured offset to the
 * server's TIME (plus the test hook's skew), set once per thread before the schedule starts, so every thread of every
 * segment reads one common time base: intended send times and latencies then compare across hosts.
 */
let shiftUs = 0;
/** The test hook's deliberate error of this process's own clock (µs); part of `shiftUs` as well. */
let skewUs = 0;

/** Current time in epoch microseconds (fractional), shifted to the run's common time base in a segment. */
export function nowUs(): number {
  return (originMs + performance.now()) * 1000 + shiftUs;
}

/** The local clock as the offset measurement sees it: unshifted, but with the test hook's skew. */
export function localNowUs(): number {
  return (originMs + performance.now()) * 1000 + skewUs;
}

/**
 * Sets this thread's clock: `skew` (test hook only, else 0) distorts the local clock, `offset` (server − local,
 * measured on the skewed clock) corrects it. Call before the schedule starts, never during it.
 */
export function setClockShift(offsetUsValue: number, skewUsValue = 0): void {
  skewUs = skewUsValue;
  shiftUs = offsetUsValue + skewUsValue;
}
