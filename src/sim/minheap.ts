import type { PackedTrace } from '../trace/types';
import type { MinHeapResult, RunConfig } from './types';

export function minHeap(trace: PackedTrace, cfg: Omit<RunConfig, 'heapSize' | 'whatIf'>): MinHeapResult {
  void trace; void cfg;
  throw new Error('minHeap: not implemented yet');
}

/** Robson's worst-case heap bound for non-moving allocators (stub). */
export function robsonBound(peakLive: number, smallest: number, largest: number): number {
  void smallest; void largest;
  return peakLive;
}
