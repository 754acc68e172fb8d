/**
 * first-fit: address-ordered free list, immediate coalescing (K&R malloc / Linux SLOB style).
 *
 * How it works
 * ------------
 * Algorithm: walk the free list from its head and take the first block big enough; the
 * request takes the block's low end by default (param cut=front, as SLOB and most first-fit
 * implementations; cut=tail is K&R's choice) and the remainder stays on the list. free()
 * coalesces with both neighbours at once and, in the default address order, keeps the list
 * sorted, so low holes are reused first. The block layout, the list orders, the cut side and
 * the realloc rules are shared with next-fit and best-fit and described in ./freelist.ts.
 * Invariants: blocks tile the heap; no two free blocks are adjacent; the list holds exactly the
 * free blocks, sorted by address in the default order.
 * Overhead on a 32-bit device: 4-byte header per block, 16-byte minimum block, 4-byte control
 * word (list head; +4 for the tail in FIFO order) and a 4-byte epilogue.
 * Complexity: alloc O(free blocks); free O(1) with a free neighbour, else O(free blocks) to
 * find the sorted position (O(1) in LIFO/FIFO order); realloc O(1) in place.
 * Cycles: per list step the bus charges the header and next-pointer loads (sequential) plus 2
 * ALU cycles (compare with the request, branch); see freelist.ts for the rest.
 */
import type { AllocatorContext, AllocatorFactory } from './types';
import { FreeListAllocator, listParams } from './freelist';

export class FirstFit extends FreeListAllocator {
  constructor(ctx: AllocatorContext) {
    super(ctx, 'first-fit', false, 2); // a step: compare size with need, branch
  }

  protected findFit(need: number): number {
    const w = this.fitWalk;
    for (let c = this.bus.readPtr(this.headAddr); c !== 0; c = w.w1) {
      w.visit(c);
      if (w.w0 >= need) {
        w.flush();
        this.fitSize = w.w0;
        return c;
      }
    }
    w.flush();
    return 0;
  }
}

export const firstFitFactory: AllocatorFactory = {
  name: 'first-fit',
  summary: 'address-ordered free list, first block that fits, immediate coalescing (K&R/SLOB)',
  moving: false,
  multiHeap: false,
  params: listParams('address'),
  create: (ctx) => new FirstFit(ctx),
};
