/**
 * `merge`, the pure part, on synthetic segments of one run: counts add exactly, loss is Σ expected − Σ delivered,
 * histograms are added (percentiles of the sum, never averaged), timelines joined by interval; an incomplete or
 * inconsistent set is refused naming what is wrong, unless --allow-partial, which marks the result partial.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode, UsageError, type RunResult } from '../../src/core/index.js';
import { mergeSegments, type SegmentInput } from '../../src/coordinator/merge.js';
import { decodeHistogram, summarizeHistogram } from '../../src/metrics/histogram.js';
import { parseThresholds } from '../../src/metrics/thresholds.js';
import { gatedExitCode } from '../../src/cli/commands/run-gates.js';
import { judge } from '../../src/reporting/describe.js';
import { buildFixture } from '../helpers/fixtures.js';
import { histogramOf } from '../helpers/histograms.js';
import { LOSSLESS, RECEIVERS, buildSegments, latenciesOf } from '../helpers/fixtures-segments.js';

const inputs = (results: RunResult[]): SegmentInput[] => results.map((result, i) => ({ source: `seg${i}/result.json`, result }));
const merge = (results: RunResult[], allowPartial = false, thresholds: string[] = []) =>
  mergeSegments(inputs(results), { allowPartial, thresholds: parseThresholds(thresholds, '--threshold') });

/** Runs `fn`, expecting a UsageError (exit 2); returns its message. */
function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.equal(err.exitCode, ExitCode.usage);
    return err.message;
  }
  assert.fail('expected the merge to be refused');
}

test('counters add exactly and loss is Σ expected − Σ delivered', () => {
  const segs = buildSegments();
  const r = merge(segs);
  const published = LOSSLESS.published.reduce((a, b) => a + b, 0);
  assert.equal(r.summary.published, published);
  assert.equal(r.summary.expectedDeliveries, published * RECEIVERS);
  assert.equal(r.summary.delivered, segs.reduce((n, s) => n + s.summary.delivered, 0));
  assert.equal(r.summary.delivered + r.summary.lost, r.summary.expectedDeliveries);
  assert.equal(r.summary.lost, 0);
  // Each segment alone reports "loss" (its publishers' expected vs its subscribers' receipts): the merge must not add those.
  assert.ok(segs.some((s) => s.summary.lost > 0));
  assert.equal(r.summary.publishReplyReceivers, published * RECEIVERS);
  assert.equal(r.summary.publishRate, published / (r.measureMs / 1000));
  assert.equal(r.runId, 'seg-run-1');
  assert.equal(r.segment, undefined);
  assert.deepEqual(r.segments?.map((s) => s.index), [0, 1, 2]);
  assert.equal(r.plan.workers, segs.reduce((n, s) => n + s.plan.workers, 0));
  assert.deepEqual(r.workers.map((w) => w.workerId), r.workers.map((_, i) => i));
});

test('the merged histogram holds every delivery once, and its percentiles are those of all values together', () => {
  const segs = buildSegments();
  const r = merge(segs);
  const all = LOSSLESS.matrix.flatMap((row, s) => row.flatMap((_, p) => latenciesOf(LOSSLESS, s, p)));
  const direct = histogramOf(all);
  const decoded = decodeHistogram(r.histograms.endToEnd);
  try {
    assert.equal(decoded.totalCount, r.summary.delivered);
    assert.equal(r.summary.latencyUs.endToEnd.count, r.summary.delivered);
    assert.deepEqual(r.summary.latencyUs.endToEnd, summarizeHistogram(direct));
    const meanOfP99s = segs.reduce((n, s) => n + s.summary.latencyUs.endToEnd.p99, 0) / segs.length;
    assert.notEqual(r.summary.latencyUs.endToEnd.p99, meanOfP99s, 'percentiles are never averaged');
  } finally {
    direct.destroy();
    decoded.destroy();
  }
});

test('timelines are joined by interval: rates add, interval histograms add', () => {
  const segs = buildSegments();
  const r = merge(segs);
  assert.equal(r.timeline.length, segs[0].timeline.length);
  for (const [k, e] of r.timeline.entries()) {
    assert.equal(e.publishedPerS, segs.reduce((n, s) => n + s.timeline[k].publishedPerS, 0));
    assert.equal(e.phase, segs[0].timeline[k].phase);
    const want = segs.reduce((n, s) => n + (s.timeline[k].e2eHistogram ? decodedCount(s.timeline[k].e2eHistogram) : 0), 0);
    assert.equal(e.e2eHistogram ? decodedCount(e.e2eHistogram) : 0, want);
  }
});

function decodedCount(encoded: string): number {
  const h = decodeHistogram(encoded);
  try {
    return h.totalCount;
  } finally {
    h.destroy();
  }
}

test('a segment\'s lost messages are judged over every segment\'s receipts, and the matrix is kept', () => {
  const spec = { ...LOSSLESS, matrix: LOSSLESS.matrix.map((row) => row.slice()) };
  spec.matrix[2][1] -= 50;
  const r = merge(buildSegments(spec));
  assert.equal(r.summary.lost, 50);
  assert.deepEqual(r.segments?.map((s) => s.totals.lostOfItsMessages), [0, 50, 0]);
  assert.equal(r.segments?.[2].deliveredFromSegment[1], 1250);
  assert.ok(r.warnings.some((w) => w.startsWith('50 of 9000 expected deliveries were lost')));
});

test('segments of different plans are refused, naming the file and the digests', () => {
  const segs = buildSegments();
  segs[1].segment!.planDigest = 'digest-other';
  const msg = refused(() => merge(segs));
  assert.match(msg, /seg1\/result\.json: has plan digest "digest-other", but seg0\/result\.json has "digest-abc"/);
  assert.match(msg, /same scenario, flags and pubsub-bench version/);
});

