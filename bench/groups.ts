/**
 * The benchmark groups that run by default, one per aim of issue 9 (plus the target kinds): harness runs on the
 * native and ioredis data paths beside the plain-socket references and redis-benchmark, on one local server.
 */
import type { LocalTargetDetails } from '../src/targets/local.js';
import type { ClientKind } from '../src/core/scenario.js';
import type { ScenarioInput } from '../src/scenarios/input.js';
import { findBuiltin } from '../src/scenarios/builtins/index.js';
import { RATE_SHORTFALL } from '../src/coordinator/health.js';
import { plainFanoutLatency, plainPublish, plainPubSub } from './references.js';
import { hostArgs, redisBenchmarkPublish } from './redis-benchmark.js';
import { busy, harnessRun, ms, problems, rate, shape, type HarnessRun } from './runs.js';
import { check, heading, note, ratio, record } from './table.js';

/** The harness's default channel name for a 1-channel scenario, used by the references and redis-benchmark too. */
export const CHANNEL = 'pubsub-bench:0';
const CLIENTS: ClientKind[] = ['native', 'ioredis'];
const atLeastHalf: [string, (r: number) => boolean] = ['≥ 0.5', (r) => r >= 0.5];
const short = { warmup: '1s', duration: '3s', drainTimeout: '5s' };

/** 1. One thread publishing as fast as it can, no subscribers. */
export async function publishGroup(server: LocalTargetDetails): Promise<void> {
  const G = 'publish';
  heading('1. One publishing thread, pipelined, no subscribers, 64-byte messages (--rate max, 1 worker thread)');
  const port = server.spec.nodes[0].port;
  const runs: Array<[string, ScenarioInput['publishers'], ClientKind[]]> = [
    ['pipeline ×1000', { mode: 'pipeline', batch: 1000 }, CLIENTS],
    ['auto, ≤ 4096 in flight', { mode: 'auto', maxInFlight: 4096 }, CLIENTS],
    ['multi ×1000 (MULTI … EXEC)', { mode: 'multi', batch: 1000 }, ['native']],
  ];
  const got: Record<string, number> = {};
  for (const [label, mode, clients] of runs) {
    for (const client of clients) {
      const { result: r } = await harnessRun(server.spec, client, {
        ...short, channels: { count: 1 }, publishers: { count: 1, rate: 'max', messageBytes: 64, ...mode }, subscribers: [],
      }, { workers: 1 });
      got[`${client} ${label}`] = r.summary.publishRate;
      record(G, label, client, rate(r.summary.publishRate), [busy(r), problems(r)].filter(Boolean).join(', '));
    }
  }
  const plain = await plainPublish(port, { channel: CHANNEL, messageBytes: 64, maxInFlight: 4096, warmupMs: 500, measureMs: 3000 });
  record(G, 'auto, ≤ 4096 in flight', 'plain', rate(plain), 'pre-encoded PUBLISH frames, one socket');
  const rb: Record<number, number | null> = {};
  for (const p of [64, 16, 1]) {
    const run = await redisBenchmarkPublish(hostArgs(server.spec.nodes[0]), { pipeline: p, messageBytes: 64, channel: CHANNEL });
    rb[p] = run.perS;
    record(G, `PUBLISH -c 50 -P ${p}`, 'redisBenchmark', run.perS === null ? run.text : rate(run.perS));
  }
  ratio('1. native pipeline ×1000 / redis-benchmark -P 64', got['native pipeline ×1000'], rb[64], atLeastHalf);
  ratio('1. native auto ≤4096 / redis-benchmark -P 64', got['native auto, ≤ 4096 in flight'], rb[64], atLeastHalf);
  ratio('1. native pipeline ×1000 / plain socket', got['native pipeline ×1000'], plain, null);
  ratio('1. native auto ≤4096 / plain socket', got['native auto, ≤ 4096 in flight'], plain, null);
  ratio('1. ioredis auto ≤4096 / redis-benchmark -P 64', got['ioredis auto, ≤ 4096 in flight'], rb[64], null);
}

