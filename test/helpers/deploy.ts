/**
 * Reading the deployment files as data for the tests: the Dockerfile split into stages and instructions, the
 * Kubernetes manifests parsed with `yaml`, and a container's `$(VAR)` arguments resolved the way the kubelet does.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

/** The package folder: helpers are compiled to <root>/<outDir>/test/helpers/. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const K8S_DIR = join(ROOT, 'deploy', 'k8s');

/** One Dockerfile instruction, continuation lines joined. */
export interface DockerInstruction {
  keyword: string;
  args: string;
}

/** One `FROM` stage: its base image, its `AS` name, its instructions after FROM. */
export interface DockerStage {
  base: string;
  name: string | undefined;
  instructions: DockerInstruction[];
}

/** Splits a Dockerfile into stages (comments and parser directives dropped, `\` continuations joined). */
export function parseDockerfile(text: string): DockerStage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  const stages: DockerStage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const keyword = match[1].toUpperCase();
    const args = match[2];
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ base: from ? from[1] : args, name: from?.[2], instructions: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push({ keyword, args });
    }
  }
  return stages;
}

/** The sources of a stage's `COPY` instructions that copy from the build context (not `--from=`). */
export function copiedFromContext(stage: DockerStage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))
    .flatMap((i) => i.args.split(/\s+/).filter((w) => !w.startsWith('--')).slice(0, -1))
    .map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
}

/** A parsed Kubernetes object: only the parts the tests read are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Parses every document of a YAML stream (a manifest file or `kubectl kustomize` output). */
export function parseManifests(text: string): K8sObject[] {
  return YAML.parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/**
 * The ConfigMaps a kustomization's configMapGenerator makes, without their hash suffix: literals `KEY=VALUE` and
 * files (key = file name), read from `dir`.
 */
export function generatedConfigMaps(kustomization: K8sObject, dir: string): K8sObject[] {
  const generators = (kustomization.configMapGenerator ?? []) as Array<{ name: string; literals?: string[]; files?: string[] }>;
  return generators.map((g) => {
    const data: Record<string, string> = {};
    for (const literal of g.literals ?? []) {
      const eq = literal.indexOf('=');
      data[literal.slice(0, eq)] = literal.slice(eq + 1);
    }
    for (const file of g.files ?? []) data[file.split('/').pop()!] = readFileSync(join(dir, file), 'utf8');
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name }, data };
  });
}

/** Reads a manifest file under deploy/k8s. */
export function readManifest(relative: string): K8sObject[] {
  return parseManifests(readFileSync(join(K8S_DIR, relative), 'utf8'));
}

/**
 * The object of `kind` named `name` — also as kustomize renders a generated one, with a `-<hash>` suffix — or the
 * only one of its kind; throws naming what is missing.
 */
export function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const named = (n: string) => name === undefined || n === name || (n.startsWith(`${name}-`) && /^[a-z0-9]{10}$/.test(n.slice(name.length + 1)));
  const hits = objects.filter((o) => o.kind === kind && named(o.metadata.name));
  if (hits.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${hits.length}`);
  return hits[0];
}

/** The fields of a container that the tests read. */
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

/** A container env entry. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string; containerName?: string; divisor?: string };
  };
}

/** A Job's (or a Pod's) pod spec. */
export function podSpecOf(o: K8sObject): Record<string, any> {
  const spec = o.spec as Record<string, any>;
  return o.kind === 'Pod' ? spec : spec.template.spec;
}

/** The only container of a Job or Pod. */
export function containerOf(o: K8sObject): Container {
  const containers = podSpecOf(o).containers as Container[];
  if (containers.length !== 1) throw new Error(`${o.metadata.name}: expected one container, found ${containers.length}`);
  return containers[0];
}

/** The env entry `name` of a container, or undefined. */
export function envOf(c: Container, name: string): EnvVar | undefined {
  return (c.env ?? []).find((e) => e.name === name);
}

/**
 * What the kubelet makes of `arg`: each `$(VAR)` replaced by the container's env value — a literal, a ConfigMap key
 * (looked up in `configMaps` by name or by name before kustomize's hash suffix), or `<secret:NAME/KEY>`-style
 * placeholders for values only a cluster knows. A reference to an undefined variable stays as written, as on a
 * cluster; the tests flag it.
 */
export function resolveArg(arg: string, c: Container, configMaps: K8sObject[]): string {
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => {
    const env = envOf(c, name);
    if (env === undefined) return whole;
    if (env.value !== undefined) return env.value;
    const from = env.valueFrom ?? {};
    if (from.configMapKeyRef) {
      const ref = from.configMapKeyRef;
      const map = configMaps.find((m) => m.metadata.name === ref.name);
      const data = map?.data as Record<string, string> | undefined;
      return data?.[ref.key] ?? `<configmap:${ref.name}/${ref.key}>`;
    }
    if (from.secretKeyRef) return `<secret:${from.secretKeyRef.name}/${from.secretKeyRef.key}>`;
    if (from.resourceFieldRef) return `<resource:${from.resourceFieldRef.resource}>`;
    return `<field:${from.fieldRef?.fieldPath ?? '?'}>`;
  });
}

/** The value after `flag` in an argument list, or undefined. */
export function flagValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}
