import type { ScenarioInput } from '../input.js';

/**
 * Batch publishing, pipelined or not: the same closed-loop load sent one PUBLISH at a time and in pipelines of
 * 10, 100 and 1000. Run as a matrix (see `PIPELINE_MATRIX`), one variant after another, then compared.
 */
export const pipelineVsUnpipelined: ScenarioInput = {
  name: 'pipeline-vs-unpipelined',
  description: 'Unpipelined vs pipelined batch publishing (batches of 10, 100, 1000) at --rate max, compared in one report.',
  channels: { count: 4, naming: 'pubsub-bench:batch:{i}' },
  publishers: { count: 1, rate: 'max', messageBytes: 64, mode: 'await' },
  subscribers: [{ count: 1, channelsEach: 'all' }],
  warmup: '1s',
  duration: '5s',
  drainTimeout: '5s',
};

/** The matrix this built-in runs unless --matrix says otherwise. */
export const PIPELINE_MATRIX = ['publish-mode=await,pipeline', 'batch=10,100,1000'];
