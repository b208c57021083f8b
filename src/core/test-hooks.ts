/**
 * Test-only fault hooks, read from the environment so integration tests can make a real run misbehave in ways a
 * server alone cannot: a worker thread that crashes, a write that fails (a slow subscriber is the `slowSubscribers`
 * scenario field now). They distort results on
 * purpose, so they are hard to switch on by accident and impossible to miss when on:
 *  - nothing happens unless PUBSUB_BENCH_TEST_HOOKS is exactly `distort-this-run`;
 *  - every hook variable that is set, used or not, is named in the run's warnings (see `describeTestHooks`).
 *
 * PUBSUB_BENCH_TEST_CRASH_WORKER=<workerId>@<ms>   worker <workerId> throws an uncaught error <ms> after the start.
 * PUBSUB_BENCH_TEST_DROP_DELIVERY=<subscriberId>@<n>  subscriber <subscriberId> throws away its n-th delivery (with
 *   --subscriber-churn: the n-th after its first churn event, so inside a subscription window): a real gap, made
 *   without a proxy, that the loss accounting must count.
 * PUBSUB_BENCH_TEST_FAIL_WRITE=<file name>[,<file name>…]  every write after a run of a file with that name (e.g.
 *   result.json, junit.xml) fails with EACCES, as a folder made read-only would (root ignores permissions).
 * PUBSUB_BENCH_TEST_SKEW_CLOCK=<segment>:<±µs>  segment <segment> of a distributed run reads its local clock
 *   <µs> wrong (every thread), as a host with a bad clock would; the measured offset must take it out.
 */

/** The value that arms the hooks. */
export const TEST_HOOKS_ARMED = 'distort-this-run';

/** Hooks in force for this process. */
export interface TestHooks {
  crashWorker?: { workerId: number; afterMs: number };
  dropDelivery?: { subscriberId: number; nth: number };
  /** File names (no folder) whose writes fail. */
  failWrites?: string[];
  /** A segment whose local clock is off by `skewUs` (µs, either sign). */
  skewClock?: { segment: number; skewUs: number };
}

type Env = Record<string, string | undefined>;

const CRASH_RE = /^(\d{1,4})@(\d{1,7})$/;
const SKEW_RE = /^(\d{1,5}):(-?\d{1,10})$/;
const DROP_RE = /^(\d{1,7})@(\d{1,9})$/;
const FAIL_WRITE_RE = /^[\w.-]{1,100}(,[\w.-]{1,100}){0,20}$/;

/** The hooks `env` arms; empty unless PUBSUB_BENCH_TEST_HOOKS arms them. Malformed values are ignored. */
export function parseTestHooks(env: Env): TestHooks {
  if (env.PUBSUB_BENCH_TEST_HOOKS !== TEST_HOOKS_ARMED) return {};
  const hooks: TestHooks = {};
  const crash = CRASH_RE.exec(env.PUBSUB_BENCH_TEST_CRASH_WORKER ?? '');
  if (crash) hooks.crashWorker = { workerId: Number(crash[1]), afterMs: Number(crash[2]) };
  const drop = DROP_RE.exec(env.PUBSUB_BENCH_TEST_DROP_DELIVERY ?? '');
  if (drop && Number(drop[2]) > 0) hooks.dropDelivery = { subscriberId: Number(drop[1]), nth: Number(drop[2]) };
  const failWrite = env.PUBSUB_BENCH_TEST_FAIL_WRITE ?? '';
  if (FAIL_WRITE_RE.test(failWrite)) hooks.failWrites = failWrite.split(',');
  const skew = SKEW_RE.exec(env.PUBSUB_BENCH_TEST_SKEW_CLOCK ?? '');
  if (skew) hooks.skewClock = { segment: Number(skew[1]), skewUs: Number(skew[2]) };
  return hooks;
}

/** One warning per hook variable set in `env`, saying whether it was in force. */
export function describeTestHooks(env: Env): string[] {
  const armed = env.PUBSUB_BENCH_TEST_HOOKS === TEST_HOOKS_ARMED;
  const hooks = parseTestHooks(env);
  const out: string[] = [];
  for (const [name, active] of [
    ['PUBSUB_BENCH_TEST_CRASH_WORKER', hooks.crashWorker !== undefined],
    ['PUBSUB_BENCH_TEST_FAIL_WRITE', hooks.failWrites !== undefined],
    ['PUBSUB_BENCH_TEST_SKEW_CLOCK', hooks.skewClock !== undefined],
    ['PUBSUB_BENCH_TEST_DROP_DELIVERY', hooks.dropDelivery !== undefined],
  ] as const) {
    const value = env[name];
    if (value === undefined) continue;
    out.push(active
      ? `Test hook ${name}=${value} was in force: this run was distorted on purpose and is not a benchmark.`
      : `Test hook ${name} is set but was ignored (${armed ? 'malformed value' : `PUBSUB_BENCH_TEST_HOOKS is not ${TEST_HOOKS_ARMED}`}).`);
  }
  return out;
}
