/**
 * What went wrong in finished runs, said on stderr where a user looks first: worker failures (result.json holds them
 * too) and files that could not be written.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_LOG, type RunOutcome } from '../../coordinator/run.js';
import type { WriteFailure } from '../../reporting/write.js';
import type { CliIo } from '../io.js';

/** One stderr line per worker failure, pointing at the stack in errors.log beside result.json when there is one. */
export function reportWorkerErrors(io: CliIo, runs: readonly RunOutcome[]): void {
  for (const { result, runDir } of runs) {
    if (!result.errors || result.errors.length === 0) continue;
    const log = join(runDir, ERROR_LOG);
    for (const e of result.errors) io.stderr(`pubsub-bench: ${e.replace(/ \(stack in errors\.log\)$/, '')}\n`);
    if (existsSync(log)) io.stderr(`  the stack is in ${log}; please report it as a bug of pubsub-bench\n`);
  }
}

/**
 * One stderr line per file that could not be written after a run, saying where result.json (or capacity.json) was
 * saved instead, and how to rebuild the rest from it.
 */
export function reportWriteFailures(io: CliIo, failures: readonly WriteFailure[]): void {
  for (const f of failures) {
    io.stderr(`pubsub-bench: could not write ${f.what} to ${f.path}: ${f.message}\n`);
    if (!f.savedTo) continue;
    io.stderr(`  the measurement is not lost: it was saved to ${f.savedTo}\n`);
    const rebuild = `pubsub-bench report ${f.savedTo} --out <a folder you can write>/${f.what === 'result.json' ? 'report' : 'capacity'}.html`;
    io.stderr(`  hint: free the folder (space, permissions), then rebuild the reports with \`${rebuild}\`\n`);
  }
}
