/**
 * The groups that only run when asked: 10,000 subscriber connections (`--big`, needs a raised `ulimit -n`) and a
 * 10-minute soak at 50k deliveries/s (`--soak`), whose result.json timeline shows whether RSS keeps growing.
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { LocalTargetDetails } from '../src/targets/local.js';
import { rawCommand } from '../src/targets/raw.js';
import type { TimelineEntry } from '../src/core/result.js';
import { plainSubscribers } from './references.js';
import { CHANNEL } from './groups.js';
import { bytes, harnessRun, problems, rate, readResultJson, shape } from './runs.js';
import { check, heading, note, ratio, record } from './table.js';

const BIG = 10_000;
/** File descriptors the big group needs in this process: the connections, plus control connections and node's own. */
const BIG_FDS = BIG + 500;

/**
 * The open-file limit this process runs under, as a child shell sees it (children inherit it), or null when it cannot
 * be read. Node raises its own soft limit to the hard limit at start-up, so this is in effect `ulimit -Hn`.
 */
export function openFileLimit(): number | null {
  try {
    const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return out === 'unlimited' ? Infinity : Number.parseInt(out, 10);
  } catch {
    return null;
  }
}

/** 5. 10,000 subscriber connections start and subscribe: time until all are confirmed, and memory. */
export async function bigGroup(server: LocalTargetDetails): Promise<void> {
  const G = 'big';
  heading(`5. ${BIG.toLocaleString('en-US')} subscriber connections start and subscribe (1 channel, 1 publisher at 10 msgs/s, default worker threads)`);
  const limit = openFileLimit();
  if (limit === null || limit < BIG_FDS) {
    note(`5. skipped: this process may open ${limit ?? 'an unknown number of'} files, and ${BIG.toLocaleString('en-US')} connections need about ` +
      `${BIG_FDS} file descriptors here and in the server. Node already raises its soft limit to the hard one (\`ulimit -Hn\`), so ` +
      'the hard limit must be raised (as root: `ulimit -Hn 20000`; in Docker: --ulimit nofile=20000:20000; or limits.conf).');
    return;
  }
  // The server's maxclients defaults to 10000, one short of 10,000 subscribers plus the publisher and control
  // connections; CONFIG SET raises it (and the server's own descriptor limit) at runtime.
  const node = { host: '127.0.0.1', port: server.spec.nodes[0].port };
  const want = BIG + 200;
  await rawCommand(node, ['CONFIG', 'SET', 'maxclients', String(want)], 5000).catch((err: Error) => note(`5. CONFIG SET maxclients ${want} failed: ${err.message}`));
  const info = await rawCommand(node, ['INFO', 'clients'], 5000).catch(() => '');
  const maxclients = Number(/maxclients:(\d+)/.exec(info)?.[1] ?? NaN);
  if (!(maxclients >= want)) note(`5. the server's maxclients is ${maxclients} (wanted ${want}): connections beyond it are refused`);

  for (const client of ['native', 'ioredis'] as const) {
    try {
      const run = await harnessRun(server.spec, client, {
        warmup: '1s', duration: '3s', drainTimeout: '5s', channels: { count: 1 },
        publishers: { count: 1, rate: 10, messageBytes: 64, mode: 'await' }, subscribers: [{ count: BIG }],
      }, { workers: 'default' });
      const timelinePeak = Math.max(0, ...run.result.timeline.map((t) => t.rssBytes ?? 0));
      record(G, 'time until all subscribed (threads, connect, SUBSCRIBE, NUMSUB)', client, `${(run.readyMs / 1000).toFixed(2)} s`, shape(run.result));
      record(G, 'peak RSS of the process (growth over the run)', client, `${bytes(run.peakRssBytes)} (+${bytes(run.peakRssBytes - run.rssBeforeBytes)})`,
        [`timeline peak ${timelinePeak > 0 ? bytes(timelinePeak) : 'not recorded'}`, `lost ${run.result.summary.lost}`, problems(run.result)].filter(Boolean).join(', '));
    } catch (err) {
      record(G, 'time until all subscribed (threads, connect, SUBSCRIBE, NUMSUB)', client, 'failed');
      note(`5. ${client} with ${BIG} subscribers failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  let failure: Error | null = null;
  const rssBefore = process.memoryUsage.rss();
  const t0 = performance.now();
  const socks = await plainSubscribers(node.port, BIG, CHANNEL, (err) => (failure ??= err), () => undefined);
  const elapsed = performance.now() - t0;
  const rssAfter = process.memoryUsage.rss();
  for (const s of socks) s.destroy();
  if (failure) throw failure;
  record(G, 'time until all subscribed (threads, connect, SUBSCRIBE, NUMSUB)', 'plain', `${(elapsed / 1000).toFixed(2)} s`, 'connect + SUBSCRIBE, 256 connecting at a time, one event loop');
  record(G, 'peak RSS of the process (growth over the run)', 'plain', `${bytes(rssAfter)} (+${bytes(rssAfter - rssBefore)})`);
}

/** Mean of the timeline entries' `pick` value, skipping entries without it; null when none has it. */
function meanOf(entries: TimelineEntry[], pick: (t: TimelineEntry) => number | undefined): number | null {
  const values = entries.map(pick).filter((v): v is number => typeof v === 'number' && v > 0);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** 6. Soak: `minutes` at 2,500 msgs/s × 20 subscribers = 50k deliveries/s; RSS of the last vs the first minute. */
export async function soakGroup(server: LocalTargetDetails, minutes: number): Promise<void> {
  const G = 'soak';
  heading(`6. Soak: ${minutes} min at 2,500 msgs/s × 20 subscribers = 50k deliveries/s (256 B, default worker threads)`);
  let timeline: TimelineEntry[] = [];
  const run = await harnessRun(server.spec, 'native', {
    warmup: '10s', duration: `${minutes}m`, drainTimeout: '5s', channels: { count: 1 },
    publishers: { count: 1, rate: 2500, messageBytes: 256, mode: 'await' }, subscribers: [{ count: 20 }],
  }, { workers: 'default', inspect: (dir) => (timeline = readResultJson(dir).timeline) });
  const s = run.result.summary;
  record(G, 'deliveries/s, lost', 'native', `${rate(s.deliveryRate)}, lost ${s.lost}`, [shape(run.result), problems(run.result)].filter(Boolean).join(', '));
  const measure = timeline.filter((t) => t.phase === 'measure');
  if (measure.length === 0) {
    note('6. the soak run has no measure intervals in its timeline');
    return;
  }
  // One minute at each end; a shorter soak (--soak-minutes) compares its first and last thirds.
  const windowMs = Math.min(60_000, (measure[measure.length - 1].toMs - measure[0].fromMs) / 3);
  const first = measure.filter((t) => t.toMs <= measure[0].fromMs + windowMs);
  const last = measure.filter((t) => t.fromMs >= measure[measure.length - 1].toMs - windowMs);
  const label = windowMs >= 60_000 ? 'minute' : `${(windowMs / 1000).toFixed(0)} s`;
  const [rss0, rss1] = [meanOf(first, (t) => t.rssBytes), meanOf(last, (t) => t.rssBytes)];
  const [heap0, heap1] = [meanOf(first, (t) => t.heapUsedBytes), meanOf(last, (t) => t.heapUsedBytes)];
  if (rss0 === null || rss1 === null) {
    note('6. the timeline in result.json has no rssBytes: memory per interval is not recorded by this build');
    return;
  }
  record(G, `RSS first ${label} → last ${label} (mean)`, 'native', `${bytes(rss0)} → ${bytes(rss1)}`);
  if (heap0 !== null && heap1 !== null) record(G, `V8 heap first ${label} → last ${label} (mean)`, 'native', `${bytes(heap0)} → ${bytes(heap1)}`);
  ratio(`6. soak: RSS last ${label} / first ${label}`, rss1, rss0, ['≤ 1.10', (r) => r <= 1.1]);
  check('6. soak: lost', String(s.lost), '= 0', s.lost === 0);
}
