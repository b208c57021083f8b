/**
 * What a segment adds to its RunResult (`segment`, core/segment.ts SegmentInfo), built from its workers' final
 * snapshots and the session's clock readings. Pure apart from histogram arithmetic.
 */
import type { RunResult } from '../core/result.js';
import type { SegmentInfo } from '../core/segment.js';
import { mergeEncoded } from '../metrics/histogram.js';
import type { FleetPlan } from './plan.js';
import type { RecordedSnapshot } from './recording.js';
import { driftUsPerS, type ClockReading } from './segment-progress.js';
import { fleetMembers } from './segment-plan.js';

/** How the warning of a segment stopped by another one begins (the CLI finds and prints it). */
export const ABORTED_BY_OTHER = 'Stopped early because another segment aborted the run';

/** Everything SegmentInfo is made of. */
export interface SegmentInfoInput {
  index: number;
  count: number;
  runId: string;
  planDigest: string;
  host: string;
  clockStart: ClockReading;
  clockEnd: ClockReading | null;
  /** This segment's share of the plan. */
  plan: FleetPlan;
  snapshots: readonly RecordedSnapshot[];
}

/** The segment entry of result.json: clock, ids, deliveries by publisher segment, same/cross histograms in full. */
export function segmentInfoOf(input: SegmentInfoInput): SegmentInfo {
  const { publishers, subscribers } = fleetMembers(input.plan);
  const deliveredFromSegment = new Array<number>(input.count).fill(0);
  const same: string[] = [];
  const cross: string[] = [];
  let negativeLatencies = 0;
  for (const { message } of input.snapshots) {
    const part = message.segment;
    if (!part) continue;
    part.deliveredFromSegment.forEach((n, i) => (deliveredFromSegment[i] += n));
    if (part.same) same.push(part.same);
    if (part.cross) cross.push(part.cross);
    negativeLatencies += part.negativeLatencies;
  }
  return {
    index: input.index,
    count: input.count,
    runId: input.runId,
    planDigest: input.planDigest,
    host: input.host,
    clockOffsetUs: Math.round(input.clockStart.offsetUs),
    clockUncertaintyUs: Math.round(input.clockStart.uncertaintyUs * 10) / 10,
    clockDriftUsPerS: input.clockEnd ? roundOrNull(driftUsPerS(input.clockStart, input.clockEnd)) : null,
    publisherIds: publishers.map((p) => p.publisherId),
    subscriberIds: subscribers.map((s) => s.subscriberId),
    deliveredFromSegment,
    histograms: { same: mergeEncoded(same).encoded, cross: mergeEncoded(cross).encoded },
    negativeLatencies,
  };
}

function roundOrNull(v: number | null): number | null {
  return v === null ? null : Math.round(v * 100) / 100;
}

/**
 * Marks a segment's result: the run id names the segment (folders of several segments can share an --out), the
 * warnings say what a segment's own totals mean and why it stopped early. Returns the same object.
 */
export function markSegmentResult(result: RunResult, info: SegmentInfo, remoteAbort: string | undefined): RunResult {
  result.segment = info;
  result.runId = segmentRunId(info.runId, info.index, info.count);
  const notes = [
    `Segment ${info.index}/${info.count} of run ${info.runId}: its expected deliveries are its publishers' messages to every subscriber of the run, its delivered ones its own subscribers' receipts, so its loss means nothing alone. Merge the segments (pubsub-bench merge) for the run's numbers.`,
  ];
  if (remoteAbort) notes.push(`${ABORTED_BY_OTHER}: ${remoteAbort}`);
  if (info.negativeLatencies > 0) {
    notes.push(`${info.negativeLatencies} deliveries had a negative end-to-end latency after clock correction (recorded as 0): the clocks of the segments disagree by more than the latency; see docs/scale-out.md on clocks.`);
  }
  result.warnings.push(...notes);
  return result;
}

/** The run id of one segment's own result and folder. */
export function segmentRunId(runId: string, index: number, count: number): string {
  return `${runId}-seg${index}of${count}`;
}
