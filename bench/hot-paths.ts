/**
 * The per-message code of the harness without any I/O, on this thread: a publisher writing envelopes, and a
 * subscriber decoding, order-checking and recording deliveries (what every native delivery costs beyond the socket).
 */
import { performance } from 'node:perf_hooks';
import type { WorkerTask } from '../src/core/messages.js';
import { initHistogramEngine } from '../src/metrics/histogram.js';
import { resolveScenario } from '../src/scenarios/validate.js';
import { NO_PATTERN } from '../src/targets/types.js';
import { WorkerContext } from '../src/workers/context.js';
import { encodeEnvelope, FLAG_MEASURED } from '../src/load/envelope.js';
import { SubscriberSink } from '../src/workers/subscriber.js';
import { heading, record } from './table.js';
import { rate } from './runs.js';

const MESSAGE_BYTES = 64;
const GROUP = 'hot';

export async function hotPaths(): Promise<void> {
  heading('7a. Hot paths (no I/O, this thread, 64-byte messages)');
  await initHistogramEngine();
  const scenario = resolveScenario({ name: 'bench', publishers: { count: 4 }, channels: { count: 16 } }, 'bench');
  const task: WorkerTask = {
    v: 1, workerId: 0, runTag: 7, scenario, target: { kind: 'single', nodes: [{ host: '127.0.0.1', port: 1 }] },
    channelNames: Array.from({ length: 16 }, (_, i) => `c${i}`), receiversPerChannel: new Array<number>(16).fill(1),
    publishers: [], subscribers: [], intervalMs: 1000, connectTimeoutMs: 1000,
  };

  // Envelopes written in place into one buffer of frames, as the native publisher does.
  const n = 2_000_000;
  const frames = Buffer.alloc(MESSAGE_BYTES * 1024);
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    encodeEnvelope(frames, 7, i & 3, i & 15, i >>> 6, 1e15 + i, 1e15 + i + 3, FLAG_MEASURED, (i & 1023) * MESSAGE_BYTES);
  }
  record(GROUP, 'envelope encode (publisher, per message)', 'native', rate((n * 1000) / (performance.now() - t0)));

  // Deliveries laid out back to back in one buffer, as a socket read holds them: 4 publishers × 16 channels, in order.
  const count = 65_536;
  const reads = Buffer.alloc(count * MESSAGE_BYTES);
  const seqs = new Uint32Array(64);
  const now = (performance.timeOrigin + performance.now()) * 1000;
  for (let i = 0; i < count; i++) {
    const key = i & 63;
    encodeEnvelope(reads, 7, key >> 4, key & 15, seqs[key]++, now - 500, now - 400, FLAG_MEASURED, i * MESSAGE_BYTES);
  }
  const ctx = new WorkerContext(task);
  const channel = Buffer.from('*3\r\n$7\r\nmessage\r\n$2\r\nc0\r\n');
  // Every pass replays the same sequences, so each pass gets a fresh sink (a fresh subscriber) to stay in order.
  const passes = 30;
  t0 = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    const sink = new SubscriberSink(ctx, { subscriberId: pass, channels: [], patterns: [] });
    for (let i = 0; i < count; i++) {
      sink.onMessage(reads, i * MESSAGE_BYTES, (i + 1) * MESSAGE_BYTES, channel, 23, 25, NO_PATTERN);
    }
    sink.flushOrderingCounts();
  }
  const elapsed = performance.now() - t0;
  const delivered = passes * count;
  if (ctx.counters.deliveredMeasured !== delivered || ctx.counters.inOrder !== delivered) {
    throw new Error(`bench sanity: ${ctx.counters.deliveredMeasured} delivered, ${ctx.counters.inOrder} in order of ${delivered}`);
  }
  record(GROUP, 'decode + order check + 2 histograms (subscriber)', 'native', rate((delivered * 1000) / elapsed));
  ctx.destroy();
}
