/**
 * Client sharding without a server: where `serverOfChannel` puts channels (stable across machines, list order and
 * versions; even; minimal movement when a server is added; hash tags kept together). Its flags: target-url.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serverOfChannel, shardOfChannel } from '../../src/targets/shards.js';

const three = ['10.0.0.1:6379', '10.0.0.2:6379', '10.0.0.3:6379'];
const channels = Array.from({ length: 3000 }, (_, i) => `room.${i}`);

describe('serverOfChannel', () => {
  test('pinned placements: every machine, run and version must agree (a segment on another host routes the same)', () => {
    assert.deepEqual(['room.0', 'room.1', 'room.2', 'room.3', 'orders.created', 'user.42'].map((c) => three[serverOfChannel(c, three)]), [
      '10.0.0.2:6379', '10.0.0.3:6379', '10.0.0.2:6379', '10.0.0.2:6379', '10.0.0.1:6379', '10.0.0.1:6379',
    ]);
  });

  test('the order the servers are given in does not matter', () => {
    const reversed = [...three].reverse();
    for (const c of channels.slice(0, 500)) assert.equal(reversed[serverOfChannel(c, reversed)], three[serverOfChannel(c, three)], c);
  });

  test('channels spread evenly: each of 3 servers gets 1/3 ± 3 points of 3000 channels', () => {
    const counts = [0, 0, 0];
    for (const c of channels) counts[serverOfChannel(c, three)]++;
    for (const n of counts) assert.ok(Math.abs(n / channels.length - 1 / 3) < 0.03, `counts ${counts.join('/')}`);
  });

  test('adding a 4th server moves only the channels it wins (about a quarter), none between the old ones', () => {
    const four = [...three, '10.0.0.4:6379'];
    let moved = 0;
    for (const c of channels) {
      const before = three[serverOfChannel(c, three)];
      const after = four[serverOfChannel(c, four)];
      if (before !== after) {
        moved++;
        assert.equal(after, '10.0.0.4:6379', `${c} moved from ${before} to an old server`);
      }
    }
    assert.ok(Math.abs(moved / channels.length - 0.25) < 0.03, `${moved} of ${channels.length} moved`);
  });

  test('a {tag} is hashed alone, so tagged channels share a server; one server takes everything', () => {
    const home = serverOfChannel('{room7}', three);
    for (const c of ['{room7}.messages', 'chat:{room7}:typing', '{room7}']) assert.equal(serverOfChannel(c, three), home, c);
    assert.equal(serverOfChannel('anything', ['127.0.0.1:7000']), 0);
  });

  test('shardOfChannel names the server for per-server accounting', () => {
    const info = { masters: three, clientSharding: true };
    for (const c of channels.slice(0, 50)) assert.equal(shardOfChannel(c, info), three[serverOfChannel(c, three)]);
    assert.equal(shardOfChannel('room.1', { masters: three }), undefined, 'no slot map and no client sharding: no shard');
  });
});
