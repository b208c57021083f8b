/**
 * Predicts the saturation rate of a shape from a fitted cost model (src/metrics/capacity-fit.ts). Pure.
 *
 * A node saturates when its CPU reaches its budget: idle + R × (cost of one published message on that node) =
 * cores × 1e6 µs/s × (1 − headroom). The cost of one message is the model's coefficients times what one published
 * message brings the node:
 *
 * - this server (and "K cores": the budget × K — an upper bound, since Redis runs commands on one thread; it holds
 *   for a server that spreads the work, Valkey/KeyDB/Dragonfly, or for the I/O part with io-threads):
 *   1 publish, d deliveries, the output bytes, P pattern checks;
 * - an N-shard cluster with sharded pub/sub: each channel lives on the shard owning its hash slot (slots split evenly
 *   over the shards), and a shard carries only its channels' publishes and deliveries; the busiest shard sets the
 *   rate, so one hot channel caps it whatever N is. Patterns cannot be sharded;
 * - an N-shard cluster with classic pub/sub: every node receives every message (the PUBLISH on the slot owner of
 *   the channel, a cluster-bus copy on the others), so every node pays the per-publish cost; subscribers and
 *   patterns spread over the nodes, so deliveries, their bytes and pattern checks split N ways; the node that took
 *   the PUBLISH writes N − 1 bus copies of CLUSTER_BUS_HEADER_BYTES + channel + payload. The rate therefore tends to
 *   budget / per-publish cost however many nodes are added.
 *
 * The 95% interval comes from the coefficients' covariance (delta method): R solves x(R)·β = budget, so
 * ∂R/∂β = −x(R) / (cost per message), and Var(R) = gᵀ Σ g.
 */
import {
  COST_TERMS, type CapacityPrediction, type CapacityShape, type CostModel, type CostTerm, type KneePrediction, type PredictionTarget,
} from '../core/capacity-model.js';
import { tTwoSidedQuantile } from './noise.js';

/** One core's CPU budget, µs per second. */
export const CORE_US_PER_S = 1e6;
/** Hash slots of a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;
/**
 * A cluster-bus message header in Redis 7.0 (clusterMsg, with the 2 KiB slot bitmap). Redis 7.2+ sends pub/sub over
 * a light header of a few dozen bytes, so with it the bus cost here is an overstatement.
 */
export const CLUSTER_BUS_HEADER_BYTES = 2256;

/** Per published message (fleet-wide), what a node does: in units of the model's terms (idle is per second). */
export type MessageLoad = Record<Exclude<CostTerm, 'idle'>, number>;

const costOf = (model: CostModel, load: MessageLoad): number =>
  model.coefficients.publish * load.publish + model.coefficients.delivery * load.delivery + model.coefficients.byte * load.byte + model.coefficients.patternCheck * load.patternCheck;

/** What one published message brings a single server. */
export function singleNodeLoad(shape: CapacityShape): MessageLoad {
  return { publish: 1, delivery: shape.deliveriesPerPublish, byte: shape.outputBytesPerPublish, patternCheck: shape.patterns };
}

/**
 * Shard index owning `slot` when the slots are split evenly in contiguous ranges as `redis-cli --cluster create`
 * does: shard s owns round(s × 16384 / N) … round((s + 1) × 16384 / N) − 1.
 */
export function shardOfSlot(slot: number, shards: number): number {
  const start = (s: number): number => Math.round((s * CLUSTER_SLOTS) / shards);
  let s = Math.min(shards - 1, Math.floor((slot * shards) / CLUSTER_SLOTS));
  while (s < shards - 1 && slot >= start(s + 1)) s++;
  while (s > 0 && slot < start(s)) s--;
  return s;
}

/** The load of every shard with sharded pub/sub (no patterns: they cannot be sharded). */
export function shardedLoads(shape: CapacityShape, shards: number): MessageLoad[] {
  const loads: MessageLoad[] = Array.from({ length: shards }, () => ({ publish: 0, delivery: 0, byte: 0, patternCheck: 0 }));
  const replyBytes = shape.outputBytesPerPublish - shape.channelLoads.reduce((s, c) => s + c.publishShare * c.deliveryBytes, 0);
  for (const c of shape.channelLoads) {
    const l = loads[shardOfSlot(c.slot, shards)];
    l.publish += c.publishShare;
    l.delivery += c.publishShare * c.receivers;
    l.byte += c.publishShare * (c.deliveryBytes + replyBytes);
  }
  return loads;
}

/** Bytes of one cluster-bus PUBLISH copy of a message on a channel whose name is `channelBytes` long. */
const busBytes = (shape: CapacityShape, channelBytes: number): number => CLUSTER_BUS_HEADER_BYTES + channelBytes + shape.messageBytes;

