/**
 * Output preflight: every folder and file a command will write is created and probed with a real write before
 * anything connects, so a path that cannot be written fails in a second (exit 2, naming path and flag) instead of
 * after the measurement. Folders are made by walking the path ourselves: Node's `mkdir({ recursive: true })` loops
 * forever, ignoring signals, when the kernel answers ENOENT for a folder whose parent exists (under /proc).
 */
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Problem } from '../core/errors.js';

/** Longest wait for the whole preflight: a stalled network file system must not hang the command. */
export const OUTPUT_PROBE_TIMEOUT_MS = 5000;

/** One output a command will write. */
export interface OutputSpec {
  /** The folder or file, as the user gave it. */
  path: string;
  /** 'folder': files are written inside it; 'file': it is written (or appended to) itself. */
  kind: 'folder' | 'file';
  /** Where the path came from, named in the problem: '--out', '--junit', '$GITHUB_STEP_SUMMARY'. */
  flag: string;
  /** Permissions of folders it creates (default 0o777 less the umask); 0o700 for private files. */
  mode?: number;
}

/** A path that cannot be used, with the path that failed (an ancestor, perhaps) and why. */
export class OutputPathError extends Error {
  /** The absolute path that failed: the output itself or one of its folders. */
  readonly path: string;
  /** Why, said of the path: "is a file, not a folder". */
  readonly reason: string;
  constructor(failedPath: string, reason: string) {
    super(`${failedPath} ${reason}`);
    this.name = 'OutputPathError';
    this.path = failedPath;
    this.reason = reason;
  }
}

const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? String(err);

/** "EACCES (permission denied)": the code a user can search for, and what it means. */
function describeErrno(err: unknown): string {
  const code = errorCode(err);
  const words: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device', ENOENT: 'the system refused to create it there',
    ENOTDIR: 'a part of the path is a file', ELOOP: 'too many symbolic links', ENAMETOOLONG: 'the name is too long',
    EDQUOT: 'disk quota exceeded', EISDIR: 'it is a folder',
  };
  return words[code] ? `${code}: ${words[code]}` : code;
}

/**
 * Creates `dir` and any missing ancestors (with `mode`), one `stat`/`mkdir` per path component (a bounded walk,
 * never a retry loop). Throws OutputPathError naming the first component that is a file, cannot be reached or
 * cannot be created.
 */
export async function ensureDir(dir: string, mode?: number): Promise<void> {
  const chain: string[] = [];
  for (let p = path.resolve(dir); ; p = path.dirname(p)) {
    chain.unshift(p);
    if (path.dirname(p) === p) break;
  }
  for (const p of chain) {
    let isDir: boolean;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw new OutputPathError(p, `cannot be reached (${describeErrno(err)})`);
      try {
        await mkdir(p, mode === undefined ? undefined : { mode });
        continue;
      } catch (mkErr) {
        // Someone else made it meanwhile (a parallel run): look again, once.
        if (errorCode(mkErr) !== 'EEXIST') throw new OutputPathError(p, `cannot be created as a folder (${describeErrno(mkErr)})`);
        isDir = (await stat(p)).isDirectory();
      }
    }
    if (!isDir) throw new OutputPathError(p, 'is a file, not a folder');
  }
}

