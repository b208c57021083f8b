/**
 * Verdicts that never mislead: a run that measured nothing is "NO DATA" (exit 5) in every output, never "OK"; the
 * verdict and failed checks reach stderr for `--json`; baseline warnings reach the terminal, JUnit and the step
 * summary; `compare` says when the runs differ in scenario, target or harness version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ExitCode, type RunResult } from '../../src/core/index.js';
import { judge, noDataReason } from '../../src/reporting/describe.js';
import { formatSummary } from '../../src/reporting/terminal.js';
import { renderJunitSections, renderStepSummary, verdictLines } from '../../src/reporting/ci/index.js';
import { verdictBanner } from '../../src/reporting/html/sections.js';
import { compareResults, formatComparison } from '../../src/reporting/compare.js';
import { renderCompareReport } from '../../src/reporting/html/index.js';
import { gatedExitCode } from '../../src/cli/commands/run-gates.js';
import { compareWithBaseline } from '../../src/metrics/baseline.js';
import { evaluateThresholds, parseThresholds } from '../../src/metrics/thresholds.js';
import { latency, makeResult, makeSummary } from '../helpers/summary.js';
import { fixturePath } from '../helpers/fixtures.js';

const T = { timeout: 10_000 };
const load = (name: string): RunResult => JSON.parse(readFileSync(fixturePath(name), 'utf8')) as RunResult;
const none = latency(0, 0, 0);

/** A run that published nothing: what `run --publishers 0` recorded before this verdict existed. */
function nothingPublished(over: { publishers?: number; subscribers?: number; publishErrors?: number; unsent?: number } = {}): RunResult {
  const r = makeResult(makeSummary({
    extra: {
      published: 0, expectedDeliveries: 0, delivered: 0, publishReplyReceivers: 0, publishRate: 0, deliveryRate: 0,
      publishErrors: over.publishErrors ?? 0, unsent: over.unsent ?? 0, latencyUs: { endToEnd: none, endToEndUncorrected: none, publish: none },
    },
  }));
  r.scenario.publishers.count = over.publishers ?? 1;
  r.scenario.subscribers[0].count = over.subscribers ?? 1;
  return r;
}

