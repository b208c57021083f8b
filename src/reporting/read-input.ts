/**
 * Reading saved runs back (for `report`, `compare` and `--baseline`): a result.json, a run folder (the path the
 * summary prints), or a capacity search's capacity.json or folder. Every failure is a UsageError (exit 2) that names
 * the path and says what to pass instead.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { RESULT_SCHEMA_VERSION, UsageError, type CapacityReport, type Problem, type RunResult } from '../core/index.js';
import { LIMIT_WORDS } from './capacity.js';
import { checkRunResult } from './validate.js';

/** The files a folder may hold, in the order they are looked for. */
const SOURCE_FILES = ['result.json', 'capacity.json'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const cannotRead = (problems: Problem[]): UsageError => new UsageError(problems, 'Cannot read the result file');

/**
 * The file `input` names: itself, or the result.json / capacity.json inside it when it is a folder. A folder with
 * neither fails naming up to three run folders found in it (a matrix or capacity folder holds run folders).
 */
export async function resolveInputFile(input: string): Promise<string> {
  const info = await stat(input).catch(() => null);
  if (!info?.isDirectory()) return input;
  for (const name of SOURCE_FILES) {
    const file = path.join(input, name);
    if ((await stat(file).catch(() => null))?.isFile()) return file;
  }
  const runs = await runFoldersIn(input, 3);
  throw cannotRead([{
    field: input,
    message: 'is a folder without result.json or capacity.json',
    hint: runs.length > 0 ? `pass one of the run folders in it, e.g. ${runs.join(', ')}` : 'pass a run folder (the one the summary prints) or its result.json',
  }]);
}

/** Up to `max` folders one or two levels below `dir` that hold a result.json. */
async function runFoldersIn(dir: string, max: number): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      if (found.length >= max) return;
      const sub = path.join(d, e.name);
      if ((await stat(path.join(sub, 'result.json')).catch(() => null))?.isFile()) found.push(sub);
      else if (depth < 2) await walk(sub, depth + 1);
    }
  };
  await walk(dir, 1);
  return found;
}

