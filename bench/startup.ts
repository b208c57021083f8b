/**
 * Start-up of the CLI: `--version` and `--help` through bin/pubsub-bench.js, beside `node -e 0` (Node's own start).
 * Commands load only when named (src/cli/commands/index.ts), so both should take about what Node takes. Medians of
 * several runs, since one start on a busy machine says little; reported, never judged by failing.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heading, note, ratio, record } from './table.js';

/** The package folder: this file is compiled to <root>/dist/bench/. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'pubsub-bench.js');
const RUNS = 11;

/** Median wall time in ms of RUNS starts of `node args…` (one unmeasured start first, to warm the file cache). */
function medianStartMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${String(r.stderr)}`);
    if (i > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** 8. Start-up: what a user waits for before the CLI answers. */
export async function startupGroup(): Promise<void> {
  const G = 'startup';
  heading(`8. CLI start-up (median of ${RUNS} starts, ms)`);
  const node = medianStartMs(['-e', '0']);
  record(G, 'node -e 0 (Node itself)', 'native', `${node.toFixed(0)} ms`);
  const version = medianStartMs([BIN, '--version']);
  record(G, 'pubsub-bench --version', 'native', `${version.toFixed(0)} ms`);
  const help = medianStartMs([BIN, '--help']);
  record(G, 'pubsub-bench --help', 'native', `${help.toFixed(0)} ms`);
  const runHelp = medianStartMs([BIN, 'run', '--help']);
  record(G, 'pubsub-bench run --help', 'native', `${runHelp.toFixed(0)} ms`);
  ratio('--version / node -e 0', version, node, ['≤ 2', (r) => r <= 2]);
  note('start-up: --version and --help load no command; run --help loads only its flags, not the coordinator');
}
