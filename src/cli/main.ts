/**
 * The command line: yargs parses, commands build requests and call library functions, and this file maps every
 * outcome to an exit code. `main` returns the code instead of exiting, so tests call it directly; only the
 * entry-point block at the bottom calls process.exit.
 */
import { realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, exitCodesLine } from '../core/errors.js';
import { harnessVersion } from '../core/version.js';
import { reportCommand } from './commands/report.js';
import { compareCommand } from './commands/compare.js';
import { targetCommand } from './commands/target.js';
import { makeCapacityCommand } from './commands/capacity.js';
import { BUILTINS, DEFAULT_SCENARIO } from '../scenarios/builtins/index.js';
import { runCommand } from './commands/run.js';
import { RUN_OPTIONS, type RunArgs } from './commands/run-options.js';
import { scenariosCommand } from './commands/scenarios.js';
import { formatError, formatUsageFailure } from './errors.js';
import { processIo, type CliIo } from './io.js';

/** A command-line parse failure reported by yargs (unknown flag, missing command). */
class ParseFailure extends Error {}

const RUN_EXAMPLES: Array<[string, string]> = [
  ['$0 run', `Run the default scenario (${DEFAULT_SCENARIO}) against a throwaway local redis-server`],
  ['$0 run chat --rate 5000 --duration 30s', 'A built-in with a higher total rate, measured for 30 s'],
  ['$0 run fan-out --subscribers 100 --publish-mode pipeline --batch 50 --rate max', 'Closed-loop pipelined publishing'],
  ['$0 run notifications --patterns "user.1*" --subscribers 2', 'Two pattern-only subscribers in the first group'],
  ['$0 run my-scenario.yaml --target redis://127.0.0.1:6379', 'A scenario file against an existing server'],
  ['$0 run fan-in --target rediss://db:6380 --tls-ca ca.pem --user bench --password-env REDIS_PASSWORD', 'TLS and an ACL user; the password stays in the environment'],
  ['$0 run chat --cluster --target 10.0.0.1:7000,10.0.0.2:7000 --sharded', 'Sharded pub/sub on a Redis Cluster'],
  ['$0 run fan-out --json > result.json', 'The result JSON on stdout, progress on stderr'],
];

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let output = '';
  const parser = yargs(argv)
    .scriptName('pubsub-bench')
    .usage('$0 <command> [options]\n\nLoad-test Redis Pub/Sub: honest latency, exact loss, ordering checks.')
    .command(
      'run [scenario]',
      'Run a benchmark and write reports/<run>/result.json',
      (y) =>
        y
          .positional('scenario', {
            type: 'string',
            describe: `A built-in (${BUILTINS.map((b) => b.name).join(', ')}) or a .json/.yaml scenario file`,
            defaultDescription: DEFAULT_SCENARIO,
          })
          .options(RUN_OPTIONS)
          .example(RUN_EXAMPLES)
          .epilogue(`Durations: 500ms, 10s, 1.5m, 2h or milliseconds. ${exitCodesLine()}`),
      async (args) => {
        exitCode = await runCommand(args as RunArgs, io);
      },
    )
    .command(
      'scenarios',
      'List the built-in scenarios',
      (y) => y.option('json', { type: 'boolean', describe: 'Print the resolved scenarios as JSON', defaultDescription: 'false' }).example([['$0 scenarios', 'One line each'], ['$0 scenarios --json', 'Every field, defaults filled in']]),
      (args) => {
        exitCode = scenariosCommand(args, io);
      },
    )
    .command(reportCommand(io))
    .command(compareCommand(io))
    .command(targetCommand(io))
    .command(makeCapacityCommand(io, (code) => (exitCode = code)))
    .demandCommand(1, 'Name a command: run, scenarios, capacity, report, compare, target.')
    .strict()
    .help()
    .alias('h', 'help')
    .version(harnessVersion())
    .wrap(Math.min(120, io.stdoutIsTTY ? process.stdout.columns || 100 : 100))
    .fail((message: string | null | undefined, err: Error | undefined) => {
      // A handler's own error arrives here without a message: pass it on to be formatted as such.
      if (err && !message) throw err;
      throw new ParseFailure(message ?? err?.message ?? 'invalid command line');
    });
  try {
    await parser.parseAsync(argv, {}, (_err: unknown, _args: unknown, out: string) => {
      output = out;
    });
  } catch (err) {
    const f = err instanceof ParseFailure ? formatUsageFailure(err.message, commandOf(argv)) : formatError(err, { env: io.env });
    io.stderr(f.text);
    return f.exitCode;
  }
  if (output) io.stdout(`${output}\n`);
  return exitCode;
}

/** The command named on the command line, for the "see --help" hint. */
function commandOf(argv: string[]): string | undefined {
  const first = argv.find((a) => !a.startsWith('-'));
  return first !== undefined && ['run', 'scenarios', 'capacity', 'report', 'compare', 'target'].includes(first) ? first : undefined;
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
