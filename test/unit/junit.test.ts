import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendStepSummary, markdownText, renderJunit, renderStepSummary, xmlEscape } from '../../src/reporting/ci/index.js';
import { evaluateThresholds, parseThresholds } from '../../src/metrics/thresholds.js';
import { compareWithBaseline } from '../../src/metrics/baseline.js';
import { makeResult, makeSummary } from '../helpers/summary.js';

/** A parsed XML element. */
interface Element {
  name: string;
  attrs: Record<string, string>;
  children: Element[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&([a-z]+|#\d+);|&/g, (m, name: string | undefined) => {
    if (name === undefined) throw new Error('bare & in XML text');
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    if (!(name in ENTITIES)) throw new Error(`unknown entity &${name};`);
    return ENTITIES[name];
  });
}

/** A strict little XML reader: one root, balanced tags, quoted attributes, known entities only; throws otherwise. */
function parseXml(xml: string): Element {
  const body = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const root: Element = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const tagRe = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = tagRe.exec(body)) !== null && m[0] !== '') {
    last = tagRe.lastIndex;
    const [, close, name, attrText, selfClose, text, stray] = m;
    const top = stack[stack.length - 1];
    if (stray) throw new Error(`malformed tag at ${m.index}`);
    if (text !== undefined) {
      if (stack.length === 1 && text.trim() !== '') throw new Error('text outside the root');
      top.text += decode(text);
    } else if (close) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText.matchAll(/([A-Za-z][\w.-]*)="([^"]*)"/g)) {
        if (a[1] in attrs) throw new Error(`duplicate attribute ${a[1]}`);
        attrs[a[1]] = decode(a[2]);
      }
      const el: Element = { name, attrs, children: [], text: '' };
      top.children.push(el);
      if (!selfClose) stack.push(el);
    }
  }
  if (last !== body.length) throw new Error(`unparsed XML from offset ${last}`);
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) throw new Error('expected one root element');
  return root.children[0];
}

test('the little XML reader rejects what a CI parser would', () => {
  assert.throws(() => parseXml('<a><b></a>'), /closes/);
  assert.throws(() => parseXml('<a x="1 < 2"/>'), /malformed|unparsed/);
  assert.throws(() => parseXml('<a>&nbsp;</a>'), /unknown entity/);
  assert.throws(() => parseXml('<a>x & y</a>'), /bare &/);
  assert.equal(parseXml('<a q="&quot;&amp;"><b/>t&lt;</a>').attrs.q, '"&');
});

const hostile = 'evil "name" <script>&amp; \u0001 ]]> \n line';

test('JUnit: one testcase per threshold and per baseline check, failures carry the measured value', () => {
  const summary = makeSummary({ e2eP99Us: 7000, lost: 3 });
  const outcomes = evaluateThresholds(parseThresholds(['e2e.p99 < 5ms', 'lost == 0', 'reordered == 0'], 't'), { summary });
  const current = [{ runId: 'c', summary }];
  const baseline = compareWithBaseline(current, [{ runId: 'b', summary: makeSummary({ e2eP99Us: 1000 }) }]);
  const doc = parseXml(renderJunit(outcomes, baseline));
  assert.equal(doc.name, 'testsuites');
  const [thresholds, base] = doc.children;
  assert.deepEqual([thresholds.attrs.name, thresholds.attrs.tests, thresholds.attrs.failures], ['thresholds', '3', '2']);
  assert.deepEqual(thresholds.children.map((c) => c.attrs.name), ['e2e.p99 < 5ms', 'lost == 0', 'reordered == 0']);
  const failure = thresholds.children[0].children.find((c) => c.name === 'failure');
  assert.match(failure?.attrs.message ?? '', /measured 7 ms; limit 5 ms/);
  assert.equal(thresholds.children[2].children[0].name, 'system-out', 'a passing case says what was measured');
  assert.equal(base.attrs.name, 'baseline');
  const baseCases = base.children.filter((c) => c.name === 'testcase');
  assert.equal(baseCases.length, baseline.checks.length);
  assert.match(base.children.find((c) => c.name === 'system-out')?.text ?? '', /1 current vs 1 baseline run\(s\)\n.*cannot be told from change/);
  const p99 = baseCases.find((c) => c.attrs.name === 'e2e.p99 vs baseline');
  assert.match(p99?.children.find((c) => c.name === 'failure')?.attrs.message ?? '', /regression/);
  const failures = baseline.checks.filter((c) => !c.passed).length;
  assert.equal(doc.attrs.tests, String(3 + baseline.checks.length));
  assert.equal(doc.attrs.failures, String(2 + failures));
});

