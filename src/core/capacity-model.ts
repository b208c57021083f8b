/**
 * The capacity model's shapes in capacity.json (fitted in src/metrics/capacity-fit.ts, used in
 * src/metrics/capacity-model.ts): what the server's CPU costs per publish, per delivery, per output byte and per
 * pattern check, and the saturation rates it predicts for a scenario's shape on this server, on K cores and on an
 * N-shard cluster.
 */

/** The cost terms, in the order the fit tries to identify them. */
export const COST_TERMS = ['idle', 'publish', 'delivery', 'byte', 'patternCheck'] as const;

/** One cost term: idle µs/s, or µs per publish / delivery / output byte / (publish × distinct pattern). */
export type CostTerm = (typeof COST_TERMS)[number];

/** One observation: a run (or a capacity step) on a single-node server, as rates over its server-cost window. */
export interface CostPoint {
  /** Where it came from (a run folder, a capacity step) for the report. */
  source: string;
  /** Server CPU (used_cpu_user + used_cpu_sys), µs per second of the window. */
  cpuUsPerS: number;
  publishesPerS: number;
  deliveriesPerS: number;
  /** total_net_output_bytes per second (deliveries, PUBLISH replies, the harness's INFO). */
  outputBytesPerS: number;
  /** Publishes per second × distinct patterns subscribed: every PUBLISH matches the channel against each. */
  patternChecksPerS: number;
  /** Publish mode of the run ('await', 'pipeline/100', …): the per-publish cost depends on it. */
  publishMode: string;
  /** Length of the window, ms. */
  windowMs: number;
  /** Publisher connections of the run, and the median PUBLISH round trip they saw (µs; absent when not measured). */
  publishers?: number;
  publishRoundTripP50Us?: number;
}

/**
 * What an awaited PUBLISH costs besides the server's CPU: the round trip's fixed part (client wake-up, syscalls, the
 * loopback), estimated per point as the median PUBLISH round trip less the server CPU per publish. An 'await'
 * publisher sends its next message only after the reply, so P of them cannot exceed P × 1e6 / (this + CPU per message).
 */
export interface RoundTripOverhead {
  /** Median over the await points, µs. */
  us: number;
  /** Standard error of that (spread / √n), µs. */
  seUs: number;
  points: number;
}

/** A fitted model: server CPU µs/s = idle + Σ coefficient × rate of its term. */
export interface CostModel {
  /** µs per unit of each term (idle: µs per second). A term the data could not identify is 0 and listed in `folded`. */
  coefficients: Record<CostTerm, number>;
  /** Standard error of each fitted coefficient (absent for terms not fitted). */
  standardErrors: Partial<Record<CostTerm, number>>;
  /** Terms fitted, in the order of `covariance`. */
  fitted: CostTerm[];
  /**
   * Terms the data never varied apart from the fitted ones (one shape only: deliveries and bytes are proportional to
   * publishes), or that came out negative: their cost is carried by the fitted terms, exact for shapes like the data's.
   */
  folded: CostTerm[];
  /** Covariance of the fitted coefficients (rows and columns in `fitted` order). */
  covariance: number[][];
  /**
   * Residual standard deviation of the fit relative to the observed CPU (0.05: points scatter ±5% about the fit); the
   * fit weighs each point by 1 / its CPU, since the noise of a busy server's CPU grows with it. Null with no degrees
   * of freedom left.
   */
  relativeResidualSd: number | null;
  /** Points − fitted terms. */
  degreesOfFreedom: number;
  /** Share of the CPU variance the fit explains (null with fewer than 2 points). */
  r2: number | null;
  /** Largest |residual| / observed over the points: how far any one point is from the fit. */
  maxRelativeResidual: number;
  /** The awaited PUBLISH round trip's fixed part, when the data has 'await' runs with their round trips. */
  roundTrip?: RoundTripOverhead;
  /** Publish modes of the data (the per-publish cost holds for these). */
  publishModes: string[];
  /** The data. */
  points: CostPoint[];
  /** What it was fitted from, in words ("3 held steps of the search", "calibration: 4 runs"). */
  fittedFrom: string;
}

/**
 * What a prediction is for. 'cpu-reached': this server with the budget set to the most CPU Redis was seen to use in a
 * search's steps — on a shared machine Redis may never get a whole core, and this separates a wrong cost from a
 * wrong budget.
 */
export type PredictionTarget = 'this-server' | 'cores' | 'sharded' | 'classic' | 'cpu-reached';

/** One predicted saturation rate (total msgs/s over all publishers). */
export interface KneePrediction {
  target: PredictionTarget;
  /** "this server", "2 cores", "3-shard cluster (sharded pub/sub)", … */
  label: string;
  cores: number;
  shards: number;
  /** Predicted saturation rate, or null when it cannot be predicted (see `note`). */
  rate: number | null;
  /**
   * What sets it: the busiest node's CPU reaching its budget, or (awaited publishes) the publishers' round trips — one
   * message in flight per publisher — before that.
   */
  limit?: 'server-cpu' | 'round-trip';
  /** The server-CPU rate when the round trip set a lower one. */
  serverCpuRate?: number;
  /** 95% interval of `rate` from the fit's coefficient uncertainty (null when unknown). */
  low: number | null;
  high: number | null;
  /** CPU budget of the busiest node, µs/s (cores × 1e6 × (1 − headroom)). */
  budgetUsPerS: number;
  /** Server CPU per published message on the busiest node, µs. */
  costPerMessageUs: number;
  note?: string;
}

/** The load of one channel of a shape, per message published on the whole fleet. */
export interface ChannelLoad {
  /** Hash slot of the channel name (sharded and classic clusters place it by this). */
  slot: number;
  /** Length of the channel name, bytes (a cluster-bus copy carries it). */
  nameBytes: number;
  /** Share of all publishes that go to this channel (the shares add up to 1). */
  publishShare: number;
  /** Deliveries of one message on this channel (direct subscriptions + matching pattern subscriptions). */
  receivers: number;
  /** Output bytes of those deliveries (RESP framing included). */
  deliveryBytes: number;
}

/** What a scenario asks of the server, per published message. */
export interface CapacityShape {
  name: string;
  publishers: number;
  subscribers: number;
  channels: number;
  messageBytes: number;
  publishMode: string;
  sharded: boolean;
  /** Distinct patterns subscribed (what PUBSUB NUMPAT reports). */
  patterns: number;
  /** Mean deliveries per published message. */
  deliveriesPerPublish: number;
  /** Mean output bytes per published message: deliveries (RESP framed) plus the PUBLISH reply. */
  outputBytesPerPublish: number;
  /** Per channel, for cluster placement. */
  channelLoads: ChannelLoad[];
}

/** A `capacity --predict` answer, or the prediction beside a search's measured knee. */
export interface CapacityPrediction {
  shape: Omit<CapacityShape, 'channelLoads'>;
  /** Share of a core kept free (the budget is cores × 1e6 µs/s × (1 − headroom)). */
  headroom: number;
  predictions: KneePrediction[];
  model: CostModel;
  /** Caveats for this shape and model (mode differs from the data's, folded terms matter, …). */
  notes: string[];
}
