/**
 * util: small helpers every box may use (sizes and hex, atomic file writes, temporary-file
 * cleanup and signals, the seeded PRNG). The box's one entry: other boxes import from here.
 * Nothing here imports another box (only ../errors), so any box can depend on it without a
 * cycle.
 */
export * from './units';
export * from './atomic';
export * from './cleanup';
export * from './prng';
export * from './stdout';
