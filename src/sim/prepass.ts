/**
 * One cheap pass over a packed trace before replaying it: op counts, the request-size
 * distribution (median for typFrag, extremes for Robson's bound) and the id range (the engine
 * sizes its per-id typed arrays from it). Cached per PackedTrace object: a min-heap search
 * replays one trace dozens of times. A streamed trace gets the same facts from a first pass
 * over its batches (FactsCounter).
 */
import { OP_ALLOC, OP_FREE, OP_IDLE, OP_LOCK, OP_REALLOC, type PackedOps, type PackedTrace, type SkipCount } from '../trace';

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

/** Request sizes below this are counted in a dense table for the median; larger ones listed apart. */
const SMALL_SIZES = 65536;

/**
 * The facts, accumulated op by op: over a whole packed trace (traceFacts), or batch by batch
 * while a streamed trace is read (the pre-pass of a streaming run: src/sim/stream.ts).
 */
export class FactsCounter {
  private ops = 0;
  private allocs = 0;
  private frees = 0;
  private reallocs = 0;
  private locks = 0;
  private idles = 0;
  private maxId = -1;
  private minRequest = Infinity;
  private maxRequest = 0;
  /** Count of requests of each size below SMALL_SIZES; the others in `big`. */
  private readonly small = new Uint32Array(SMALL_SIZES);
  private readonly big: number[] = [];

  /** Counts ops[0, ops.n). */
  add(ops: PackedOps): void {
    const { n, kind, id, arg } = ops;
    const small = this.small;
    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      if (k === OP_ALLOC) this.allocs++;
      else if (k === OP_FREE) this.frees++;
      else if (k === OP_REALLOC) this.reallocs++;
      else if (k === OP_LOCK) this.locks++;
      else if (k === OP_IDLE) this.idles++;
      if (k <= 4) {
        const x = id[i]!;
        if (x > this.maxId) this.maxId = x;
      }
      if (k === OP_ALLOC || k === OP_REALLOC) {
        const s = arg[i]!;
        if (s > 0 && s < this.minRequest) this.minRequest = s;
        if (s > this.maxRequest) this.maxRequest = s;
        if (s < SMALL_SIZES) small[s]!++;
        else this.big.push(s);
      }
    }
    this.ops += n;
  }

  /** The facts of the ops counted, with `skipped` events the reader dropped. */
  facts(skipped: number): TraceFacts {
    const requests = this.allocs + this.reallocs;
    let medianRequest = 0;
    if (requests > 0) {
      const rank = Math.floor((requests - 1) / 2); // lower median, 0-based rank
      let seen = 0;
      medianRequest = -1;
      for (let s = 0; s < SMALL_SIZES; s++) {
        seen += this.small[s]!;
        if (seen > rank) {
          medianRequest = s;
          break;
        }
      }
      if (medianRequest < 0) medianRequest = [...this.big].sort((a, b) => a - b)[rank - seen]!;
    }
    return {
      ops: this.ops, allocs: this.allocs, frees: this.frees, reallocs: this.reallocs, locks: this.locks, idles: this.idles, medianRequest,
      minRequest: this.minRequest === Infinity ? 0 : this.minRequest, maxRequest: this.maxRequest, maxId: this.maxId, skipped,
    };
  }
}

/** Σ counts of skipped events. */
export function skippedCount(skipped: readonly SkipCount[]): number {
  return skipped.reduce((s, x) => s + x.count, 0);
}

export function traceFacts(trace: PackedTrace): TraceFacts {
  const hit = cache.get(trace);
  if (hit) return hit;
  const c = new FactsCounter();
  c.add(trace.ops);
  const f = c.facts(skippedCount(trace.skipped));
  cache.set(trace, f);
  return f;
}
