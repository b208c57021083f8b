/**
 * `npm run bench`: does pubsub-bench stay out of its own numbers? Every figure is measured in this one run, on this
 * machine, against throwaway local redis-servers: the harness on its native data path and on ioredis, beside
 * plain `node:net` references (references.ts) and redis-benchmark, with the ratios the aims of issue 9 name.
 *
 *   npm run bench                     groups hot, publish, pubsub, fanout, conns, targets, startup (about 2½ minutes on 2 cores)
 *   npm run bench -- --only publish   one group (or several: --only publish,pubsub)
 *   npm run bench -- --big            also 10,000 subscriber connections (needs a hard `ulimit -Hn` above ~10,500)
 *   npm run bench -- --soak           also the 10-minute soak at 50k deliveries/s (--soak-minutes N to shorten it)
 *   npm run bench -- --only gates     a gate's power: A/A and A/B pairs (--pairs N, --runs N a side; ~30 min at 20 pairs on a busy 2-core VM)
 *
 * It reports and never judges a timing by failing; it throws only on a sanity failure (a reference losing messages).
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { startLocalRedis, type LocalRedisOptions, type LocalTargetDetails } from '../src/targets/local.js';
import { gatesGroup } from './gates.js';
import { connsGroup, fanoutGroup, publishGroup, pubsubGroup, targetsGroup } from './groups.js';
import { hotPaths } from './hot-paths.js';
import { bigGroup, openFileLimit, soakGroup } from './long.js';
import { printSummary } from './table.js';
import { startupGroup } from './startup.js';

const TITLES: Record<string, string> = {
  hot: '7a. hot paths, no I/O (64 B)',
  publish: '1. one publishing thread, pipelined, no subscribers (64 B, msgs/s)',
  pubsub: '2. one thread publishing + receiving (1 pub + 1 sub, 64 B)',
  fanout: '3. fan-out 4 publishers × 5000/s → 20 subscribers (default workers)',
  conns: '4. 2,000 subscribers at 20 msgs/s, one thread (256 B)',
  big: '5. 10,000 subscriber connections (--big)',
  soak: '6. soak at 50k deliveries/s (--soak)',
  targets: '7b. TLS and cluster (1 pub pipeline ×100 + 1 sub, 64 B)',
  startup: '8. CLI start-up (median ms)',
  gates: '9. gate power: false alarms on A/A, detections on A/B (--only gates)',
};
const DEFAULT_GROUPS = ['hot', 'publish', 'pubsub', 'fanout', 'conns', 'targets', 'startup'];
const ORDER = ['hot', 'publish', 'pubsub', 'fanout', 'conns', 'big', 'soak', 'targets', 'startup', 'gates'];

function parseArgs(argv: string[]): { groups: string[]; soakMinutes: number } {
  const value = (flag: string): string | undefined => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return undefined;
    return argv[i].includes('=') ? argv[i].slice(flag.length + 1) : argv[i + 1];
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: npm run bench -- [--only ${ORDER.join('|')}[,…]] [--big] [--soak] [--soak-minutes N] [--pairs N] [--runs N] [--patterns K] [--save FILE] [--from FILE]`);
    process.exit(0);
  }
  const only = value('--only');
  let groups = only ? only.split(',').map((g) => g.trim()).filter(Boolean) : [...DEFAULT_GROUPS];
  const unknown = groups.filter((g) => !ORDER.includes(g));
  if (unknown.length > 0) {
    console.error(`unknown group ${unknown.join(', ')}: pick from ${ORDER.join(', ')}`);
    process.exit(2);
  }
  if (argv.includes('--big')) groups.push('big');
  if (argv.includes('--soak')) groups.push('soak');
  groups = ORDER.filter((g) => groups.includes(g));
  const soakMinutes = Number(value('--soak-minutes') ?? 10);
  if (!(soakMinutes > 0)) {
    console.error(`--soak-minutes must be a positive number, got ${value('--soak-minutes')}`);
    process.exit(2);
  }
  return { groups, soakMinutes };
}

function tool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'not installed';
  }
}

function printMachine(groups: string[]): void {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const redis = /v=(\S+)/.exec(tool('redis-server', ['--version']))?.[1] ?? 'not installed';
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log('pubsub-bench benchmark (npm run bench): every figure below was measured in this run, on this machine');
  console.log(`machine: ${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load average ${load}`);
  console.log(`node ${process.versions.node}, redis-server ${redis}, redis-benchmark ${/\d[\w.]*/.exec(tool('redis-benchmark', ['--version']))?.[0] ?? 'not installed'}, ulimit -n ${openFileLimit() ?? 'unknown'}`);
  console.log(`groups: ${groups.join(', ')}  (npm run bench -- --only <group>; --big; --soak)`);
}

/** Runs `fn` against a fresh local server of `kind`, stopped afterwards. */
async function withServer<T>(opts: LocalRedisOptions, fn: (server: LocalTargetDetails) => Promise<T>): Promise<T> {
  const server = await startLocalRedis(opts);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

const { groups, soakMinutes } = parseArgs(process.argv.slice(2));
printMachine(groups);
const started = Date.now();
let failed = false;
for (const group of groups) {
  try {
    switch (group) {
      case 'hot': await hotPaths(); break;
      case 'publish': await withServer({ kind: 'single' }, publishGroup); break;
      case 'pubsub': await withServer({ kind: 'single' }, pubsubGroup); break;
      case 'fanout': await withServer({ kind: 'single' }, fanoutGroup); break;
      case 'conns': await withServer({ kind: 'single' }, connsGroup); break;
      case 'big': await withServer({ kind: 'single' }, bigGroup); break;
      case 'soak': await withServer({ kind: 'single' }, (s) => soakGroup(s, soakMinutes)); break;
      case 'targets':
        await targetsGroup(() => startLocalRedis({ kind: 'tls' }), () => startLocalRedis({ kind: 'cluster', shards: 3 }));
        break;
      case 'startup': await startupGroup(); break;
      case 'gates': await withServer({ kind: 'single' }, (s) => gatesGroup(s, process.argv.slice(2))); break;
    }
  } catch (err) {
    failed = true;
    console.error(`\ngroup ${group} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
}
printSummary(TITLES);
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s; figures vary with the machine and its load, compare them within this run)`);
if (failed) process.exitCode = 1;