/** 2. One thread publishing and receiving: 1 publisher, 1 subscriber, the same worker thread. */
export async function pubsubGroup(server: LocalTargetDetails): Promise<void> {
  const G = 'pubsub';
  heading('2. One thread publishing and receiving (1 publisher + 1 subscriber, 1 worker thread, --rate max, 64 B)');
  const port = server.spec.nodes[0].port;
  const runs: Array<[string, ScenarioInput['publishers'], ClientKind[]]> = [
    ['deliveries/s, auto ≤ 4096 in flight', { mode: 'auto', maxInFlight: 4096 }, CLIENTS],
    ['deliveries/s, pipeline ×1000', { mode: 'pipeline', batch: 1000 }, ['native']],
  ];
  const got: Record<string, HarnessRun> = {};
  const lost: string[] = [];
  for (const [label, mode, clients] of runs) {
    for (const client of clients) {
      const run = await harnessRun(server.spec, client, {
        ...short, channels: { count: 1 }, publishers: { count: 1, rate: 'max', messageBytes: 64, ...mode }, subscribers: [{ count: 1 }],
      }, { workers: 1 });
      const s = run.result.summary;
      got[`${client} ${label}`] = run;
      lost.push(`${client} ${mode?.mode} ${s.lost}`);
      record(G, label, client, `${rate(s.deliveryRate)}, lost ${s.lost}`, [`published ${rate(s.publishRate)}`, busy(run.result), problems(run.result)].filter(Boolean).join(', '));
    }
  }
  const plain = await plainPubSub(port, { channel: CHANNEL, messageBytes: 64, maxInFlight: 4096, warmupMs: 500, measureMs: 3000 });
  record(G, 'deliveries/s, auto ≤ 4096 in flight', 'plain', `${rate(plain.deliveredPerS)}, lost 0`, 'publisher + subscriber socket on one event loop');
  const native = got['native deliveries/s, auto ≤ 4096 in flight']?.result.summary;
  ratio('2. one thread pub+sub: native auto / plain (deliveries/s)', native?.deliveryRate, plain.deliveredPerS, atLeastHalf);
  check('2. one thread pub+sub: lost', [...lost, 'plain 0'].join(', '), '= 0', Object.values(got).every((v) => v.result.summary.lost === 0));
}

/** 3. The default fan-out scenario at 5000 msgs/s with 4 publishers, default worker threads. */
export async function fanoutGroup(server: LocalTargetDetails): Promise<void> {
  const G = 'fanout';
  const builtin = findBuiltin('fan-out')!.input;
  const input: ScenarioInput = { ...builtin, publishers: { ...builtin.publishers, count: 4, rate: 5000 } };
  heading('3. Default fan-out (1 channel → 20 subscribers, 256 B) at 5000 msgs/s with 4 publishers, default worker threads');
  for (const client of CLIENTS) {
    const { result: r } = await harnessRun(server.spec, client, input, { workers: 'default' });
    const s = r.summary;
    const held = s.targetRate !== null && s.publishRate >= s.targetRate * RATE_SHORTFALL;
    const verdict = r.health.harnessBottleneck ? 'harness bottleneck' : 'harness not the bottleneck';
    record(G, 'rate achieved', client, `${((s.publishRate / (s.targetRate ?? NaN)) * 100).toFixed(1)}% of ${s.targetRate}/s`, shape(r));
    record(G, 'lost', client, String(s.lost), problems(r));
    record(G, 'verdict', client, verdict, `${busy(r)}, event-loop delay p99 ${ms(r.health.maxEventLoopDelayP99Us)}`);
    record(G, 'e2e p50 / p99', client, `${ms(s.latencyUs.endToEnd.p50)} / ${ms(s.latencyUs.endToEnd.p99)}`);
    for (const reason of r.health.reasons) note(`3. fan-out ${client}: ${reason}`);
    check(`3. fan-out ${client}: rate held, lost 0, harness ok`, `${held ? 'held' : 'NOT held'}, lost ${s.lost}, ${verdict}`, 'all three',
      held && s.lost === 0 && !r.health.harnessBottleneck);
  }
}

