/**
 * What the coordinator and the workers must agree on about the load itself, in one place both import: the envelope
 * layout every payload starts with (envelope.ts) and the rate curve of a load profile (profile.ts, pure maths).
 * Imports only src/core.
 */
export * from './envelope.js';
export * from './profile.js';
