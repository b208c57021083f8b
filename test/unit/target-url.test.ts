import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../src/core/errors.js';
import { describeTarget, parseTargetSpec, redactSecrets } from '../../src/targets/url.js';
import { groupBySlot, keySlot } from '../../src/targets/slot.js';

function usageProblems(fn: () => unknown): Array<{ field: string; message: string; hint?: string }> {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a UsageError');
}

describe('parseTargetSpec', () => {
  test('a plain URL with user, password and database', () => {
    const spec = parseTargetSpec({ targets: ['redis://alice:s%40cret@db.example:6380/2'] });
    assert.deepEqual(spec, {
      kind: 'single',
      nodes: [{ host: 'db.example', port: 6380 }],
      db: 2,
      username: 'alice',
      password: 's@cret',
    });
  });

  test('defaults: port 6379, no TLS, no credentials; a bare host:port works too', () => {
    assert.deepEqual(parseTargetSpec({ targets: ['redis://localhost'] }), { kind: 'single', nodes: [{ host: 'localhost', port: 6379 }] });
    assert.deepEqual(parseTargetSpec({ targets: ['127.0.0.1:7000'] }), { kind: 'single', nodes: [{ host: '127.0.0.1', port: 7000 }] });
  });

  test('rediss:// turns TLS on with verification; TLS flags fill the TLS spec', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-url-'));
    const ca = path.join(dir, 'ca.crt');
    fs.writeFileSync(ca, 'pem');
    const spec = parseTargetSpec({ targets: ['rediss://h:1'], tlsCa: ca, tlsServername: 'redis.internal' });
    assert.deepEqual(spec.tls, { caFile: ca, servername: 'redis.internal' });
    assert.deepEqual(parseTargetSpec({ targets: ['rediss://h:1'] }).tls, {});
    fs.rmSync(dir, { recursive: true });
  });

  test('cluster seeds: repeated and comma-separated, bare seeds take the scheme of the others', () => {
    const spec = parseTargetSpec({ targets: ['rediss://:pw@a:7000,b:7001', 'c:7002'], cluster: true });
    assert.equal(spec.kind, 'cluster');
    assert.deepEqual(spec.nodes, [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }, { host: 'c', port: 7002 }]);
    assert.equal(spec.password, 'pw');
    assert.deepEqual(spec.tls, {});
  });

  test('IPv6 hosts lose their brackets', () => {
    assert.deepEqual(parseTargetSpec({ targets: ['redis://[::1]:6379'] }).nodes, [{ host: '::1', port: 6379 }]);
  });

  test('flags give the user and password', () => {
    const spec = parseTargetSpec({ targets: ['redis://h:1'], user: 'bob', password: 'pw' });
    assert.equal(spec.username, 'bob');
    assert.equal(spec.password, 'pw');
  });

  test('every problem at once, each naming its flag, none showing the password', () => {
    const problems = usageProblems(() =>
      parseTargetSpec({
        targets: ['http://u:topsecret@h:1', 'redis://u:topsecret@h:2/x'],
        tlsCert: '/nonexistent/client.crt',
      }),
    );
    const fields = problems.map((p) => p.field).sort();
    assert.deepEqual(fields, ['--target', '--target', '--target', '--tls-cert', '--tls-key'].sort());
    const text = problems.map((p) => `${p.message} ${p.hint}`).join('\n');
    assert.ok(!text.includes('topsecret'), text);
    assert.match(text, /unsupported scheme "http:" in "http:\/\/u:\*\*\*@h:1"/);
    assert.match(text, /without --cluster/);
    assert.match(text, /database "x"/);
    assert.ok(problems.every((p) => p.hint), 'every problem has a hint');
  });

  test('conflicts: disagreeing seeds, db on a cluster, user flag vs URL, missing target', () => {
    const seeds = usageProblems(() => parseTargetSpec({ targets: ['redis://a:1', 'rediss://b:2'], cluster: true }));
    assert.match(seeds[0].message, /disagree on the scheme/);
    const db = usageProblems(() => parseTargetSpec({ targets: ['redis://a:1/3'], cluster: true }));
    assert.match(db[0].message, /database 3 given for a cluster/);
    const user = usageProblems(() => parseTargetSpec({ targets: ['redis://ann:pw@a:1'], user: 'bob' }));
    assert.equal(user[0].field, '--user');
    const none = usageProblems(() => parseTargetSpec({ targets: [' , '] }));
    assert.match(none[0].message, /no target/);
    const port = usageProblems(() => parseTargetSpec({ targets: ['redis://a:0'] }));
    assert.match(port[0].message, /port 0/);
  });
});

