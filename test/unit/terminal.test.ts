import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RunResult } from '../../src/core/index.js';
import { formatLatencyUs, formatSummary } from '../../src/reporting/terminal.js';
import { fixturePath } from '../helpers/fixtures.js';

const load = (name: string): RunResult => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as RunResult;
const ANSI = /\x1b\[/;

test('formatLatencyUs picks µs, ms or s with three significant digits', { timeout: 5000 }, () => {
  assert.equal(formatLatencyUs(0), '0 µs');
  assert.equal(formatLatencyUs(7.25), '7.25 µs');
  assert.equal(formatLatencyUs(950), '950 µs');
  assert.equal(formatLatencyUs(1234), '1.23 ms');
  assert.equal(formatLatencyUs(999_499), '999 ms');
  assert.equal(formatLatencyUs(12_345_678), '12.3 s');
  assert.equal(formatLatencyUs(null), '–');
  assert.equal(formatLatencyUs(Number.NaN), '–');
});

test('a clean run: OK verdict, every section, figures from the result, no ANSI without colour', { timeout: 5000 }, () => {
  const r = load('await.json');
  const text = formatSummary(r);
  assert.doesNotMatch(text, ANSI);
  assert.match(text, /^OK: every expected message delivered/);
  for (const section of ['Throughput', 'Delivery', 'Latency', 'Harness health']) assert.match(text, new RegExp(`── ${section}`));
  assert.match(text, /redis:\/\/default:\*\*\*@127\.0\.0\.1:6399 \(single, local, Redis 7\.0\.15\)/);
  assert.match(text, /fan-out: 2 pub → 4 sub · 4 ch · 64 B · rate 2k\/s · await/);
  assert.match(text, new RegExp(`expected\\s+${r.summary.expectedDeliveries.toLocaleString('en-US')}`));
  const e2e = r.summary.latencyUs.endToEnd;
  const row = text.split('\n').find((l) => l.includes('end-to-end (corrected)'));
  assert.ok(row, 'latency row present');
  for (const v of [e2e.p50, e2e.p90, e2e.p99, e2e.p999, e2e.max]) assert.ok(row.includes(formatLatencyUs(v)), `row has ${v}`);
  assert.match(text, /bottleneck\s+no/);
  assert.doesNotMatch(text, /Warnings|Thresholds|Baseline|outages|Chaos|Per shard|  ! /);
});

test('thresholds, baseline checks and outages are listed when the result has them', { timeout: 5000 }, () => {
  const r = load('trouble.json');
  const text = formatSummary(r);
  const failed = r.thresholds!.outcomes.filter((o) => !o.passed);
  assert.ok(failed.length > 0);
  assert.match(text, /── Thresholds[\s\S]*✗ lost == 0 — measured 1,2\d\d\n/);
  assert.match(text, /✓ e2e\.p99 < 50ms — measured/);
  assert.match(text, /── Baseline \(1 run\(s\) vs 3\)[\s\S]*e2e\.p99: baseline .* → current .* \(\+100\.0%\) — regression \(inconclusive\)/);
  assert.match(text, new RegExp(`${r.outages!.length} connection loss\\(es\\), ${r.outages!.reduce((s, o) => s + o.lostMessages, 0)} message`));
  const many = { ...r, outages: Array.from({ length: 12 }, (_, i) => ({ ...r.outages![0], id: i })) };
  assert.match(formatSummary(many), /… 7 more in result\.json and report\.html/);
});

test('a troubled run shows interruption, loss with %, violations, bottleneck reasons and warnings', { timeout: 5000 }, () => {
  const r = load('trouble.json');
  const text = formatSummary(r);
  assert.match(text, /^Interrupted: partial results/);
  assert.match(text, /— interrupted/);
  assert.match(text, new RegExp(`lost\\s+${r.summary.lost.toLocaleString('en-US')} \\(1%\\)`));
  assert.match(text, /bottleneck\s+YES/);
  for (const reason of r.health.reasons) assert.ok(text.includes(reason), reason);
  assert.match(text, /target 5k\/s \(\d+% achieved\)/);
  assert.match(text, /── Warnings/);
  // Control characters from the file are neutralised (U+2028 in the fixture's warning).
  assert.doesNotMatch(text, /\u2028/);
});

test('colour adds ANSI codes and nothing else', { timeout: 5000 }, () => {
  const r = load('trouble.json');
  const colored = formatSummary(r, { color: true });
  assert.match(colored, ANSI);
  assert.equal(colored.replace(/\x1b\[[0-9;]*m/g, ''), formatSummary(r, { color: false }));
});

test('an empty histogram prints dashes, not zeros', { timeout: 5000 }, () => {
  const r = load('await.json');
  r.summary.latencyUs.publish = { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, min: 0, mean: 0, count: 0 };
  const row = formatSummary(r).split('\n').find((l) => l.includes('publish (reply)'));
  assert.match(row ?? '', /publish \(reply\)\s+–\s+–\s+–\s+–\s+–\s+–\s+0$/);
});

test('one line per chaos event, red when it cost messages or failed', { timeout: 5000 }, () => {
  const r = load('trouble.json');
  const lines = formatSummary(r).split('\n');
  const start = lines.indexOf(lines.find((l) => l.startsWith('── Chaos'))!);
  assert.ok(start > 0, 'Chaos heading');
  assert.match(lines[start + 1], /^  kill-subscribers@4s at 4\.0 s: killed 4 subscriber connections .*; 4 outage\(s\), 96 missed, reconnected in 640 ms; e2e p99 9\.5 ms → 27\.2 ms, back in 2 s$/);
  assert.match(lines[start + 2], /^  pause@7s:500ms at 7\.0 s: paused clients for 500 ms; 0 outage\(s\), 0 missed; e2e p99 27\.2 ms → 9\.79 ms, back in 1 s$/);
  assert.equal(lines[start + 3], '');
  // Control characters in the outcome are neutralised (the fixture's outcome holds U+2028).
  assert.doesNotMatch(lines[start + 1], /\u2028/);
  const colored = formatSummary(r, { color: true }).split('\n');
  assert.ok(colored.some((l) => l.startsWith('\x1b[31m  kill-subscribers@4s')), 'a costly event is red');
  assert.ok(colored.some((l) => l.startsWith('  pause@7s:500ms')), 'a harmless one is not');
  const failed = { ...r, chaos: [{ ...r.chaos![0], failed: true, firedAtMs: null, outcome: 'restart needs a local target' }] };
  assert.match(formatSummary(failed), /\n  kill-subscribers@4s not run: FAILED — restart needs a local target\n/);
});

test('the per-shard table lists every master with its counts and loss', { timeout: 5000 }, () => {
  const r = load('trouble.json');
  const text = formatSummary(r);
  assert.match(text, /── Per shard ─+\n  master\s+channels\s+subscriptions\s+published\s+expected\s+delivered\s+lost\n/);
  for (const s of r.shards!) {
    const lost = s.expected - s.delivered;
    assert.match(text, new RegExp(`  ${s.master.replace(/\./g, '\\.')}\\s+${s.channels}\\s+${s.subscriptions.toLocaleString('en-US')}\\s+`
      + `${s.published.toLocaleString('en-US')}\\s+${s.expected.toLocaleString('en-US')}\\s+${s.delivered.toLocaleString('en-US')}\\s+${lost} \\(`));
  }
  assert.doesNotMatch(formatSummary({ ...r, shards: undefined }), /Per shard/);
});

test('harness errors are red lines with "!" right under the verdict, control characters neutralised', { timeout: 5000 }, () => {
  const r = load('await.json');
  const crashed = { ...r, errors: ['worker 1 crashed: TypeError: boom \x1b[2J', 'worker 0 gave up'] };
  const lines = formatSummary(crashed).split('\n');
  assert.equal(lines[0], 'Harness errors: part of the fleet failed, results are partial');
  assert.equal(lines[1], '  ! worker 1 crashed: TypeError: boom ?[2J');
  assert.equal(lines[2], '  ! worker 0 gave up');
  const colored = formatSummary(crashed, { color: true }).split('\n');
  assert.match(colored[1], /^\x1b\[31m\x1b\[1m  ! worker 1 crashed/);
  assert.doesNotMatch(formatSummary(r), /^  ! /m);
});

test('the summary says which client ran and describes MULTI batches', { timeout: 5000 }, () => {
  const r = load('pipeline.json');
  // The committed fixtures predate the `client` field: those runs used ioredis, the only data path then.
  assert.match(formatSummary(r), /scenario\s+.* · ioredis client\n/);
  const multi = { ...r, scenario: { ...r.scenario, client: 'native' as const, publishers: { ...r.scenario.publishers, mode: 'multi' as const, batch: 50 } } };
  assert.match(formatSummary(multi), /· multi ×50 · native client\n/);
});
