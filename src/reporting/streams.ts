/**
 * The streams transport in words, shared by the terminal summary and the report: what the run's streams held on the
 * server after the drain (result.streams), read just before they were deleted.
 */
import type { RunResult, StreamsReport } from '../core/index.js';
import { formatBytes, formatCount } from './format.js';
import { heading, renderTable, type Styler } from './table.js';

/** The headline figures: label, value, detail. */
export function streamsFigures(s: StreamsReport): Array<[string, string, string]> {
  return [
    ['stream memory', formatBytes(s.memoryBytes), `MEMORY USAGE over ${formatCount(s.keys)} stream(s) after the drain`],
    ['entries kept', formatCount(s.entries), `XADD MAXLEN ~ ${formatCount(s.maxLen)} per stream`],
    ['bytes per entry', s.entries > 0 ? formatBytes(s.memoryBytes / s.entries) : '–', 'envelope, padding, id and stream overhead'],
    ['consumer groups', formatCount(s.groups), `${formatCount(s.pendingEntries)} entries delivered and not acknowledged`],
    ['deleted', `${formatCount(s.removedKeys)} stream(s)`, "this run's keys only, after the run"],
  ];
}

/** The terminal section (nothing for a pub/sub run). */
export function streamsLines(result: RunResult, st: Styler): string[] {
  const s = result.streams;
  if (!s) return [];
  return ['', heading('Streams (after the drain)', st), renderTable(streamsFigures(s).map(([a, b, c]) => [`  ${a}`, b, c]), ['left', 'right', 'left'])];
}
