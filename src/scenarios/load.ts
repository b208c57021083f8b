/**
 * Scenario input: a built-in name or a .json / .yaml / .yml file → the raw input `resolveScenario` validates.
 * Every way a file can be wrong (missing, unreadable, a folder, empty, huge, binary, bad syntax) becomes a
 * UsageError that names the file and says what to do.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError } from '../core/errors.js';
import { closest } from './checks.js';
import { BUILTINS, DEFAULT_SCENARIO, findBuiltin } from './builtins/index.js';

/** Largest scenario file read: a scenario is a few hundred bytes; anything near this is not one. */
export const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;

/** Raw scenario input and where it came from (used as the source in error messages and for a file's default name). */
export interface LoadedInput {
  input: unknown;
  source: string;
}

const EXTENSIONS = ['.json', '.yaml', '.yml'];

/** Loads the named built-in (the default when `nameOrPath` is undefined) or scenario file. */
export async function loadScenarioInput(nameOrPath: string | undefined): Promise<LoadedInput> {
  const name = nameOrPath ?? DEFAULT_SCENARIO;
  const builtin = findBuiltin(name);
  // A copy, so flag overrides can never change the built-in for a later run in the same process.
  if (builtin) return { input: structuredClone(builtin.input), source: `built-in ${builtin.name}` };
  if (name.trim() === '') fail('(scenario)', 'the scenario name is empty', builtinHint());
  const ext = extname(name).toLowerCase();
  const info = await stat(name).catch(() => undefined);
  if (!info && !EXTENSIONS.includes(ext) && !/[\\/]/.test(name)) {
    // A bare word that is no file: most likely a mistyped built-in name.
    const near = closest(name, BUILTINS.map((b) => b.name));
    fail(name, 'is neither a built-in scenario nor a file', near ? `did you mean '${near}'? ${builtinHint()}` : builtinHint());
  }
  if (!info && !EXTENSIONS.includes(ext)) fail(name, 'file not found', builtinHint());
  if (info?.isDirectory()) fail(name, 'is a folder, not a file', 'name a .json or .yaml scenario file inside it');
  if (!EXTENSIONS.includes(ext)) {
    fail(name, `unsupported file type '${ext || '(none)'}'`, 'scenario files end in .json, .yaml or .yml');
  }
  const text = await readText(name);
  return { input: parseText(name, text, ext === '.json'), source: name };
}

function builtinHint(): string {
  return `built-in scenarios: ${BUILTINS.map((b) => b.name).join(', ')} (see \`pubsub-bench scenarios\`); or give a .json/.yaml file`;
}

function fail(field: string, message: string, hint: string): never {
  throw new UsageError([{ field, message, hint }], 'Cannot load the scenario');
}

async function readText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (info.isDirectory()) fail(path, 'is a folder, not a file', 'name a .json or .yaml scenario file inside it');
    // A FIFO or device would block or never end: only regular files are read.
    if (!info.isFile()) fail(path, 'is not a regular file', 'name a .json or .yaml scenario file');
    if (info.size > MAX_SCENARIO_FILE_BYTES) {
      fail(path, `is ${info.size} bytes, more than a scenario file can be (${MAX_SCENARIO_FILE_BYTES})`, 'check that this is the right file');
    }
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOENT') fail(path, 'file not found', `check the path, or use a built-in: ${BUILTINS.map((b) => b.name).join(', ')}`);
    if (code === 'EACCES' || code === 'EPERM') fail(path, 'cannot be read: permission denied', 'check the file permissions');
    fail(path, `cannot be read (${code ?? (err instanceof Error ? err.message : 'unknown error')})`, 'check that the path names a readable file');
  }
  if (bytes.includes(0)) fail(path, 'is not a text file (it contains NUL bytes)', 'a scenario file is JSON or YAML text');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail(path, 'is not valid UTF-8 text', 'save the file as UTF-8');
  }
  if (text.replace(/^\uFEFF/, '').trim() === '') fail(path, 'is empty', 'write a scenario such as {"publishers": {"count": 1}} or use a built-in');
  return text;
}

/** Parses JSON or YAML text; syntax errors name the file and the line. */
export function parseText(path: string, text: string, json: boolean): unknown {
  const body = text.replace(/^\uFEFF/, '');
  try {
    if (json) return JSON.parse(body) as unknown;
    // Aliases are capped so a "billion laughs" file cannot expand without bound; warnings (unknown tags) are errors too.
    const doc = parseDocument(body, { uniqueKeys: true, logLevel: 'silent', prettyErrors: true });
    const issue = doc.errors[0] ?? doc.warnings[0];
    if (issue) {
      const where = issue.linePos ? ` at line ${issue.linePos[0].line}, column ${issue.linePos[0].col}` : '';
      fail(path, `is not valid YAML${where}: ${firstLine(issue.message)}`, 'fix the syntax (YAML indents with spaces, never tabs)');
    }
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const message = err instanceof RangeError ? 'nested too deeply' : firstLine(err instanceof Error ? err.message : String(err));
    fail(path, json ? `is not valid JSON: ${message}` : `is not valid YAML: ${message}`, json ? 'check commas, quotes and brackets' : 'fix the syntax');
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
