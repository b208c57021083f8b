/**
 * The fleet plan: which worker thread runs which publishers and subscribers, what each one publishes to or
 * subscribes to, and how many deliveries every channel's messages must reach. Pure and deterministic, so the
 * expected-delivery numbers that loss is counted against can be unit-tested.
 */
import type { PublisherAssignment, SubscriberAssignment } from '../core/messages.js';
import type { Scenario } from '../core/scenario.js';
import { channelNames as expandChannelNames } from '../scenarios/channels.js';
import { globMatch } from '../scenarios/glob.js';
// Pure maths with no imports of its own: the plan places the publishers' first messages on the same curve the
// worker threads follow.
import { RateCurve } from '../workers/profile.js';

/** What one worker thread runs. */
export interface WorkerPlan {
  publishers: PublisherAssignment[];
  subscribers: SubscriberAssignment[];
}

/** The whole fleet split over worker threads. */
export interface FleetPlan {
  /** Worker threads actually used: min(requested, publishers + subscribers), at least 1. */
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
}

/**
 * Splits `scenario` over `workersRequested` threads.
 *
 * - Publisher i runs on worker i mod W; subscriber j (numbered across groups) on worker (P + j) mod W, so each kind
 *   is spread evenly and the two kinds fill the threads the other left emptier.
 * - The scenario's rate is the TOTAL: every publisher gets R / P, the last one R minus the others' sum, so the
 *   per-publisher rates add up to exactly R (summed in publisher order). Publisher i starts i × 1e6 / R µs late,
 *   interleaving the schedules into one evenly spaced stream of R msgs/s.
 * - With a load profile (`stages`) the rate R is the profile's mean (validation records it) and publisher i sends
 *   the messages i, i + P, … of the combined stream (workers/profile.ts); its phase offset is then the time of its
 *   first message on that curve, the warmup held at the first stage's rate (Infinity if the profile never gets there).
 */
export function planFleet(scenario: Scenario, workersRequested: number): FleetPlan {
  const names = expandChannelNames(scenario.channels);
  const channelCount = names.length;
  const publisherCount = scenario.publishers.count;
  const subscriberCount = scenario.subscribers.reduce((n, g) => n + g.count, 0);
  const requested = Number.isFinite(workersRequested) ? Math.floor(workersRequested) : 1;
  const workers = Math.max(1, Math.min(requested, publisherCount + subscriberCount));
  const perWorker: WorkerPlan[] = Array.from({ length: workers }, () => ({ publishers: [], subscribers: [] }));

  const rates = splitRate(scenario.publishers.rate, publisherCount);
  const rate = scenario.publishers.rate;
  const curve = scenario.stages && rate !== 'max' ? new RateCurve(scenario.stages, 0, scenario.warmupMs * 1000) : null;
  for (let i = 0; i < publisherCount; i++) {
    perWorker[i % workers].publishers.push({
      publisherId: i,
      channels: spread(i, scenario.publishers.channelsEach, channelCount, true),
      rate: rates[i],
      phaseOffsetUs: rate === 'max' ? 0 : curve ? curve.timeOfCount(i) : (i * 1e6) / rate,
    });
  }

  const expectedNumsub = new Array<number>(channelCount).fill(0);
  const receiversPerChannel = new Array<number>(channelCount).fill(0);
  let subscriptions = 0;
  let subscriberId = 0;
  for (const group of scenario.subscribers) {
    for (let j = 0; j < group.count; j++) {
      const channels = spread(j, group.channelsEach, channelCount, false);
      for (const c of channels) expectedNumsub[c]++;
      subscriptions += channels.length + group.patterns.length;
      perWorker[(publisherCount + subscriberId) % workers].subscribers.push({
        subscriberId,
        channels,
        patterns: [...group.patterns],
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
  for (let c = 0; c < channelCount; c++) {
    let receivers = expectedNumsub[c];
    for (const [pattern, pairs] of pairsPerPattern) if (globMatch(pattern, names[c])) receivers += pairs;
    receiversPerChannel[c] = receivers;
  }

  return {
    workers,
    channelNames: names,
    receiversPerChannel,
    perWorker,
    subscriptions,
    expectedNumsub,
    expectedNumpat: pairsPerPattern.size,
  };
}

/**
 * The offered load of a scenario with a load profile, on the run's clock (the schedule starts at `scheduleStartUs`,
 * the warmup held at the first stage's rate): what the aggregator's timeline targets follow. Undefined otherwise.
 */
export function offeredLoadOf(scenario: Scenario, scheduleStartUs: number): RateCurve | undefined {
  if (!scenario.stages || scenario.publishers.rate === 'max') return undefined;
  return new RateCurve(scenario.stages, scheduleStartUs, scenario.warmupMs * 1000);
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
