/**
 * The streams transport in the run lifecycle. Expected deliveries mean the same as for pub/sub: every subscriber
 * reading a channel's stream must get every measured message on it once. Each subscriber's consumer group is created
 * at the stream's end (`$`) while the fleet connects, before the schedule starts, so everything published from the
 * first warmup message on is in every group's view; the envelope's measured flag keeps the warmup out of the counts.
 * Here: the groups are checked on the server before measuring (as NUMSUB is for pub/sub), the streams' footprint is
 * read after the drain, and the run's own streams are deleted at the end, whatever happened.
 */
import { TargetError, UsageError } from '../core/errors.js';
import type { StreamsReport } from '../core/result.js';
import type { Scenario } from '../core/scenario.js';
import type { TargetSpec } from '../core/target.js';
import { StreamControl } from '../targets/stream-control.js';
import { streamKey } from '../targets/stream-keys.js';
import type { FleetPlan } from './plan.js';

/** True when the scenario runs over streams. */
export function usesStreams(scenario: Scenario): boolean {
  return scenario.transport === 'streams';
}

/**
 * Streams live on one server and one machine here: a cluster (or client sharding) would need each stream on the server
 * its key maps to, and a segmented run one owner of the groups check and the clean-up (neither built yet). The CLI says
 * so first for the targets; this covers requests built otherwise.
 */
export function checkStreamsTarget(scenario: Scenario, spec: TargetSpec, segment = false): void {
  if (!usesStreams(scenario)) return;
  // Each segment would check, measure and delete the whole run's streams on its own: not built for that yet.
  if (segment) {
    throw new UsageError([{ field: '--transport', message: 'streams cannot be split into segments yet', hint: 'run --transport streams on one machine, or use --transport pubsub for a split run' }], 'Streams need one machine');
  }
  if (spec.kind === 'single') return;
  throw new UsageError([{
    field: '--transport', message: `streams are not supported on a ${spec.kind === 'cluster' ? 'Redis Cluster' : 'set of client-sharded servers'} yet`,
    hint: 'run --transport streams against a single server, or use --transport pubsub',
  }], 'Streams need a single server');
}

/** The run's streams on the server: the group check before measuring, footprint and clean-up after. */
export class RunStreams {
  private removed = false;
  private readonly keys: string[];

  constructor(private readonly spec: TargetSpec, private readonly plan: FleetPlan, runTag: number, private readonly scenario: Scenario, private readonly connectTimeoutMs: number) {
    this.keys = plan.channelNames.map((c) => streamKey(runTag, c));
  }

  /**
   * Every subscriber's group must be on its streams (fewer: the run cannot count loss honestly, exit 3). More groups
   * than planned cannot be another run's (the keys carry this run's tag): said in a note all the same.
   */
  async checkGroups(): Promise<string[]> {
    const control = await StreamControl.open(this.spec, this.connectTimeoutMs);
    try {
      const counts = await control.groupCounts(this.keys);
      const missing: string[] = [];
      let extra = 0;
      counts.forEach((n, i) => {
        const want = this.plan.expectedNumsub[i];
        if (n < want) missing.push(`${this.keys[i]} has ${n} consumer groups, the plan made ${want}`);
        else extra += n - want;
      });
      if (missing.length > 0) throw new TargetError(`Consumer groups were confirmed but the server does not show them all:\n  ${missing.slice(0, 5).join('\n  ')}`);
      return extra > 0 ? [`${extra} consumer groups on this run's streams were not made by its subscribers.`] : [];
    } finally {
      await control.close();
    }
  }

  /** After the drain: what the streams hold, then their deletion. Never fails the run: a problem is a warning. */
  async finish(): Promise<{ report?: StreamsReport; warnings: string[] }> {
    let control: StreamControl | undefined;
    try {
      control = await StreamControl.open(this.spec, this.connectTimeoutMs);
      const footprint = await control.footprint(this.keys);
      const removedKeys = await control.remove(this.keys);
      this.removed = true;
      return { report: { maxLen: this.scenario.streamMaxLen ?? 0, ...footprint, removedKeys }, warnings: [] };
    } catch (err) {
      return { warnings: [`Reading or deleting the run's streams failed: ${err instanceof Error ? err.message : String(err)}`] };
    } finally {
      await control?.close();
    }
  }

  /** Deletes the streams if finish() did not (a run that failed or was cut short); best effort. */
  async cleanUp(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    let control: StreamControl | undefined;
    try {
      control = await StreamControl.open(this.spec, this.connectTimeoutMs);
      await control.remove(this.keys);
    } catch {
      // Nothing more to do: the keys carry the run tag, so they never mix with another run's.
    } finally {
      await control?.close();
    }
  }
}
