/**
 * `--chaos` during a run: fire each fault at its time (counted from the measure start), then report what each one
 * cost by joining it with the outages, the publish errors and the latency of the timeline around it.
 */
import type { OutageEvent } from '../core/messages.js';
import type { ChaosEvent, ChaosReport } from '../core/reliability.js';
import type { TimelineEntry } from '../core/result.js';
import type { TargetSpec } from '../core/target.js';
import { nowUs } from '../core/clock.js';
import { openChaosActions, type ChaosActions } from '../targets/chaos-actions.js';
import type { LocalTargetDetails } from '../targets/local.js';
import { formatDurationMs, formatLatencyUs } from '../reporting/format.js';
import { median } from '../metrics/stats.js';

/** After a fault ends, how long its consequences (disconnects noticed, loss) are still counted as its own. */
const SETTLE_MS = 5000;
/** Longest wait for a fault still in progress when the run ends (a restart waits for the server to answer). */
const STOP_WAIT_MS = 30_000;

/** One event as carried out. */
export interface FiredChaos {
  event: ChaosEvent;
  /** Epoch µs when the fault began and when the action returned; null when it never ran. */
  firedAtUs: number | null;
  endUs: number | null;
  outcome: string;
  failed: boolean;
}

/** Fires the events of one run. */
export class ChaosRunner {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly fired: FiredChaos[];
  private stopping: Promise<FiredChaos[]> | undefined;

  private constructor(
    events: ChaosEvent[],
    private readonly actions: ChaosActions | null,
    openError: string | undefined,
  ) {
    const notRun = openError ? `not run: could not connect to inject faults (${openError})` : 'not run: the run ended first';
    this.fired = events.map((event) => ({ event, firedAtUs: null, endUs: null, outcome: notRun, failed: openError !== undefined }));
  }

  /** Opens the fault connections now, so events fire on time later; a failure is kept and reported per event. */
  static async open(events: ChaosEvent[], spec: TargetSpec, masters: string[], local: LocalTargetDetails | null, connectTimeoutMs: number): Promise<ChaosRunner> {
    try {
      return new ChaosRunner(events, await openChaosActions(spec, masters, local, connectTimeoutMs), undefined);
    } catch (err) {
      return new ChaosRunner(events, null, err instanceof Error ? err.message : String(err));
    }
  }

  /** Arms every event at `measureStartUs` + its time. */
  arm(measureStartUs: number): void {
    if (!this.actions) return;
    for (const f of this.fired) {
      const delayMs = Math.max(0, (measureStartUs + f.event.atMs * 1000 - nowUs()) / 1000);
      this.timers.push(setTimeout(() => this.fire(f), delayMs));
    }
  }

  private fire(f: FiredChaos): void {
    const actions = this.actions!;
    f.firedAtUs = nowUs();
    const { kind, durationMs } = f.event;
    const action = kind === 'kill-subscribers' ? actions.killSubscribers() : kind === 'pause' ? actions.pause(durationMs ?? 0) : actions.restart();
    const done = action.then(
      (outcome) => {
        f.outcome = outcome;
      },
      (err: unknown) => {
        f.failed = true;
        f.outcome = `failed: ${err instanceof Error ? err.message : String(err)}`;
      },
    ).then(() => {
      // A pause goes on in the server after the command returns.
      f.endUs = Math.max(nowUs(), (f.firedAtUs as number) + (kind === 'pause' ? (durationMs ?? 0) * 1000 : 0));
      this.running.delete(done);
    });
    this.running.add(done);
  }

  /** Cancels events not yet due, waits (bounded) for one in progress, closes the connections. Safe to call twice. */
  stop(): Promise<FiredChaos[]> {
    this.stopping ??= (async () => {
      for (const t of this.timers) clearTimeout(t);
      const wait = new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref());
      await Promise.race([Promise.all([...this.running]), wait]);
      await this.actions?.close();
      return this.fired;
    })();
    return this.stopping;
  }
}


/**
 * What each event cost: outages that began between the event and the end of its window (SETTLE_MS after it ended,
 * or the next event), the messages they missed and their recovery, publish errors, and the end-to-end p99 before, at its peak, and how
 * long until it was back near its level before. Times in the result count from `scheduleStartUs`.
 */
