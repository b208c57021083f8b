/**
 * `pubsub-bench target up|down`: local Redis targets without Docker. `up` starts redis-server processes that
 * outlive the command (detached, output in log files), prints the exact `run` flags, and records the pids in a
 * state file; `down` stops every recorded server by pid and waits for it to exit; `certs` writes test
 * certificates for servers started some other way (docker-compose.cluster.yml).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import type { CliIo } from '../io.js';
import { UsageError, type Problem } from '../../core/errors.js';
import { probeOutputs, type OutputSpec } from '../../reporting/output-probe.js';
import { createTestPki, type TestPki } from '../../targets/certs.js';
import { startLocalRedis, type LocalTargetDetails } from '../../targets/local.js';
import { looksLikeRedisServer, stopPids } from '../../targets/process.js';

/** The state file `up` writes and `down` reads. */
export interface TargetState {
  v: 1;
  targets: TargetStateEntry[];
}

/** One target started by `up`. */
export interface TargetStateEntry {
  kind: 'single' | 'tls' | 'cluster';
  /** Folder with configs, logs and certificates (removed by `down`). */
  dir: string;
  startedAt: string;
  nodes: Array<{ port: number; pid: number; role: string }>;
  /** The flags to give `pubsub-bench run`. */
  runFlags: string[];
}

/** Default state file: per machine, beside the temp folders the servers live in. */
export function defaultStateFile(): string {
  return path.join(os.tmpdir(), 'pubsub-bench', 'targets.json');
}

function readState(file: string): TargetState {
  if (!fs.existsSync(file)) return { v: 1, targets: [] };
  try {
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as TargetState;
    if (state.v !== 1 || !Array.isArray(state.targets)) throw new Error('unknown format');
    return state;
  } catch (err) {
    throw new UsageError([{ field: '--state', message: `cannot read ${file}: ${(err as Error).message}`, hint: 'point --state at a file written by `target up`, or delete it' }]);
  }
}

/**
 * Creates and probes a private output (folder walked by hand: a recursive mkdir spins forever under /proc); a path
 * that cannot be written is a UsageError naming it.
 */
async function checkPrivateOutput(spec: Omit<OutputSpec, 'mode'>): Promise<void> {
  const problems = await probeOutputs([{ ...spec, mode: 0o700 }]);
  if (problems.length > 0) throw new UsageError(problems, `Cannot write ${spec.path}`);
}