/** Reads and parses a JSON file; UsageError naming it when it is missing, unreadable or not JSON. */
async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw cannotRead([{
      field: file,
      message: code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(err)})`,
      hint: 'pass the result.json a run wrote or its folder, e.g. reports/<run>/result.json or reports/<run>',
    }]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw cannotRead([{ field: file, message: `is not valid JSON (${(err as Error).message})`, hint: 'the file may be truncated; re-run, or pass another result.json' }]);
  }
}

/** True for what `capacity` writes (capacity.json): a search report, not a run. */
function looksLikeCapacity(data: unknown): boolean {
  return isObject(data) && Array.isArray(data.rows) && 'slo' in data && !('runId' in data);
}

/** Every shape problem of a parsed capacity.json (empty when the capacity report can be rendered from it). */
export function checkCapacityReport(data: unknown, where: string): Problem[] {
  const problems: Problem[] = [];
  const need = (field: string, message: string) => problems.push({ field: `${where}: ${field}`, message });
  if (!isObject(data)) return [{ field: `${where}: (top level)`, message: 'is not a JSON object' }];
  if (data.schemaVersion !== RESULT_SCHEMA_VERSION) {
    need('schemaVersion', `is ${JSON.stringify(data.schemaVersion)}, this pubsub-bench reads version ${RESULT_SCHEMA_VERSION}`);
    return problems;
  }
  if (typeof data.startedAt !== 'string') need('startedAt', 'must be a string');
  if (!Array.isArray(data.slo) || data.slo.some((s) => typeof s !== 'string')) need('slo', 'must be an array of strings');
  const settings = data.settings;
  if (!isObject(settings)) need('settings', 'must be an object');
  else for (const key of ['startRate', 'maxRate', 'resolution', 'minAchievedShare', 'stepDurationMs', 'stepWarmupMs']) {
    if (typeof settings[key] !== 'number') need(`settings.${key}`, 'must be a number');
  }
  if (data.target !== null && !(isObject(data.target) && Array.isArray(data.target.urls))) need('target', 'must be null or an object with urls');
  const rows = Array.isArray(data.rows) ? data.rows : [];
  rows.forEach((row: unknown, i) => {
    const r = isObject(row) && isObject(row.result) ? row.result : null;
    if (!isObject(row) || typeof row.label !== 'string' || !r) return need(`rows[${i}]`, 'must hold a label and a result');
    const nullableNumber = (v: unknown) => v === null || typeof v === 'number';
    if (!nullableNumber(r.kneeRate) || !nullableNumber(r.failedRate)) need(`rows[${i}].result`, 'kneeRate and failedRate must be numbers or null');
    if (typeof r.limitedBy !== 'string' || !(r.limitedBy in LIMIT_WORDS)) need(`rows[${i}].result.limitedBy`, `must be one of ${Object.keys(LIMIT_WORDS).join(', ')}`);
    if (typeof r.conclusion !== 'string') need(`rows[${i}].result.conclusion`, 'must be a string');
    const steps = Array.isArray(r.steps) ? r.steps : null;
    const bad = steps?.findIndex((s: unknown) => !isObject(s) || typeof s.held !== 'boolean' || !Array.isArray(s.reasons)
      || ['index', 'offeredRate', 'achievedRate', 'deliveryRate'].some((k) => typeof s[k] !== 'number')
      || !nullableNumber(s.e2eP50Us) || !nullableNumber(s.e2eP99Us));
    if (steps === null) need(`rows[${i}].result.steps`, 'must be an array');
    else if (bad !== undefined && bad >= 0) need(`rows[${i}].result.steps[${bad}]`, 'must hold index, offered/achieved/delivery rates, e2e p50/p99, held and reasons');
  });
  if (!Array.isArray(data.rows)) need('rows', 'must be an array');
  return problems;
}

/** What `report` can rebuild from a saved file. */
export type ReportInput =
  | { kind: 'run'; file: string; result: RunResult }
  | { kind: 'capacity'; file: string; report: CapacityReport };

/** Reads a run (result.json or its folder) or a capacity search (capacity.json or its folder), checked. */
export async function readReportInput(input: string): Promise<ReportInput> {
  const file = await resolveInputFile(input);
  const data = await readJson(file);
  if (looksLikeCapacity(data)) {
    const problems = checkCapacityReport(data, file);
    if (problems.length > 0) throw new UsageError(problems, 'Not a pubsub-bench capacity.json');
    return { kind: 'capacity', file, report: data as CapacityReport };
  }
  const problems = checkRunResult(data, file);
  if (problems.length > 0) throw new UsageError(problems, 'Not a pubsub-bench result.json');
  return { kind: 'run', file, result: data as RunResult };
}

/**
 * Reads and checks a result.json, or the one in a run folder. Throws UsageError (exit 2) naming the file and every
 * problem when it is missing, not JSON, from another schema version, the wrong shape, or a capacity report.
 */
export async function readRunResult(input: string): Promise<RunResult> {
  const read = await readReportInput(input);
  if (read.kind === 'run') return read.result;
  const steps = await runFoldersIn(path.dirname(read.file), 2);
  throw new UsageError([{
    field: read.file,
    message: 'is a capacity search (capacity.json), not one run',
    hint: `pass the run folder of one of its steps${steps.length > 0 ? ` (e.g. ${steps.join(', ')})` : ''}, or rebuild its report with \`pubsub-bench report ${read.file}\``,
  }], 'Not a pubsub-bench result.json');
}

/**
 * The problem with reading one segment of a distributed run as if it were a whole run (its counts are a share, its
 * loss compares unlike things), or null for any other result. `report` and `compare` refuse such a file.
 */
export function unmergedSegmentProblem(result: RunResult, file: string): Problem | null {
  const seg = result.segment;
  if (!seg) return null;
  return {
    field: file,
    message: `is segment ${seg.index}/${seg.count} of run ${JSON.stringify(seg.runId)}, not a whole run`,
    hint: `merge the run's ${seg.count} segments first: \`pubsub-bench merge <the ${seg.count} result.json files or their folders>\`, then use the merged result.json`,
  };
}
