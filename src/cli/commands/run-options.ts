/**
 * The flags of `pubsub-bench run`, as data: yargs reads them, and the help test checks every one is explained.
 * Scenario flags are strings (converted by src/scenarios/overrides.ts) and have no yargs default, so a flag that is
 * not given leaves the scenario's value alone; `defaultDescription` says what applies then.
 */
import os from 'node:os';
import type { Options } from 'yargs';
import { defaultWorkerCount } from '../../coordinator/plan.js';
import { findBuiltin, DEFAULT_SCENARIO } from '../../scenarios/builtins/index.js';
import { MATRIX_KEYS } from '../../scenarios/matrix.js';
import { formatDurationMs } from '../../scenarios/duration.js';
import type { ScenarioFlags } from '../../scenarios/overrides.js';
import { resolveScenario } from '../../scenarios/validate.js';
import { GATE_OPTIONS, type GateArgs } from './run-gates.js';
import type { LiveArgs } from './run-live.js';
import { SEGMENT_OPTIONS, type SegmentArgs } from './run-segment-options.js';

/** Cores this process may use; the default worker count follows them (see `defaultWorkerCount`). */
export function availableCores(): number {
  return os.availableParallelism();
}

/** The --workers default in words, with this machine's figures. */
function workersDefault(): string {
  const cores = availableCores();
  const local = defaultWorkerCount({ cores, localTarget: true, connections: Infinity });
  return `the cores less one for the local redis-server (here ${local}), all cores with --target (here ${cores}); `
    + 'never more than the publishers + subscribers';
}

/** The default scenario resolved, so help shows the values `pubsub-bench run` without a scenario really uses. */
const base = resolveScenario(structuredClone(findBuiltin(DEFAULT_SCENARIO)?.input ?? {}), `built-in ${DEFAULT_SCENARIO}`);
const first = base.subscribers[0];
const from = (value: unknown): string => `scenario (${DEFAULT_SCENARIO}: ${String(value)})`;

const SCENARIO = 'Scenario (each flag overrides the scenario; default: the scenario\'s value):';
const TARGET = 'Target (default: a throwaway local redis-server):';
const RUN = 'Run and output:';

