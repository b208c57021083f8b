/**
 * The scenario FILE format (JSON or YAML), before defaults and validation. Every field is optional; `defaults.ts`
 * fills in what is missing and `validate.ts` checks it. Durations are strings ('500ms', '10s', '1.5m') or milliseconds;
 * the resolved form's `warmupMs` / `durationMs` / `drainTimeoutMs` are accepted too, so a `scenario` copied out of a
 * result.json can be run again as it is. Every key, with its range and meaning, is described once in `fields.ts`.
 */
import type { ClientKind, PublishMode, TransportKind } from '../core/scenario.js';

/** A scenario as written in a file or a built-in. */
export interface ScenarioInput {
  name?: string;
  description?: string;
  /** 'native' (default) or 'ioredis'. */
  client?: ClientKind;
  channels?: { count?: number; naming?: string; sharded?: boolean };
  publishers?: {
    count?: number;
    /** Total msgs/s over all publishers, or 'max'. */
    rate?: number | 'max';
    messageBytes?: number;
    mode?: PublishMode;
    batch?: number;
    maxInFlight?: number;
    channelsEach?: number | 'all';
  };
  subscribers?: Array<{ count?: number; channelsEach?: number | 'all'; patterns?: string[] }>;
  warmup?: string | number;
  duration?: string | number;
  drainTimeout?: string | number;
  warmupMs?: number;
  durationMs?: number;
  drainTimeoutMs?: number;
  seed?: number;
  /** 'pubsub' (default) or 'streams'. */
  transport?: TransportKind;
  /** Streams: the MAXLEN ~ cap per stream. */
  streamMaxLen?: number;
  /** The file's JSON Schema, for editors (`pubsub-bench scenarios --schema`); ignored. */
  $schema?: string;
}
