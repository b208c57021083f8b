/**
 * `--metrics-out FILE|-`: one JSON line per completed interval, written as the run goes. Each line is handed to the
 * OS with its own write (no buffer in this process), so `tail -f` and a reader of a killed run see every interval
 * that was emitted.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { LiveInterval, LiveSink } from '../../core/live.js';

/** A sink that writes each interval as one line of JSON through `write`. */
export function ndjsonSink(write: (line: string) => void): LiveSink {
  return { interval: (i: LiveInterval) => write(`${JSON.stringify(i)}\n`) };
}

/** An NDJSON file opened for appending: the sink, and `close` once the series is over. */
export interface NdjsonFile {
  sink: LiveSink;
  close(): void;
}

/**
 * Opens `path` for appending (created when missing; a series of runs keeps adding to it) and returns its sink.
 * Throws the open's error (the CLI probed the path before, so this is rare).
 */
export function openNdjsonFile(path: string): NdjsonFile {
  const fd = openSync(path, 'a');
  let open = true;
  return {
    sink: ndjsonSink((line) => {
      if (!open) return;
      // writeSync can write less than asked (a full disk, a signal): loop until the whole line is out.
      const bytes = Buffer.from(line);
      for (let off = 0; off < bytes.length;) {
        const n = writeSync(fd, bytes, off);
        if (n <= 0) throw new Error(`${path}: the write made no progress`);
        off += n;
      }
    }),
    close: () => {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
