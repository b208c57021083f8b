/**
 * The end of server telemetry in the run lifecycle (it starts once subscriptions are confirmed, see run.ts): stop
 * before the result is built and join with the outages to name slow consumers. Never fails a run: problems become
 * warnings.
 */
import type { OutageEvent } from '../core/messages.js';
import type { TelemetrySample } from '../core/reliability.js';
import type { TelemetrySampler } from '../targets/telemetry.js';
import { findSlowConsumers } from './telemetry-join.js';

/**
 * Stops the sampler and names slow consumers among `outages` (their causes are rewritten in place).
 * Returns the result's `server` field (absent without samples) and the warnings to add.
 */
export async function finishServerWatch(
  sampler: TelemetrySampler | null, outages: OutageEvent[], originUs: number, intervalMs: number,
): Promise<{ server?: { samples: TelemetrySample[] }; warnings: string[] }> {
  if (!sampler) return { warnings: [] };
  let samples: TelemetrySample[];
  try {
    samples = await sampler.stop();
  } catch (err) {
    return { warnings: [...sampler.problems, `Server telemetry failed: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const slow = findSlowConsumers(outages, samples, originUs, intervalMs);
  return { ...(samples.length > 0 ? { server: { samples } } : {}), warnings: [...slow.warnings, ...sampler.problems] };
}
