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