/** 4. 2,000 subscriber connections at 20 msgs/s on one thread. */
export async function connsGroup(server: LocalTargetDetails): Promise<void> {
  const G = 'conns';
  const subscribers = 2000;
  heading(`4. ${subscribers.toLocaleString('en-US')} subscriber connections on one thread, 1 channel, 1 publisher at 20 msgs/s, 256 B`);
  const p50: Record<string, number> = {};
  const p50FromSend: Record<string, number> = {};
  for (const client of CLIENTS) {
    const { result: r } = await harnessRun(server.spec, client, {
      warmup: '2s', duration: '8s', drainTimeout: '5s', channels: { count: 1 },
      publishers: { count: 1, rate: 20, messageBytes: 256, mode: 'await' }, subscribers: [{ count: subscribers }],
    }, { workers: 1 });
    const e2e = r.summary.latencyUs.endToEnd;
    const fromSend = r.summary.latencyUs.endToEndUncorrected;
    p50[client] = e2e.p50;
    p50FromSend[client] = fromSend.p50;
    record(G, 'e2e p50 / p99 (from intended send time)', client, `${ms(e2e.p50)} / ${ms(e2e.p99)}`, [busy(r), `lost ${r.summary.lost}`, problems(r)].filter(Boolean).join(', '));
    record(G, 'e2e p50 / p99 (from actual send time)', client, `${ms(fromSend.p50)} / ${ms(fromSend.p99)}`);
    for (const reason of r.health.reasons) note(`4. ${subscribers} subscribers ${client}: ${reason}`);
  }
  const plain = await plainFanoutLatency(server.spec.nodes[0].port, {
    channel: CHANNEL, subscribers, rate: 20, messageBytes: 256, warmupMs: 2000, measureMs: 8000,
  });
  record(G, 'e2e p50 / p99 (from actual send time)', 'plain', `${ms(plain.p50Us)} / ${ms(plain.p99Us)}`, `${plain.samples} samples, lost 0`);
  const within: [string, (r: number) => boolean] = ['≤ 1.5', (r) => r <= 1.5];
  ratio(`4. ${subscribers} subscribers: native p50 / plain p50`, p50.native, plain.p50Us, within);
  ratio(`4. ${subscribers} subscribers: native p50 (from actual send) / plain p50`, p50FromSend.native, plain.p50Us, null);
  ratio(`4. ${subscribers} subscribers: ioredis p50 / plain p50`, p50.ioredis, plain.p50Us, null);
}

/** 7b. Mutual TLS and a 3-master cluster (classic and sharded): 1 publisher (pipeline ×100) + 1 subscriber, 1 thread. */
export async function targetsGroup(tlsServer: () => Promise<LocalTargetDetails>, cluster: () => Promise<LocalTargetDetails>): Promise<void> {
  const G = 'targets';
  heading('7b. Target kinds: 1 publisher (pipeline ×100, --rate max) + 1 subscriber on every channel, 1 worker thread, 64 B');
  const one = (channels: number, sharded: boolean): ScenarioInput => ({
    warmup: '1s', duration: '2s', drainTimeout: '5s', channels: { count: channels, sharded },
    publishers: { count: 1, rate: 'max', messageBytes: 64, mode: 'pipeline', batch: 100 }, subscribers: [{ count: 1 }],
  });
  const cell = (r: HarnessRun['result']): string => `${rate(r.summary.deliveryRate)}, lost ${r.summary.lost}`;
  const tls = await tlsServer();
  try {
    for (const client of CLIENTS) {
      const { result: r } = await harnessRun(tls.spec, client, one(1, false), { workers: 1 });
      record(G, 'mutual TLS, deliveries/s', client, cell(r), [`e2e p99 ${ms(r.summary.latencyUs.endToEnd.p99)}`, busy(r), problems(r)].filter(Boolean).join(', '));
    }
    const pki = tls.pki!;
    const rb = await redisBenchmarkPublish(
      [...hostArgs(tls.spec.nodes[0]), '--tls', '--cacert', pki.caFile, '--cert', pki.clientCertFile, '--key', pki.clientKeyFile],
      { pipeline: 16, requests: 1_000_000, messageBytes: 64, channel: CHANNEL },
    );
    record(G, 'mutual TLS, deliveries/s', 'redisBenchmark', rb.perS === null ? rb.text : `${rate(rb.perS)} published`, '--tls -c 50 -P 16, no subscribers');
  } finally {
    await tls.stop();
  }
  const c = await cluster();
  try {
    for (const sharded of [false, true]) {
      const label = `cluster 3 masters, ${sharded ? 'sharded' : 'classic'}, 12 ch, deliveries/s`;
      for (const client of CLIENTS) {
        const { result: r } = await harnessRun(c.spec, client, one(12, sharded), { workers: 1 });
        record(G, label, client, cell(r), [`e2e p99 ${ms(r.summary.latencyUs.endToEnd.p99)}`, busy(r), problems(r)].filter(Boolean).join(', '));
      }
    }
    const rb = await redisBenchmarkPublish([...hostArgs(c.spec.nodes[0]), '--cluster'], { pipeline: 16, requests: 1_000_000, messageBytes: 64, channel: CHANNEL });
    record(G, 'cluster 3 masters, classic, 12 ch, deliveries/s', 'redisBenchmark', rb.perS === null ? rb.text : `${rate(rb.perS)} published`, '--cluster -c 50 -P 16, no subscribers');
  } finally {
    await c.stop();
  }
}
