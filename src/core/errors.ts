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
  /** A baseline comparison found a regression (significant and beyond the tolerance; see docs/ci/README.md). */
  regression: 98,
  /** One or more thresholds failed. */
  thresholds: 99,
  /** Interrupted by SIGINT / SIGTERM. */
  sigint: 130,
  sigterm: 143,
} as const;

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
