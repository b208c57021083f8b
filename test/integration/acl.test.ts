/**
 * Permissions against a real server with ACL users: a publisher, subscriber or pattern the ACL refuses fails the run
 * before measuring (exit 3) naming the user, the command, the channel or pattern and the rule to add — never the
 * password — by ACL DRYRUN and by the MULTI probe (a user who may not run ACL); rights revoked mid-run show their
 * NOPERM in the publish error texts and the outage causes of result.json and the terminal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { RunResult } from '../../src/core/result.js';
import { captureIo } from '../helpers/cli-io.js';
import { redisCli } from '../helpers/redis.js';
import { useServer } from '../helpers/runs.js';

const ADMIN_PASSWORD = 'pb-acl-Admin-4e1f';
const PASSWORD = 'pb-acl-User-9b7c';

const bench = useServer('pb-acl', {
  kind: 'single',
  requirePassword: ADMIN_PASSWORD,
  aclUsers: [
    { name: 'admin', password: ADMIN_PASSWORD },
    // Every command, channels under pubsub-bench:, but no PUBLISH.
    { name: 'nopub', password: PASSWORD, rules: '~* resetchannels &pubsub-bench:* +@all -publish' },
    // Redis 7's default for a new user: no channel at all.
    { name: 'nochan', password: PASSWORD, rules: '~* resetchannels +@all' },
    // Channels, but not the pattern the subscribers ask for (patterns are matched literally).
    { name: 'nopat', password: PASSWORD, rules: '~* resetchannels &pubsub-bench:* +@all' },
    // No channels and no ACL command: the check must fall back to the probe.
    { name: 'noacl', password: PASSWORD, rules: '~* resetchannels +@all -acl' },
    { name: 'pubu', password: PASSWORD, rules: '~* &* +@all' },
    { name: 'subu', password: PASSWORD, rules: '~* &* +@all' },
  ],
});

function baseArgs(outDir: string): string[] {
  const port = bench.server.nodes[0].port;
  return ['run', 'fan-out', '--target', `redis://127.0.0.1:${port}`, '--password-env', 'PB_ACL_PW', '--subscribers', '3',
    '--warmup', '200ms', '--drain-timeout', '2s', '--rate', '500', '--out', outDir];
}

function assertNoPassword(text: string): void {
  for (const p of [PASSWORD, ADMIN_PASSWORD]) assert.ok(!text.includes(p), 'a password shows up in the output');
}

const denied: Array<{ name: string; user: string; extra: string[]; expect: RegExp[] }> = [
  {
    name: 'publisher denied by -publish', user: 'nopub', extra: [],
    expect: [/publishers \(user 'nopub'\)/, /PUBLISH on channel 'pubsub-bench:fan-out:0'/, /ACL SETUSER nopub \+publish/],
  },
  {
    name: 'publisher and subscriber denied by no & rule', user: 'nochan', extra: [],
    expect: [/publishers \(user 'nochan'\): PUBLISH on channel 'pubsub-bench:fan-out:0'/, /subscribers \(user 'nochan'\): SUBSCRIBE on channel/,
      /ACL SETUSER nochan &pubsub-bench:fan-out:\*/, /acl-pubsub-default resetchannels/],
  },
  {
    name: 'pattern denied', user: 'nopat', extra: ['--patterns', 'orders.*', '--channels-per-subscriber', '0'],
    expect: [/subscribers \(user 'nopat'\): PSUBSCRIBE on pattern 'orders\.\*'/, /ACL SETUSER nopat &orders\.\*/],
  },
  {
    name: 'denied, found by the MULTI probe (no ACL DRYRUN for this user)', user: 'noacl', extra: [],
    expect: [/subscribers \(user 'noacl'\): SUBSCRIBE on channel 'pubsub-bench:fan-out:0'/, /ACL SETUSER noacl &pubsub-bench:fan-out:\*/, /queueing each command in MULTI/],
  },
];

