/**
 * Reports: the public entry of src/report/. Table (stdout), JSON (design §9, schema 1), CSV,
 * SVG charts and the ranked advice. Every report file is written whole or not at all
 * (writeFileAtomic).
 */
export * from './advice';
export * from './json';
export * from './table';
export * from './csv';
export * from './svg';

import { rankAllocators, GoalName } from './advice';
import { SCHEMA, CompareReport, CompareTrace } from './json';

/** Assembles the compare report and ranks the allocators for `goal`. */
export function buildCompareReport(
  device: string,
  goal: GoalName,
  heap: { base: number; size: number },
  clockHz: number,
  traces: CompareTrace[],
): CompareReport {
  return { schema: SCHEMA, device, goal, heap, clockHz, traces, ranking: rankAllocators(traces, goal) };
}

// report modules added by other helpers (keep this comment; add lines below it)
export * from './heapmap';
export * from './frames';
export * from './html';
