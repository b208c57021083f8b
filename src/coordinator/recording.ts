/**
 * What the workers told the coordinator during one run, kept by ONE typed handler (`record`). The execute phase
 * reads it to move between phases; `assembleResult` (assemble.ts) turns the same record into the RunResult, so a
 * run can be rebuilt from its messages alone (the unit tests do exactly that, without Redis).
 */
import { ExitCode } from '../core/errors.js';
import { WORKER_PROTOCOL_VERSION, type WorkerMessage } from '../core/messages.js';
import type { SnapshotMessage } from '../metrics/aggregate.js';
import type { ProcessMemorySample } from '../metrics/memory.js';

/** A snapshot as it arrived, with the coordinator's memory reading taken at that moment. */
export interface RecordedSnapshot {
  message: SnapshotMessage;
  memory?: ProcessMemorySample;
}

/** A worker that ended abnormally: it sent 'fatal', or its thread died (`crashed`). */
export interface WorkerFailure {
  workerId: number;
  /** One of ExitCode: `target` for a refused connection or subscription, `internal` for a harness bug. */
  exitCode: number;
  message: string;
  /** Stack of a harness bug, for the run's error log. */
  stack?: string;
  /** True when the thread died of an uncaught error instead of reporting it. */
  crashed: boolean;
}

/** The messages of one run, in arrival order, plus what they mean for the phases. */
export class RunRecording {
  readonly snapshots: RecordedSnapshot[] = [];
  readonly failures: WorkerFailure[] = [];
  /** Subscriptions (channels + patterns) the workers confirmed with 'ready'. */
  confirmedSubscriptions = 0;
  /** Called with every snapshot as it is recorded: the execute phase's live aggregate (progress, early abort). */
  onSnapshot: ((s: RecordedSnapshot) => void) | undefined;
  private readonly ready = new Set<number>();
  private readonly publishingDone = new Set<number>();
  private readonly finals = new Set<number>();
  private readonly gone = new Set<number>();

  /**
   * @param workers how many workers the run started
   * @param sampleMemory reads the process memory as a snapshot arrives (left out in unit tests)
   */
  constructor(readonly workers: number, private readonly sampleMemory?: () => ProcessMemorySample) {}

  /** The one handler of worker messages. A message of another protocol version is a harness bug in that worker. */
  record(msg: WorkerMessage): void {
    if (msg.v !== WORKER_PROTOCOL_VERSION) {
      const message = `sent a message of protocol version ${String(msg.v)}, the coordinator speaks ${WORKER_PROTOCOL_VERSION}`;
      this.fail({ workerId: msg.workerId, exitCode: ExitCode.internal, message, crashed: false });
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.ready.add(msg.workerId);
        this.confirmedSubscriptions += msg.confirmedSubscriptions;
        break;
      case 'fatal':
        this.fail({ workerId: msg.workerId, exitCode: msg.exitCode, message: msg.message, ...(msg.stack ? { stack: msg.stack } : {}), crashed: false });
        break;
      case 'snapshot': {
        const s: RecordedSnapshot = { message: msg, ...(this.sampleMemory ? { memory: this.sampleMemory() } : {}) };
        this.snapshots.push(s);
        if (msg.publishingDone) this.publishingDone.add(msg.workerId);
        if (msg.final) this.finals.add(msg.workerId);
        this.onSnapshot?.(s);
        break;
      }
    }
  }

  /** A worker thread died of an uncaught error (its task rejected): a harness bug. */
  crashed(workerId: number, err: Error): void {
    this.fail({ workerId, exitCode: ExitCode.internal, message: err.message, ...(err.stack ? { stack: err.stack } : {}), crashed: true });
  }

  /** True once any worker failed. */
  get failed(): boolean {
    return this.failures.length > 0;
  }

  /** Every worker confirmed its subscriptions. */
  get allReady(): boolean {
    return this.ready.size === this.workers;
  }

  /** Every worker still alive has sent its last message: the counters hold everything it published. */
  get allPublishingDone(): boolean {
    return this.settled(this.publishingDone);
  }

  /** Every worker still alive has sent its final snapshot. */
  get allFinal(): boolean {
    return this.settled(this.finals);
  }

  private fail(f: WorkerFailure): void {
    this.failures.push(f);
    this.gone.add(f.workerId);
  }

  // Workers that crashed or gave up are not waited for; the data they sent before is kept.
  private settled(done: Set<number>): boolean {
    for (let i = 0; i < this.workers; i++) if (!done.has(i) && !this.gone.has(i)) return false;
    return true;
  }
}
