/**
 * Applies a lock model (RunConfig.locks) to a packed trace through applyLockModel of
 * src/sim/locks.ts ('none' returns the trace itself; a bad spec is SimError('USAGE')). The
 * lock-applied trace is cached per (trace, spec, seed) so a min-heap search applies it once.
 */
import type { PackedTrace } from '../trace';
import { applyLockModel } from './locks';

const cache = new WeakMap<PackedTrace, Map<string, PackedTrace>>();

export function applyLocks(trace: PackedTrace, spec: string, seed: number): PackedTrace {
  if (spec === 'none') return trace;
  const key = `${spec}@${seed}`;
  let m = cache.get(trace);
  const hit = m?.get(key);
  if (hit) return hit;
  const out = applyLockModel(trace, spec, seed);
  if (!m) cache.set(trace, (m = new Map()));
  m.set(key, out);
  return out;
}
