/**
 * The command line: yargs parses, commands build requests and call library functions, and this file maps every
 * outcome to an exit code. `main` returns the code instead of exiting, so tests call it directly; only the
 * entry-point block at the bottom calls process.exit. Commands are loaded only when named (commands/index.ts), so
 * `--version` and `--help` answer in about the time Node itself takes to start.
 */
import { realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode } from '../core/errors.js';
import { harnessVersion } from '../core/version.js';
import { COMMANDS, namedCommands } from './commands/index.js';
import { suggestForUnknown } from './did-you-mean.js';
import { formatError, formatUsageFailure } from './errors.js';
import { processIo, type CliIo } from './io.js';

/** A command-line parse failure reported by yargs (unknown flag, missing command), with a suggestion if one is near. */
class ParseFailure extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], processStreams: CliIo = processIo()): Promise<number> {
  // A copy: the global flags (--quiet, --color) are written into it before a command's handler runs.
  const io: CliIo = { ...processStreams };
  let exitCode: number = ExitCode.ok;
  let output = '';
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  const named = new Set(namedCommands(argv).map((c) => c.name));
  let parser: Argv = yargs(argv)
    .scriptName('pubsub-bench')
    .usage('$0 <command> [options]\n\nLoad-test Redis Pub/Sub: honest latency, exact loss, ordering checks.');
  for (const entry of COMMANDS) {
    // Only the named command is loaded; the others are a name and a line, which is all top-level help shows.
    parser = named.has(entry.name) ? parser.command(await entry.load(io, setExitCode)) : parser.command(entry.command, entry.describe);
  }
  parser = parser
    .completion('completion', 'Print a shell completion script: bash, or zsh when $SHELL is zsh (pubsub-bench completion >> ~/.bashrc)')
    .option('quiet', { alias: 'q', type: 'boolean', global: true, describe: 'No progress line: only the verdict lines and errors' })
    .option('color', { type: 'boolean', global: true, describe: 'Colour the terminal output; --no-color (or NO_COLOR=1, TERM=dumb) for none, --color (or FORCE_COLOR=1) to force it', defaultDescription: 'on a terminal' })
    .middleware((args) => {
      if (args.quiet === true) io.quiet = true;
      if (typeof args.color === 'boolean') io.color = args.color;
    })
    .demandCommand(1, `Name a command: ${COMMANDS.map((c) => c.name).join(', ')}.`)
    .strict()
    .help()
    .alias('h', 'help')
    .version(harnessVersion())
    .wrap(Math.min(120, io.stdoutIsTTY ? process.stdout.columns || 100 : 100))
    .fail((message: string | null | undefined, err: Error | undefined, usage: unknown) => {
      // A handler's own error arrives here without a message: pass it on to be formatted as such.
      if (err && !message) throw err;
      const text = message ?? err?.message ?? 'invalid command line';
      throw new ParseFailure(text, suggestForUnknown(text, argv, knownFlags(usage), COMMANDS.map((c) => c.name), named.size > 0));
    });
  try {
    await parser.parseAsync(argv, {}, (_err: unknown, _args: unknown, out: string) => {
      output = out;
    });
  } catch (err) {
    const f = err instanceof ParseFailure ? formatUsageFailure(err.message, commandOf(argv), err.hint) : formatError(err, { env: io.env });
    io.stderr(f.text);
    return f.exitCode;
  }
  if (output) io.stdout(`${output}\n`);
  return exitCode;
}

/**
 * The flags known where the parse failed: the command's own plus the global ones. yargs hands `fail` its usage
 * object, whose descriptions are keyed by every option of the current command (the `yargs` type says otherwise).
 */
function knownFlags(usage: unknown): string[] {
  const descriptions = (usage as { getDescriptions?: () => Record<string, unknown> } | undefined)?.getDescriptions?.();
  return descriptions ? Object.keys(descriptions) : [];
}

/** The command named on the command line, for the "see --help" hint. */
function commandOf(argv: string[]): string | undefined {
  const first = argv.find((a) => !a.startsWith('-'));
  return first !== undefined && COMMANDS.some((c) => c.name === first) ? first : undefined;
}

/** True when this module is the program: run directly (node/tsx main) or through bin/pubsub-bench.js. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  let real: string;
  try {
    real = realpathSync(script);
  } catch {
    return false;
  }
  const self = fileURLToPath(import.meta.url);
  const packageRoot = resolve(dirname(self), '..', '..', '..');
  return real === self || real === join(packageRoot, 'bin', 'pubsub-bench.js');
}

if (isEntryPoint()) {
  const code = await main(hideBin(process.argv));
  // Exit only once stdout and stderr are flushed: a piped `--json` result must not be cut short.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
