/**
 * The segment flags of `run` as data (yargs and help read them; nothing heavy is imported here so `run --help`
 * stays fast). Read and checked in run-segment.ts.
 */
import type { Options } from 'yargs';
import { SEGMENT_ENV } from '../../core/segment.js';

const SEGMENTS = 'Distributed run (one segment of N processes or pods; see docs/scale-out.md):';

/** Default wait at the start barrier for every segment (ms): pods of one Job may take a while to be scheduled. */
export const DEFAULT_BARRIER_TIMEOUT_MS = 120_000;

/** The segment options of `run`, keyed by flag name. */
export const SEGMENT_OPTIONS: Record<string, Options> = {
  segment: {
    group: SEGMENTS, type: 'string',
    describe: `Run segment I of N of the run's global plan: publishers and subscribers with id mod N = I, e.g. --segment 0/3 (I from $${SEGMENT_ENV.index} and N from $${SEGMENT_ENV.count} when absent)`,
    defaultDescription: `none (from $${SEGMENT_ENV.index} and $${SEGMENT_ENV.count} when $${SEGMENT_ENV.count} is set)`,
  },
  'run-id': {
    group: SEGMENTS, type: 'string',
    describe: `The id every segment of one run shares (letters, digits, . _ -; up to 64): the rendezvous keys and the messages' run tag come from it, e.g. --run-id nightly-42`,
    defaultDescription: `$${SEGMENT_ENV.runId}`,
  },
  'control-target': {
    group: SEGMENTS, type: 'string',
    describe: 'Where the segments meet (start barrier, clock, progress, results), when not on the Redis under test, e.g. --control-target redis://10.0.0.5:6379',
    defaultDescription: 'the --target',
  },
  'control-password-env': {
    group: SEGMENTS, type: 'string',
    describe: 'With --control-target: name of the environment variable holding its password (the --password-env of the Redis under test is not sent there)',
    defaultDescription: 'the password in its URL, if any',
  },
  'control-tls-ca': {
    group: SEGMENTS, type: 'string',
    describe: 'With --control-target: CA bundle (PEM) to verify its certificate (TLS: a rediss:// URL, or this flag)',
    defaultDescription: 'system CAs',
  },
  'barrier-timeout': {
    group: SEGMENTS, type: 'string',
    describe: 'Longest wait at the start barrier for every segment to be subscribed; the missing ones are named (exit 3), e.g. --barrier-timeout 5m',
    defaultDescription: `${DEFAULT_BARRIER_TIMEOUT_MS / 1000}s`,
  },
};

/** The parsed segment flags. */
export interface SegmentArgs {
  segment?: unknown;
  runId?: unknown;
  controlTarget?: unknown;
  controlPasswordEnv?: unknown;
  controlTlsCa?: unknown;
  barrierTimeout?: unknown;
}

