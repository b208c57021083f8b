/** Worker failures of finished runs, said on stderr where a user looks first (result.json holds them too). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_LOG, type RunOutcome } from '../../coordinator/run.js';
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
