/**
 * The yargs side of `run` and `scenarios`: flags, examples and help text. The handlers import the run machinery only
 * when they run, so `run --help` does not load the coordinator.
 */
import type { CommandModule, Options } from 'yargs';
import { exitCodesLine } from '../../core/errors.js';
import { BUILTINS, DEFAULT_SCENARIO } from '../../scenarios/builtins/index.js';
import type { CliIo } from '../io.js';
import { RUN_OPTIONS, type RunArgs } from './run-options.js';
import { LIVE_OPTIONS } from './run-live.js';

const RUN_EXAMPLES: Array<[string, string]> = [
  ['$0 run', `Run the default scenario (${DEFAULT_SCENARIO}) against a throwaway local redis-server`],
  ['$0 run chat -r 5k -d 30s', 'A built-in with a higher total rate (5000/s), measured for 30 s'],
  ['$0 run fan-out --subscribers 100 --publish-mode pipeline --batch 50 --rate max', 'Closed-loop pipelined publishing'],
  ['$0 run notifications --patterns "user.1*" --subscribers 2', 'Two pattern-only subscribers in the first group'],
  ['$0 run my-scenario.yaml --target redis://127.0.0.1:6379', 'A scenario file against an existing server'],
  ['$0 run fan-in --target rediss://db:6380 --tls-ca ca.pem --user bench --password-env REDIS_PASSWORD', 'TLS and an ACL user; the password stays in the environment'],
  ['$0 run chat --cluster --target 10.0.0.1:7000,10.0.0.2:7000 --sharded', 'Sharded pub/sub on a Redis Cluster'],
  ['$0 run fan-out --json > result.json', 'The result JSON on stdout, progress on stderr'],
];

/** Short flags for the common `run` flags (-h is help, -q the global --quiet). */
export const RUN_SHORT_FLAGS: Readonly<Record<string, string>> = {
  d: 'duration', r: 'rate', p: 'publishers', s: 'subscribers', w: 'workers', t: 'target', o: 'out',
};

/** The options with their short flags set inside each (a separate `.alias()` loses help's default descriptions). */
function withShortFlags(options: Record<string, Options>): Record<string, Options> {
  const out = { ...options };
  for (const [short, long] of Object.entries(RUN_SHORT_FLAGS)) out[long] = { ...out[long], alias: short };
  return out;
}

/** `run [scenario]`; its exit code goes to `setExitCode`. */
export function runCommandModule(io: CliIo, setExitCode: (code: number) => void): CommandModule<object, RunArgs> {
  return {
    command: 'run [scenario]',
    describe: 'Run a benchmark and write reports/<run>/result.json',
    builder: (y) =>
      y
        .positional('scenario', {
          type: 'string',
          describe: `A built-in (${BUILTINS.map((b) => b.name).join(', ')}) or a .json/.yaml scenario file`,
          defaultDescription: DEFAULT_SCENARIO,
        })
        .options(withShortFlags({ ...RUN_OPTIONS, ...LIVE_OPTIONS }))
        .example(RUN_EXAMPLES)
        .epilogue(`Durations: 500ms, 10s, 1.5m, 2h or milliseconds. Rates: 5000, 5k, 1.5M. Sizes: 64, 64B, 1KiB, 4mb. ${exitCodesLine()}`) as never,
    handler: async (args) => {
      const { runCommand } = await import('./run.js');
      setExitCode(await runCommand(args, io));
    },
  };
}

/** `scenarios`; its exit code goes to `setExitCode`. */
export function scenariosCommandModule(io: CliIo, setExitCode: (code: number) => void): CommandModule<object, { json?: unknown; schema?: unknown }> {
  return {
    command: 'scenarios',
    describe: 'List the built-in scenarios',
    builder: (y) =>
      y
        .option('json', { type: 'boolean', describe: 'Print the resolved scenarios as JSON', defaultDescription: 'false' })
        .option('schema', { type: 'boolean', describe: 'Print the JSON Schema of scenario files (for editors: see README)', defaultDescription: 'false' })
        .example([
          ['$0 scenarios', 'One line each'],
          ['$0 scenarios --json', 'Every field, defaults filled in'],
          ['$0 scenarios --schema > scenario.schema.json', 'The JSON Schema a .json/.yaml scenario file can name in "$schema"'],
        ]),
    handler: async (args) => {
      const { scenariosCommand } = await import('./scenarios.js');
      setExitCode(scenariosCommand(args, io));
    },
  };
}
