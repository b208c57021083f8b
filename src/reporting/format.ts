/**
 * Number formatting shared by the terminal tables, the comparison and the HTML report, so a figure reads the same
 * everywhere (a latency of 1234 µs is "1.23 ms" in every output).
 */

/** Placeholder for a value that does not exist (no samples, no target rate). */
export const NONE = '–';

/**
 * Formats a latency given in microseconds with a sensible unit: µs below 1 ms, ms below 1 s, s above.
 * Three significant digits, because HdrHistogram keeps three and more would pretend precision.
 */
export function formatLatencyUs(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return NONE;
  const abs = Math.abs(us);
  if (abs < 1000) return `${trimNumber(us, abs < 10 ? 2 : abs < 100 ? 1 : 0)} µs`;
  if (abs < 1_000_000) return `${significant(us / 1000)} ms`;
  return `${significant(us / 1_000_000)} s`;
}

/** Formats a duration given in milliseconds: "850 ms", "12.5 s", "2 min 5 s", "1 h 02 min". */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return NONE;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${significant(s)} s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)} min ${totalS % 60} s`;
  const min = Math.floor(totalS / 60) % 60;
  return `${Math.floor(totalS / 3600)} h ${String(min).padStart(2, '0')} min`;
}

/** Formats a rate in messages per second: "950/s", "12.3k/s", "1.25M/s". */
export function formatRate(perS: number | null | undefined): string {
  if (perS === null || perS === undefined || !Number.isFinite(perS)) return NONE;
  return `${formatCompact(perS)}/s`;
}

/** Formats a large number compactly with k/M/G suffixes (three significant digits). */
export function formatCompact(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return trimNumber(n, abs < 10 && !Number.isInteger(n) ? 2 : abs < 100 && !Number.isInteger(n) ? 1 : 0);
  if (abs < 1e6) return `${significant(n / 1e3)}k`;
  if (abs < 1e9) return `${significant(n / 1e6)}M`;
  return `${significant(n / 1e9)}G`;
}

/** Formats an exact count with thousands separators ("1,234,567"): counts of messages are never rounded. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return NONE;
  return Math.round(n).toLocaleString('en-US');
}

/**
 * Formats `part` as a percentage of `whole`. Tiny non-zero shares keep enough digits to show they are not zero
 * (one lost message in ten million is "0.00001%", never "0%").
 */
export function formatPercent(part: number, whole: number): string {
  if (!(whole > 0)) return NONE;
  const pct = (part / whole) * 100;
  if (pct === 0) return '0%';
  if (Math.abs(pct) >= 1) return `${trimNumber(pct, 2)}%`;
  return `${Number(pct.toPrecision(2))}%`;
}

/** Formats a 0..1 share as a percentage with no decimals ("87%"). */
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return NONE;
  return `${Math.round(share * 100)}%`;
}

/** Rounds to three significant digits and drops trailing zeros. */
function significant(n: number): string {
  return String(Number(n.toPrecision(3)));
}

/** Fixed decimals with trailing zeros removed. */
function trimNumber(n: number, decimals: number): string {
  return String(Number(n.toFixed(decimals)));
}

/**
 * Formats a byte count with binary units, as Redis reports buffers and limits: "512 B", "48 KB", "1.5 MB", "32 MB"
 * (three significant digits).
 */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return NONE;
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : significant(value)} ${units[unit]}`;
}
