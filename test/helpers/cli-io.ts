/** A CliIo that records what the CLI writes, for tests that call `main` directly. */
import type { CliIo } from '../../src/cli/io.js';

/** Captured output plus the io to pass to `main`. */
export interface CapturedIo {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

/** Makes a capturing io; `exit` throws, since no test path may end the process. */
export function captureIo(env: NodeJS.ProcessEnv = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      stdoutIsTTY: false,
      stderrIsTTY: false,
      env,
      exit: (code) => {
        throw new Error(`unexpected exit(${code})`);
      },
    },
    stdout: () => out,
    stderr: () => err,
  };
}
