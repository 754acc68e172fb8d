/**
 * heap4: FreeRTOS heap_4 (and, via heap5.ts, heap_5, which shares this code).
 *
 * How it works. Followed: the FreeRTOS kernel's portable/MemMang/heap_4.c and heap_5.c
 * (V10/V11 behaviour) and the FreeRTOS "Memory Management" documentation page. Our own code;
 * nothing is copied.
 *
 * Every block starts with a BlockLink_t: a next-free pointer and a size_t block size (header
 * included) whose top bit (xBlockAllocatedBit) marks the block as allocated. The header is
 * rounded up to portBYTE_ALIGNMENT (here: the device alignment): 8 bytes on a 32-bit device
 * with 8-byte alignment (xHeapStructSize). Free blocks sit on ONE singly linked list in address
 * order, bracketed by the static list head xStart and the end marker pxEnd (a zero-size
 * BlockLink_t in the last bytes of the heap).
 *
 * pvPortMalloc adds the header to the request and rounds up to the alignment, returns NULL at
 * once when that exceeds xFreeBytesRemaining, else walks the list from xStart for the FIRST block
 * big enough. It unlinks that block; when the leftover exceeds heapMINIMUM_BLOCK_SIZE (twice the
 * header: 16 bytes) the tail becomes a new free block, inserted with prvInsertBlockIntoFreeList,
 * which walks the list from xStart again to find its place. vPortFree clears the allocated bit
 * and inserts the block the same way: the insertion walk finds the address-order position and
 * merges with the block before and/or after when they touch (coalescing on free). Both walks
 * are O(free blocks): the cost that grows with fragmentation.
 *
 * heap_5 (vPortDefineHeapRegions) runs the same code over several regions in address order:
 * each region ends in its own zero-size end marker, and each marker's next pointer links to the
 * first free block of the next region, so the list runs across regions (only the last marker
 * is pxEnd). A block freed right before an intermediate marker absorbs the marker (size 0) the
 * way heap_5 does, which only unlinks it.
 *
 * Statics. xStart (a BlockLink_t), pxEnd, xFreeBytesRemaining, xMinimumEverFreeBytesRemaining
 * and the two allocation counters live in .bss in the real program. Every access to them is
 * charged as a statics access (bus.staticsPort: priced and counted apart like a C allocator's
 * .bss, in every run's bus.statics); their bytes still sit at the start of the (first) heap in
 * this model (counted as metadata), which keeps the heap layout of earlier versions. The heap
 * accesses follow heap_5.c's statements, re-reads included (pxPreviousBlock->pxNextFreeBlock
 * for pvReturn, pxBlock->xBlockSize and xFreeBytesRemaining after the insert, vPortFree's check
 * that pxNextFreeBlock is NULL): per op within 1.5 % of heap_5.c compiled (bench/alloc-cycles.md).
 *
 * FreeRTOS has no realloc: realloc here is what an application does on FreeRTOS, pvPortMalloc
 * + memcpy of the old block's usable bytes that fit + vPortFree (old block untouched when the
 * malloc fails). malloc(0) is served as
 * malloc(1) (FreeRTOS returns NULL for 0). Task suspension around the heap calls is not charged.
 * heap4 manages the device's first heap only; heap5 manages all of them.
 */
import { ListWalk, type MemoryBus, type StaticsPort } from '../bus';
import type { HeapSpan } from '../device';
import { SimError } from '../errors';
import type { Allocator, AllocatorContext, AllocatorFactory, BlockInfo } from './types';
import { hex } from '../util';

interface Region {
  /** Region bounds (the device heap span). */
  base: number;
  end: number;
  /** First block (aligned start). */
  first: number;
  /** The region's end marker BlockLink_t. */
  marker: number;
}

export class FreeRtosHeap implements Allocator {
  readonly name: string;
  readonly moving = false;

  private readonly bus: MemoryBus;
  private readonly P: number;
  private readonly align: number;
  /** xHeapStructSize. */
  readonly headerBytes: number;
  /** heapMINIMUM_BLOCK_SIZE. */
  readonly minBlockBytes: number;
  private readonly allocBit: number;
  private readonly sizeMask: number;
  readonly regions: readonly Region[];
  private readonly totalBytes: number;
  /** Addresses of the statics. */
  readonly xStart: number;
  private readonly pxEndVar: number;
  private readonly freeRemainingVar: number;
  private readonly minEverVar: number;
  private readonly nAllocVar: number;
  private readonly nFreeVar: number;
  readonly staticsBytes: number;
  private readonly staticsEnd: number;
  /** The statics' accesses, charged as statics (see rd/wr). */
  private readonly ST: StaticsPort;
  private readonly pxEnd: number;

