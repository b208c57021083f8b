/**
 * Writes the committed fixture results: `npx tsx test/helpers/fixtures-generate.ts`.
 * Deterministic (seeded PRNG, fixed times), so regenerating gives the same files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildFixture, fixturePath, type FixtureOptions } from './fixtures.js';
import { addReliability, type ReliabilityOptions } from './fixtures-reliability.js';

const base: FixtureOptions = {
  seed: 1, scenarioName: 'fan-out', mode: 'await', batch: 1, medianUs: 900, tailFactor: 20, targetRate: 2000,
  publishRate: 2000, subscribers: 4, measureS: 10, lossShare: 0, violations: false, bottleneck: false, interrupted: false,
};

/** Text every report must escape. */
const HOSTILE = '</script><img src=x onerror=alert(1)> & "quotes" \u2028';

/** Fixtures that also get server telemetry, outages, chaos events and shard / channel breakdowns. */
const RELIABILITY: Record<string, ReliabilityOptions> = {
  // 2,000 channels: the report must list only the worst few.
  'trouble.json': { channels: 2000, hostile: HOSTILE },
};

/** Fixture name → options. */
const FIXTURES: Record<string, FixtureOptions> = {
  // A clean, unpipelined run.
  'await.json': base,
  // The same load pipelined: lower latency, higher achieved rate (used for comparisons).
  'pipeline.json': { ...base, gates: true, seed: 2, mode: 'pipeline', batch: 100, medianUs: 350, tailFactor: 8, targetRate: 5000, publishRate: 5000 },
  // Everything that can go wrong, with hostile strings the report must escape.
  'trouble.json': {
    ...base, seed: 3, scenarioName: 'evil</script><script>alert(1)</script>', medianUs: 4000, tailFactor: 50,
    targetRate: 5000, publishRate: 3100, lossShare: 0.01, violations: true, bottleneck: true, interrupted: true, gates: true,
    hostile: HOSTILE,
  },
};

function main(): void {
  mkdirSync(path.dirname(fixturePath('x')), { recursive: true });
  for (const [name, opts] of Object.entries(FIXTURES)) {
    const result = buildFixture(opts);
    if (RELIABILITY[name]) addReliability(result, RELIABILITY[name]);
    writeFileSync(fixturePath(name), JSON.stringify(result, null, 2) + '\n');
    console.log(`wrote ${fixturePath(name)}`);
  }
}

main();
