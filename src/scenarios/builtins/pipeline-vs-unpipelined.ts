import type { ScenarioInput } from '../input.js';

/**
 * Batch publishing, pipelined or not: the same closed-loop load sent one PUBLISH at a time, in plain pipelines and in
 * MULTI … EXEC batches (what redis-py's `pipeline()` sends by default) of 10, 100 and 1000. Run as a matrix (see
 * `PIPELINE_MATRIX`), one variant after another, then compared. Seven variants (await once: batch does not apply to
 * it), so each measures 3 s: at --rate max that is plenty of messages for a stable rate, and the whole comparison
 * stays under a minute.
 */
export const pipelineVsUnpipelined: ScenarioInput = {
  name: 'pipeline-vs-unpipelined',
  description: 'Unpipelined vs pipelined vs MULTI/EXEC batch publishing (batches of 10, 100, 1000) at --rate max, compared in one report.',
  channels: { count: 4, naming: 'pubsub-bench:batch:{i}' },
  publishers: { count: 1, rate: 'max', messageBytes: 64, mode: 'await' },
  subscribers: [{ count: 1, channelsEach: 'all' }],
  warmup: '1s',
  duration: '3s',
  drainTimeout: '5s',
};

/** The matrix this built-in runs unless --matrix says otherwise: every batching mode at the same batch sizes. */
export const PIPELINE_MATRIX = ['publish-mode=await,pipeline,multi', 'batch=10,100,1000'];
