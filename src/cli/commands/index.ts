/**
 * Every command of the CLI, each loaded only when it is named. `--version`, `--help` and the completion of command
 * names need nothing but these lines; loading every command drags in the coordinator, the reports, ioredis, piscina
 * and the histograms, which cost most of a second before the CLI could answer.
 */
import type { CommandModule } from 'yargs';
import type { CliIo } from '../io.js';

/** One command: what the top-level help shows now, and the full command on demand. */
export interface CommandEntry {
  /** The name as typed. */
  name: string;
  /** The yargs command string with its positionals; must equal the loaded module's (a test checks). */
  command: string;
  /** The one-line description; must equal the loaded module's (a test checks). */
  describe: string;
  /** The full command (options, examples, handler); the handler reports its exit code through `setExitCode`. Each command has its own argument type, hence `any`. */
  load: (io: CliIo, setExitCode: (code: number) => void) => Promise<CommandModule<any, any>>;
}

/** The commands, in the order `--help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'run', command: 'run [scenario]', describe: 'Run a benchmark and write reports/<run>/result.json',
    load: async (io, set) => (await import('./run-command.js')).runCommandModule(io, set),
  },
  {
    name: 'scenarios', command: 'scenarios', describe: 'List the built-in scenarios',
    load: async (io, set) => (await import('./run-command.js')).scenariosCommandModule(io, set),
  },
  {
    name: 'report', command: 'report <result>',
    describe: 'Rebuild report.html from a result.json or run folder, or capacity.html from a capacity.json (offline, self-contained)',
    load: async (io) => (await import('./report.js')).reportCommand(io),
  },
  {
    name: 'compare', command: 'compare <results..>',
    describe: 'Compare two or more runs: a table of every metric (better/worse vs the first) and compare.html',
    load: async (io) => (await import('./compare.js')).compareCommand(io),
  },
  {
    name: 'merge', command: 'merge [files..]',
    describe: 'Merge the segments of a run (`run --segment I/N`) into one result.json and report.html, judged by thresholds',
    load: async (io, set) => (await import('./merge.js')).mergeCommand(io, set),
  },
  {
    name: 'target', command: 'target',
    describe: 'Start or stop local Redis targets (single, TLS, cluster) without Docker; make test certificates',
    load: async (io) => (await import('./target.js')).targetCommand(io),
  },
  {
    name: 'capacity', command: 'capacity [scenario]',
    describe: 'Find the highest publish rate that holds an SLO (step up ×2, then bisect), optionally per sweep value',
    load: async (io, set) => (await import('./capacity.js')).makeCapacityCommand(io, set),
  },
];

/** The commands worth loading for `argv`: every word that names one (completion passes the whole line). */
export function namedCommands(argv: readonly string[]): CommandEntry[] {
  return COMMANDS.filter((c) => argv.includes(c.name));
}
