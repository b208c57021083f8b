/**
 * The fleet plan: which worker thread runs which publishers and subscribers, what each one publishes to or
 * subscribes to, and how many deliveries every channel's messages must reach. Pure and deterministic, so the
 * expected-delivery numbers that loss is counted against can be unit-tested.
 */
import type { PublisherAssignment, SubscriberAssignment } from '../core/messages.js';
import type { Scenario } from '../core/scenario.js';
import { channelNames as expandChannelNames } from '../scenarios/channels.js';
import { globMatch } from '../scenarios/glob.js';
import { backgroundPatternNames } from '../core/scenario.js';
import { planPublishSkew, planSubscriberSkew, splitRateByShares } from './plan-skew.js';
// Pure maths with no imports of its own: the plan places the publishers' first messages on the same curve the
// worker threads follow.
import { RateCurve } from '../load/profile.js';

/** What one worker thread runs. */
export interface WorkerPlan {
  publishers: PublisherAssignment[];
  subscribers: SubscriberAssignment[];
  /** Background patterns (matching nothing) this worker holds on one extra connection; absent: none. */
  backgroundPatterns?: string[];
}

/** The whole fleet split over worker threads. */
export interface FleetPlan {
  /**
   * Worker threads actually used: min(requested, publishers + subscribers), at least 1; with slow subscribers, one
   * more thread that runs only them (the last one).
   */
  workers: number;
  /** Channel names, index = channel index. */
  channelNames: string[];
  /** Per channel: subscriptions that receive each message on it (direct SUBSCRIBEs + matching (subscriber, pattern) pairs). */
  receiversPerChannel: number[];
  /** Index = worker id. */
  perWorker: WorkerPlan[];
  /** Subscribe calls in the fleet: channel subscriptions plus pattern subscriptions (one per subscriber and pattern). */
  subscriptions: number;
  /** Per channel: direct subscriptions (what PUBSUB NUMSUB / SHARDNUMSUB should report). */
  expectedNumsub: number[];
  /**
   * Distinct patterns subscribed by at least one subscriber: what PUBSUB NUMPAT reports, since Redis 7 counts unique
   * patterns, not (client, pattern) pairs.
   */
  expectedNumpat: number;
  /** Per channel: the share of all published messages it is meant to get, under a channel skew only. */
  publishShares?: number[];
}

/** What the default number of worker threads depends on (see `defaultWorkerCount`). */
export interface WorkerSizing {
  /** Cores this process may use: `os.availableParallelism()`. */
  cores: number;
  /** The target is the throwaway local redis-server the run starts, which then runs on this machine too. */
  localTarget: boolean;
  /** Publisher plus subscriber connections of the scenario (`connectionCount`). */
  connections: number;
}

/**
 * The default worker-thread count: every core, less one for a local redis-server (Redis is single-threaded, so one
 * core is what it needs), but never more threads than connections to run (a thread without a connection only costs
 * memory and start-up time), and at least 1.
 */
export function defaultWorkerCount({ cores, localTarget, connections }: WorkerSizing): number {
  const usable = Number.isFinite(cores) ? Math.floor(cores) - (localTarget ? 1 : 0) : 1;
  const needed = Number.isNaN(connections) ? 1 : Math.floor(connections); // Infinity: no cap (scenario unknown)
  return Math.max(1, Math.min(usable, needed));
}

/** Publisher plus subscriber connections of a scenario: the most worker threads it can use. */
export function connectionCount(scenario: Scenario): number {
  return scenario.publishers.count + scenario.subscribers.reduce((n, g) => n + g.count, 0);
}

/**
 * Splits `scenario` over `workersRequested` threads.
 *
 * - Publisher i runs on worker i mod W; subscriber j (numbered across groups) on worker (P + j) mod W, so each kind
 *   is spread evenly and the two kinds fill the threads the other left emptier.
 * - Except at `rate: 'max'` with 2+ workers and both kinds present: then publishers and subscribers get threads of
 *   their own (see `splitRoles`), because a closed-loop publisher keeps its event loop busy and would delay the
 *   deliveries of every subscriber sharing it; subscriber latency would then measure the harness.
 * - The scenario's rate is the TOTAL: every publisher gets R / P, the last one R minus the others' sum, so the
 *   per-publisher rates add up to exactly R (summed in publisher order). Publisher i starts i × 1e6 / R µs late,
 *   interleaving the schedules into one evenly spaced stream of R msgs/s.
 * - With a load profile (`stages`) the rate R is the profile's mean (validation records it) and publisher i sends
 *   the messages i, i + P, … of the combined stream (load/profile.ts); its phase offset is then the time of its
 *   first message on that curve, the warmup held at the first stage's rate (Infinity if the profile never gets there).
 */