/** A probe file name no run writes, unique to this process and call. */
const probeName = (): string => `.pubsub-bench-probe-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

/** Writes a few bytes to a new file and removes it: a real write, as the run will make. */
async function writeProbe(file: string): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.write('pubsub-bench write probe\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await unlink(file);
}

/** Creates the folder and writes a probe file in it. */
export async function probeFolder(dir: string, mode?: number): Promise<void> {
  await ensureDir(dir, mode);
  try {
    await writeProbe(path.join(dir, probeName()));
  } catch (err) {
    throw new OutputPathError(path.resolve(dir), `does not accept new files (${describeErrno(err)})`);
  }
}

/**
 * Creates the file's folder and checks the file can be written: an existing file is opened for appending (its
 * content untouched, e.g. a CI step summary), a new one is written and removed again.
 */
export async function probeFile(file: string, mode?: number): Promise<void> {
  const abs = path.resolve(file);
  await ensureDir(path.dirname(abs), mode);
  const existing = await stat(abs).catch((err: unknown) => {
    if (errorCode(err) === 'ENOENT') return null;
    throw new OutputPathError(abs, `cannot be reached (${describeErrno(err)})`);
  });
  if (existing?.isDirectory()) throw new OutputPathError(abs, 'is a folder, not a file');
  try {
    if (existing) await (await open(abs, 'a')).close();
    else await writeProbe(abs);
  } catch (err) {
    throw new OutputPathError(abs, `cannot be written (${describeErrno(err)})`);
  }
}

/** What a user can do about an output path that failed. */
function hintFor(spec: OutputSpec): string {
  if (spec.kind === 'folder') return `give a folder you can write to, e.g. ${spec.flag} reports (it is created when missing)`;
  if (spec.flag.startsWith('$')) return `point ${spec.flag} at a file you can write to, or unset it`;
  return `give ${spec.flag} a file in a folder you can write to (missing folders are created)`;
}

/**
 * Probes every output at once, within `timeoutMs` overall; returns one problem per output that cannot be written
 * (empty when all can). Never throws for a path problem.
 */
export async function probeOutputs(outputs: readonly OutputSpec[], timeoutMs = OUTPUT_PROBE_TIMEOUT_MS): Promise<Problem[]> {
  const probe = async (spec: OutputSpec): Promise<Problem | null> => {
    try {
      await (spec.kind === 'folder' ? probeFolder(spec.path, spec.mode) : probeFile(spec.path, spec.mode));
      return null;
    } catch (err) {
      const given = JSON.stringify(spec.path);
      const message = !(err instanceof OutputPathError) ? `${given} cannot be written (${describeErrno(err)})`
        : err.path === path.resolve(spec.path) ? `${given} ${err.reason}` : `${given}: ${err.message}`;
      return { field: spec.flag, message, hint: hintFor(spec) };
    }
  };
  // Each probe fills its slot; a slot still undefined when the time is up is an output that never answered.
  const found: Array<Problem | null | undefined> = outputs.map(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([Promise.all(outputs.map(async (spec, i) => (found[i] = await probe(spec)))), timedOut]);
    return outputs.flatMap((spec, i) => {
      const p = found[i];
      if (p !== undefined) return p === null ? [] : [p];
      return [{
        field: spec.flag,
        message: `${JSON.stringify(spec.path)} could not be probed: no answer within ${timeoutMs / 1000} s (a stalled network file system?)`,
        hint: hintFor(spec),
      }];
    });
  } finally {
    clearTimeout(timer);
  }
}

/** What a benchmark run writes outside its run folder, as given on the command line and in the environment. */
export interface RunOutputPaths {
  /** `--out`: the folder every run folder is made in. */
  outDir?: string;
  /** `--junit`. */
  junitPath?: string;
  /** `$GITHUB_STEP_SUMMARY`, when the command appends to it. */
  stepSummary?: string;
}

/** Probes the outputs of `run` / `capacity` (their run folders, HDR files and errors.log go inside `--out`). */
export function probeRunOutputs(paths: RunOutputPaths): Promise<Problem[]> {
  const outputs: OutputSpec[] = [];
  if (paths.outDir) outputs.push({ path: paths.outDir, kind: 'folder', flag: '--out' });
  if (paths.junitPath?.trim()) outputs.push({ path: paths.junitPath, kind: 'file', flag: '--junit' });
  if (paths.stepSummary) outputs.push({ path: paths.stepSummary, kind: 'file', flag: '$GITHUB_STEP_SUMMARY' });
  return probeOutputs(outputs);
}
