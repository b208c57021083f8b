/**
 * deploy/k8s as a cluster would receive it: rendered with `kubectl kustomize` (client-side, no cluster needed).
 * Skipped, with the reason printed, where kubectl is not on PATH; the written files are checked without it in
 * deploy-manifests.test.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SEGMENT_ENV } from '../../src/core/segment.js';
import { findTool } from '../../src/targets/tools.js';
import {
  K8S_DIR, containerOf, find, flagValue, parseManifests, podSpecOf, resolveArg, type K8sObject,
} from '../helpers/deploy.js';

const kubectl = findTool('kubectl');
const skip = kubectl ? false : 'kubectl is not on PATH: the rendered manifests are NOT checked (deploy-manifests.test.ts checks the files)';
if (skip) process.stderr.write(`deploy-kustomize.test: ${skip}\n`);

const work = mkdtempSync(join(tmpdir(), 'pb-kustomize-'));
after(() => rmSync(work, { recursive: true, force: true }));

function render(dir: string): K8sObject[] {
  return parseManifests(execFileSync(kubectl!, ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 }));
}

/** An overlay of deploy/k8s that changes only the run ConfigMap's literals, as docs/scale-out.md tells a user to. */
function overlay(literals: Record<string, string>): string {
  const dir = mkdtempSync(join(work, 'overlay-'));
  writeFileSync(join(dir, 'kustomization.yaml'), [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `  - ${relative(dir, K8S_DIR)}`, // kustomize refuses an absolute base
    'configMapGenerator:',
    '  - name: pubsub-bench-run',
    '    behavior: merge',
    '    literals:',
    ...Object.entries(literals).map(([k, v]) => `      - ${k}=${v}`),
    'components:',
    `  - ${relative(dir, join(K8S_DIR, 'segment-count'))}`,
    '',
  ].join('\n'));
  return dir;
}

/** What a run looks like once rendered: N, its run id, and the merge's resolved arguments. */
function summarise(objects: K8sObject[]) {
  const maps = objects.filter((o) => o.kind === 'ConfigMap');
  const segments = find(objects, 'Job', 'pubsub-bench-segments');
  const merge = find(objects, 'Job', 'pubsub-bench-merge');
  const segment = containerOf(segments);
  const merger = containerOf(merge);
  const mergeArgs = (merger.args ?? []).map((a) => resolveArg(a, merger, maps));
  const spec = segments.spec as Record<string, number>;
  return {
    completions: spec.completions,
    parallelism: spec.parallelism,
    segmentsEnv: resolveArg(`$(${SEGMENT_ENV.count})`, segment, maps),
    runIdEnv: resolveArg(`$(${SEGMENT_ENV.runId})`, segment, maps),
    mergeSegments: flagValue(mergeArgs, '--segments'),
    mergeRunId: flagValue(mergeArgs, '--run-id'),
    images: [segment.image, merger.image],
  };
}

test('rendered: hashed ConfigMaps are referenced by every pod, N and the run id agree across both Jobs', { skip }, () => {
  const objects = render(K8S_DIR);
  const maps = new Set(objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name));
  for (const name of maps) assert.match(name, /-[a-z0-9]{10}$/, `${name} carries kustomize's content hash`);
  for (const job of objects.filter((o) => o.kind === 'Job')) {
    const c = containerOf(job);
    const refs = [
      ...(c.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.name),
      ...(podSpecOf(job).volumes as Array<Record<string, any>>).map((v) => v.configMap?.name),
    ].filter((n): n is string => n !== undefined);
    for (const ref of refs) assert.ok(maps.has(ref), `${job.metadata.name} refers to ConfigMap ${ref}, which is rendered`);
    assert.equal(job.metadata.labels?.['app.kubernetes.io/part-of'], 'pubsub-bench');
  }
  const s = summarise(objects);
  assert.equal(s.completions, s.parallelism);
  assert.equal(String(s.completions), s.segmentsEnv);
  assert.equal(s.mergeSegments, s.segmentsEnv);
  assert.equal(s.mergeRunId, s.runIdEnv);
  assert.equal(new Set(s.images).size, 1, `one image: ${s.images.join(', ')}`);
  assert.notEqual(s.images[0], 'pubsub-bench', 'the image component rewrote the bare name');
  const readerImage = containerOf(find(render(join(K8S_DIR, 'report-reader')), 'Pod')).image;
  assert.equal(readerImage, s.images[0], 'the report reader runs the same image');
});

test('rendered: changing N and the run id in one place changes completions, parallelism and the merge together', { skip }, () => {
  const s = summarise(render(overlay({ [SEGMENT_ENV.count]: '5', [SEGMENT_ENV.runId]: 'nightly-42' })));
  assert.deepEqual(
    { completions: s.completions, parallelism: s.parallelism, segmentsEnv: s.segmentsEnv, mergeSegments: s.mergeSegments, runIdEnv: s.runIdEnv, mergeRunId: s.mergeRunId },
    { completions: 5, parallelism: 5, segmentsEnv: '5', mergeSegments: '5', runIdEnv: 'nightly-42', mergeRunId: 'nightly-42' },
  );
});