describe('describeTarget and redactSecrets', () => {
  test('the password becomes *** and TLS facts are kept', () => {
    const spec = parseTargetSpec({ targets: ['rediss://ann:p%2Fw@h:1/4'], tlsInsecure: true });
    const d = describeTarget(spec, false);
    assert.deepEqual(d, { kind: 'single', urls: ['rediss://ann:***@h:1/4'], tls: true, tlsInsecure: true, local: false });
    assert.ok(!JSON.stringify(d).includes('p/w') && !JSON.stringify(d).includes('p%2Fw'));
    const noUser = describeTarget({ kind: 'cluster', nodes: [{ host: 'a', port: 1 }, { host: '::1', port: 2 }], password: 'x' }, true);
    assert.deepEqual(noUser.urls, ['redis://:***@a:1', 'redis://:***@[::1]:2']);
    assert.equal(noUser.local, true);
  });

  test('redactSecrets removes the raw and URL-encoded password', () => {
    const text = 'AUTH p/w failed for redis://:p%2Fw@h:1';
    assert.equal(redactSecrets(text, { password: 'p/w' }), 'AUTH *** failed for redis://:***@h:1');
    assert.equal(redactSecrets(text, {}), text);
  });
});

describe('keySlot', () => {
  test('matches the slots Redis documents (CLUSTER KEYSLOT)', () => {
    // Values from `redis-cli CLUSTER KEYSLOT`: "foo" → 12182, "bar" → 5061, "123456789" → 12739 (CRC16 check value 0x31C3).
    assert.equal(keySlot('foo'), 12182);
    assert.equal(keySlot('bar'), 5061);
    assert.equal(keySlot('123456789'), 0x31c3 % 16384);
    assert.equal(keySlot('{user1000}.following'), keySlot('user1000'));
    assert.notEqual(keySlot('foo{}{bar}'), keySlot('bar'), 'an empty tag {} means the whole key is hashed');
  });
});

describe('groupBySlot', () => {
  test('one group per hash slot, first-seen order, hash tags together', () => {
    const groups = groupBySlot(['{a}.1', 'foo', '{a}.2', 'bar', 'foo'], (c) => c);
    assert.deepEqual(groups, [['{a}.1', '{a}.2'], ['foo', 'foo'], ['bar']]);
    assert.ok(groups.every((g) => g.every((c) => keySlot(c) === keySlot(g[0]))));
    assert.deepEqual(groupBySlot([], (c: string) => c), []);
  });
});

describe('--client-sharding target flags', () => {
  test('two or more servers become a `servers` target, described with every URL', () => {
    const spec = parseTargetSpec({ targets: ['redis://10.0.0.1:6379', '10.0.0.2:6380'], clientSharding: true, password: 'pw' });
    assert.equal(spec.kind, 'servers');
    assert.deepEqual(spec.nodes, [{ host: '10.0.0.1', port: 6379 }, { host: '10.0.0.2', port: 6380 }]);
    const described = describeTarget(spec, false);
    assert.equal(described.kind, 'servers');
    assert.deepEqual(described.urls, ['redis://:***@10.0.0.1:6379', 'redis://:***@10.0.0.2:6380']);
  });

  test('refused: one server, a server named twice, combined with --cluster; several targets without either flag hint at it', () => {
    assert.match(usageProblems(() => parseTargetSpec({ targets: ['redis://a:1'], clientSharding: true }))[0].message, /needs at least 2 servers, got 1/);
    const twice = usageProblems(() => parseTargetSpec({ targets: ['redis://a:1', 'a:1', 'b:1'], clientSharding: true }));
    assert.deepEqual(twice.map((p) => p.field), ['--target']);
    assert.match(twice[0].message, /a:1 given more than once/);
    const both = usageProblems(() => parseTargetSpec({ targets: ['a:1', 'b:1'], clientSharding: true, cluster: true }));
    assert.deepEqual(both.map((p) => p.field), ['--client-sharding']);
    const neither = usageProblems(() => parseTargetSpec({ targets: ['a:1', 'b:1'] }));
    assert.match(neither[0].hint ?? '', /--client-sharding/);
  });
});