export function planFleet(scenario: Scenario, workersRequested: number): FleetPlan {
  const names = expandChannelNames(scenario.channels);
  const channelCount = names.length;
  const publisherCount = scenario.publishers.count;
  const subscriberCount = scenario.subscribers.reduce((n, g) => n + g.count, 0);
  // Slow subscribers (ids 0 … slow − 1) stall the thread they run on: assignWorkers gives them one of their own.
  const slow = Math.min(scenario.slowSubscribers?.count ?? 0, subscriberCount);
  const rate = scenario.publishers.rate;
  const publisherChannels = (i: number): number[] => spread(i, scenario.publishers.channelsEach, channelCount, true);
  const skew = planPublishSkew(scenario, channelCount, publisherChannels);
  // Under a skew with k channels each, publishers carry unequal shares (plan-skew.ts); with 'all' they stay equal.
  const rates = skew && rate !== 'max' && scenario.publishers.channelsEach !== 'all'
    ? splitRateByShares(rate, skew.publishers.map((p) => p.rateShare))
    : splitRate(rate, publisherCount);
  const curve = scenario.stages && rate !== 'max' ? new RateCurve(scenario.stages, 0, scenario.warmupMs * 1000) : null;
  const publishers: PublisherAssignment[] = [];
  for (let i = 0; i < publisherCount; i++) {
    const skewed = skew?.publishers[i];
    publishers.push({
      publisherId: i,
      channels: skewed ? skewed.channels : publisherChannels(i),
      rate: rates[i],
      phaseOffsetUs: rate === 'max' ? 0 : curve ? curve.timeOfCount(i) : (i * 1e6) / rate,
      ...(skewed ? { channelWeights: skewed.weights } : {}),
    });
  }

  const expectedNumsub = new Array<number>(channelCount).fill(0);
  const receiversPerChannel = new Array<number>(channelCount).fill(0);
  const subscribers: SubscriberAssignment[] = [];
  let subscriptions = 0;
  let subscriberId = 0;
  for (const group of scenario.subscribers) {
    const skewed = planSubscriberSkew(scenario, group, channelCount);
    for (let j = 0; j < group.count; j++) {
      const channels = skewed ? skewed[j] : spread(j, group.channelsEach, channelCount, false);
      for (const c of channels) expectedNumsub[c]++;
      subscriptions += channels.length + group.patterns.length;
      subscribers.push({
        subscriberId,
        channels,
        patterns: [...group.patterns],
        ...(subscriberId < slow ? { slowUs: scenario.slowSubscribers!.delayUs } : {}),
      });
      subscriberId++;
    }
  }

  // Every (subscriber, pattern) pair matching a channel receives its messages once more; match each distinct pattern once.
  const pairsPerPattern = new Map<string, number>();
  for (const group of scenario.subscribers) {
    if (group.count === 0) continue;
    for (const p of group.patterns) pairsPerPattern.set(p, (pairsPerPattern.get(p) ?? 0) + group.count);
  }
  // Background patterns match no channel (validation sees to it): they add subscriptions and NUMPAT, no receivers.
  const background = backgroundPatternNames(scenario.backgroundPatterns ?? 0);
  subscriptions += background.length;
  const distinctPatterns = new Set([...pairsPerPattern.keys(), ...background]).size;
  for (let c = 0; c < channelCount; c++) {
    let receivers = expectedNumsub[c];
    for (const [pattern, pairs] of pairsPerPattern) if (globMatch(pattern, names[c])) receivers += pairs;
    receiversPerChannel[c] = receivers;
  }

  const { workers, perWorker } = assignWorkers(publishers, subscribers, workersRequested, rate === 'max');
  if (background.length > 0) perWorker[0].backgroundPatterns = background; // an idle connection: any thread will do
  return {
    workers,
    channelNames: names,
    receiversPerChannel,
    perWorker,
    subscriptions,
    expectedNumsub,
    expectedNumpat: distinctPatterns,
    ...(skew ? { publishShares: skew.shares } : {}),
  };
}

/**
 * Spreads publishers and subscribers (in list order) over worker threads: min(requested, P + S) threads, at least 1,
 * for all but slow subscribers (`slowUs`), which stall their thread and get one more of their own. Publisher i (by
 * position) runs on thread i mod W, fast subscriber k on (P + k) mod W; at rate 'max' with both kinds present the
 * kinds get threads of their own (see `splitRoles`). A segment of a distributed run calls it with its share.
 */
