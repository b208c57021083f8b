/** Where the CLI writes and how it exits; tests pass their own to capture output. */

/** The CLI's connection to the outside world. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** Ends the process at once (second Ctrl-C); the only process.exit outside main's own. */
  exit: (code: number) => void;
  /** `--quiet`: no progress line, only the verdict lines and errors. */
  quiet?: boolean;
  /** `--color` (true) or `--no-color` (false); undefined leaves it to the environment and the terminal. */
  color?: boolean;
}

/** The real process's streams. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    exit: (code) => process.exit(code),
  };
}

/**
 * Whether to colour what goes to `stream`. In order: the flag (--color / --no-color), FORCE_COLOR (any value but
 * 0/false forces it, as in Node and chalk), NO_COLOR (no-color.org: any non-empty value), TERM=dumb (a terminal that
 * cannot show escape codes), else only on a terminal.
 */
export function colorEnabled(io: CliIo, stream: 'stdout' | 'stderr' = 'stdout'): boolean {
  if (io.color !== undefined) return io.color;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.TERM === 'dumb') return false;
  return stream === 'stdout' ? io.stdoutIsTTY : io.stderrIsTTY;
}

/** Whether the progress line may be rewritten in place (a terminal that understands cursor codes). */
export function canRewriteLine(io: CliIo): boolean {
  return io.stderrIsTTY && io.env.TERM !== 'dumb';
}
