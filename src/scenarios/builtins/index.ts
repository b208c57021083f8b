/**
 * The built-in scenarios, one data file each. Adding one: write the file, list it here.
 */
import type { ScenarioInput } from '../input.js';
import { chat } from './chat.js';
import { eventBus } from './event-bus.js';
import { fanIn } from './fan-in.js';
import { fanOut } from './fan-out.js';
import { notifications } from './notifications.js';
import { PIPELINE_MATRIX, pipelineVsUnpipelined } from './pipeline-vs-unpipelined.js';
import { pubsubVsStreams, STREAMS_CHAOS, STREAMS_MATRIX } from './pubsub-vs-streams.js';

/** A built-in: its name, one line saying what it models, and its data. */
export interface Builtin {
  name: string;
  description: string;
  input: ScenarioInput;
  /** `--matrix` specs the built-in runs by default (it is then a comparison of variants). */
  matrix?: string[];
  /** `--chaos` specs the built-in runs with by default (every variant gets the same faults). */
  chaos?: string[];
}

const ALL: ScenarioInput[] = [
  fanOut, // one publisher → many subscribers on one channel
  fanIn, // many publishers → one subscriber
  chat, // many small rooms, many publishers
  notifications, // per-user channels + a user.* pattern subscriber
  eventBus, // hierarchical channels + pattern subscribers
  pipelineVsUnpipelined, // a matrix: await vs pipeline vs MULTI/EXEC batches of 10/100/1000
  pubsubVsStreams, // a matrix: pub/sub vs streams under the same subscriber kill
];

/** Default matrices of the built-ins that are comparisons. */
const MATRICES: Record<string, string[]> = { 'pipeline-vs-unpipelined': PIPELINE_MATRIX, 'pubsub-vs-streams': STREAMS_MATRIX };

/** Default faults of the built-ins that compare behaviour under them. */
const CHAOS: Record<string, string[]> = { 'pubsub-vs-streams': STREAMS_CHAOS };

/** Every built-in, in the order `pubsub-bench scenarios` lists them. */
export const BUILTINS: readonly Builtin[] = ALL.map((input) => ({
  name: input.name ?? '',
  description: input.description ?? '',
  input,
  ...(MATRICES[input.name ?? ''] ? { matrix: MATRICES[input.name ?? ''] } : {}),
  ...(CHAOS[input.name ?? ''] ? { chaos: CHAOS[input.name ?? ''] } : {}),
}));

/** The scenario `pubsub-bench run` uses when none is named: small enough for ~15 s on a 2-core machine. */
export const DEFAULT_SCENARIO = 'fan-out';

/** The built-in called `name`, or undefined. */
export function findBuiltin(name: string): Builtin | undefined {
  return BUILTINS.find((b) => b.name === name);
}
