/**
 * The one interrupt handler of every command that runs benchmarks (run, run --matrix, capacity). The first SIGINT
 * or SIGTERM aborts the signal handed to the body: the current run stops publishing, drains briefly and writes what
 * it measured, and no further run of a series starts. A second signal ends the process at once (through `io.exit`).
 */
import { ExitCode } from '../core/errors.js';
import type { CliIo } from './io.js';
import { runExitCleanups } from '../coordinator/exit-cleanup.js';

/** Longest wait for undo work (a CONFIG SET put back) before a second signal ends the process. */
const EXIT_CLEANUP_MS = 2000;

/** What the body sees of the interrupt. */
export interface Interrupt {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  /** The exit code of the first signal (130 SIGINT, 143 SIGTERM), once one came. */
  readonly code: number | undefined;
  /** The exit code to return for `outcome`: an interrupted outcome (130) takes the code of the signal that came. */
  exitCode(outcome: number): number;
}

/** How the command tells the user what an interrupt does. */
export interface SignalTexts {
  /** What happens now, e.g. 'stopping publishers, short drain, writing results'. */
  stopping: string;
  /** Called before anything is written to stderr (ends an open progress line). */
  beforeWrite?: () => void;
}

/** Runs `body` with SIGINT and SIGTERM handled as above; the handlers are removed when it settles. */
export async function withSignals<T>(io: CliIo, texts: SignalTexts, body: (interrupt: Interrupt) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let code: number | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    const now = sig === 'SIGTERM' ? ExitCode.sigterm : ExitCode.sigint;
    texts.beforeWrite?.();
    if (code !== undefined) {
      io.stderr(`pubsub-bench: ${sig} again, stopping at once.\n`);
      // Settings changed on the target for the run (--pubsub-buffer-limit) are put back first, briefly.
      void runExitCleanups(EXIT_CLEANUP_MS).finally(() => io.exit(now));
      return;
    }
    code = now;
    io.stderr(`pubsub-bench: ${sig}: ${texts.stopping} (${sig} again to quit at once).\n`);
    controller.abort();
  };
  const interrupt: Interrupt = {
    signal: controller.signal,
    get code() {
      return code;
    },
    exitCode: (outcome) => (outcome === ExitCode.sigint ? (code ?? outcome) : outcome),
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body(interrupt);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
