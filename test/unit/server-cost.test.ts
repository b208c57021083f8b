/** The server-cost delta maths: parsing INFO, per-node deltas, totals, a reset by someone else, per-interval cost. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServerCost, intervalPublishCost, nodeDelta, parseCostCounters, publishCommandstats, type NodeCostCounters } from '../../src/metrics/server-cost.js';
import { METRICS, parseThreshold, parseThresholds, evaluateThreshold } from '../../src/metrics/thresholds.js';
import type { RunSummary } from '../../src/core/result.js';

const INFO = [
  '# CPU', 'used_cpu_sys:1.500000', 'used_cpu_user:2.250000', 'used_cpu_sys_children:9.000000', '',
  '# Stats', 'total_net_output_bytes:123456', '',
  '# Commandstats', 'cmdstat_publish:calls=1000,usec=3100,usec_per_call=3.10,rejected_calls=0,failed_calls=0',
  'cmdstat_spublish:calls=10,usec=40,usec_per_call=4.00,rejected_calls=0,failed_calls=0', 'cmdstat_info:calls=5,usec=50,usec_per_call=10.00',
].join('\r\n');

const counters = (node: string, c: Partial<NodeCostCounters>): NodeCostCounters => ({
  node, cpuUs: 0, publishCalls: 0, publishUsec: 0, spublishCalls: 0, spublishUsec: 0, netOutputBytes: 0, ...c,
});

test('INFO text gives CPU (user + sys, not children), PUBLISH and SPUBLISH commandstats, output bytes', () => {
  assert.deepEqual(parseCostCounters('n:1', INFO), {
    node: 'n:1', cpuUs: 3_750_000, publishCalls: 1000, publishUsec: 3100, spublishCalls: 10, spublishUsec: 40, netOutputBytes: 123456,
  });
  assert.deepEqual(publishCommandstats(INFO), { calls: 1010, usec: 3140 });
  assert.deepEqual(parseCostCounters('n:2', '# CPU\r\nused_cpu_sys:0.5\r\nused_cpu_user:0.5\r\n'), counters('n:2', { cpuUs: 1_000_000 }), 'no PUBLISH yet: zeros');
});

test('per-node deltas, totals and the per-message metrics', () => {
  const { cost, warnings } = buildServerCost({
    start: [counters('a', { cpuUs: 1000, publishCalls: 100, publishUsec: 300, netOutputBytes: 5000 }), counters('b', { cpuUs: 50 })],
    end: [counters('a', { cpuUs: 41_000, publishCalls: 10_100, publishUsec: 30_300, netOutputBytes: 2_005_000 }), counters('b', { cpuUs: 10_050, netOutputBytes: 1_000_000 })],
    windowMs: 1000.4, published: 10_000, delivered: 40_000, peakOutputBufferBytes: 4096, clusterClassic: true,
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(cost.nodes, [
    { node: 'a', cpuUs: 40_000, publishCalls: 10_000, publishUsec: 30_000, netOutputBytes: 2_000_000 },
    { node: 'b', cpuUs: 10_000, publishCalls: 0, publishUsec: 0, netOutputBytes: 1_000_000 },
  ]);
  assert.equal(cost.cpuUs, 50_000);
  assert.equal(cost.cpuUsPerPublish, 5);
  assert.equal(cost.cpuUsPerDelivery, 1.25);
  assert.equal(cost.usPerPublish, 3);
  assert.equal(cost.bytesPerDelivery, 75);
  assert.equal(cost.peakOutputBufferBytes, 4096);
  assert.equal(cost.windowMs, 1000);
  assert.equal(cost.notes.length, 2, 'shared server and cluster bus');
});

test('a counter reset by someone else: that metric is absent with a warning, the others stay', () => {
  const warnings: string[] = [];
  const d = nodeDelta(
    counters('a', { cpuUs: 1000, publishCalls: 5000, publishUsec: 15_000, netOutputBytes: 9_000_000 }),
    counters('a', { cpuUs: 9000, publishCalls: 20, publishUsec: 60, netOutputBytes: 1000 }), warnings,
  );
  assert.deepEqual(d, { node: 'a', cpuUs: 8000 });
  assert.equal(warnings.length, 3);
  assert.match(warnings[0], /commandstats PUBLISH\/SPUBLISH calls on a went backwards/);
  const { cost, warnings: w } = buildServerCost({
    start: [counters('a', { publishCalls: 5000, publishUsec: 15_000 }), counters('b', {})],
    end: [counters('a', { cpuUs: 100, publishCalls: 20, publishUsec: 60 }), counters('b', { cpuUs: 100, publishCalls: 3, publishUsec: 9 })],
    windowMs: 1000, published: 50, delivered: 50, clusterClassic: false,
  });
  assert.equal(cost.usPerPublish, undefined, 'a total missing one node would understate: absent');
  assert.equal(cost.publishCalls, undefined);
  assert.equal(cost.cpuUsPerPublish, 4);
  assert.equal(w.length, 2);
  assert.equal(cost.notes.length, 1, 'no cluster-bus note for a single server');
});

test('nothing published or delivered: no per-message metric, no division by zero; a missing end snapshot is named', () => {
  const { cost, warnings } = buildServerCost({
    start: [counters('a', {}), counters('b', {})], end: [counters('a', { cpuUs: 10 })], windowMs: 1000, published: 0, delivered: 0, clusterClassic: false,
  });
  assert.equal(cost.cpuUs, 10);
  assert.equal(cost.cpuUsPerPublish, undefined);
  assert.equal(cost.cpuUsPerDelivery, undefined);
  assert.equal(cost.usPerPublish, undefined, 'no calls');
  assert.equal(cost.bytesPerDelivery, undefined);
  assert.match(warnings[0], /no end snapshot from b/);
});

test('per interval: calls and µs per call between two readings; none on the first or after a reset', () => {
  assert.equal(intervalPublishCost(undefined, { calls: 10, usec: 30 }), null);
  assert.deepEqual(intervalPublishCost({ calls: 10, usec: 30 }, { calls: 110, usec: 330 }), { calls: 100, usPerCall: 3 });
  assert.deepEqual(intervalPublishCost({ calls: 10, usec: 30 }, { calls: 10, usec: 30 }), { calls: 0, usPerCall: null });
  assert.equal(intervalPublishCost({ calls: 10, usec: 30 }, { calls: 2, usec: 6 }), null);
});

test('server.* thresholds parse as plain numbers (µs, bytes) and judge summary.serverCost; absent fails', () => {
  const t = parseThreshold('server.cpuUsPerPublish < 1000', 'f');
  assert.ok('metric' in t);
  assert.equal(t.limit, 1000);
  for (const name of ['server.cpuUsPerPublish', 'server.cpuUsPerDelivery', 'server.usPerPublish', 'server.bytesPerDelivery']) assert.ok(METRICS.has(name), name);
  assert.equal(parseThresholds(['server.usPerPublish < 5us'], 'f')[0].limit, 5, 'a µs unit may be written');
  const summary = { serverCost: { cpuUsPerPublish: 6.5, windowMs: 1000, nodes: [], notes: [] } } as unknown as RunSummary;
  assert.equal(evaluateThreshold(t, summary).passed, true);
  assert.equal(evaluateThreshold(t, summary).measured, 6.5);
  assert.equal(evaluateThreshold(parseThresholds(['server.bytesPerDelivery < 100'], 'f')[0], summary).passed, false, 'not measured: fails');
});

test('terminal and report show the server cost, per node for a cluster, with its notes; nothing without it', async () => {
  const { formatSummary } = await import('../../src/reporting/terminal.js');
  const { renderReport } = await import('../../src/reporting/html/index.js');
  const { makeResult, makeSummary } = await import('../helpers/summary.js');
  const plain = makeResult(makeSummary());
  assert.doesNotMatch(formatSummary(plain), /Server cost/);
  assert.doesNotMatch(await renderReport(plain), /Server cost/);
  const { cost } = buildServerCost({
    start: [counters('10.0.0.1:7000', {}), counters('10.0.0.2:7001', {})],
    end: [counters('10.0.0.1:7000', { cpuUs: 40_000, publishCalls: 10_000, publishUsec: 31_200, netOutputBytes: 2_000_000 }), counters('10.0.0.2:7001', { cpuUs: 20_000, netOutputBytes: 1_000_000 })],
    windowMs: 1000, published: 10_000, delivered: 40_000, peakOutputBufferBytes: 20_480, clusterClassic: true,
  });
  const summary = makeSummary();
  summary.serverCost = cost;
  const result = makeResult(summary);
  const text = formatSummary(result);
  assert.match(text, /Server cost \(measure phase, from Redis INFO\)/);
  assert.match(text, /CPU per publish\s+6 µs\s+server CPU 60 ms over 2 nodes/);
  assert.match(text, /CPU per delivery\s+1\.5 µs/);
  assert.match(text, /per PUBLISH call\s+3\.12 µs\s+commandstats, 10,000 calls/);
  assert.match(text, /bytes per delivery\s+75 B/);
  assert.match(text, /peak output buffer\s+20 KB/);
  assert.match(text, /10\.0\.0\.2:7001\s+20 ms\s+0\s+–\s+977 KB/);
  assert.match(text, /note: Classic PUBLISH in a cluster is forwarded over the cluster bus/);
  const page = await renderReport(result);
  assert.match(page, /<h2>Server cost<\/h2>/);
  assert.match(page, /3\.12 µs/);
  assert.match(page, /10\.0\.0\.2:7001/);
});

test('baselines compare the server.* metrics, and skip them when a side has no server cost', async () => {
  const { compareWithBaseline, parseMaxRegression } = await import('../../src/metrics/baseline.js');
  const { makeSummary } = await import('../helpers/summary.js');
  const run = (runId: string, usPerPublish?: number) => {
    const summary = makeSummary();
    if (usPerPublish !== undefined) summary.serverCost = { usPerPublish, cpuUsPerPublish: 6, cpuUsPerDelivery: 2, bytesPerDelivery: 100, windowMs: 1000, nodes: [], notes: [] };
    return { runId, summary };
  };
  const b = compareWithBaseline([run('c1', 3.5), run('c2', 3.52), run('c3', 3.49)], [run('b1', 3.1), run('b2', 3.12), run('b3', 3.09)], parseMaxRegression(['5%']));
  const check = b.checks.find((c) => c.metric === 'server.usPerPublish')!;
  assert.equal(check.verdict, 'regression', check.note);
  assert.equal(b.checks.find((c) => c.metric === 'server.cpuUsPerPublish')!.verdict, 'within-tolerance');
  assert.deepEqual(parseMaxRegression(['server.usPerPublish=3%']).perMetric, { 'server.usPerPublish': 0.03 });
  const old = compareWithBaseline([run('c1', 3.5)], [run('b1')]);
  assert.equal(old.checks.find((c) => c.metric === 'server.usPerPublish')!.verdict, 'skipped', 'a baseline without server cost');
  assert.equal(old.regressed, false);
});