test('segments of another run are refused', () => {
  const segs = buildSegments();
  segs[2].segment!.runId = 'other-run';
  assert.match(refused(() => merge(segs)), /seg2\/result\.json: has run id "other-run"/);
});

test('a doubled segment is refused naming both files', () => {
  const segs = buildSegments();
  const msg = refused(() => merge([segs[0], segs[1], segs[1], segs[2]]));
  assert.match(msg, /seg2\/result\.json: is segment 1\/3 again \(also seg1\/result\.json\)/);
});

test('a missing segment is refused naming it; --allow-partial merges and marks the result partial', () => {
  const segs = buildSegments();
  const msg = refused(() => merge([segs[0], segs[2]]));
  assert.match(msg, /segment 1 of 3 \(run seg-run-1\) is missing/);
  assert.match(msg, /--allow-partial/);
  const r = merge([segs[0], segs[2]], true);
  assert.deepEqual(r.missingSegments, [1]);
  assert.deepEqual(r.segments?.map((s) => s.index), [0, 2]);
  assert.ok(r.warnings[0].startsWith('PARTIAL: segment 1 of 3'));
  const v = judge(r);
  assert.equal(v.kind, 'partial');
  assert.ok(v.details.some((d) => d.startsWith('Partial: segment 1 of 3 missing')));
  assert.equal(r.summary.published, LOSSLESS.published[0] + LOSSLESS.published[2]);
});

test('a result that is not a segment is refused with a hint; so is an already merged one', () => {
  const segs = buildSegments();
  const plain = buildFixture({
    seed: 1, scenarioName: 'plain', mode: 'await', batch: 1, medianUs: 500, tailFactor: 3, targetRate: 100, publishRate: 100,
    subscribers: 2, measureS: 2, lossShare: 0, violations: false, bottleneck: false, interrupted: false,
  });
  const msg = refused(() => merge([...segs, plain]));
  assert.match(msg, /seg3\/result\.json: is not a segment result \(it has no `segment`\)/);
  assert.match(msg, /run --segment I\/N --run-id ID/);
  const merged = merge(segs);
  assert.match(refused(() => merge([merged])), /is already a merged result \(of 3 segments\)/);
});

test('thresholds are judged on the merged run: a failing one makes the exit code 99', () => {
  const segs = buildSegments();
  const ok = merge(segs, false, ['lost == 0', 'e2e.p99 < 1s']);
  assert.equal(ok.thresholds?.passed, true);
  assert.equal(gatedExitCode([ok]), ExitCode.ok);
  const bad = merge(segs, false, ['e2e.p50 < 10us']);
  assert.equal(bad.thresholds?.passed, false);
  assert.equal(bad.thresholds?.outcomes[0].measured, bad.summary.latencyUs.endToEnd.p50);
  assert.equal(gatedExitCode([bad]), ExitCode.thresholds);
});

test('one segment that was a harness bottleneck makes the merged run one, naming it', () => {
  const segs = buildSegments();
  segs[1].health = { ...segs[1].health, harnessBottleneck: true, reasons: ['event loop 99% busy in worker 0'] };
  const r = merge(segs);
  assert.equal(r.health.harnessBottleneck, true);
  assert.ok(r.health.reasons.some((x) => x === 'segment 1 (pod-1) was a harness bottleneck (the report\'s segment table says why)'), r.health.reasons.join('\n'));
  assert.deepEqual(r.segments?.[1].totals.healthReasons, ['event loop 99% busy in worker 0']);
  assert.equal(r.segments?.[1].totals.harnessBottleneck, true);
  assert.equal(judge(r).kind, 'harness-bottleneck');
});

test('clock: an offset uncertainty over 10% of the e2e p50 is a warning; a small one is not', () => {
  const segs = buildSegments();
  const calm = merge(segs);
  assert.ok(!calm.warnings.some((w) => w.startsWith('Clock:')));
  assert.equal(judge(calm).kind, 'ok', calm.warnings.join('\n'));
  segs[2].segment!.clockUncertaintyUs = 5000;
  const r = merge(segs);
  assert.ok(r.warnings.some((w) => w.startsWith('Clock: segment 2 knew the server\'s time only to ±5 ms')), r.warnings.join('\n'));
});

test('outages are concatenated in time order, on the one server clock the segments share', () => {
  const segs = buildSegments();
  segs[1].outages = [{ role: 'subscriber', id: 1, cause: 'server closed the connection', atUs: 5_000_000, durationMs: 10, lostMessages: 0 }];
  segs[2].outages = [{ role: 'publisher', id: 2, cause: 'timeout', atUs: 4_000_000, durationMs: null, lostMessages: 0 }];
  const r = merge(segs);
  assert.deepEqual(r.outages?.map((o) => [o.atUs, o.role]), [[4_000_000, 'publisher'], [5_000_000, 'subscriber']]);
});

test('a segment\'s own notes (what a segment alone means) are left out; its other warnings are kept once, naming the segments', () => {
  const segs = buildSegments();
  segs.forEach((s, i) => s.warnings.push(`Segment ${i}/3 of run seg-run-1: its expected deliveries are its publishers' messages to every subscriber of the run.`,
    'TLS certificate verification was OFF (--tls-insecure): the server was not authenticated.'));
  const r = merge(segs);
  assert.ok(!r.warnings.some((w) => w.includes('its expected deliveries are')));
  assert.deepEqual(r.warnings.filter((w) => w.includes('TLS certificate verification')),
    ['Segments 0, 1, 2: TLS certificate verification was OFF (--tls-insecure): the server was not authenticated.']);
});