/** Every option of `run`, keyed by flag name. */
export const RUN_OPTIONS: Record<string, Options> = {
  publishers: { group: SCENARIO, type: 'string', describe: 'Publisher connections, e.g. --publishers 4', defaultDescription: from(base.publishers.count) },
  subscribers: { group: SCENARIO, type: 'string', describe: 'Subscriber connections in the first subscriber group, e.g. --subscribers 50', defaultDescription: from(first?.count ?? 0) },
  channels: { group: SCENARIO, type: 'string', describe: 'Number of channels, e.g. --channels 100', defaultDescription: from(base.channels.count) },
  'channels-per-subscriber': {
    group: SCENARIO, type: 'string', describe: "Channels each subscriber of the first group SUBSCRIBEs to: 'all', or k (spread so the group covers every channel), or 0 with --patterns", defaultDescription: from(first?.channelsEach ?? 'all'),
  },
  patterns: {
    group: SCENARIO, type: 'string', array: true, describe: "Glob patterns the first group PSUBSCRIBEs to, e.g. --patterns 'user.*' 'orders.*' (alone: pattern-only subscribers)", defaultDescription: from(first && first.patterns.length > 0 ? first.patterns.join(' ') : 'none'),
  },
  'message-size': { group: SCENARIO, type: 'string', describe: 'Bytes per message, 32-byte envelope header included, e.g. --message-size 1024', defaultDescription: from(base.publishers.messageBytes) },
  rate: { group: SCENARIO, type: 'string', describe: "Messages per second in TOTAL over all publishers (sent at even intervals), or 'max', e.g. --rate 5000", defaultDescription: from(base.publishers.rate) },
  stages: {
    group: SCENARIO, type: 'string', describe: 'Load profile: the TOTAL open-loop rate steps (DURATION:RATE) or ramps (ramp:DURATION:FROM-TO) through comma-separated stages; the measure phase lasts their sum and the warmup runs at the first rate, e.g. --stages 30s:1000,30s:5000,ramp:1m:5000-10000', defaultDescription: 'none (a constant --rate)',
  },
  duration: { group: SCENARIO, type: 'string', describe: "Measured phase, e.g. --duration 30s ('500ms', '10s', '1.5m', or ms)", defaultDescription: from(formatDurationMs(base.durationMs)) },
  warmup: { group: SCENARIO, type: 'string', describe: 'Warmup before measuring, excluded from results, e.g. --warmup 5s', defaultDescription: from(formatDurationMs(base.warmupMs)) },
  'drain-timeout': { group: SCENARIO, type: 'string', describe: 'Longest wait for in-flight deliveries after publishing stops, e.g. --drain-timeout 5s', defaultDescription: from(formatDurationMs(base.drainTimeoutMs)) },
  'publish-mode': {
    group: SCENARIO, type: 'string', describe: "'await' (one PUBLISH in flight), 'pipeline' (batches of --batch), 'multi' (batches of --batch, each wrapped in MULTI … EXEC: what redis-py's pipeline() does by default; costs Redis more) or 'auto' (auto-pipelining, at most --max-in-flight)", defaultDescription: from(base.publishers.mode),
  },
  batch: { group: SCENARIO, type: 'string', describe: 'Commands per batch (--publish-mode pipeline or multi), e.g. --batch 100', defaultDescription: from(base.publishers.batch) },
  'max-in-flight': { group: SCENARIO, type: 'string', describe: 'Most commands in flight per connection (--publish-mode auto), e.g. --max-in-flight 1000', defaultDescription: from(base.publishers.maxInFlight) },
  sharded: { group: SCENARIO, type: 'boolean', describe: 'Use sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7+); --no-sharded for classic', defaultDescription: from(base.channels.sharded) },
  seed: { group: SCENARIO, type: 'string', describe: 'Seed of the pseudo-random payload padding (reproducible runs), e.g. --seed 42', defaultDescription: from(base.seed) },
  client: {
    group: SCENARIO, type: 'string', describe: "Data-plane client of publishers and subscribers: 'native' (our own RESP connections, fast: the harness stays out of the numbers) or 'ioredis' (what a Node.js application using ioredis would see)", defaultDescription: from(base.client),
  },
  'slow-subscribers': {
    group: SCENARIO, type: 'string', describe: 'Slow consumers on purpose: N:DELAY makes the first N subscribers spend DELAY per message (a busy wait, on a worker thread of their own), so the server buffers for them, e.g. --slow-subscribers 1:1ms', defaultDescription: 'none',
  },
  'pubsub-buffer-limit': {
    group: SCENARIO, type: 'string', describe: 'client-output-buffer-limit pubsub for the run, SIZE[:SOFT:SECONDS], restored afterwards (on a --target only with --allow-config-set), e.g. --pubsub-buffer-limit 4MiB:2MiB:1', defaultDescription: "the server's own",
  },
  transport: {
    group: SCENARIO, type: 'string', describe: "How messages travel: 'pubsub' (PUBLISH/SUBSCRIBE) or 'streams' (XADD one stream per channel; each subscriber reads with its own consumer group, XREADGROUP + XACK, and resumes after a reconnect). No patterns, --sharded, --cluster or --client ioredis with streams", defaultDescription: from(base.transport ?? 'pubsub'),
  },
  'stream-maxlen': { group: SCENARIO, type: 'string', describe: 'With --transport streams: entries each stream keeps (XADD MAXLEN ~), e.g. --stream-maxlen 100000', defaultDescription: '100000' },
  'subscriber-churn': {
    group: SCENARIO, type: 'string', describe: 'Every DURATION each subscriber unsubscribes and subscribes again (DURATION:reconnect: closes and reopens its connection), staggered; loss is counted inside each subscription window, e.g. --subscriber-churn 2s', defaultDescription: 'none',
  },
  'channel-skew': {
    group: SCENARIO, type: 'string', describe: "Publish share per channel: 'uniform', or 'zipf:S' — channel k gets a share of all messages ∝ 1/(k+1)^S (channel 0 the hottest), exact per channel, e.g. --channel-skew zipf:1", defaultDescription: from(base.channelSkew ?? 'uniform'),
  },
  'subscriber-skew': {
    group: SCENARIO, type: 'string', describe: "Subscribers per channel: 'uniform', or 'zipf:S' — groups with k channels each crowd the first channels and leave a long tail, e.g. --subscriber-skew zipf:1 --channels-per-subscriber 2", defaultDescription: from(base.subscriberSkew ?? 'uniform'),
  },
  'background-patterns': {
    group: SCENARIO, type: 'string', describe: 'Pattern subscriptions matching no channel, on one extra connection: not receivers, but every PUBLISH checks them (pattern load), e.g. --background-patterns 1000', defaultDescription: from(base.backgroundPatterns ?? 0),
  },
  resp: { group: SCENARIO, type: 'string', describe: 'RESP version of the data plane (publishers and subscribers): 2, or 3 (HELLO 3, deliveries as push frames; Redis 6+), e.g. --resp 3', defaultDescription: from(base.resp ?? 2) },

  target: {
    group: TARGET, type: 'string', array: true, describe: 'redis://[user:password@]host:port[/db] or rediss://… (TLS); repeat or comma-separate for cluster seed nodes', defaultDescription: 'local redis-server',
  },
  cluster: { group: TARGET, type: 'boolean', describe: 'The target is a Redis Cluster (the --target nodes are seeds)', defaultDescription: 'false' },
  'client-sharding': { group: TARGET, type: 'boolean', describe: 'The --target servers are independent (no cluster): each channel lives on one of them, chosen by a stable hash of its name; per-server counts in result.json (shards)', defaultDescription: 'false' },
  'tls-ca': { group: TARGET, type: 'string', describe: 'CA bundle (PEM) to verify the server certificate', defaultDescription: 'system CAs' },
  'tls-cert': { group: TARGET, type: 'string', describe: 'Client certificate (PEM) for mutual TLS', defaultDescription: 'none' },
  'tls-key': { group: TARGET, type: 'string', describe: 'Client private key (PEM) for mutual TLS', defaultDescription: 'none' },
  'tls-servername': { group: TARGET, type: 'string', describe: 'Name to verify the server certificate against (SNI)', defaultDescription: 'the host' },
  'tls-insecure': { group: TARGET, type: 'boolean', describe: 'Skip TLS certificate verification (warned about in every output)', defaultDescription: 'false' },
  user: { group: TARGET, type: 'string', describe: 'ACL user name', defaultDescription: 'from the URL, else default' },
  'password-env': { group: TARGET, type: 'string', describe: 'Name of the environment variable holding the password (keeps it out of shell history), e.g. --password-env REDIS_PASSWORD', defaultDescription: 'from the URL, else none' },
  'publisher-user': { group: TARGET, type: 'string', describe: 'ACL user of the publisher connections, when they need other rights than --user (checked before measuring)', defaultDescription: 'the --user' },
  'publisher-password-env': { group: TARGET, type: 'string', describe: "Name of the environment variable holding --publisher-user's password", defaultDescription: 'none (a nopass user)' },
  'subscriber-user': { group: TARGET, type: 'string', describe: 'ACL user of the subscriber connections (checked before measuring)', defaultDescription: 'the --user' },
  'allow-config-set': { group: TARGET, type: 'boolean', describe: 'Let --pubsub-buffer-limit CONFIG SET the --target (CONFIG GET first, the old value restored after the run, also on Ctrl-C and failures)', defaultDescription: 'false' },
  'subscriber-password-env': { group: TARGET, type: 'string', describe: "Name of the environment variable holding --subscriber-user's password", defaultDescription: 'none (a nopass user)' },

  matrix: {
    group: RUN, type: 'string', array: true,
    describe: `Run every combination of KEY=V1,V2 (repeatable) in turn against the same target and compare them, e.g. --matrix publish-mode=await,pipeline --matrix batch=10,100 or --matrix client=native,ioredis; patterns takes 'none' or patterns joined by '|' (--matrix 'patterns=none,pubsub-bench:*'). Keys: ${Object.keys(MATRIX_KEYS).join(', ')}`,
    defaultDescription: 'none (pipeline-vs-unpipelined has its own)',
  },
  chaos: {
    group: RUN, type: 'string', array: true,
    describe: 'Inject faults at times counted from the measure start (repeatable): kill-subscribers@20s (CLIENT KILL the subscribers), pause@30s:2s (CLIENT PAUSE), restart@40s (restart the local redis-server; without --target only). Each is reported with the loss and recovery it caused',
    defaultDescription: 'none',
  },
  workers: { group: RUN, type: 'string', describe: "Worker threads for publishers and subscribers (at --rate max they get threads of their own, so a publisher cannot starve subscribers)", defaultDescription: workersDefault() },
  out: { group: RUN, type: 'string', describe: 'Folder the run is written into (<out>/<run id>/result.json, report.html)', defaultDescription: 'reports' },
  keep: { group: RUN, type: 'string', describe: 'After the run, delete the oldest run folders in --out beyond the newest N (only folders holding a pubsub-bench result.json), e.g. --keep 20', defaultDescription: 'keep every run' },
  json: { group: RUN, type: 'boolean', describe: 'Print the result JSON on stdout and nothing else there', defaultDescription: 'false' },
  interval: { group: RUN, type: 'string', describe: 'Snapshot and progress interval, e.g. --interval 500ms', defaultDescription: '1s' },
  'connect-timeout': { group: RUN, type: 'string', describe: 'Longest wait to connect to the target, e.g. --connect-timeout 10s', defaultDescription: '5s' },
  ...GATE_OPTIONS,
  ...SEGMENT_OPTIONS,
};

/** The parsed flags of `run` (kebab-case flags arrive camel-cased too; these are the ones the command reads). */
export interface RunArgs extends ScenarioFlags, GateArgs, LiveArgs, SegmentArgs {
  scenario?: string;
  target?: unknown;
  cluster?: unknown;
  clientSharding?: unknown;
  tlsCa?: unknown;
  tlsCert?: unknown;
  tlsKey?: unknown;
  tlsServername?: unknown;
  tlsInsecure?: unknown;
  user?: unknown;
  passwordEnv?: unknown;
  publisherUser?: unknown;
  publisherPasswordEnv?: unknown;
  subscriberUser?: unknown;
  subscriberPasswordEnv?: unknown;
  allowConfigSet?: unknown;
  workers?: unknown;
  out?: unknown;
  keep?: unknown;
  json?: unknown;
  interval?: unknown;
  connectTimeout?: unknown;
  matrix?: unknown;
  chaos?: unknown;
}
