/**
 * Is a set of segment results one complete run? Same run id, plan digest and segment count everywhere, each index
 * exactly once. Pure: the inputs are parsed results with the name they were read from (a file, a Redis key).
 */
import type { Problem } from '../core/errors.js';
import type { RunResult } from '../core/result.js';
import type { SegmentInfo } from '../core/segment.js';

/** A segment result as read, with where it came from (named in every problem). */
export interface SegmentInput {
  source: string;
  result: RunResult;
}

/** A result known to carry `segment`. */
export type SegmentResult = RunResult & { segment: SegmentInfo };

/** What the check found: the usable segments in index order, the indexes missing, and every problem. */
export interface SegmentSetCheck {
  segments: Array<{ source: string; result: SegmentResult }>;
  /** N, from the first segment (0 when there is none). */
  count: number;
  missing: number[];
  /** Problems that make a merge impossible (exit 2), missing segments included unless they were allowed. */
  problems: Problem[];
}

const MERGE_HINT = 'merge takes the result.json files written by `pubsub-bench run --segment I/N --run-id ID` (or their folders)';

/**
 * Checks the set. Missing indexes are a problem unless `allowPartial`; a doubled index, a different run id, plan
 * digest or N, and a result that is not a segment always are.
 */
export function checkSegmentSet(inputs: readonly SegmentInput[], allowPartial: boolean): SegmentSetCheck {
  const problems: Problem[] = [];
  const segs: Array<{ source: string; result: SegmentResult }> = [];
  for (const { source, result } of inputs) {
    if (result.segment) {
      segs.push({ source, result: result as SegmentResult });
      continue;
    }
    problems.push(result.segments
      ? { field: source, message: `is already a merged result (of ${result.segments.length} segments)`, hint: `rebuild its report with \`pubsub-bench report ${source}\`` }
      : { field: source, message: 'is not a segment result (it has no `segment`): a one-machine run needs no merge', hint: `${MERGE_HINT}; read a one-machine run with \`pubsub-bench report\` or \`compare\`` });
  }
  if (inputs.length === 0) problems.push({ field: 'FILES', message: 'no segment results given', hint: MERGE_HINT });
  if (segs.length === 0) return { segments: [], count: 0, missing: [], problems };

  const first = segs[0];
  const ref = first.result.segment;
  for (const s of segs.slice(1)) {
    const seg = s.result.segment;
    const differs = (what: string, mine: string | number, theirs: string | number) => problems.push({
      field: s.source,
      message: `has ${what} ${JSON.stringify(mine)}, but ${first.source} has ${JSON.stringify(theirs)}`,
      hint: what === 'plan digest'
        ? 'every segment must run the same scenario, flags and pubsub-bench version; re-run the segments from one manifest'
        : 'merge only the segments of one run (same --run-id and N)',
    });
    if (seg.runId !== ref.runId) differs('run id', seg.runId, ref.runId);
    else if (seg.count !== ref.count) differs('segment count N', seg.count, ref.count);
    else if (seg.planDigest !== ref.planDigest) differs('plan digest', seg.planDigest, ref.planDigest);
  }
  const byIndex = new Map<number, string>();
  for (const s of segs) {
    const { index, count } = s.result.segment;
    if (!Number.isInteger(index) || index < 0 || index >= ref.count || count !== ref.count) {
      if (count === ref.count) problems.push({ field: s.source, message: `has segment index ${index}, outside 0..${ref.count - 1}`, hint: 'the file may be damaged; re-run that segment' });
      continue;
    }
    const seen = byIndex.get(index);
    if (seen !== undefined) {
      problems.push({ field: s.source, message: `is segment ${index}/${ref.count} again (also ${seen})`, hint: 'give each segment once; an older run with the same --run-id may have left a copy' });
    } else byIndex.set(index, s.source);
  }
  const missing = Array.from({ length: ref.count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0 && !allowPartial) {
    problems.push({
      field: 'segments',
      message: `${missing.length === 1 ? 'segment' : 'segments'} ${missing.join(', ')} of ${ref.count} (run ${ref.runId}) ${missing.length === 1 ? 'is' : 'are'} missing`,
      hint: 'add the missing result.json, or pass --allow-partial to merge what there is (the result is then marked partial)',
    });
  }
  const ordered = segs.filter((s) => byIndex.get(s.result.segment.index) === s.source)
    .sort((a, b) => a.result.segment.index - b.result.segment.index);
  return { segments: ordered, count: ref.count, missing, problems };
}
