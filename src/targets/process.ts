/**
 * Server processes by pid: spawning redis-server with its output in a log file, stopping by pid (SIGTERM, then
 * SIGKILL) and waiting for the exit, and making sure servers never outlive the harness process.
 *
 * Two safety nets for servers that belong to this process (not the detached ones of `target up`):
 *  - a process 'exit' hook that SIGKILLs every live pid synchronously (covers process.exit and normal ends);
 *  - a watchdog `sh` per server that waits on a pipe from us and kills the server when the pipe closes, which
 *    also covers this process dying from SIGKILL or a crash, when no JavaScript hook can run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** Pids of servers owned by this process, killed on exit as a last resort. */
const ownedPids = new Set<number>();
/** Watchdog process per owned server pid. */
const watchdogs = new Map<number, ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of ownedPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** True while `pid` exists and is not a zombie (a zombie has exited; only its parent has not reaped it yet). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3 (after the parenthesised command name) is the state letter.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (macOS) or the process vanished between the two checks.
    return isProcAvailable() ? false : true;
  }
}

function isProcAvailable(): boolean {
  return fs.existsSync('/proc/self/stat');
}

/**
 * True when `pid` looks like a redis-server, so `target down` never signals an unrelated process that reused
 * a pid from a stale state file. Without /proc the check cannot be made and answers true.
 */
export function looksLikeRedisServer(pid: number): boolean {
  if (!isProcAvailable()) return true;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}

/** Options for spawning one server. */
export interface SpawnOptions {
  /** Server config file (passed as the only argument). */
  configFile: string;
  /** stdout and stderr of the server go here. */
  logFile: string;
  /** Outlive this process (`target up`): own session, no exit hook, no watchdog. */
  detached: boolean;
}

/** Starts `bin configFile`; resolves to the child once it has a pid. */
export function spawnServer(bin: string, opts: SpawnOptions): ChildProcess {
  const logFd = fs.openSync(opts.logFile, 'a');
  try {
    const child = spawn(bin, [opts.configFile], {
      detached: opts.detached,
      stdio: ['ignore', logFd, logFd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${bin}`);
    if (opts.detached) {
      child.unref();
    } else {
      installExitHook();
      ownedPids.add(child.pid);
      watchdogs.set(child.pid, startWatchdog(child.pid));
    }
    // The exit is observed by polling the pid; this listener only keeps the 'error' event from throwing.
    child.on('error', () => undefined);
    return child;
  } finally {
    fs.closeSync(logFd);
  }
}

/** A `sh` that kills `pid` when its stdin (a pipe held by this process) reaches end of file. */
function startWatchdog(pid: number): ChildProcess {
  const dog = spawn('sh', ['-c', 'read _ignored; kill -9 "$1" 2>/dev/null', 'pubsub-bench-watchdog', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  dog.on('error', () => undefined);
  dog.stdin?.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep the harness alive.
  dog.unref();
  (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return dog;
}

/** Waits until `pid` has exited or `timeoutMs` passed; resolves to true when it exited. */
async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Stops every pid: SIGTERM, wait up to `graceMs`, then SIGKILL and wait again. Resolves when all exited;
 * rejects naming the pids that survived even SIGKILL (should never happen).
 */
export async function stopPids(pids: number[], graceMs = 5000): Promise<void> {
  for (const pid of pids) {
    // The watchdog goes first so it cannot fire later at a pid the OS may have reused.
    const dog = watchdogs.get(pid);
    if (dog?.pid !== undefined) signal(dog.pid, 'SIGKILL');
    watchdogs.delete(pid);
    if (isAlive(pid)) signal(pid, 'SIGTERM');
  }
  const survivors: number[] = [];
  for (const pid of pids) {
    if (await waitForExit(pid, graceMs)) continue;
    signal(pid, 'SIGKILL');
    if (!(await waitForExit(pid, 2000))) survivors.push(pid);
  }
  for (const pid of pids) if (!survivors.includes(pid)) ownedPids.delete(pid);
  if (survivors.length > 0) throw new Error(`redis-server pid(s) ${survivors.join(', ')} did not exit after SIGKILL`);
}

/** The last `maxLines` lines of a log file (for error messages when a server does not start). */
export function logTail(logFile: string, maxLines = 15): string {
  try {
    const lines = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n');
    return lines.slice(-maxLines).join('\n');
  } catch {
    return '(no log)';
  }
}
