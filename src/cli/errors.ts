/**
 * The ONE place that turns errors into text and exit codes. BenchError subclasses carry their own user-facing
 * message and exit code; anything else is a harness bug: "internal error", exit 1, and the stack only when
 * PUBSUB_BENCH_DEBUG=1.
 */
import { BenchError, ExitCode } from '../core/errors.js';

/** An error rendered for the terminal. */
export interface FormattedError {
  /** Text for stderr, ending in a newline. */
  text: string;
  exitCode: number;
}

/** Options of `formatError`. */
export interface FormatErrorOptions {
  /** Environment to read PUBSUB_BENCH_DEBUG from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Secrets (a password) to blank out of any text, in case an underlying library echoed them. */
  secrets?: Array<string | undefined>;
}

const PREFIX = 'pubsub-bench: ';

/** Formats any thrown value. */
export function formatError(err: unknown, opts: FormatErrorOptions = {}): FormattedError {
  const env = opts.env ?? process.env;
  const debug = env.PUBSUB_BENCH_DEBUG === '1';
  let text: string;
  let exitCode: number;
  if (err instanceof BenchError) {
    text = `${PREFIX}${err.message}\n`;
    if (debug && err.stack) text += `${err.stack}\n`;
    exitCode = err.exitCode;
  } else {
    const message = err instanceof Error ? err.message : safeString(err);
    text = `${PREFIX}internal error: ${message}\n`;
    text += debug && err instanceof Error && err.stack
      ? `${err.stack}\n`
      : 'This is a bug in pubsub-bench; run again with PUBSUB_BENCH_DEBUG=1 for the stack trace and report it.\n';
    exitCode = ExitCode.internal;
  }
  return { text: redact(text, opts.secrets ?? []), exitCode };
}

/**
 * Formats a command-line parse failure (unknown flag, missing argument): exit 2 with a pointer to --help, after the
 * did-you-mean `suggestion` when there is one.
 */
export function formatUsageFailure(message: string, command: string | undefined, suggestion?: string): FormattedError {
  const help = command ? `pubsub-bench ${command} --help` : 'pubsub-bench --help';
  const near = suggestion ? `  hint: ${suggestion}\n` : '';
  return { text: `${PREFIX}${message}\n${near}  hint: see \`${help}\` for every flag with its default and examples\n`, exitCode: ExitCode.usage };
}

/** Replaces every occurrence of each secret, however short: a garbled message beats a leaked password. */
export function redact(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '(unprintable value)';
  }
}
