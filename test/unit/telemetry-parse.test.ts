/** Parsing what the telemetry reads: CLIENT LIST lines, the pubsub output-buffer limit, node names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientListEvery, parseClientBuffers, parsePubsubLimit, splitHostPort } from '../../src/targets/telemetry.js';

const line = (id: number, name: string, omem: number): string =>
  `id=${id} addr=127.0.0.1:5${id} laddr=127.0.0.1:6379 fd=${id} name=${name} age=3 idle=0 flags=P db=0 sub=1 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=${omem > 0 ? 3 : 0} omem=${omem} tot-mem=${omem + 2000} events=r cmd=subscribe user=default redir=-1 resp=2`;

test('CLIENT LIST: only harness connections count, the largest non-empty buffers first', () => {
  const text = [
    line(1, 'pb-sub-0', 0),
    line(2, 'pb-sub-12', 70_000),
    line(3, 'pb-pub-1', 20),
    line(4, 'someone-else', 9_999_999),
    line(5, '', 5_000_000),
    line(6, 'pb-subscriber-lookalike', 1),
    line(7, 'pb-sub-3', 300_000),
  ].join('\n');
  const c = parseClientBuffers(`${text}\n`);
  assert.equal(c.clients, 4, 'pb-sub-*, pb-pub-* only (pb-subscriber-… is not ours)');
  assert.equal(c.maxOmem, 300_000);
  assert.equal(c.totalOmem, 370_020);
  assert.deepEqual(c.buffers, [{ client: 'pb-sub-3', omemBytes: 300_000 }, { client: 'pb-sub-12', omemBytes: 70_000 }, { client: 'pb-pub-1', omemBytes: 20 }]);
});

test('CLIENT LIST keeps at most 20 buffers', () => {
  const text = Array.from({ length: 30 }, (_, i) => line(i + 1, `pb-sub-${i}`, 1000 + i)).join('\n');
  const c = parseClientBuffers(text);
  assert.equal(c.clients, 30);
  assert.equal(c.buffers.length, 20);
  assert.equal(c.buffers[0].client, 'pb-sub-29');
});

test('the pubsub class of client-output-buffer-limit', () => {
  const reply = ['client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'];
  assert.deepEqual(parsePubsubLimit(reply), { hardBytes: 33554432, softBytes: 8388608, softSeconds: 60 });
  assert.equal(parsePubsubLimit([]), undefined);
  assert.equal(parsePubsubLimit('nonsense'), undefined);
});

test('node names', () => {
  assert.deepEqual(splitHostPort('127.0.0.1:6379'), { host: '127.0.0.1', port: 6379 });
  assert.deepEqual(splitHostPort('[::1]:7000'), { host: '::1', port: 7000 });
});

test('CLIENT LIST is read less often on big fleets: every ceil(clients / 2000) samples', () => {
  assert.equal(clientListEvery(0), 1);
  assert.equal(clientListEvery(2000), 1);
  assert.equal(clientListEvery(2001), 2);
  assert.equal(clientListEvery(10_000), 5);
  assert.equal(clientListEvery(50_001), 26);
});
