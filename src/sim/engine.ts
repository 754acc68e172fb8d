import type { PackedTrace } from '../trace/types';
import type { ReplayObserver, RunConfig, RunResult } from './types';

export function replay(trace: PackedTrace, cfg: RunConfig, observer?: ReplayObserver): RunResult {
  void trace; void cfg; void observer;
  throw new Error('replay: not implemented yet');
}