function writeState(file: string, state: TargetState): void {
  fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Quotes a path for a shell command line when it needs it. */
function shellWord(word: string): string {
  return /^[\w./:,=@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `run` flags that reach `target`. */
export function runFlagsFor(target: LocalTargetDetails, passwordEnv?: string): string[] {
  const { spec } = target;
  const tls = spec.tls;
  const scheme = tls ? 'rediss' : 'redis';
  // Masters are enough as cluster seeds (the client learns the rest from them).
  const seeds = spec.kind === 'cluster' ? target.nodes.filter((n) => n.role === 'master') : target.nodes;
  const hosts = seeds.map((n) => `127.0.0.1:${n.port}`);
  const flags = spec.kind === 'cluster' ? ['--cluster', '--target', `${scheme}://${hosts.join(',')}`] : ['--target', `${scheme}://${hosts[0]}`];
  if (tls) flags.push('--tls-ca', tls.caFile ?? '', '--tls-cert', tls.certFile ?? '', '--tls-key', tls.keyFile ?? '');
  if (passwordEnv) flags.push('--password-env', passwordEnv);
  return flags.map(shellWord);
}

/** Arguments of `target up`. */
export interface TargetUpArgs {
  kind: 'single' | 'tls' | 'cluster';
  shards?: number;
  replicas?: number;
  tls?: boolean;
  /** Name of an environment variable holding a password to require (requirepass). */
  passwordEnv?: string;
  state: string;
}

/** Does the work of `target up` (tests call it directly); the servers keep running after it returns. */
export async function targetUp(args: TargetUpArgs, env: NodeJS.ProcessEnv = process.env): Promise<TargetStateEntry> {
  const problems: Problem[] = [];
  if (args.tls && args.kind !== 'cluster') problems.push({ field: '--tls', message: 'only applies to --kind cluster', hint: 'use --kind tls for a single TLS server' });
  let password: string | undefined;
  if (args.passwordEnv !== undefined) {
    password = env[args.passwordEnv];
    if (!password) problems.push({ field: '--password-env', message: `environment variable ${args.passwordEnv} is not set`, hint: `export ${args.passwordEnv}=... first` });
  }
  if (problems.length > 0) throw new UsageError(problems, 'Invalid target flags');
  const state = readState(args.state);
  // Before any server starts: a state file that cannot be written would leave them running, unrecorded.
  await checkPrivateOutput({ path: args.state, kind: 'file', flag: '--state' });
  const target = await startLocalRedis({
    kind: args.kind,
    ...(args.kind === 'cluster' ? { shards: args.shards ?? 3, replicas: args.replicas ?? 0, tlsCluster: args.tls === true } : {}),
    ...(args.kind !== 'cluster' && (args.shards !== undefined || args.replicas !== undefined) ? { shards: args.shards, replicas: args.replicas } : {}),
    ...(password !== undefined ? { requirePassword: password } : {}),
    detached: true,
  });
  const entry: TargetStateEntry = {
    kind: args.kind,
    dir: target.dir,
    startedAt: new Date().toISOString(),
    nodes: target.nodes.map((n) => ({ port: n.port, pid: n.pid, role: n.role })),
    runFlags: runFlagsFor(target, args.passwordEnv),
  };
  state.targets.push(entry);
  writeState(args.state, state);
  return entry;
}

/** Does the work of `target down`: stops every recorded server; resolves to the entries stopped. */
export async function targetDown(stateFile: string): Promise<TargetStateEntry[]> {
  const state = readState(stateFile);
  for (const entry of state.targets) {
    // A pid from an old state file may belong to another process by now: only redis-servers are signalled.
    await stopPids(entry.nodes.map((n) => n.pid).filter(looksLikeRedisServer));
    if (path.basename(entry.dir).startsWith('pubsub-bench-')) fs.rmSync(entry.dir, { recursive: true, force: true });
  }
  fs.rmSync(stateFile, { force: true });
  return state.targets;
}

/** What `up` prints. */
export function describeUp(entry: TargetStateEntry, stateFile: string): string {
  const lines = [`Started a local ${entry.kind} target (files in ${entry.dir}):`];
  for (const n of entry.nodes) lines.push(`  127.0.0.1:${n.port}  ${n.role}  pid ${n.pid}`);
  lines.push('', 'Run against it with:', `  pubsub-bench run ${entry.runFlags.join(' ')}`);
  if (entry.kind === 'cluster') lines.push('  (add --sharded for sharded pub/sub: SPUBLISH / SSUBSCRIBE)');
  const stateFlag = stateFile === defaultStateFile() ? '' : ` --state ${shellWord(stateFile)}`;
  lines.push('', `Stop it with:\n  pubsub-bench target down${stateFlag}`, '');
  return lines.join('\n');
}

const stateOption = { type: 'string', default: defaultStateFile(), describe: 'state file listing the servers `target up` started' } as const;

const upCommand = (io: CliIo): CommandModule<object, TargetUpArgs> => ({
  command: 'up',
  describe: 'Start local redis-server processes on free loopback ports and print the `run` flags',
  builder: (yargs) =>
    yargs
      .option('kind', { choices: ['single', 'tls', 'cluster'] as const, default: 'single' as const, describe: 'one server, one TLS server (mutual TLS, generated certificates), or a Redis Cluster' })
      .option('shards', { type: 'number', describe: 'cluster masters (3 to 32)', defaultDescription: '3' })
      .option('replicas', { type: 'number', describe: 'replicas per cluster master', defaultDescription: '0' })
      .option('tls', { type: 'boolean', describe: 'cluster with TLS for clients, the cluster bus and replication', defaultDescription: 'false' })
      .option('password-env', { type: 'string', describe: 'require the password held in this environment variable (requirepass)' })
      .option('state', stateOption)
      .example('$0 target up', 'one plain server')
      .example('$0 target up --kind tls', 'one TLS server that requires client certificates')
      .example('$0 target up --kind cluster --shards 3 --replicas 1 --tls', 'a 6-node TLS cluster'),
  handler: async (argv) => {
    const entry = await targetUp(argv, io.env);
    io.stdout(describeUp(entry, argv.state));
  },
});

const downCommand = (io: CliIo): CommandModule<object, { state: string }> => ({
  command: 'down',
  describe: 'Stop every server `target up` started (by pid, waiting for each to exit)',
  builder: (yargs) => yargs.option('state', stateOption).example('$0 target down', 'stop them all'),
  handler: async (argv) => {
    const stopped = await targetDown(argv.state);
    const servers = stopped.reduce((n, t) => n + t.nodes.length, 0);
    io.stdout(stopped.length === 0 ? 'No local targets were running.\n' : `Stopped ${servers} redis-server process(es) of ${stopped.length} target(s).\n`);
  },
});

/** Does the work of `target certs`: a test CA, a node certificate and a client certificate in `out`. */
export async function targetCerts(out: string): Promise<TestPki> {
  await checkPrivateOutput({ path: out, kind: 'folder', flag: '--out' });
  return createTestPki(out);
}

const certsCommand = (io: CliIo): CommandModule<object, { out: string }> => ({
  command: 'certs',
  describe: 'Write test TLS certificates (CA, node, client) for your own servers, e.g. docker-compose.cluster.yml',
  builder: (yargs) =>
    yargs
      .option('out', { type: 'string', default: '.tmp/certs', describe: 'folder to write test-ca.crt, node.crt/.key and client.crt/.key into' })
      .example('$0 target certs', 'the files docker-compose.cluster.yml mounts'),
  handler: async (argv) => {
    const pki = await targetCerts(argv.out);
    io.stdout(
      `Wrote test certificates to ${argv.out} (node certificate valid for 127.0.0.1 and localhost, serverAuth and clientAuth).\n` +
        `Client flags: --tls-ca ${shellWord(pki.caFile)} --tls-cert ${shellWord(pki.clientCertFile)} --tls-key ${shellWord(pki.clientKeyFile)}\n`,
    );
  },
});

/** The yargs command module, writing through `io` (register with `.command(targetCommand(io))`). */
export const targetCommand = (io: CliIo): CommandModule => ({
  command: 'target',
  describe: 'Start or stop local Redis targets (single, TLS, cluster) without Docker; make test certificates',
  builder: (yargs) => yargs.command(upCommand(io)).command(downCommand(io)).command(certsCommand(io)).demandCommand(1, 'Name an action: up, down or certs.'),
  handler: () => undefined,
});
