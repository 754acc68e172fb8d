/**
 * Applies a lock model (RunConfig.locks) to a packed trace. The models themselves live in
 * src/sim/locks.ts (owned by the rmalloc work); until that file exists only 'none' works. The
 * lock-applied trace is cached per (trace, spec, seed) so a min-heap search applies it once.
 */
import { SimError } from '../errors';
import type { PackedTrace } from '../trace/types';

type ApplyLockModel = (trace: PackedTrace, spec: string, seed: number) => PackedTrace;

let applyImpl: ApplyLockModel | null | undefined;

function impl(): ApplyLockModel | null {
  if (applyImpl !== undefined) return applyImpl;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('./locks') as { applyLockModel?: ApplyLockModel };
    applyImpl = mod.applyLockModel ?? null;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'MODULE_NOT_FOUND' || !String(err.message).includes('locks')) throw e;
    applyImpl = null;
  }
  return applyImpl;
}

const cache = new WeakMap<PackedTrace, Map<string, PackedTrace>>();

export function applyLocks(trace: PackedTrace, spec: string, seed: number): PackedTrace {
  if (spec === 'none') return trace;
  const key = `${spec}@${seed}`;
  let m = cache.get(trace);
  const hit = m?.get(key);
  if (hit) return hit;
  const f = impl();
  if (!f) throw new SimError('USAGE', `lock model "${spec}" is not available in this build (only "none")`);
  const out = f(trace, spec, seed);
  if (!m) cache.set(trace, (m = new Map()));
  m.set(key, out);
  return out;
}
