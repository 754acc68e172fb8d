/**
 * One cheap pass over a packed trace before replaying it: op counts, the request-size
 * distribution (median for typFrag, extremes for Robson's bound) and the id range (the engine
 * sizes its per-id typed arrays from it). Cached per PackedTrace object: a min-heap search
 * replays one trace dozens of times.
 */
import { OP_ALLOC, OP_FREE, OP_IDLE, OP_LOCK, OP_REALLOC, PackedTrace } from '../trace/types';

export interface TraceFacts {
  ops: number;
  allocs: number;
  frees: number;
  reallocs: number;
  locks: number;
  /** Idle ops (`i <cycles>`): time a moving allocator may spend compacting. */
  idles: number;
  /** Median request size of alloc and realloc ops (lower median; 0 for a trace without any). */
  medianRequest: number;
  /** Smallest and largest non-zero request sizes (0 when none). */
  minRequest: number;
  maxRequest: number;
  /** Largest id used by alloc/free/realloc/lock/unlock ops (-1 when none). */
  maxId: number;
  /** Σ skipped events the reader counted. */
  skipped: number;
}

const cache = new WeakMap<PackedTrace, TraceFacts>();

export function traceFacts(trace: PackedTrace): TraceFacts {
  const hit = cache.get(trace);
  if (hit) return hit;
  const { n, kind, id, arg } = trace.ops;
  let allocs = 0, frees = 0, reallocs = 0, locks = 0, idles = 0, maxId = -1;
  let minRequest = Infinity, maxRequest = 0;
  for (let i = 0; i < n; i++) {
    const k = kind[i]!;
    if (k === OP_ALLOC) allocs++;
    else if (k === OP_FREE) frees++;
    else if (k === OP_REALLOC) reallocs++;
    else if (k === OP_LOCK) locks++;
    else if (k === OP_IDLE) idles++;
    if (k <= 4) {
      const x = id[i]!;
      if (x > maxId) maxId = x;
    }
    if (k === OP_ALLOC || k === OP_REALLOC) {
      const s = arg[i]!;
      if (s > 0 && s < minRequest) minRequest = s;
      if (s > maxRequest) maxRequest = s;
    }
  }
  // The median by counting: sizes below 64 KiB in a dense table, larger ones sorted apart.
  const requests = allocs + reallocs;
  let medianRequest = 0;
  if (requests > 0) {
    const small = new Uint32Array(65536);
    const big: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      if (k !== OP_ALLOC && k !== OP_REALLOC) continue;
      const s = arg[i]!;
      if (s < 65536) small[s]!++;
      else big.push(s);
    }
    const rank = Math.floor((requests - 1) / 2); // lower median, 0-based rank
    let seen = 0;
    medianRequest = -1;
    for (let s = 0; s < 65536; s++) {
      seen += small[s]!;
      if (seen > rank) {
        medianRequest = s;
        break;
      }
    }
    if (medianRequest < 0) {
      big.sort((a, b) => a - b);
      medianRequest = big[rank - seen]!;
    }
  }
  const skipped = trace.skipped.reduce((s, x) => s + x.count, 0);
  const f: TraceFacts = {
    ops: n, allocs, frees, reallocs, locks, idles, medianRequest,
    minRequest: minRequest === Infinity ? 0 : minRequest, maxRequest, maxId, skipped,
  };
  cache.set(trace, f);
  return f;
}
