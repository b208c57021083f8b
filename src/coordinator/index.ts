/** The coordinator: runs a benchmark from a RunRequest. The CLI and tests call `runBenchmark`. */
export { runBenchmark, type RunOutcome } from './run.js';
export { planFleet, type FleetPlan } from './plan.js';
