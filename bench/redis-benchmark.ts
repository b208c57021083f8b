/**
 * redis-benchmark PUBLISH on the same server, as the yardstick Redis ships with. The payload is given literally:
 * redis-benchmark 7.0 does not expand `__data__` in a custom command (it would publish the 8 bytes "__data__").
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface RedisBenchmarkRun {
  /** Requests per second, or null when it did not run. */
  perS: number | null;
  /** What to print: the rate, or why it did not run. */
  text: string;
}

/**
 * `redis-benchmark <connection args> -c <clients> -P <pipeline> -n <requests> -q PUBLISH <channel> <payload>`.
 * `requests` should make it last a few seconds; it is scaled by the pipeline depth when left out.
 */
export async function redisBenchmarkPublish(
  connection: string[], o: { pipeline: number; clients?: number; requests?: number; messageBytes: number; channel: string },
): Promise<RedisBenchmarkRun> {
  const requests = o.requests ?? (o.pipeline === 1 ? 300_000 : Math.min(6_000_000, 200_000 * o.pipeline));
  const args = [
    ...connection, '-c', String(o.clients ?? 50), '-n', String(requests), '-P', String(o.pipeline), '-q',
    'PUBLISH', o.channel, 'x'.repeat(o.messageBytes),
  ];
  try {
    const { stdout } = await exec('redis-benchmark', args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    const last = stdout.trim().split(/[\r\n]/).filter((l) => l.trim() !== '').pop() ?? '';
    const m = /([\d.]+) requests per second/.exec(last);
    if (!m || !Number.isFinite(Number(m[1]))) return { perS: null, text: `unreadable output: ${last.slice(0, 80)}` };
    return { perS: Number(m[1]), text: '' };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const why = e.code === 'ENOENT' ? 'redis-benchmark is not installed' : (e.stderr || e.message).split('\n')[0];
    return { perS: null, text: `not run: ${why}` };
  }
}

/** `-h 127.0.0.1 -p <port>` for a node. */
export function hostArgs(node: { host: string; port: number }): string[] {
  return ['-h', node.host, '-p', String(node.port)];
}
