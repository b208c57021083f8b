/** The permission check's pieces without Redis: which commands each fleet needs, the rule hints, sampling. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelGlob, permissionNeeds, ruleHint, sampleNames } from '../../src/coordinator/preflight-acl.js';
import { planFleet } from '../../src/coordinator/plan.js';
import { resolveScenario } from '../../src/scenarios/validate.js';

const scenario = (input: Record<string, unknown>) => resolveScenario({ name: 'acl', ...input }, 'test');

test('needs: publishers PUBLISH every channel they write, subscribers SUBSCRIBE and PSUBSCRIBE theirs; SETNAME optional', () => {
  const s = scenario({ channels: { count: 3 }, publishers: { count: 2, rate: 10 }, subscribers: [{ count: 2, channelsEach: 'all' }, { count: 1, channelsEach: 0, patterns: ['x.*'] }] });
  const needs = permissionNeeds(planFleet(s, 2), s);
  const pub = needs.find((n) => n.command === 'PUBLISH');
  assert.deepEqual(pub?.names, ['pubsub-bench:0', 'pubsub-bench:1', 'pubsub-bench:2']);
  assert.deepEqual(pub?.args('c'), ['PUBLISH', 'c', '']);
  assert.equal(needs.find((n) => n.command === 'SUBSCRIBE')?.names.length, 3);
  assert.deepEqual(needs.find((n) => n.command === 'PSUBSCRIBE')?.names, ['x.*']);
  assert.ok(needs.filter((n) => n.command === 'CLIENT SETNAME').every((n) => n.optional));
});

test('needs: sharded runs need SPUBLISH and SSUBSCRIBE; multi mode MULTI and EXEC; no publishers, no PUBLISH', () => {
  const sharded = scenario({ channels: { count: 2, sharded: true }, publishers: { count: 1, rate: 10, mode: 'multi' } });
  const commands = permissionNeeds(planFleet(sharded, 1), sharded).map((n) => n.command);
  for (const c of ['SPUBLISH', 'SSUBSCRIBE', 'MULTI', 'EXEC']) assert.ok(commands.includes(c), `${c} in ${commands.join(', ')}`);
  const quiet = scenario({ publishers: { count: 0 } });
  assert.ok(!permissionNeeds(planFleet(quiet, 1), quiet).some((n) => n.role === 'publisher'));
});

test('rule hints: a refused command → +command; a refused channel → & glob and the Redis 7 default named', () => {
  const need = { role: 'publisher' as const, command: 'PUBLISH', what: 'channel' as const, names: ['pubsub-bench:a:0', 'pubsub-bench:a:1'], args: () => [] };
  assert.equal(ruleHint('bob', need, ['pubsub-bench:a:0'], "This user has no permissions to run the 'publish' command", '7.0.15'),
    'allow the command: ACL SETUSER bob +publish');
  const channel = ruleHint('bob', need, ['pubsub-bench:a:0'], "This user has no permissions to access the 'pubsub-bench:a:0' channel", '7.2.4');
  assert.match(channel, /ACL SETUSER bob &pubsub-bench:a:\*/);
  assert.match(channel, /acl-pubsub-default resetchannels/);
  assert.doesNotMatch(ruleHint('bob', need, ['x'], "no permissions to access the 'x' channel", '6.2.14'), /resetchannels/, 'Redis 6 allows every channel by default');
  const pattern = { ...need, command: 'PSUBSCRIBE', what: 'pattern' as const, names: ['user.*'] };
  assert.match(ruleHint('bob', pattern, ['user.*'], 'NOPERM this user has no permissions to access one of the channels used as arguments', '7.0.0'), /&user\.\*/);
});

test('channel globs cover every name and escape glob characters; samples keep first and last', () => {
  assert.equal(channelGlob(['pubsub-bench:x:0', 'pubsub-bench:x:10']), 'pubsub-bench:x:*');
  assert.equal(channelGlob(['orders']), 'orders');
  assert.equal(channelGlob(['a*b:1', 'a*b:2']), 'a\\*b:*');
  const names = Array.from({ length: 100 }, (_, i) => `c${i}`);
  const sample = sampleNames(names, 10);
  assert.equal(sample.length, 10);
  assert.equal(sample[0], 'c0');
  assert.equal(sample[9], 'c99');
});