  // Observer tallies (not used by the algorithm).
  private freeSum = 0;
  /**
   * Observer memo (charges nothing, not used by the algorithm): the largest size word on the
   * free list, valid while maxFreeValid (a C port would keep both in globals). A removed or
   * split block at least that large invalidates it; an inserted block raises it. check()
   * recomputes it.
   */
  private maxFree = 0;
  private maxFreeValid = false;
  private freeCount = 0;
  private usedSum = 0;
  private usedCount = 0;
  /** The free-list walks (charged exactly; see bus ListWalk): insert (read link, 3 ALU), fit (read size and link, 4 ALU). */
  private readonly insertWalk: ListWalk;
  private readonly fitWalk: ListWalk;

  constructor(ctx: AllocatorContext, name: string) {
    this.name = name;
    const bus = ctx.bus;
    this.bus = bus;
    const P = bus.pointerBytes;
    this.P = P;
    this.insertWalk = new ListWalk(bus, 0, -1, 3);
    this.fitWalk = new ListWalk(bus, P, 0, 4);
    this.align = Math.max(1, ctx.alignment);
    const A = this.align;
    const up = (x: number) => Math.ceil(x / A) * A;
    const down = (x: number) => Math.floor(x / A) * A;
    this.headerBytes = up(2 * P);
    this.minBlockBytes = 2 * this.headerBytes;
    this.allocBit = P === 4 ? 0x80000000 : 0x8000;
    this.sizeMask = P === 4 ? 0x7fffffff : 0x7fff;
    const spans = [...ctx.heaps].sort((a, b) => a.base - b.base);
    this.totalBytes = spans.reduce((s, h) => s + h.size, 0);
    // Statics at the start of the lowest heap, pointer-aligned.
    const s0 = spans[0]!;
    this.xStart = Math.ceil(s0.base / P) * P;
    this.pxEndVar = this.xStart + 2 * P;
    this.freeRemainingVar = this.pxEndVar + P;
    this.minEverVar = this.freeRemainingVar + P;
    this.nAllocVar = this.minEverVar + P;
    this.nFreeVar = this.nAllocVar + P;
    const staticsEnd = this.nFreeVar + P;
    this.staticsEnd = staticsEnd;
    this.staticsBytes = staticsEnd - s0.base;
    this.ST = bus.staticsPort(staticsEnd - this.xStart);
    const regions: Region[] = [];
    let total = 0;
    spans.forEach((h: HeapSpan, i) => {
      const start = i === 0 ? staticsEnd : h.base;
      const first = up(start);
      const end = h.base + h.size;
      const marker = down(end - this.headerBytes);
      if (marker - first < this.minBlockBytes)
        throw new SimError(
          'HEAP_TOO_SMALL',
          `${name}: heap "${h.name}" of ${h.size} bytes cannot hold ${i === 0 ? `the statics (${this.staticsBytes} bytes), ` : ''}a ${this.minBlockBytes}-byte block and the ${this.headerBytes}-byte end marker`,
        );
      if (marker - first > this.sizeMask) throw new SimError('HEAP_TOO_LARGE', `${name}: heap "${h.name}" exceeds the size_t block size limit`);
      regions.push({ base: h.base, end, first, marker });
      total += marker - first;
    });
    this.regions = regions;
    const last = regions[regions.length - 1]!;
    this.pxEnd = last.marker;
    // prvHeapInit / vPortDefineHeapRegions (setup: uncounted).
    this.bus.pokePtr(this.xStart, regions[0]!.first);
    this.bus.pokePtr(this.xStart + P, 0);
    regions.forEach((r, i) => {
      this.bus.pokePtr(r.first, r.marker);
      this.bus.pokePtr(r.first + P, r.marker - r.first);
      this.bus.pokePtr(r.marker, i + 1 < regions.length ? regions[i + 1]!.first : 0);
      this.bus.pokePtr(r.marker + P, 0);
    });
    this.bus.pokePtr(this.pxEndVar, this.pxEnd);
    this.bus.pokePtr(this.freeRemainingVar, total);
    this.bus.pokePtr(this.minEverVar, total);
    this.bus.pokePtr(this.nAllocVar, 0);
    this.bus.pokePtr(this.nFreeVar, 0);
    this.freeSum = total;
    this.freeCount = regions.length;
  }

  // ---- memory helpers ---------------------------------------------------------------------

