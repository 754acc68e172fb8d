/**
 * The replay engine (design §7): public entry. `replay` runs one trace through one allocator at
 * one heap configuration and returns the `run` result of design §9; `minHeap` searches the
 * smallest heap with zero OOMs. Both are synchronous (pure CPU): run them in worker threads for
 * parallelism.
 */
export * from './types';
export { replay } from './engine';
export { minHeap, robsonBound, bandAbove, highWaterExact, placementOnly, DEFAULT_BAND } from './minheap';
export type { BandOptions, MinHeapOptions } from './minheap';
export { traceFacts } from './prepass';
export type { TraceFacts } from './prepass';
export { buildRig, planRig } from './rig';
export type { Rig, RigOptions, RigPlan } from './rig';
export { heapProblems, CheckFailure, DEFAULT_CHECK_EVERY } from './check';
export type { CheckProblem, HeapExpectation } from './check';
