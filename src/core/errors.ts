/**
 * Errors users can act on, each mapped to a documented exit code. Only src/cli formats them and calls process.exit.
 */

/** Documented exit codes (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  /** Unexpected internal failure of the harness. */
  internal: 1,
  /** Invalid scenario, flags or input file. */
  usage: 2,
  /** Target unreachable, authentication or TLS failure, subscription not confirmed. */
  target: 3,
  /** A required tool (redis-server) is missing. */
  missingTool: 4,
  /**
   * The run measured nothing: nothing was published (no publishers, every publish failed, nothing sent in time) or
   * nothing was expected (no subscriber receives the channels published to). Never "OK".
   */
  noData: 5,
  /** A baseline comparison found a regression (significant and beyond the tolerance; see docs/ci/README.md). */
  regression: 98,
  /** One or more thresholds failed. */
  thresholds: 99,
  /** Interrupted by SIGINT / SIGTERM. */
  sigint: 130,
  sigterm: 143,
} as const;

/** What each exit code means: `--help` and the README table are generated from this list (a unit test keeps README in step). */
export const EXIT_CODE_MEANINGS: ReadonlyArray<{ codes: readonly number[]; short: string; long: string }> = [
  { codes: [ExitCode.ok], short: 'ok', long: 'the run completed (loss or violations are reported, not failures, unless a threshold says so)' },
  { codes: [ExitCode.internal], short: 'internal error or a failed worker', long: 'internal error of the harness, or a worker thread failed during the run (named on stderr, its stack in errors.log beside result.json; the rest of the data is still written), or a file could not be written after the run (named on stderr; result.json is then saved in the OS temp folder, its path printed), or another segment of a split run (`run --segment`) failed or was interrupted (its own result is still written, marked interrupted)' },
  { codes: [ExitCode.usage], short: 'bad input', long: 'invalid scenario, flags or input file (every problem is listed with its field and a hint)' },
  { codes: [ExitCode.target], short: 'target error', long: 'target unreachable, authentication or TLS failure, or a subscription refused or not confirmed (the command and channel are named), or a segment of a split run missing at the start barrier after `--barrier-timeout` (the missing ones are named), or every `capacity --predict` calibration probe saturated the server' },
  { codes: [ExitCode.missingTool], short: 'missing tool', long: 'a required tool (`redis-server`) is missing' },
  { codes: [ExitCode.noData], short: 'no data', long: 'the run measured nothing: nothing was published (no publishers, every publish failed, no message sent in time) or nothing was expected (no subscriber receives the channels published to); the "NO DATA" verdict says which' },
  { codes: [ExitCode.regression], short: 'baseline regression', long: 'a baseline comparison found a regression (`--baseline`)' },
  { codes: [ExitCode.thresholds], short: 'thresholds failed', long: 'one or more thresholds failed (in any variant of a matrix), or a capacity search fell short: no rate held the SLO, or the capacity found is below `--min-capacity`' },
  { codes: [ExitCode.sigint, ExitCode.sigterm], short: 'interrupted', long: 'interrupted by Ctrl-C (SIGINT) / SIGTERM; what was measured is still written' },
];

/**
 * The exit codes in one line for `--help`: "Exit codes: 0 ok, 1 internal error …". `meaning` rewords a code for one
 * command; a code mapped to null is left out (one the command never returns).
 */
export function exitCodesLine(meaning: Partial<Record<number, string | null>> = {}): string {
  const parts = EXIT_CODE_MEANINGS.flatMap((m) => {
    const text = m.codes.length === 1 && m.codes[0] in meaning ? meaning[m.codes[0]] : m.short;
    return text === null ? [] : [`${m.codes.join('/')} ${text}`];
  });
  return `Exit codes: ${parts.join(', ')}.`;
}

/** The README's exit-code table (Markdown). */
export function exitCodesMarkdown(): string {
  return ['| code | meaning |', '|---|---|', ...EXIT_CODE_MEANINGS.map((m) => `| ${m.codes.join(' / ')} | ${m.long} |`)].join('\n');
}

/** One problem with user input, naming the field and how to fix it. */
export interface Problem {
  /** Dotted path of the field, e.g. `publishers.rate` or `--message-size`. */
  field: string;
  /** What is wrong. */
  message: string;
  /** How to fix it. */
  hint?: string;
}

/** Base class: an error with an exit code and a message fit for users (no stack trace printed). */
export class BenchError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Invalid input; lists every problem at once. Exit 2. */
export class UsageError extends BenchError {
  readonly problems: Problem[];
  constructor(problems: Problem[], heading = 'Invalid scenario or flags') {
    super(`${heading}:\n${problems.map(formatProblem).join('\n')}`, ExitCode.usage);
    this.problems = problems;
  }
}

/** The target cannot be reached, authenticated or used. Exit 3. Messages must never contain a password. */
export class TargetError extends BenchError {
  constructor(message: string) {
    super(message, ExitCode.target);
  }
}

/** A tool the run needs is not installed. Exit 4. */
export class MissingToolError extends BenchError {
  constructor(message: string) {
    super(message, ExitCode.missingTool);
  }
}

/** Formats one problem as an indented line with its hint. */
export function formatProblem(p: Problem): string {
  return `  - ${p.field}: ${p.message}${p.hint ? `\n      hint: ${p.hint}` : ''}`;
}
