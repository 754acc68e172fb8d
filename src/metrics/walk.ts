/**
 * The fragmentation ratios of design §8 as functions of a state (extFrag, ummFrag, typFrag) and
 * the walk that gathers the free-block sums for ummFrag and typFrag.
 */
import type { Allocator, BlockInfo } from '../alloc';

/** Walk budget: blocks visited per op, amortised, by the adaptive stride. */
export const WALK_BLOCKS_PER_OP = 1;

export function extFrag(free: number, largest: number): number {
  return free > 0 ? 1 - largest / free : 0;
}

export function ummFrag(sumF: number, sumF2: number): number {
  return sumF > 0 ? 100 - (100 * Math.sqrt(sumF2)) / sumF : 0;
}

/** typFrag from the bytes of free blocks below the median footprint and all free bytes. */
export function typFrag(smallF: number, sumF: number): number {
  return sumF > 0 ? smallF / sumF : 0;
}

/**
 * Walk-based metrics over an allocator's free blocks. One instance per run; the visitor is
 * created once so a walk allocates nothing.
 */
export class WalkMetrics {
  /** Free blocks smaller than this cannot serve a median-size request. */
  readonly typThreshold: number;
  blocks = 0;
  freeBlocks = 0;
  sumF = 0;
  sumF2 = 0;
  smallF = 0;
  private readonly visit: (b: BlockInfo) => void;

  constructor(typThreshold: number) {
    this.typThreshold = typThreshold;
    this.visit = (b: BlockInfo): void => {
      this.blocks++;
      if (b.state !== 'free') return;
      const f = b.size;
      this.freeBlocks++;
      this.sumF += f;
      this.sumF2 += f * f;
      if (f < this.typThreshold) this.smallF += f;
    };
  }

  /** Walks the heap and updates the sums. */
  measure(a: Allocator): void {
    this.blocks = 0;
    this.freeBlocks = 0;
    this.sumF = 0;
    this.sumF2 = 0;
    this.smallF = 0;
    a.walk(this.visit);
  }

  get umm(): number {
    return ummFrag(this.sumF, this.sumF2);
  }

  get typ(): number {
    return typFrag(this.smallF, this.sumF);
  }
}