export function assignWorkers(
  publishers: readonly PublisherAssignment[], subscribers: readonly SubscriberAssignment[], workersRequested: number, rateMax: boolean,
): { workers: number; perWorker: WorkerPlan[] } {
  const publisherCount = publishers.length;
  const slowOnes = subscribers.filter((s) => s.slowUs !== undefined);
  const fast = subscribers.filter((s) => s.slowUs === undefined);
  const requested = Number.isFinite(workersRequested) ? Math.floor(workersRequested) : 1;
  const fastConnections = publisherCount + fast.length;
  const fastWorkers = slowOnes.length > 0 && fastConnections === 0 ? 0 : Math.max(1, Math.min(requested, fastConnections));
  const workers = fastWorkers + (slowOnes.length > 0 ? 1 : 0);
  const perWorker: WorkerPlan[] = Array.from({ length: workers }, () => ({ publishers: [], subscribers: [] }));
  const roles = rateMax ? splitRoles(fastWorkers, publisherCount, fast.length) : null;
  // Worker of publisher i and of fast subscriber k: shared threads, or publishers on 0 … Wp−1 and subscribers on
  // Wp … W−1; the slow subscribers on the last thread.
  const publisherWorker = (i: number): number => (roles ? i % roles.publisherWorkers : i % fastWorkers);
  const subscriberWorker = (k: number): number =>
    roles ? roles.publisherWorkers + (k % (fastWorkers - roles.publisherWorkers)) : (publisherCount + k) % fastWorkers;
  publishers.forEach((p, i) => perWorker[publisherWorker(i)].publishers.push(p));
  fast.forEach((s, k) => perWorker[subscriberWorker(k)].subscribers.push(s));
  for (const s of slowOnes) perWorker[workers - 1].subscribers.push(s);
  return { workers, perWorker };
}

/**
 * The offered load of a scenario with a load profile, on the run's clock (the schedule starts at `scheduleStartUs`,
 * the warmup held at the first stage's rate): what the aggregator's timeline targets follow. Undefined otherwise.
 */
export function offeredLoadOf(scenario: Scenario, scheduleStartUs: number, share = 1): { rateAt(us: number): number; countAt(us: number): number } | undefined {
  if (!scenario.stages || scenario.publishers.rate === 'max') return undefined;
  const curve = new RateCurve(scenario.stages, scheduleStartUs, scenario.warmupMs * 1000);
  if (share === 1) return curve;
  // A segment offers its publishers' share of the curve (publisher i sends messages i, i + P, …).
  return { rateAt: (us) => curve.rateAt(us) * share, countAt: (us) => curve.countAt(us) * share };
}

/** The open-loop target rate of `share` of the run (a segment's publishers), or null at rate 'max'. */
export function targetRateOf(scenario: Scenario, share = 1): number | null {
  const rate = scenario.publishers.rate;
  return rate === 'max' ? null : share === 1 ? rate : rate * share;
}

/**
 * The share of the run's offered load that `plan`'s publishers send: Σ of their rates / the total (1 at rate 'max'
 * or without publishers in the scenario).
 */
export function rateShareOf(scenario: Scenario, plan: FleetPlan): number {
  const total = scenario.publishers.rate;
  if (total === 'max' || total === 0) return 1;
  let mine = 0;
  for (const w of plan.perWorker) for (const p of w.publishers) mine += typeof p.rate === 'number' ? p.rate : 0;
  return mine / total;
}

/**
 * Threads for publishers when the two kinds are kept apart (the rest are the subscribers'), or null when they share:
 * fewer than 2 workers, or only one kind of connection. The threads are shared out in proportion to the connections
 * of each kind, each kind gets at least one, and neither gets more threads than it has connections (no idle thread:
 * `workers` ≤ P + S, as planFleet guarantees).
 */
export function splitRoles(workers: number, publishers: number, subscribers: number): { publisherWorkers: number } | null {
  if (workers < 2 || publishers === 0 || subscribers === 0) return null;
  let publisherWorkers = Math.min(workers - 1, Math.max(1, Math.round((workers * publishers) / (publishers + subscribers))));
  publisherWorkers = Math.min(publisherWorkers, publishers);
  if (workers - publisherWorkers > subscribers) publisherWorkers = workers - subscribers;
  return { publisherWorkers };
}

/** Per-publisher rates adding up to exactly `total` (see planFleet). */
export function splitRate(total: number | 'max', publishers: number): Array<number | 'max'> {
  if (total === 'max') return new Array<'max'>(publishers).fill('max');
  const rates = new Array<number>(publishers).fill(total / publishers);
  if (publishers > 1) {
    let others = 0;
    for (let i = 0; i < publishers - 1; i++) others += rates[i];
    // others lies within [total/2, total], so total − others is computed exactly (Sterbenz) and others + last === total.
    rates[publishers - 1] = total - others;
  }
  return rates;
}

/**
 * The channels member `index` of a fleet uses: 'all' channels (publishers start at their own offset so they do not
 * all hit channel 0 together), or k consecutive channels starting at index × k, wrapping, so that the members together
 * cover every channel once index × k reaches the channel count.
 */
function spread(index: number, each: number | 'all', channelCount: number, staggerAll: boolean): number[] {
  const k = each === 'all' ? channelCount : Math.min(each, channelCount);
  const start = each === 'all' ? (staggerAll ? index % channelCount : 0) : (index * k) % channelCount;
  const out = new Array<number>(k);
  for (let t = 0; t < k; t++) out[t] = (start + t) % channelCount;
  return out;
}