export function buildChaosReports(fired: FiredChaos[], outages: OutageEvent[], timeline: TimelineEntry[], scheduleStartUs: number): ChaosReport[] {
  const ran = fired.filter((f) => f.firedAtUs !== null).map((f) => f.firedAtUs as number).sort((a, b) => a - b);
  return fired.map((f): ChaosReport => {
    const base = { ...f.event, outcome: f.outcome, failed: f.failed };
    if (f.firedAtUs === null) {
      return { ...base, firedAtMs: null, outages: 0, missedMessages: 0, publishErrors: 0, recoveryMs: null, e2eP99BeforeUs: null, e2eP99PeakUs: null, latencyRecoveryMs: null };
    }
    const fromUs = f.firedAtUs;
    const nextUs = ran.find((t) => t > fromUs) ?? Infinity;
    const toUs = Math.min(nextUs, (f.endUs ?? fromUs) + SETTLE_MS * 1000);
    const hit = outages.filter((o) => o.atUs >= fromUs && o.atUs < toUs);
    const recovered = hit.every((o) => o.durationMs !== null);
    const recoveryMs = hit.length > 0 && recovered
      ? Math.round(Math.max(...hit.map((o) => o.atUs + (o.durationMs as number) * 1000)) / 1000 - fromUs / 1000)
      : null;
    const firedMs = (fromUs - scheduleStartUs) / 1000;
    const toMs = (toUs - scheduleStartUs) / 1000;
    // An interval belongs to the window when its midpoint does, so a neighbouring event's interval is not counted twice.
    const mid = (t: TimelineEntry): number => (t.fromMs + t.toMs) / 2;
    const during = timeline.filter((t) => mid(t) >= firedMs && mid(t) < toMs);
    const before = median(timeline.filter((t) => t.phase === 'measure' && t.toMs <= firedMs && t.e2eP99Us !== null).map((t) => t.e2eP99Us as number));
    const peakEntry = during.reduce<TimelineEntry | null>((a, t) => (t.e2eP99Us !== null && (a === null || t.e2eP99Us > (a.e2eP99Us as number)) ? t : a), null);
    const peak = peakEntry?.e2eP99Us ?? null;
    let latencyRecoveryMs: number | null = null;
    if (before !== null && peakEntry !== null && peak !== null) {
      const limit = Math.max(2 * before, before + 1000);
      // The way back may take longer than the window: look until the end of the run.
      const back = timeline.slice(timeline.indexOf(peakEntry)).find((t) => t.e2eP99Us !== null && t.e2eP99Us <= limit);
      if (peak <= limit) latencyRecoveryMs = 0;
      else if (back) latencyRecoveryMs = Math.max(0, Math.round(back.fromMs - firedMs));
    }
    return {
      ...base,
      firedAtMs: Math.round(firedMs * 10) / 10,
      outages: hit.length,
      missedMessages: hit.reduce((n, o) => n + o.lostMessages, 0),
      publishErrors: during.reduce((n, t) => n + t.publishErrors, 0),
      recoveryMs,
      e2eP99BeforeUs: before,
      e2eP99PeakUs: peak,
      latencyRecoveryMs,
    };
  });
}

/** One plain line per event for the run's warnings, so the terminal and HTML summaries show what each fault cost. */
export function describeChaos(c: ChaosReport): string {
  if (c.firedAtMs === null || c.failed) return `Chaos ${c.spec}: ${c.outcome}.`;
  const cost = c.outages === 0
    ? 'no connection was lost'
    : `${c.outages} connection(s) lost, ${c.missedMessages} message(s) missed, ` +
      (c.recoveryMs === null ? 'not all recovered' : `all back after ${formatDurationMs(c.recoveryMs)}`);
  const errors = c.publishErrors > 0 ? `, ${c.publishErrors} publish error(s)` : '';
  const latency = c.e2eP99BeforeUs === null || c.e2eP99PeakUs === null ? '' :
    `; e2e p99 ${formatLatencyUs(c.e2eP99BeforeUs)} before, ${formatLatencyUs(c.e2eP99PeakUs)} at the peak` +
    (c.latencyRecoveryMs === null ? ', not back to its level before by the end of the run' : c.latencyRecoveryMs > 0 ? `, back after ${formatDurationMs(c.latencyRecoveryMs)}` : '');
  return `Chaos ${c.spec} at ${formatDurationMs(c.firedAtMs)}: ${c.outcome}; ${cost}${errors}${latency}.`;
}