test('a run without publishers, subscribers or successful publishes is NO DATA with its reason, never OK', T, () => {
  const cases: Array<[RunResult, RegExp]> = [
    [nothingPublished({ publishers: 0 }), /no publishers \(--publishers 0\): nothing was published/],
    [nothingPublished({ publishers: 0, subscribers: 0 }), /no publishers and no subscribers/],
    [nothingPublished({ publishErrors: 2970 }), /every publish failed: 2970 measured publish command\(s\) returned an error/],
    [nothingPublished({ unsent: 20 }), /nothing was published during the measure phase: 20 scheduled message\(s\) were never sent/],
    [nothingPublished(), /nothing was published during the measure phase/],
  ];
  const published = makeResult(makeSummary({ extra: { expectedDeliveries: 0, delivered: 0, publishReplyReceivers: 0 } }));
  cases.push([published, /published but no subscription receives them/]);
  const noSubscribers = makeResult(makeSummary({ extra: { expectedDeliveries: 0, delivered: 0 } }));
  noSubscribers.scenario.subscribers[0].count = 0;
  cases.push([noSubscribers, /no subscribers \(--subscribers 0\): no delivery was expected/]);
  for (const [r, reason] of cases) {
    const v = judge(r);
    assert.equal(v.kind, 'no-data', reason.source);
    assert.match(v.title, /^NO DATA: /);
    assert.match(v.title, reason);
    assert.equal(gatedExitCode([r]), ExitCode.noData);
  }
  const refused = nothingPublished({ publishErrors: 40 });
  refused.summary.publishErrorTexts = [{ text: "NOPERM User bench has no permissions to access the 'ch' channel", count: 40 }];
  assert.match(judge(refused).title, /^NO DATA: every publish failed: 40 measured .* \(most often: NOPERM User bench has no permissions/);
  const ok = makeResult(makeSummary());
  assert.equal(noDataReason(ok), null);
  assert.equal(judge(ok).kind, 'ok');
  assert.equal(gatedExitCode([ok]), ExitCode.ok);
});

test('NO DATA ranks below an interrupt and a failed worker, above a threshold that failed for want of samples', T, () => {
  const r = nothingPublished({ publishers: 0 });
  r.thresholds = { passed: false, outcomes: evaluateThresholds(parseThresholds(['e2e.p99 < 5ms'], 't'), { summary: r.summary }) };
  assert.equal(gatedExitCode([r]), ExitCode.noData);
  assert.equal(judge(r).kind, 'no-data');
  assert.equal(gatedExitCode([{ ...r, errors: ['worker 0: boom'] }]), ExitCode.internal);
  assert.equal(gatedExitCode([{ ...r, interrupted: true }]), ExitCode.sigint);
});

test('NO DATA shows in the terminal, the report banner, JUnit and the step summary', T, () => {
  const r = nothingPublished({ publishers: 0 });
  assert.match(formatSummary(r), /^NO DATA: the fleet has no publishers/);
  assert.match(String(verdictBanner(r)), /data-verdict="no-data"><strong>NO DATA: the fleet has no publishers/);
  const xml = renderJunitSections([{ outcomes: [], noData: noDataReason(r)! }]);
  assert.match(xml, /<testsuites [^>]*tests="1" failures="1"/);
  assert.match(xml, /<testcase classname="pubsub-bench\.run" name="measured data">\s*<failure message="NO DATA: the fleet has no publishers/);
  assert.match(renderStepSummary(r, []), /^## pubsub-bench: synthetic — ❌ NO DATA: the fleet has no publishers/);
});

test('--json stderr lines: the verdict, every failed threshold and regression, baseline warnings, the report path', T, () => {
  const r = makeResult(makeSummary({ e2eP99Us: 9000 }));
  r.thresholds = { passed: false, outcomes: evaluateThresholds(parseThresholds(['e2e.p99 < 5ms', 'lost == 0'], 't'), { summary: r.summary }) };
  r.baseline = compareWithBaseline([r], [makeResult(makeSummary({ e2eP99Us: 1000 }))]);
  const lines = verdictLines(r, 'reports/x/report.html');
  assert.equal(lines[0], 'pubsub-bench: verdict: Thresholds failed');
  assert.ok(lines.includes('pubsub-bench: threshold failed: ✗ e2e.p99 < 5ms — measured 9 ms'), lines.join('\n'));
  assert.ok(!lines.some((l) => /lost == 0/.test(l)), 'a threshold that held is not a failed check');
  assert.ok(lines.some((l) => /^pubsub-bench: regression: e2e\.p99 baseline 1 ms → current 9 ms/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^pubsub-bench: baseline warning: .*noise cannot be told from change/.test(l)), lines.join('\n'));
  assert.equal(lines.at(-1), 'pubsub-bench: report: reports/x/report.html (result.json beside it)');
});

test('baseline warnings reach the terminal, JUnit system-out and the step summary', T, () => {
  const current = makeResult(makeSummary());
  const other = makeResult(makeSummary());
  other.scenario.publishers.messageBytes = 4096;
  current.baseline = compareWithBaseline([current], [other]);
  const warnings = current.baseline.warnings;
  assert.ok(warnings.some((w) => /do not share one scenario/.test(w)) && warnings.some((w) => /noise cannot be told from change/.test(w)));
  const text = formatSummary(current);
  const junit = renderJunitSections([{ outcomes: [], baseline: current.baseline }]);
  const md = renderStepSummary(current, [], current.baseline);
  for (const pattern of [/The runs do not share one scenario/, /a single run on a side, noise cannot be told from change/]) {
    assert.match(text.slice(text.indexOf('── Baseline')), new RegExp(`! [^\n]*${pattern.source}`), 'terminal, under the baseline table');
    assert.match(junit, new RegExp(`<system-out>[^<]*${pattern.source}`), 'JUnit system-out');
    assert.match(md, new RegExp(`> [^\n]*${pattern.source}`), 'step summary');
  }
});

test('compare warns in the terminal and compare.html when scenarios, targets or harness versions differ', T, async () => {
  const a = load('await.json');
  const b = load('pipeline.json');
  const c = compareResults([a, b], ['await', 'pipeline']);
  assert.equal(c.warnings.length, 1, c.warnings.join('\n'));
  assert.match(c.warnings[0], /The runs do not share one scenario: pipeline differ\(s\) from await/);
  assert.match(formatComparison(c), /! The runs do not share one scenario/);
  assert.match(await renderCompareReport([a, b], ['await', 'pipeline']), /<div class="warning">The runs do not share one scenario/);

  const remote = load('await.json');
  remote.target = { ...remote.target, local: false, urls: ['redis://cache.example:6379'], redisVersion: '7.2.4' };
  remote.versions = { ...remote.versions, harness: '0.2.0', redis: '7.2.4' };
  const d = compareResults([a, remote], ['here', 'there']);
  assert.equal(d.warnings.length, 2, d.warnings.join('\n'));
  assert.match(d.warnings[0], /did not load the same target \(here: redis:\/\/.*Redis 7\.0\.15\); there: redis:\/\/cache\.example:6379 \(single, Redis 7\.2\.4\)\)/);
  assert.match(d.warnings[1], /different pubsub-bench versions \(here: 0\.1\.0; there: 0\.2\.0\)/);

  // Two throwaway local servers have different ports but are the same kind of target; a matrix varies scenarios on purpose.
  const again = load('await.json');
  again.target = { ...again.target, urls: ['redis://127.0.0.1:40001'] };
  assert.deepEqual(compareResults([a, again], ['1', '2']).warnings, []);
  assert.deepEqual(compareResults([a, b], ['await', 'pipeline'], { scenariosVary: true }).warnings, []);
});

test('a "no" bottleneck keeps its notes beside it in the terminal and the report', T, () => {
  const r = makeResult(makeSummary());
  r.health = { ...r.health, harnessBottleneck: false, reasons: ['30 of 1000 measured sends (3.0%) left over 5 ms after their intended time'] };
  assert.match(formatSummary(r), /bottleneck {2}no \([^)]*\)\n {4}- 30 of 1000 measured sends/);
  assert.doesNotMatch(formatSummary(makeResult(makeSummary())), /bottleneck {2}no \([^)]*\)\n {4}- /);
});