  // The statics (xStart .. xNumberOfSuccessfulFrees) are charged as statics (bus.staticsPort:
  // .bss in device RAM outside the heap, counted apart); their bytes still sit at the start of
  // the first heap in this model, which keeps the heap layout of earlier versions.
  private rd(a: number): number {
    if (a < this.staticsEnd && a >= this.xStart) {
      this.ST.read(a - this.xStart, this.P as 2 | 4);
      return this.bus.peekPtr(a);
    }
    return this.bus.readPtr(a);
  }

  private wr(a: number, v: number): void {
    if (a < this.staticsEnd && a >= this.xStart) {
      this.ST.write(a - this.xStart, this.P as 2 | 4);
      this.bus.pokePtr(a, v);
      return;
    }
    this.bus.writePtr(a, v);
  }

  /** prvInsertBlockIntoFreeList (b's size word already holds its free size). */
  private insert(b: number, bSize: number): void {
    const bus = this.bus;
    const P = this.P;
    // Walk to the last free block below b.
    let it = this.xStart;
    let itNext = this.rd(it);
    bus.alu('cmpBranch'); // the loop's first test: xStart.pxNextFreeBlock < pxBlockToInsert?
    const w = this.insertWalk;
    while (itNext < b) {
      w.visit(itNext); // read the next link, compare with b, branch
      it = itNext;
      itNext = w.w0;
    }
    w.flush();
    this.freeSum += bSize;
    this.freeCount++;
    // Merge with the block before?
    const itSize = this.rd(it + P);
    bus.work(1); // puc + pxIterator->xBlockSize: add
    bus.alu('cmpBranch'); // == pxBlockToInsert: merge with the block before?
    if (it + itSize === b) {
      bSize += itSize;
      this.wr(it + P, bSize);
      b = it;
      this.freeCount--;
      bus.work(1); // pxIterator->xBlockSize += pxBlockToInsert->xBlockSize: add
    }
    // Merge with the block after?
    bus.work(1); // puc + pxBlockToInsert->xBlockSize: add
    bus.alu('cmpBranch'); // == pxIterator->pxNextFreeBlock: merge with the block after?
    if (b + bSize === itNext) {
      const pxEnd = this.rd(this.pxEndVar);
      bus.alu('cmpBranch'); // pxIterator->pxNextFreeBlock != pxEnd?
      if (itNext !== pxEnd) {
        const nSize = this.rd(itNext + P);
        this.wr(b + P, bSize + nSize);
        this.wr(b, this.rd(itNext));
        if (nSize !== 0) this.freeCount--;
        bus.work(2); // xBlockSize += next->xBlockSize: add; pxNextFreeBlock = next->pxNextFreeBlock: move
        if (bSize + nSize > this.maxFree) this.maxFree = bSize + nSize;
      } else this.wr(b, pxEnd);
    } else this.wr(b, itNext);
    bus.work(1); // pxIterator != pxBlockToInsert: a compare (the store after it is conditional, no branch)
    if (it !== b) this.wr(it, b);
    // Merged neighbours are no larger than the merged block: the maximum only grows here.
    if (bSize > this.maxFree) this.maxFree = bSize;
  }

  // ---- public operations ------------------------------------------------------------------