/** The load of every node with classic pub/sub on an N-node cluster (see the file comment). */
export function classicLoads(shape: CapacityShape, shards: number): MessageLoad[] {
  const loads: MessageLoad[] = Array.from({ length: shards }, () => ({
    publish: 1, delivery: shape.deliveriesPerPublish / shards, byte: shape.outputBytesPerPublish / shards, patternCheck: shape.patterns / shards,
  }));
  for (const c of shape.channelLoads) loads[shardOfSlot(c.slot, shards)].byte += c.publishShare * (shards - 1) * busBytes(shape, c.nameBytes);
  return loads;
}

/** Solves idle + R·cost = budget with its 95% interval; null rate when the budget is below idle or cost is 0. */
export function saturationRate(model: CostModel, load: MessageLoad, budgetUsPerS: number): { rate: number | null; low: number | null; high: number | null; cost: number } {
  const cost = costOf(model, load);
  const spare = budgetUsPerS - model.coefficients.idle;
  if (!(cost > 0) || spare <= 0) return { rate: null, low: null, high: null, cost };
  const rate = spare / cost;
  if (model.degreesOfFreedom < 1 || model.relativeResidualSd === null) return { rate, low: null, high: null, cost };
  const x: Record<CostTerm, number> = { idle: 1, ...Object.fromEntries(Object.entries(load).map(([k, v]) => [k, rate * v])) } as Record<CostTerm, number>;
  const g = model.fitted.map((t) => -x[t] / cost);
  let variance = 0;
  for (let i = 0; i < g.length; i++) for (let j = 0; j < g.length; j++) variance += g[i] * model.covariance[i][j] * g[j];
  const half = tTwoSidedQuantile(0.05, model.degreesOfFreedom) * Math.sqrt(Math.max(variance, 0));
  return { rate, low: Math.max(0, rate - half), high: rate + half, cost };
}

/**
 * The most awaited publishers can send: each has one PUBLISH in flight, whose round trip is the fixed overhead plus
 * the server's CPU for the message, so P publishers reach P × 1e6 / (overhead + cost) msgs/s. Null for other modes
 * or without round-trip data. The interval spans the overhead's 95% range.
 */
export function roundTripBound(model: CostModel, shape: CapacityShape, costUs: number): { rate: number; low: number; high: number } | null {
  if (shape.publishMode !== 'await' || !model.roundTrip || shape.publishers === 0) return null;
  const { us, seUs } = model.roundTrip;
  const at = (overhead: number): number => (shape.publishers * CORE_US_PER_S) / Math.max(overhead + costUs, 1e-9);
  return { rate: at(us), low: at(us + 1.96 * seUs), high: at(Math.max(0, us - 1.96 * seUs)) };
}

/** What to predict for. */
export interface PredictOptions {
  /** Share of each core kept free (0.2: the budget is 80% of a core). */
  headroom: number;
  /** Extra "K cores" budgets to predict for (beyond this server's 1). */
  cores: readonly number[];
  /** Cluster sizes to predict for (sharded and classic). */
  shards: readonly number[];
  /** Also predict with this budget (µs/s): the most CPU Redis was seen to use (see PredictionTarget 'cpu-reached'). */
  reachedCpuUsPerS?: number;
}

function busiest(model: CostModel, loads: MessageLoad[]): MessageLoad {
  return loads.reduce((a, b) => (costOf(model, b) > costOf(model, a) ? b : a));
}