test('JUnit escapes hostile text and control characters; an empty set is still a valid document', () => {
  const outcome = { expression: hostile, metric: 'lost', measured: 1, limit: 0, unit: 'count' as const, passed: false };
  const xml = renderJunit([outcome]);
  const doc = parseXml(xml);
  assert.equal(doc.children[0].children[0].attrs.name, hostile.replace('\u0001', '\uFFFD'));
  assert.ok(!xml.includes('<script>'));
  assert.equal(xmlEscape('a\u0000b\uD800c'), 'a\uFFFDb\uFFFDc');
  assert.equal(parseXml(renderJunit([])).children[0].attrs.tests, '0');
});

test('step summary: verdict, key numbers, thresholds and baseline tables, hostile text escaped', () => {
  const summary = makeSummary({ e2eP99Us: 7000 });
  const result = makeResult(summary);
  result.scenario = { ...result.scenario, name: 'x | <b>bold</b>' };
  result.warnings = [hostile];
  const outcomes = evaluateThresholds(parseThresholds(['e2e.p99 < 5ms', 'lost == 0'], 't'), { summary });
  const baseline = compareWithBaseline([{ runId: 'c', summary }], [{ runId: 'b', summary: makeSummary({ e2eP99Us: 1000 }) }]);
  const md = renderStepSummary(result, outcomes, baseline);
  assert.match(md, /^## pubsub-bench: x \\\| \\<b\\>bold\\<\/b\\> — ❌ 1 of 2 thresholds failed, \d+ regression\(s\)/);
  assert.match(md, /\| ❌ \| `e2e\.p99 < 5ms` \| 7 ms \|/);
  assert.match(md, /\| ✅ \| `lost == 0` \| 0 \|/);
  assert.match(md, /### Baseline \(1 current vs 1 baseline run\(s\)\)/);
  assert.match(md, /regression \(inconclusive\)/);
  assert.ok(!md.includes('<script>') && !md.includes('<b>'));
  // Every row of a table has as many unescaped cell separators as its header: no hostile text split a cell.
  const cells = (line: string): number => line.replace(/\\\|/g, '').split('|').length;
  let header = 0;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) header = 0;
    else if (header === 0) header = cells(line);
    else assert.equal(cells(line), header, line);
  }
  const clean = renderStepSummary(makeResult(makeSummary()), evaluateThresholds(parseThresholds(['lost == 0'], 't'), { summary: makeSummary() }));
  assert.match(clean, /— ✅ passed/);
  assert.equal(markdownText('a\nb|c'), 'a b\\|c');
});

test('the step summary is appended only when GITHUB_STEP_SUMMARY is set', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'step-summary-'));
  try {
    const file = path.join(dir, 'summary.md');
    assert.equal(await appendStepSummary('# one', {}), null);
    assert.equal(await appendStepSummary('# one', { GITHUB_STEP_SUMMARY: file }), file);
    await appendStepSummary('# two\n', { GITHUB_STEP_SUMMARY: file });
    assert.equal(await readFile(file, 'utf8'), '# one\n\n# two\n\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the CI examples in docs/ci are valid YAML, gate on thresholds and upload the report and JUnit file', async () => {
  const { parse } = await import('yaml');
  const { REPO_ROOT } = await import('../helpers/fixtures.js');
  const gh = parse(await readFile(path.join(REPO_ROOT, 'docs/ci/github-actions.yml'), 'utf8'));
  const job = gh.jobs['pubsub-gate'];
  assert.equal(job.services.redis.image.startsWith('redis:'), true);
  const run = job.steps.map((s: { run?: string }) => s.run ?? '').join('\n');
  assert.match(run, /pubsub-bench run .*--threshold 'e2e\.p99 < 5ms'.*--junit reports\/junit\.xml/s);
  for (const expr of run.match(/--threshold '([^']+)'/g)!.map((m: string) => m.slice(13, -1))) parseThresholds([expr], 'docs');
  const upload = job.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/upload-artifact'));
  assert.match(upload.with.path, /report\.html/);
  const gl = parse(await readFile(path.join(REPO_ROOT, 'docs/ci/gitlab-ci.yml'), 'utf8'));
  const glJob = gl['pubsub-bench'];
  assert.equal(glJob.services[0].alias, 'redis');
  assert.equal(glJob.artifacts.reports.junit, 'reports/junit.xml');
  assert.match(glJob.script.join('\n'), /--target "\$TARGET".*--junit reports\/junit\.xml/s);
  assert.deepEqual(glJob.allow_failure.exit_codes, [98]);
});
