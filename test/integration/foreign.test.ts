/**
 * A foreign publisher on the harness's channels during a run: garbage payloads and envelopes that look like ours
 * but carry another run's tag (or another version) reach every subscriber, channel and pattern alike. Each such
 * delivery is counted as malformed and warned about; nothing crashes, and the loss count of the run's own messages
 * stays exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublishConnection } from '../../src/targets/types.js';
import { createConnectionFactory } from '../../src/targets/connection.js';
import { encodeEnvelope, ENVELOPE_HEADER_BYTES, FLAG_MEASURED } from '../../src/load/envelope.js';
import { nowUs } from '../../src/core/clock.js';
import { assertAccounting, runScenario, useServer } from '../helpers/runs.js';
import { publishAll, publisherOptions } from '../helpers/redis.js';

const bench = useServer('pb-foreign');

/** Deterministic bytes (xorshift), never starting with our magic, so "garbage" stays garbage run after run. */
function garbage(length: number, seed: number): Buffer {
  const buf = Buffer.alloc(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  if (length > 0 && buf[0] === 0x50) buf[0] = 0;
  return buf;
}

/** An envelope as another run would write it: our layout, someone else's tag. */
function foreignEnvelope(seq: number, version?: number): Buffer {
  const buf = Buffer.alloc(64);
  const now = nowUs();
  encodeEnvelope(buf, 0x5eed_f00d, seq % 3, seq % 2, seq, now, now, FLAG_MEASURED);
  if (version !== undefined) buf[2] = version;
  return buf;
}

/** Payloads of every foreign kind, round `i`. */
function foreignPayloads(i: number): Buffer[] {
  return [
    Buffer.alloc(0),
    garbage(7, i + 1),
    garbage(ENVELOPE_HEADER_BYTES, i + 1000),
    garbage(4096, i + 2000),
    Buffer.from('{"hello":"not an envelope"}'),
    foreignEnvelope(i),
    foreignEnvelope(i, 9),
  ];
}

test('foreign and corrupt messages on our channels are counted as malformed, and loss stays exact', { timeout: 30_000 }, async () => {
  const channels = ['foreign.0', 'foreign.1'];
  const factory = createConnectionFactory(bench.server.spec);
  const events = { onDisconnect: () => undefined, onReconnect: () => undefined };
  // Every message of one publisher has one size: one intruder connection per payload length.
  const intruders = new Map<number, PublishConnection>();
  const closeAll = () => Promise.all([...intruders.values()].map((p) => p.close()));
  let intrusion: Promise<{ sent: number; receivers: number; failures: string[] }> | null = null;
  const intrude = async (): Promise<{ sent: number; receivers: number; failures: string[] }> => {
    let sent = 0;
    let receivers = 0;
    const failures: string[] = [];
    for (let i = 0; i < 40; i++) {
      for (const payload of foreignPayloads(i)) {
        const intruder = intruders.get(payload.length) as PublishConnection;
        const [reply] = await publishAll(intruder, [{ channel: i % 2, payload }]).catch((err: Error) => {
          failures.push(err.message);
          return [0];
        });
        if (reply < 0) failures.push(intruder.lastError);
        else receivers += reply;
        sent++;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return { sent, receivers, failures };
  };
  try {
    for (const length of new Set(foreignPayloads(0).map((p) => p.length))) {
      const opts = publisherOptions(`intruder-${length}`, channels, length, 'await', { connectTimeoutMs: 5000 });
      intruders.set(length, await factory.openPublisher(opts, events));
    }
    const { result: r } = await runScenario(bench.server.spec, bench.outDir, {
      channels: { count: 2, naming: 'foreign.{i}' },
      publishers: { count: 2, rate: 1000 },
      subscribers: [{ count: 2, channelsEach: 'all' }, { count: 1, channelsEach: 0, patterns: ['foreign.*'] }],
      duration: '2s',
    }, {
      onProgress: (line) => {
        if (intrusion === null && line.startsWith('[measure')) intrusion = intrude();
      },
    });
    assert.notEqual(intrusion, null, 'the intruder published during the measure phase');
    const { sent, receivers, failures } = await intrusion!;
    assert.deepEqual(failures, [], 'every foreign publish was answered');
    assert.equal(sent, 280);
    assert.equal(receivers, sent * 3, 'every foreign message reached the 2 channel subscribers and the pattern subscriber');
    assert.equal(r.summary.malformed, receivers, 'each foreign delivery is counted as malformed, once');
    assert.ok(r.warnings.some((w) => /deliveries were not messages of this run/.test(w)), 'and warned about');
    assert.ok(!r.warnings.some((w) => /crashed|^worker \d+:/.test(w)), `no worker failed: ${r.warnings.join(' | ')}`);
    assertAccounting(r);
    assert.equal(r.summary.lost, 0);
    assert.equal(r.summary.delivered, r.summary.expectedDeliveries);
    assert.equal(r.summary.duplicates + r.summary.reordered + r.summary.gaps, 0, 'foreign sequences never disturb ours');
    assert.equal(r.summary.publishReplyReceivers, r.summary.expectedDeliveries);
  } finally {
    await closeAll();
  }
});
