/** The shared contracts: types only, plus tiny helpers with no runtime dependencies. */
export * from './scenario.js';
export * from './target.js';
export * from './messages.js';
export * from './result.js';
export * from './segment.js';
export * from './merged-segment.js';
export * from './reliability.js';
export * from './errors.js';
export * from './run.js';
export * from './live.js';
export * from './clock.js';