for (const c of denied) {
  test(`ACL: ${c.name} → exit 3 before measuring, naming user, command, channel and rule`, { timeout: 30_000 }, async () => {
    const outDir = join(bench.outDir, c.user);
    const cap = captureIo({ PB_ACL_PW: PASSWORD });
    const code = await main([...baseArgs(outDir), '--duration', '1s', '--user', c.user, ...c.extra], cap.io);
    assert.equal(code, 3, cap.stderr());
    for (const re of c.expect) assert.match(cap.stderr(), re);
    assertNoPassword(cap.stdout() + cap.stderr());
    assert.ok(!existsSync(outDir) || readdirSync(outDir).length === 0, 'nothing was measured or written');
  });
}

test('ACL: separate publisher and subscriber users are checked each with its own rights', { timeout: 30_000 }, async () => {
  const outDir = join(bench.outDir, 'fleets');
  const cap = captureIo({ PB_ACL_PW: ADMIN_PASSWORD, PB_PUB_PW: PASSWORD, PB_SUB_PW: PASSWORD });
  const code = await main([...baseArgs(outDir), '--duration', '1s', '--user', 'admin',
    '--publisher-user', 'pubu', '--publisher-password-env', 'PB_PUB_PW', '--subscriber-user', 'nochan', '--subscriber-password-env', 'PB_SUB_PW'], cap.io);
  assert.equal(code, 3, cap.stderr());
  assert.match(cap.stderr(), /subscribers \(user 'nochan'\)/);
  assert.doesNotMatch(cap.stderr(), /publishers \(user/, 'the publishers\' own user may publish');
  assertNoPassword(cap.stdout() + cap.stderr());
});

test('ACL: rights revoked mid-run → NOPERM in publish error texts, outage causes and the terminal', { timeout: 40_000 }, async () => {
  const outDir = join(bench.outDir, 'revoked');
  const cap = captureIo({ PB_ACL_PW: ADMIN_PASSWORD, PB_PUB_PW: PASSWORD, PB_SUB_PW: PASSWORD });
  const port = bench.server.nodes[0].port;
  // Redis 7 disconnects the subscribers of a user whose channels are reset: they reconnect, and the resubscribe is
  // refused. The publishers' PUBLISH is refused from then on.
  const revoke = setTimeout(() => {
    void redisCli(bench.server, port, '--user', 'admin', 'ACL', 'SETUSER', 'pubu', '-publish')
      .then(() => redisCli(bench.server, port, '--user', 'admin', 'ACL', 'SETUSER', 'subu', 'resetchannels'));
  }, 1200);
  try {
    const code = await main([...baseArgs(outDir), '--duration', '2500ms', '--user', 'admin',
      '--publisher-user', 'pubu', '--publisher-password-env', 'PB_PUB_PW', '--subscriber-user', 'subu', '--subscriber-password-env', 'PB_SUB_PW'], cap.io);
    assert.notEqual(code, 3, cap.stderr());
  } finally {
    clearTimeout(revoke);
  }
  const [runDir] = readdirSync(outDir);
  const text = readFileSync(join(outDir, runDir, 'result.json'), 'utf8');
  const result = JSON.parse(text) as RunResult;
  const texts = result.summary.publishErrorTexts ?? [];
  assert.ok(texts.some((e) => /^NOPERM/.test(e.text) && e.count > 0), `publish error texts: ${JSON.stringify(texts)}`);
  assert.equal(texts.reduce((n, e) => n + e.count, 0), result.summary.publishErrors, 'every failed publish has its text');
  const subOutages = (result.outages ?? []).filter((o) => o.role === 'subscriber');
  assert.ok(subOutages.length > 0, 'the subscribers were disconnected');
  for (const o of subOutages) assert.match(o.cause, /could not recover: resubscribing failed: NOPERM/, `cause: ${o.cause}`);
  assert.equal(result.target.publisherUser, 'pubu');
  assert.equal(result.target.subscriberUser, 'subu');
  assert.match(cap.stdout(), /publish commands failed: \d+ × NOPERM/);
  assert.match(cap.stdout(), /resubscribing failed: NOPERM/);
  assertNoPassword(cap.stdout() + cap.stderr() + text + readFileSync(join(outDir, runDir, 'report.html'), 'utf8'));
  assert.match(readFileSync(join(outDir, runDir, 'report.html'), 'utf8'), /Failed publishes by reply/);
});
