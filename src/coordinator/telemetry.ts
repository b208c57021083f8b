/**
 * The end of server telemetry in the run lifecycle (it starts once subscriptions are confirmed, see execute.ts):
 * `stopServerWatch` stops the sampler when the fleet has finished; `joinServerWatch` (pure, used by assemble.ts)
 * joins the samples with the outages to name slow consumers. Never fails a run: problems become warnings.
 */
import type { OutageEvent } from '../core/messages.js';
import type { TelemetrySample } from '../core/reliability.js';
import type { TelemetrySampler } from '../targets/telemetry.js';
import { findSlowConsumers } from './telemetry-join.js';

/** What the server watch gathered: its samples and the problems it met (as warnings). */
export interface ServerWatch {
  samples: TelemetrySample[];
  warnings: string[];
}

/** Stops the sampler (if any) and returns what it gathered. */
export async function stopServerWatch(sampler: TelemetrySampler | null): Promise<ServerWatch> {
  if (!sampler) return { samples: [], warnings: [] };
  try {
    return { samples: await sampler.stop(), warnings: [...sampler.problems] };
  } catch (err) {
    return { samples: [], warnings: [...sampler.problems, `Server telemetry failed: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

/**
 * Names slow consumers among `outages` (their causes are rewritten in place: pass copies to keep the originals).
 * Returns the result's `server` field (absent without samples) and the warnings to add.
 */
export function joinServerWatch(
  watch: ServerWatch, outages: OutageEvent[], originUs: number, intervalMs: number,
): { server?: { samples: TelemetrySample[] }; warnings: string[] } {
  if (watch.samples.length === 0) return { warnings: watch.warnings };
  const slow = findSlowConsumers(outages, watch.samples, originUs, intervalMs);
  return { server: { samples: watch.samples }, warnings: [...slow.warnings, ...watch.warnings] };
}
