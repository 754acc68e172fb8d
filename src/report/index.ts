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

import { buildAdvice, rankAllocators, GoalName } from './advice';
import { SCHEMA, CompareReport, CompareTrace, StudySetting } from './json';

/** Assembles the compare report, ranks the allocators for `goal` and writes the advice. */
export function buildCompareReport(
  device: string,
  goal: GoalName,
  heap: { base: number; size: number },
  clockHz: number,
  traces: CompareTrace[],
  extra: { settings?: StudySetting[]; locks?: string; minHeapTolerance?: number; margin?: number } = {},
): CompareReport {
  const rep: CompareReport = { schema: SCHEMA, device, goal, heap, clockHz, traces, ranking: rankAllocators(traces, goal) };
  if (extra.minHeapTolerance !== undefined) rep.minHeapTolerance = extra.minHeapTolerance;
  if (extra.settings) rep.settings = extra.settings;
  if (extra.locks !== undefined) rep.locks = extra.locks;
  rep.advice = buildAdvice(rep, extra.margin);
  return rep;
}

// report modules added by other helpers (keep this comment; add lines below it)
export * from './heapmap';
export * from './frames';
export * from './html';
export * from './squeeze';
export * from './squeeze-svg';