/** Every prediction for `shape`, with the caveats that apply to it. */
export function predictCapacity(model: CostModel, shape: CapacityShape, opts: PredictOptions): CapacityPrediction {
  const budget = (cores: number): number => cores * CORE_US_PER_S * (1 - opts.headroom);
  const one = (target: PredictionTarget, label: string, cores: number, shards: number, load: MessageLoad | null, note?: string, budgetUsPerS = budget(cores)): KneePrediction => {
    if (!load) return { target, label, cores, shards, rate: null, low: null, high: null, budgetUsPerS, costPerMessageUs: 0, ...(note ? { note } : {}) };
    const r = saturationRate(model, load, budgetUsPerS);
    const base = { target, label, cores, shards, budgetUsPerS, costPerMessageUs: r.cost, ...(note ? { note } : {}) };
    const trip = roundTripBound(model, shape, r.cost);
    if (trip && r.rate !== null && trip.rate < r.rate) {
      return { ...base, rate: trip.rate, low: Math.min(trip.low, r.low ?? trip.low), high: Math.min(trip.high, r.high ?? trip.high), limit: 'round-trip', serverCpuRate: r.rate };
    }
    return { ...base, rate: r.rate, low: r.low, high: r.high, ...(r.rate !== null ? { limit: 'server-cpu' as const } : {}) };
  };
  const predictions: KneePrediction[] = [one('this-server', 'this server (1 core)', 1, 1, singleNodeLoad(shape))];
  if (opts.reachedCpuUsPerS !== undefined && opts.reachedCpuUsPerS > 0) {
    const share = opts.reachedCpuUsPerS / CORE_US_PER_S;
    predictions.push(one('cpu-reached', `this server at the CPU Redis reached (${(share * 100).toFixed(0)}%)`, share, 1, singleNodeLoad(shape),
      'budget: the most CPU Redis used in any step (no headroom)', opts.reachedCpuUsPerS));
  }
  for (const k of opts.cores) {
    if (k !== 1) predictions.push(one('cores', `${k} cores' worth`, k, 1, singleNodeLoad(shape), 'an upper bound: Redis runs commands on one thread'));
  }
  for (const n of opts.shards) {
    predictions.push(shape.patterns > 0
      ? one('sharded', `${n}-shard cluster, sharded pub/sub`, 1, n, null, 'patterns cannot be used with sharded pub/sub')
      : one('sharded', `${n}-shard cluster, sharded pub/sub`, 1, n, busiest(model, shardedLoads(shape, n))));
    predictions.push(one('classic', `${n}-shard cluster, classic pub/sub`, 1, n, busiest(model, classicLoads(shape, n)),
      'every node pays every publish (cluster bus)'));
  }
  const { channelLoads: _loads, ...summary } = shape;
  const notes = shapeNotes(model, shape);
  if (opts.shards.length > 0 && !model.fitted.includes('delivery') && shape.deliveriesPerPublish > 0) {
    // Two reasons a delivery term is missing, with different remedies: the data never varied deliveries per publish
    // (one shape), or it did and the term still could not be told from noise (small beside the per-publish cost).
    const ratios = new Set(model.points.map((p) => (p.publishesPerS > 0 ? (p.deliveriesPerS / p.publishesPerS).toFixed(2) : '')));
    notes.push(ratios.size > 1
      ? 'The cluster predictions count every delivery as per-publish cost: the data varied deliveries per publish, but their cost could not be told from noise (it is small beside the per-publish cost here), so the error this leaves in the classic pub/sub predictions is small too.'
      : "The cluster predictions need the per-publish / per-delivery split, which this model's data (one shape) cannot give: they count every delivery as per-publish cost, which understates classic pub/sub on clusters. Calibrate (leave --model out) or fit from runs of several shapes.");
  }
  return { shape: summary, headroom: opts.headroom, predictions, model, notes };
}

/** Ratio of two terms over the model's data (min and max), or null when the denominator is never positive. */
function ratioRange(model: CostModel, num: (p: CostModel['points'][number]) => number): { min: number; max: number } | null {
  const r = model.points.filter((p) => p.publishesPerS > 0).map((p) => num(p) / p.publishesPerS);
  return r.length === 0 ? null : { min: Math.min(...r), max: Math.max(...r) };
}

const outside = (v: number, range: { min: number; max: number } | null): boolean =>
  range !== null && (v < range.min * 0.9 - 1e-9 || v > range.max * 1.1 + 1e-9);

/** Caveats: a publish mode the data lacks, and folded terms that this shape uses in other proportions. */
export function shapeNotes(model: CostModel, shape: CapacityShape): string[] {
  const notes: string[] = [];
  if (!model.publishModes.includes(shape.publishMode)) {
    notes.push(`The model's data published with ${model.publishModes.join(', ')}; this shape uses ${shape.publishMode}, which costs Redis differently per PUBLISH (one read per command when awaited, one per batch when pipelined): an extrapolation.`);
  }
  const checks: Array<[CostTerm, string, number, ReturnType<typeof ratioRange>]> = [
    ['delivery', 'deliveries per publish', shape.deliveriesPerPublish, ratioRange(model, (p) => p.deliveriesPerS)],
    ['byte', 'output bytes per publish', shape.outputBytesPerPublish, ratioRange(model, (p) => p.outputBytesPerS)],
    ['patternCheck', 'patterns', shape.patterns, ratioRange(model, (p) => p.patternChecksPerS)],
  ];
  for (const [term, what, value, range] of checks) {
    if (model.fitted.includes(term) || !outside(value, range)) continue;
    const seen = range === null ? 'none' : range.max <= range.min * 1.01 ? fmt(range.min) : `${fmt(range.min)}–${fmt(range.max)}`;
    notes.push(`The model could not separate the ${term} cost (its data had ${seen} ${what}; this shape has ${fmt(value)}): extrapolated, and the interval does not include that error. Calibrate with shapes that differ in ${what}.`);
  }
  return notes;
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3).replace(/\.?0+$/, ''));

/** Every coefficient in COST_TERMS order with its standard error (for tables). */
export function coefficientRows(model: CostModel): Array<{ term: CostTerm; value: number; se: number | null; fitted: boolean }> {
  return COST_TERMS.map((t) => ({ term: t, value: model.coefficients[t], se: model.standardErrors[t] ?? null, fitted: model.fitted.includes(t) }));
}
