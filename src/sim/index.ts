/**
 * The replay engine (design §7): public entry. `replay` runs one trace through one allocator at
 * one heap configuration and returns the `run` result of design §9; `minHeap` searches the
 * smallest heap with zero OOMs. Both are synchronous (pure CPU): run them in worker threads for
 * parallelism. `replayAsync` / `replayStream` (stream.ts) run the same replay in slices that give
 * the event loop turns (signals), the latter from a trace file in constant memory.
 */
export * from './types';
export { replay, replaySlices } from './engine';
export type { ReplaySlices } from './engine';
export { replayAsync, replayStream, streamFacts, streamOf, canStream, Turns } from './stream';
export { minHeap, robsonBound, bandAbove, highWaterExact, placementOnly, DEFAULT_BAND } from './minheap';
export type { BandOptions, MinHeapOptions } from './minheap';
export { traceFacts, FactsCounter } from './prepass';
export type { TraceFacts } from './prepass';
export { buildRig, planRig } from './rig';
export type { Rig, RigOptions, RigPlan } from './rig';
export { heapProblems, CheckFailure, DEFAULT_CHECK_EVERY } from './check';
export type { CheckProblem, HeapExpectation } from './check';
export { runJobs, runJobsHere, setJobsHook, toWire, fromWire, shareTrace, runJob } from './parallel';
export type { Job, JobOutcome, JobsHook, WireError, PoolOptions, CellValue, MinHeapConfig } from './parallel';
export { soak, soakAsync, soakTrace, segmentSeed, checkDescription, SEGMENT_OPS } from './soak';
export type { SoakOptions, SoakResult, SoakSegment, SoakWorkload } from './soak';
