/** findSlowConsumers: joining telemetry samples with outages to name subscribers cut off by the output-buffer limit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OutageEvent } from '../../src/core/messages.js';
import type { TelemetrySample } from '../../src/core/reliability.js';
import { findSlowConsumers, formatBytes } from '../../src/coordinator/telemetry-join.js';

const ORIGIN_US = 1_000_000_000;
const LIMIT = { hardBytes: 256 * 1024, softBytes: 128 * 1024, softSeconds: 1 };

function sample(atMs: number, buffers: Array<[string, number]>, recentMax = 0): TelemetrySample {
  return {
    node: '127.0.0.1:6379', atMs, cpuPercent: 10, connectedClients: 5, usedMemoryBytes: 1e6, opsPerSec: 100,
    pubsubChannels: 1, pubsubPatterns: 0, netOutputBytes: 0, recentMaxOutputBufferBytes: recentMax,
    harnessClients: 3, maxOmemBytes: Math.max(0, ...buffers.map((b) => b[1])), totalOmemBytes: buffers.reduce((n, b) => n + b[1], 0),
    buffers: buffers.map(([client, omemBytes]) => ({ client, omemBytes })), pubsubLimit: LIMIT,
  };
}

function outage(id: number, atMs: number, lostMessages = 0): OutageEvent {
  return { role: 'subscriber', id, cause: 'the server closed the connection', atUs: ORIGIN_US + atMs * 1000, durationMs: 50, lostMessages };
}

test('a subscriber whose buffer grew past half the limit before its disconnect is named', () => {
  const outages = [outage(3, 2600, 120), outage(4, 2600, 7)];
  const samples = [sample(1000, [['pb-sub-3', 40_000]]), sample(2000, [['pb-sub-3', 200_000], ['pb-sub-4', 20_504]]), sample(3000, [], 200_000)];
  const { consumers, warnings } = findSlowConsumers(outages, samples, ORIGIN_US, 1000);
  assert.equal(outages[0].cause,
    'cut off by client-output-buffer-limit pubsub (omem reached 195 KB; limit pubsub 256 KB hard, 128 KB for 1 s); the client saw: the server closed the connection');
  assert.equal(outages[1].cause, 'the server closed the connection', 'a small buffer (one reply block) is no evidence');
  assert.deepEqual(consumers.map((c) => [c.subscriberId, c.cutoffs, c.peakOmemBytes, c.lostMessages]), [[3, 1, 200_000, 120]]);
  assert.match(warnings[0], /^Slow consumer: subscriber 3 fell behind and was cut off .* 1 time\(s\) .*120 message\(s\) missed/);
  assert.equal(warnings.length, 1, 'the peak is explained by subscriber 3, so 4 is not called a suspect');
});

test('a buffer seen only after the disconnect, or long before it, is not evidence', () => {
  const outages = [outage(1, 1000), outage(2, 30_000)];
  const samples = [sample(1500, [['pb-sub-1', 250_000]]), sample(5000, [['pb-sub-2', 250_000]])];
  const { consumers } = findSlowConsumers(outages, samples, ORIGIN_US, 1000);
  assert.deepEqual(consumers, []);
  assert.ok(outages.every((o) => o.cause === 'the server closed the connection'));
});

test('without a known limit only a buffer over 1 MB counts', () => {
  const noLimit = (s: TelemetrySample): TelemetrySample => {
    delete s.pubsubLimit;
    return s;
  };
  const outages = [outage(1, 2000), outage(2, 2000)];
  const samples = [noLimit(sample(1800, [['pb-sub-1', 900_000], ['pb-sub-2', 3 * 1024 * 1024]]))];
  const { consumers } = findSlowConsumers(outages, samples, ORIGIN_US, 1000);
  assert.deepEqual(consumers.map((c) => c.subscriberId), [2]);
  assert.match(outages[1].cause, /^cut off by client-output-buffer-limit pubsub \(omem reached 3\.00 MB\); the client saw/);
});

test('a buffer that filled between two samples is reported as probable from the recent peak, never written into the outage', () => {
  const outages = [outage(5, 2100), outage(6, 2150)];
  const samples = [sample(2000, [], 0), sample(2250, [], 140 * 1024)];
  const { consumers, warnings } = findSlowConsumers(outages, samples, ORIGIN_US, 250);
  assert.deepEqual(consumers, []);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^Subscriber\(s\) 5, 6 disconnected while the server's recent peak client output buffer was 140 KB: probably slow consumers/);
  assert.equal(outages[0].cause, 'the server closed the connection');
});

test('publisher outages and quiet runs give nothing', () => {
  const pub: OutageEvent = { ...outage(0, 1000), role: 'publisher' };
  assert.deepEqual(findSlowConsumers([pub], [sample(900, [['pb-pub-0', 999_999]], 999_999)], ORIGIN_US, 1000), { consumers: [], warnings: [] });
  assert.deepEqual(findSlowConsumers([], [], ORIGIN_US, 1000), { consumers: [], warnings: [] });
});

test('formatBytes', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(131072), '128 KB');
  assert.equal(formatBytes(1.5 * 1024 * 1024), '1.50 MB');
  assert.equal(formatBytes(32 * 1024 * 1024), '32 MB');
});