  alloc(req: number): number {
    const bus = this.bus;
    const P = this.P;
    const A = this.align;
    let want = Math.max(1, req) + this.headerBytes;
    if (want % A !== 0) want += A - (want % A);
    bus.work(4); // xWantedSize += xHeapStructSize: add; & portBYTE_ALIGNMENT_MASK: and; portBYTE_ALIGNMENT - it: sub; add it
    bus.alu('cmpBranch'); // heapBLOCK_SIZE_IS_VALID(xWantedSize)? (the test of xWantedSize > 0 is not charged)
    if (want > this.sizeMask) return 0;
    const remaining = this.rd(this.freeRemainingVar);
    bus.alu('cmpBranch'); // xWantedSize <= xFreeBytesRemaining?
    if (want > remaining) return 0;
    let prev = this.xStart;
    let blk = this.rd(prev);
    let bSize = this.rd(blk + P);
    let next = this.rd(blk);
    bus.work(1); // pxPreviousBlock = &xStart: address
    bus.alu('cmpBranch'); // the loop's first test: pxBlock->xBlockSize < xWantedSize?
    const w = this.fitWalk;
    while (bSize < want && next !== 0) {
      prev = blk;
      blk = next;
      w.visit(blk); // read the size and the next link, compare, branch
      bSize = w.w0;
      next = w.w1;
    }
    w.flush();
    const pxEnd = this.rd(this.pxEndVar);
    bus.alu('cmpBranch'); // pxBlock != pxEnd?
    if (blk === pxEnd) return 0;
    this.rd(prev); // pvReturn = pxPreviousBlock->pxNextFreeBlock + xHeapStructSize: read again
    this.wr(prev, next);
    if (bSize >= this.maxFree) this.maxFreeValid = false;
    this.freeSum -= bSize;
    this.freeCount--;
    bus.work(1); // pxBlock->xBlockSize - xWantedSize: sub
    bus.alu('cmpBranch'); // > heapMINIMUM_BLOCK_SIZE: split?
    if (bSize - want > this.minBlockBytes) {
      const nb = blk + want;
      this.wr(nb + P, bSize - want);
      this.wr(blk + P, want);
      bus.work(3); // pxNewBlockLink = pxBlock + xWantedSize: add; its size xBlockSize - xWantedSize: sub; the call's argument: move
      this.insert(nb, bSize - want);
      bSize = want;
    }
    this.rd(blk + P); // xFreeBytesRemaining -= pxBlock->xBlockSize: both read again after the stores
    this.rd(this.freeRemainingVar);
    const left = remaining - bSize;
    this.wr(this.freeRemainingVar, left);
    if (left < this.rd(this.minEverVar)) this.wr(this.minEverVar, left);
    this.wr(blk + P, (bSize | this.allocBit) >>> 0);
    this.wr(blk, 0);
    this.wr(this.nAllocVar, this.rd(this.nAllocVar) + 1);
    bus.work(3); // xFreeBytesRemaining -= xBlockSize: sub; heapALLOCATE_BLOCK: orr; xNumberOfSuccessfulAllocations++: add
    bus.alu('cmpBranch'); // xFreeBytesRemaining < xMinimumEverFreeBytesRemaining?
    this.usedSum += bSize - this.headerBytes;
    this.usedCount++;
    return blk + this.headerBytes;
  }

  free(h: number): void {
    if (h === 0) return;
    const bus = this.bus;
    const P = this.P;
    const b = h - this.headerBytes;
    const size = this.rd(b + P) & this.sizeMask;
    this.rd(b); // vPortFree checks pxNextFreeBlock == NULL (a block it handed out)
    bus.alu('cmpBranch', 2); // heapBLOCK_IS_ALLOCATED(pxLink)? pxLink->pxNextFreeBlock == NULL? (heapFREE_BLOCK's bic is not charged)
    this.wr(b + P, size);
    this.wr(this.freeRemainingVar, this.rd(this.freeRemainingVar) + size);
    this.usedSum -= size - this.headerBytes;
    this.usedCount--;
    this.insert(b, size);
    this.wr(this.nFreeVar, this.rd(this.nFreeVar) + 1);
    bus.work(2); // xFreeBytesRemaining += xBlockSize; xNumberOfSuccessfulFrees++: two adds
  }

  realloc(h: number, req: number): number {
    if (h === 0) return this.alloc(req);
    const old = (this.rd(h - this.headerBytes + this.P) & this.sizeMask) - this.headerBytes;
    const p = this.alloc(req);
    if (p === 0) return 0;
    // Both usable sizes are multiples of the alignment, so the copy also suits RAM that takes
    // only 16-bit writes (nds-slot2 expansion RAM under heap_5).
    const neu = (this.rd(p - this.headerBytes + this.P) & this.sizeMask) - this.headerBytes;
    this.bus.copy(p, h, Math.min(old, neu));
    this.free(h);
    return p;
  }

  lock(h: number): number {
    return h;
  }

  unlock(_h: number): void {}

  // ---- observers --------------------------------------------------------------------------

  usableSize(h: number): number {
    return (this.bus.peekPtr(h - this.headerBytes + this.P) & this.sizeMask) - this.headerBytes;
  }

  addressOf(h: number): number {
    return h;
  }

  freeBytes(): number {
    return this.freeSum - this.headerBytes * this.freeCount;
  }

  /** xMinimumEverFreeBytesRemaining (header bytes included, as FreeRTOS counts). */
  minimumEverFreeBytes(): number {
    return this.bus.peekPtr(this.minEverVar);
  }

  largestAllocatable(): number {
    if (!this.maxFreeValid) {
      this.maxFree = this.listMax();
      this.maxFreeValid = true;
    }
    const max = this.maxFree;
    return max > this.headerBytes ? max - this.headerBytes : 0;
  }

  /** The largest size word on the free list, by a walk (uncounted). */
  private listMax(): number {
    const bus = this.bus;
    let max = 0;
    for (let b = bus.peekPtr(this.xStart), g = 0; b !== 0 && g < 1e7; b = bus.peekPtr(b), g++) max = Math.max(max, bus.peekPtr(b + this.P));
    return max;
  }

