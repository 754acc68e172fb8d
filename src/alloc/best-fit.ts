/**
 * best-fit: the smallest free block that fits.
 *
 * How it works
 * ------------
 * Algorithm: walk the whole free list and keep the smallest block whose size is at least the
 * request (stopping early on an exact fit; ties go to the block met first, the lowest address in
 * the default address order); split off the remainder. Layout, cut side, list orders, coalescing
 * and realloc are shared with first-fit and described in ./freelist.ts.
 * Invariants: those of first-fit.
 * Overhead on a 32-bit device: 4-byte header per block, 16-byte minimum block, 4-byte control
 * word (+4 for the tail in FIFO order) and a 4-byte epilogue.
 * Complexity: alloc Θ(free blocks) unless an exact fit turns up; free as first-fit.
 * Cycles: per list step the header and next-pointer loads plus 3 ALU cycles (compare with the
 * request, compare with the best so far, branch).
 */
import type { AllocatorContext, AllocatorFactory } from './types';
import { FreeListAllocator, listParams } from './freelist';

export class BestFit extends FreeListAllocator {
  constructor(ctx: AllocatorContext) {
    super(ctx, 'best-fit', false, 3); // a step: compare with need, compare with best, branch
  }

  protected findFit(need: number): number {
    const w = this.fitWalk;
    let best = 0;
    let bestSize = Infinity;
    for (let c = this.bus.readPtr(this.headAddr); c !== 0; c = w.w1) {
      w.visit(c);
      const s = w.w0;
      if (s >= need && s < bestSize) {
        best = c;
        bestSize = s;
        if (s === need) break;
      }
    }
    w.flush();
    this.fitSize = bestSize;
    return best;
  }
}

export const bestFitFactory: AllocatorFactory = {
  name: 'best-fit',
  summary: 'free list searched whole for the smallest block that fits, immediate coalescing',
  moving: false,
  multiHeap: false,
  params: listParams('address'),
  create: (ctx) => new BestFit(ctx),
};
