/**
 * deploy/k8s as written (no cluster, no kubectl): the invariants a split run depends on. Every segment of one run
 * must run at once with the same run id and N, a lost segment must fail the run instead of being retried, the pods
 * must get what they ask for (Guaranteed QoS) as a non-root user, and the merge Job must collect exactly that run.
 * The rendered output is checked in deploy-kustomize.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { SEGMENT_ENV } from '../../src/core/segment.js';
import { parseDurationMs } from '../../src/scenarios/duration.js';
import { loadScenarioInput } from '../../src/scenarios/load.js';
import { resolveScenario } from '../../src/scenarios/validate.js';
import {
  K8S_DIR, ROOT, containerOf, envOf, find, flagValue, generatedConfigMaps, podSpecOf, readManifest, resolveArg,
  type Container, type K8sObject,
} from '../helpers/deploy.js';

const kustomization = YAML.parse(readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8')) as K8sObject;
const configMaps = generatedConfigMaps(kustomization, K8S_DIR);
const runMap = find(configMaps, 'ConfigMap', 'pubsub-bench-run').data as Record<string, string>;
const segments = find(readManifest('segments-job.yaml'), 'Job', 'pubsub-bench-segments');
const merge = find(readManifest('merge-job.yaml'), 'Job', 'pubsub-bench-merge');
const reader = find(readManifest('report-reader/pod.yaml'), 'Pod');
const segmentSpec = segments.spec as Record<string, any>;
const mergeSpec = merge.spec as Record<string, any>;
const segment = containerOf(segments);
const merger = containerOf(merge);
const N = Number(runMap[SEGMENT_ENV.count]);
const resolved = (c: Container) => (c.args ?? []).map((a) => resolveArg(a, c, configMaps));

test('N is a whole number ≥ 2 in the run ConfigMap, and the written placeholders agree with it', () => {
  assert.ok(Number.isInteger(N) && N >= 2, `${SEGMENT_ENV.count}=${runMap[SEGMENT_ENV.count]} is a segment count`);
  assert.equal(segmentSpec.completions, N, 'completions as written = N (kustomize replaces it anyway)');
  assert.equal(segmentSpec.parallelism, N, 'parallelism as written = N');
});

test('N is one place: the segment-count component copies PUBSUB_BENCH_SEGMENTS into completions and parallelism', () => {
  assert.ok((kustomization.components as string[]).includes('segment-count'), 'the kustomization lists the component');
  const component = YAML.parse(readFileSync(join(K8S_DIR, 'segment-count', 'kustomization.yaml'), 'utf8')) as K8sObject;
  assert.equal(component.kind, 'Component', 'a component, so an overlay that changes N can list it after its change');
  const replacements = (component.replacements ?? []) as Array<{ source: any; targets: any[] }>;
  const fromN = replacements.filter((r) => r.source.kind === 'ConfigMap' && r.source.name === 'pubsub-bench-run' && r.source.fieldPath === `data.${SEGMENT_ENV.count}`);
  assert.equal(fromN.length, 1, 'one replacement reads N');
  const paths = fromN[0].targets.filter((t) => t.select.kind === 'Job' && t.select.name === segments.metadata.name).flatMap((t) => t.fieldPaths as string[]);
  assert.deepEqual(paths.sort(), ['spec.completions', 'spec.parallelism']);
});

test('the segments Job is Indexed with every segment running at once', () => {
  assert.equal(segmentSpec.completionMode, 'Indexed');
  assert.equal(segmentSpec.completions, segmentSpec.parallelism, 'completions = parallelism: no segment waits for another to finish');
});

test('a failed or evicted segment fails the Job at once: no retry, no second pod of one index', () => {
  assert.equal(segmentSpec.backoffLimit, 0);
  assert.equal(segmentSpec.podReplacementPolicy, 'Failed');
  assert.equal(podSpecOf(segments).restartPolicy, 'Never', 'podFailurePolicy requires restartPolicy Never');
  const rules = segmentSpec.podFailurePolicy.rules as Array<Record<string, any>>;
  const onExit = rules.find((r) => r.onExitCodes);
  assert.equal(onExit?.action, 'FailJob');
  assert.deepEqual(onExit?.onExitCodes, { containerName: segment.name, operator: 'NotIn', values: [0] }, 'any non-zero exit of the segment container');
  const onDisruption = rules.find((r) => (r.onPodConditions ?? []).some((c: { type: string }) => c.type === 'DisruptionTarget'));
  assert.equal(onDisruption?.action, 'FailJob', 'eviction or preemption fails the Job too');
  assert.ok(rules.every((r) => r.action === 'FailJob'), 'no rule ignores or retries a failure');
});

test('segments spread over nodes, counting this Job\'s segment pods', () => {
  const spread = podSpecOf(segments).topologySpreadConstraints as Array<Record<string, any>>;
  const byNode = spread.find((s) => s.topologyKey === 'kubernetes.io/hostname');
  assert.ok(byNode, 'a spread constraint over kubernetes.io/hostname');
  assert.equal(byNode.maxSkew, 1);
  const labels = (segmentSpec.template.metadata.labels ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(byNode.labelSelector.matchLabels as Record<string, string>)) {
    assert.equal(labels[k], v, `the selector's ${k}=${v} is on the segment pods`);
  }
  assert.notEqual(labels['app.kubernetes.io/component'], (mergeSpec.template.metadata.labels ?? {})['app.kubernetes.io/component'], 'the merge pod is not counted as a segment');
});

for (const [what, object, container] of [['segments', segments, segment], ['merge', merge, merger], ['report reader', reader, containerOf(reader)]] as const) {
  test(`${what}: Guaranteed QoS (requests = limits) and a non-root user on a read-only root file system`, () => {
    const { requests = {}, limits = {} } = container.resources ?? {};
    for (const r of ['cpu', 'memory']) {
      assert.ok(requests[r] !== undefined, `requests.${r} is set`);
      assert.equal(String(requests[r]), String(limits[r]), `requests.${r} = limits.${r}`);
    }
    const pod = podSpecOf(object).securityContext as Record<string, any>;
    assert.equal(pod.runAsNonRoot, true);
    assert.ok(Number.isInteger(pod.runAsUser) && pod.runAsUser > 0, `runAsUser ${pod.runAsUser} is a non-root uid`);
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
    // With a read-only root, every folder the CLI writes must be a volume.
    const mounts = (container.volumeMounts ?? []).map((m) => m.mountPath);
    const out = flagValue(resolved(container), '--out');
    if (out !== undefined) assert.ok(mounts.some((m) => out === m || out.startsWith(`${m}/`)), `--out ${out} is on a volume (${mounts.join(', ')})`);
    if (container.args !== undefined) assert.ok(mounts.includes('/tmp'), 'the OS temp folder (result.json fallback) is a volume');
  });
}

test('segments run whole CPUs, and as many worker threads as CPUs', () => {
  const cpu = String(segment.resources?.limits?.cpu);
  assert.match(cpu, /^[1-9]\d*$/, `a whole number of CPUs (${cpu}), so the static CPU manager can pin them`);
  const workers = flagValue(segment.args ?? [], '--workers') ?? '';
  const ref = /^\$\((\w+)\)$/.exec(workers);
  const from = ref ? envOf(segment, ref[1])?.valueFrom?.resourceFieldRef : undefined;
  assert.deepEqual(from && { resource: from.resource, containerName: from.containerName }, { resource: 'limits.cpu', containerName: segment.name });
});

test('segments read their index, N and the run id from the variables the CLI reads (SEGMENT_ENV)', () => {
  assert.equal(envOf(segment, SEGMENT_ENV.index)?.valueFrom?.fieldRef?.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  for (const name of [SEGMENT_ENV.count, SEGMENT_ENV.runId]) {
    assert.deepEqual(envOf(segment, name)?.valueFrom?.configMapKeyRef, { name: 'pubsub-bench-run', key: name }, `${name} from the shared ConfigMap`);
  }
  assert.equal(resolveArg(`$(${SEGMENT_ENV.count})`, segment, configMaps), String(N));
  assert.equal(envOf(segment, 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name', 'segments are named by pod in the merged report');
});

for (const [what, container] of [['segments', segment], ['merge', merger]] as const) {
  test(`${what}: every $(VAR) in the args is defined, and the password comes from the Secret by --password-env`, () => {
    for (const arg of container.args ?? []) {
      for (const [, name] of arg.matchAll(/\$\((\w+)\)/g)) assert.ok(envOf(container, name), `$(${name}) in ${JSON.stringify(arg)} is defined in env`);
    }
    const passwordVar = flagValue(container.args ?? [], '--password-env');
    assert.ok(passwordVar, '--password-env names the variable');
    assert.deepEqual(envOf(container, passwordVar)?.valueFrom?.secretKeyRef, { name: 'pubsub-bench-redis', key: 'password' });
    assert.ok(!(container.args ?? []).some((a) => /\$\(REDIS_PASSWORD\)|:\/\/[^/@]*:[^/@]*@/.test(a)), 'no password in the arguments');
  });
}

test('segments run the scenario from the ConfigMap generated from scenario.yaml, a valid scenario N can split', async () => {
  assert.equal(segment.args?.[0], 'run');
  const file = segment.args?.[1] ?? '';
  const mount = (segment.volumeMounts ?? []).find((m) => file.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `${file} is on a mounted volume`);
  const volume = (podSpecOf(segments).volumes as Array<Record<string, any>>).find((v) => v.name === mount.name);
  const scenarioMap = find(configMaps, 'ConfigMap', volume?.configMap?.name);
  const key = file.slice(mount.mountPath.length + 1);
  assert.ok(key in (scenarioMap.data as object), `${key} is a key of ConfigMap ${scenarioMap.metadata.name}`);

  const scenario = resolveScenario((await loadScenarioInput(join(K8S_DIR, key))).input, key);
  const fleet = scenario.publishers.count + scenario.subscribers.reduce((n, s) => n + s.count, 0);
  assert.ok(fleet >= N, `publishers + subscribers (${fleet}) ≥ N (${N}): more segments than connections is refused`);
});

test('the merge Job collects the same run from Redis: target, run id and N agree with the segments\'', () => {
  const m = resolved(merger);
  const s = resolved(segment);
  assert.equal(m[0], 'merge');
  assert.equal(flagValue(m, '--from-redis'), flagValue(s, '--target'), 'reads the Redis the segments stored their results in');
  assert.equal(flagValue(m, '--segments'), String(segmentSpec.completions), '--segments = completions');
  assert.equal(flagValue(m, '--run-id'), resolveArg(`$(${SEGMENT_ENV.runId})`, segment, configMaps), '--run-id = the segments\' run id');
  assert.equal(mergeSpec.backoffLimit, 0);
  assert.equal(podSpecOf(merge).restartPolicy, 'Never');

  // The merge starts with the segments, so it must outwait them; its own deadline must outlast its wait.
  const waitMs = parseDurationMs(flagValue(m, '--wait'), '--wait');
  assert.ok(waitMs >= segmentSpec.activeDeadlineSeconds * 1000, `--wait ${waitMs} ms ≥ the segments' deadline ${segmentSpec.activeDeadlineSeconds} s`);
  assert.ok(mergeSpec.activeDeadlineSeconds * 1000 > waitMs, 'the merge Job\'s deadline is longer than --wait');
});

test('the merged report goes to the reports volume the report reader mounts', () => {
  const claim = (o: K8sObject) => (podSpecOf(o).volumes as Array<Record<string, any>>).map((v) => v.persistentVolumeClaim?.claimName).filter(Boolean);
  const pvc = find(readManifest('reports-pvc.yaml'), 'PersistentVolumeClaim');
  assert.deepEqual(claim(merge), [pvc.metadata.name]);
  assert.deepEqual(claim(reader), [pvc.metadata.name]);
  assert.deepEqual(claim(segments), [], 'segments share no volume: results travel through Redis');
});

test('one image everywhere: every container names it, the image component sets it, tagged with the package version', () => {
  for (const c of [segment, merger, containerOf(reader)]) assert.equal(c.image, 'pubsub-bench', `${c.name} uses the image name the component rewrites`);
  const component = YAML.parse(readFileSync(join(K8S_DIR, 'image', 'kustomization.yaml'), 'utf8')) as Record<string, any>;
  assert.equal(component.kind, 'Component');
  assert.equal(component.images.length, 1);
  assert.equal(component.images[0].name, 'pubsub-bench');
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(component.images[0].newTag, version, 'the manifests run the image of this package version');
  const readerKustomization = YAML.parse(readFileSync(join(K8S_DIR, 'report-reader', 'kustomization.yaml'), 'utf8')) as Record<string, any>;
  assert.ok((kustomization.components as string[]).includes('image'));
  assert.deepEqual(readerKustomization.components, ['../image']);
});

test('every manifest in deploy/k8s is listed in the kustomization (none forgotten, none missing)', () => {
  const files = readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'scenario.yaml').sort();
  assert.deepEqual([...(kustomization.resources as string[])].sort(), files);
});