  metadataBytes(): number {
    return this.totalBytes - this.freeBytes() - this.usedSum;
  }

  fixedMetadataBytes(): number {
    // statics, alignment gaps and end markers: everything outside the regions' blocks
    return this.totalBytes - this.regions.reduce((s, r) => s + r.marker - r.first, 0);
  }

  blockFootprint(size: number): number {
    return Math.ceil((Math.max(1, size) + this.headerBytes) / this.align) * this.align;
  }

  walk(visit: (b: BlockInfo) => void): void {
    const bus = this.bus;
    const P = this.P;
    const meta = (addr: number, size: number) =>
      size > 0 && visit({ addr, size, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
    this.regions.forEach((r) => {
      meta(r.base, r.first - r.base);
      let b = r.first;
      while (b < r.marker) {
        const w = bus.peekPtr(b + P);
        const s = w & this.sizeMask;
        if (s === 0) break;
        if (w & this.allocBit) visit({ addr: b, size: s, state: 'used', handle: b + this.headerBytes, payload: b + this.headerBytes, usable: s - this.headerBytes, locked: false });
        else visit({ addr: b, size: s, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
        b += s;
      }
      meta(b, r.end - b);
    });
  }

  check(): string[] {
    const v: string[] = [];
    const bus = this.bus;
    const P = this.P;
    const freeBlocks = new Set<number>();
    let fs = 0, us = 0, uc = 0;
    for (const r of this.regions) {
      let b = r.first;
      let prevFree = false;
      while (b < r.marker) {
        const w = bus.peekPtr(b + P);
        const s = w & this.sizeMask;
        if (s === 0 || s % this.align !== 0 || b + s > r.marker) {
          v.push(`block ${hex(b, 0)}: bad size ${s}`);
          return v;
        }
        if (w & this.allocBit) {
          if (bus.peekPtr(b) !== 0) v.push(`used block ${hex(b, 0)}: next pointer not NULL`);
          us += s - this.headerBytes;
          uc++;
          prevFree = false;
        } else {
          if (prevFree) v.push(`block ${hex(b, 0)}: free and right after a free block (not coalesced)`);
          freeBlocks.add(b);
          fs += s;
          prevFree = true;
        }
        b += s;
      }
      if (b !== r.marker) v.push(`region ${hex(r.base, 0)}: blocks end at ${hex(b, 0)}, marker at ${hex(r.marker, 0)}`);
    }
    let prev = this.xStart;
    let n = 0;
    for (let b = bus.peekPtr(this.xStart); b !== 0; b = bus.peekPtr(b)) {
      if (b <= prev) {
        v.push(`free list not in address order at ${hex(b, 0)}`);
        break;
      }
      prev = b;
      const isMarker = this.regions.some((r) => r.marker === b);
      if (isMarker) {
        if (bus.peekPtr(b + P) !== 0) v.push(`end marker ${hex(b, 0)} has size ${bus.peekPtr(b + P)}`);
      } else if (!freeBlocks.has(b)) {
        v.push(`free list holds ${hex(b, 0)}, which is not a free block`);
        break;
      } else n++;
      if (n > freeBlocks.size) break;
    }
    if (prev !== this.pxEnd) v.push(`free list does not end at pxEnd (ends at ${hex(prev, 0)})`);
    if (n !== freeBlocks.size) v.push(`${n} blocks on the free list, ${freeBlocks.size} free blocks`);
    if (fs !== this.freeSum || freeBlocks.size !== this.freeCount) v.push(`free tally ${this.freeSum}/${this.freeCount} != ${fs}/${freeBlocks.size}`);
    if (this.maxFreeValid && this.listMax() !== this.maxFree) v.push(`largest free block memo ${this.maxFree} != list maximum ${this.listMax()}`);
    if (bus.peekPtr(this.freeRemainingVar) !== fs) v.push(`xFreeBytesRemaining ${bus.peekPtr(this.freeRemainingVar)} != ${fs}`);
    if (us !== this.usedSum || uc !== this.usedCount) v.push(`used tally ${this.usedSum}/${this.usedCount} != ${us}/${uc}`);
    return v;
  }
}

export const heap4Factory: AllocatorFactory = {
  name: 'heap4',
  summary: 'FreeRTOS heap_4: first fit over an address-ordered free list, coalescing on free, 8-byte BlockLink_t',
  moving: false,
  multiHeap: false,
  params: [],
  create: (ctx: AllocatorContext) => new FreeRtosHeap(ctx, 'heap4'),
};
