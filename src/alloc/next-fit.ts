/**
 * next-fit: first-fit that resumes where the previous search stopped (Knuth's roving pointer).
 *
 * How it works
 * ------------
 * Algorithm: a roving pointer (a global, kept in the heap's control area) names the free block
 * the last allocation came from. The search starts there, walks the list circularly and takes
 * the first block big enough; the rover then rests on the remainder of that block (which
 * replaces it in the list after a front cut, or stays put after a tail cut), or on its
 * successor when the whole block is used. A block that leaves
 * the list (allocated whole, or absorbed by free into its free predecessor) hands the rover to
 * its list successor; a block replaced in the list by a merged block hands it to that block.
 * Layout, list orders, coalescing and realloc are
 * shared with first-fit and described in ./freelist.ts.
 * Invariants: those of first-fit, plus: the rover is 0 (start at the head) or a block on the
 * free list.
 * Overhead on a 32-bit device: 4-byte header per block, 16-byte minimum block, 8 bytes of
 * control words (head, rover; +4 for the tail in FIFO order) and a 4-byte epilogue.
 * Complexity: alloc O(free blocks) worst case, usually shorter than first-fit because small
 * leftovers at the list head are not rescanned; free as first-fit.
 * Cycles: as first-fit, plus one load of the rover per search, one store when a block is
 * found, and a rover compare in each unlink.
 */
import type { AllocatorContext, AllocatorFactory } from './types';
import { FreeListAllocator, listParams } from './freelist';

export class NextFit extends FreeListAllocator {
  constructor(ctx: AllocatorContext) {
    super(ctx, 'next-fit', true, 3); // a step: compare size with need, branch; wrap at the end
  }

  protected findFit(need: number): number {
    const bus = this.bus;
    const head = bus.readPtr(this.headAddr);
    if (head === 0) return 0;
    let start = bus.readPtr(this.roverAddr);
    bus.work(1); // rover == 0 ? head : rover: a conditional move (its compare is not charged)
    if (start === 0) start = head;
    const w = this.fitWalk;
    const ix = this.ix;
    if (ix) {
      // The walk visits, circularly from the rover, every free block up to the first that fits
      // (or all of them): the first step as before, the rest from the index (a simulator
      // speed-up, same charges).
      const ps = ix.pos(start);
      let f = ix.firstFit(ps, need);
      let steps: number;
      let last: number;
      if (f >= 0) {
        steps = ix.countBelow(f + 1) - ix.countBelow(ps);
        last = f;
      } else {
        f = ix.firstFit(0, need);
        if (f >= ps) f = -1;
        const upper = ix.count - ix.countBelow(ps);
        steps = f >= 0 ? upper + ix.countBelow(f + 1) : ix.count;
        last = f >= 0 ? f : ps > 0 && ix.lastBelow(ps) >= 0 ? ix.lastBelow(ps) : ix.lastBelow(Infinity);
      }
      w.visit(start);
      w.skip(steps - 1, ix.addr(last));
      w.flush();
      if (f < 0) return 0;
      const c = ix.addr(f);
      this.fitSize = w.w0;
      bus.writePtr(this.roverAddr, c);
      return c;
    }
    let c = start;
    do {
      w.visit(c);
      if (w.w0 >= need) {
        w.flush();
        this.fitSize = w.w0;
        bus.writePtr(this.roverAddr, c);
        return c;
      }
      c = w.w1 === 0 ? head : w.w1;
    } while (c !== start);
    w.flush();
    return 0;
  }
}

export const nextFitFactory: AllocatorFactory = {
  name: 'next-fit',
  summary: 'free list searched circularly from a roving pointer, immediate coalescing',
  moving: false,
  multiHeap: false,
  params: listParams('address'),
  create: (ctx) => new NextFit(ctx),
};
