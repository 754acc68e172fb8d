import type { PackedTrace } from '../trace/types';

export interface TraceFacts {
  ops: number;
  allocs: number;
  frees: number;
  reallocs: number;
  locks: number;
  medianRequest: number;
  minRequest: number;
  maxRequest: number;
  maxId: number;
}

export function traceFacts(trace: PackedTrace): TraceFacts {
  void trace;
  throw new Error('traceFacts: not implemented yet');
}
