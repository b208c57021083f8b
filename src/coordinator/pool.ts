/**
 * The worker threads of a run: a piscina pool with one long task per thread and a MessagePort each.
 * The coordinator starts workers by file path and never imports their code.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ControlMessage, WorkerMessage, WorkerTask } from '../core/messages.js';

/** Path of the compiled worker entry, next to this file in dist/. */
const WORKER_FILE = fileURLToPath(new URL('../workers/worker.js', import.meta.url));

/** A running set of worker tasks. */
export class WorkerPool {
  private readonly pool: Piscina;
  private readonly ports: MessagePort[] = [];
  /** One promise per task; resolves when the task ends, with the error when it crashed. */
  readonly done: Array<Promise<Error | null>>;

  constructor(tasks: WorkerTask[], onMessage: (msg: WorkerMessage) => void) {
    this.pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: tasks.length,
      maxThreads: tasks.length,
      concurrentTasksPerWorker: 1,
      idleTimeout: 1000,
      // The run lasts long; the pool's own queue must never hold a task back behind another.
      maxQueue: tasks.length,
    });
    this.done = tasks.map((task) => {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (msg: WorkerMessage) => onMessage(msg));
      this.ports.push(port1);
      return this.pool.run({ task, port: port2 }, { transferList: [port2] }).then(
        () => null,
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      );
    });
  }

  /** Sends a control message to every worker. */
  broadcast(msg: ControlMessage): void {
    for (const p of this.ports) p.postMessage(msg);
  }

  /** Closes the ports and the pool (after every task has ended, or to force an end). */
  async close(force = false): Promise<void> {
    for (const p of this.ports) p.close();
    if (force) await this.pool.destroy();
    else await this.pool.close();
  }
}
