/**
 * uclibc: the uClibc "malloc" (libc/stdlib/malloc/, by Miles Bader), the default on no-MMU
 * uClinux systems such as DSLinux on the Nintendo DS. Not malloc-standard (dlmalloc) and not
 * malloc-simple.
 *
 * How it works. Followed: uClibc's libc/stdlib/malloc/{heap.h, heap_alloc.c, heap_free.c,
 * malloc.h, malloc.c, realloc.c} (kraj/uClibc and uclibc-ng on GitHub). Our own code; nothing
 * is copied.
 *
 * The heap is a list of free areas kept sorted by address. The descriptor of a free area
 * (struct heap_free_area: size, next, prev; 3 words) lives in the LAST bytes of the area, so
 * allocating from the front of an area only shrinks its size field: no list pointers change.
 * Sizes are multiples of HEAP_GRANULARITY = MALLOC_ALIGNMENT (sizeof(double) on ARM, here the
 * device alignment, at least sizeof(size_t)).
 *
 * malloc(n) adds MALLOC_HEADER_SIZE (= MALLOC_ALIGNMENT: 8 bytes on nds, of which the first
 * size_t holds the block's total size), rounds up to the granularity (at least one free-area
 * descriptor, 16 bytes), and takes the FIRST area in address order that is big enough. If what
 * would be left is smaller than HEAP_MIN_FREE_AREA_SIZE (descriptor + one granule = 20 bytes on
 * 32-bit) the whole area is used and unlinked. free walks the address-ordered list to the
 * block's position (the allocator's slowest loop, as its own comment says) and merges the block
 * with an adjacent area before and/or after it, else links a new area. realloc grows in place
 * into a free area that starts right at the block's end (__heap_alloc_at), else
 * malloc + memcpy + free; it shrinks in place only when at least MALLOC_REALLOC_MIN_FREE_SIZE
 * (HEAP_MIN_FREE_AREA_SIZE + 16 = 36 bytes) would be freed.
 *
 * Growth. On no-MMU uClinux, malloc gets more memory with mmap() of at least a page (rounded up
 * to whole pages for big requests), hands it to __heap_free and retries; free munmaps areas
 * that grow past MALLOC_UNMAP_THRESHOLD (8 pages). This model treats the device heap as the
 * arena already obtained: one contiguous region handed to __heap_free at start, no further
 * mmap (malloc fails when the arena cannot serve the request) and no munmap. So it slightly
 * favours uClibc: real mmap chunks are separate kernel allocations that cannot merge with each
 * other and cost kernel page-allocator time (and power-of-two rounding of the chunk on
 * uClinux 2.6's no-MMU mmap), none of which is modelled.
 *
 * The one static, __malloc_heap (the free-list head), sits at the start of the heap, so it is
 * counted as metadata and its accesses are charged. malloc(0) is served as malloc(1)
 * (uClibc's __MALLOC_GLIBC_COMPAT__ behaviour). Locking is not charged. One arena: on a device
 * with several heaps it uses the first.
 */
import { ListWalk, type MemoryBus } from '../bus';
import { SimError } from '../errors';
import type { Allocator, AllocatorContext, AllocatorFactory, BlockInfo } from './types';
import { hex } from '../util';
import { chargeRequestSize } from './costs';

export class UclibcMalloc implements Allocator {
  readonly name = 'uclibc';
  readonly moving = false;

  private readonly bus: MemoryBus;
  private readonly P: number;
  /** HEAP_GRANULARITY = MALLOC_ALIGNMENT = MALLOC_HEADER_SIZE. */
  readonly granule: number;
  readonly headerBytes: number;
  /** sizeof(struct heap_free_area). */
  readonly faBytes: number;
  /** HEAP_MIN_FREE_AREA_SIZE. */
  readonly minFreeArea: number;
  /** Smallest block (room for a descriptor once freed). */
  readonly minBlock: number;
  readonly reallocMinFree: number;
  private readonly heapBase: number;
  private readonly heapEnd: number;
  /** Address of the __malloc_heap static (free-list head). */
  private readonly headVar: number;
  readonly arenaStart: number;
  readonly arenaEnd: number;

  private freeSum = 0;
  private freeCount = 0;
  /**
   * Observer memo (charges nothing, not used by the algorithm): the largest free area's size,
   * valid while maxFreeValid (a C port would keep both in globals). Shrinking or unlinking an
   * area at least that large invalidates it; a freed or grown area raises it. check()
   * recomputes it.
   */
  private maxFree = 0;
  private maxFreeValid = false;
  private usedSum = 0;
  private usedCount = 0;

  /** heapFree's walk (3 ALU, then read the next link; charged exactly: see bus ListWalk). */
  private readonly freeWalk: ListWalk;
  /** malloc's walk (read the area's size, 3 ALU, read the next link). */
  private readonly mallocWalk: ListWalk;

  constructor(ctx: AllocatorContext) {
    this.freeWalk = new ListWalk(ctx.bus, ctx.bus.pointerBytes, -1, 3, 0);
    this.mallocWalk = new ListWalk(ctx.bus, 0, ctx.bus.pointerBytes, 3, 1);
    const bus = ctx.bus;
    this.bus = bus;
    const P = bus.pointerBytes;
    this.P = P;
    const G = Math.max(ctx.alignment, P);
    this.granule = G;
    this.headerBytes = G;
    this.faBytes = 3 * P;
    this.minFreeArea = this.faBytes + G;
    this.minBlock = this.adjust(this.faBytes);
    this.reallocMinFree = this.minFreeArea + 16;
    const h = ctx.heaps[0]!;
    this.heapBase = h.base;
    this.heapEnd = h.base + h.size;
    this.headVar = Math.ceil(h.base / P) * P;
    this.arenaStart = this.adjustAddr(this.headVar + P);
    this.arenaEnd = Math.floor(this.heapEnd / G) * G;
    const size = this.arenaEnd - this.arenaStart;
    if (size < this.minFreeArea)
      throw new SimError('HEAP_TOO_SMALL', `uclibc malloc needs at least ${this.arenaStart - h.base + this.minFreeArea} bytes of heap; it has ${h.size}`);
    // The arena handed to __heap_free: one free area with its descriptor at the end.
    const fa = this.arenaEnd - this.faBytes;
    this.bus.pokePtr(fa, size);
    this.bus.pokePtr(fa + P, 0);
    this.bus.pokePtr(fa + 2 * P, 0);
    this.bus.pokePtr(this.headVar, fa);
    this.freeSum = size;
    this.freeCount = 1;
  }

  private adjust(n: number): number {
    return Math.ceil(n / this.granule) * this.granule;
  }

  private adjustAddr(a: number): number {
    return Math.ceil(a / this.granule) * this.granule;
  }

  private rd(a: number): number {
    return this.bus.readPtr(a);
  }

  private wr(a: number, v: number): void {
    this.bus.writePtr(a, v);
  }

  // fa field addresses: size at fa, next at fa+P, prev at fa+2P.

  /** __heap_unlink_free_area. */
  private unlink(fa: number): void {
    const P = this.P;
    const next = this.rd(fa + P);
    const prev = this.rd(fa + 2 * P);
    if (next) this.wr(next + 2 * P, prev);
    if (prev) this.wr(prev + P, next);
    else this.wr(this.headVar, next);
    this.bus.work(1); // if (fa->next): the compare (the store after it is conditional, no branch)
    this.bus.alu('cmpBranch'); // if (fa->prev) ... else: compare and branch
  }

  /** __heap_link_free_area: fa between prev and next. */
  private link(fa: number, prev: number, next: number): void {
    const P = this.P;
    this.wr(fa + P, next);
    this.wr(fa + 2 * P, prev);
    if (prev) this.wr(prev + P, fa);
    else this.wr(this.headVar, fa);
    if (next) this.wr(next + 2 * P, fa);
    this.bus.alu('cmpBranch'); // if (prev) ... else: compare and branch
    this.bus.work(1); // if (next): the compare (the store after it is conditional, no branch)
  }

  /** __heap_link_free_area_after: fa follows prev (fa's next is already right). */
  private linkAfter(fa: number, prev: number): void {
    if (prev) this.wr(prev + this.P, fa);
    else this.wr(this.headVar, fa);
    this.wr(fa + 2 * this.P, prev);
    this.bus.alu('cmpBranch'); // if (prev) ... else: compare and branch
  }

  /** __heap_free_area_alloc: take `size` from the front of fa; returns the size taken. */
  private takeFrom(fa: number, faSize: number, size: number): number {
    this.bus.work(1); // size + HEAP_MIN_FREE_AREA_SIZE: add
    this.bus.alu('cmpBranch'); // fa_size < it: take the whole area?
    if (faSize >= this.maxFree) this.maxFreeValid = false;
    if (faSize < size + this.minFreeArea) {
      this.unlink(fa);
      this.freeCount--;
      this.freeSum -= faSize;
      return faSize;
    }
    this.wr(fa, faSize - size);
    this.freeSum -= size;
    return size;
  }

  /** __heap_free: return [mem, mem+size) to the free list, merging with neighbours. */
  private heapFree(mem: number, size: number): void {
    const bus = this.bus;
    const P = this.P;
    const F = this.faBytes;
    const end = mem + size;
    let prev = 0;
    let fa = this.rd(this.headVar);
    bus.alu('cmpBranch'); // the loop's first test: fa != NULL?
    const w = this.freeWalk;
    while (fa && fa + F < mem) {
      w.visit(fa); // compare with mem, branch; read the next link
      prev = fa;
      fa = w.w0;
    }
    w.flush();
    if (fa) {
      // the comparison that ends the walk
      bus.work(1); // HEAP_FREE_AREA_END(fa): add
      bus.alu('cmpBranch'); // >= mem?
    }
    this.freeSum += size;
    this.freeCount++;
    const faSize = fa ? this.rd(fa) : 0;
    bus.work(1); // HEAP_FREE_AREA_START(fa) = (fa + 1) - fa->size: sub (its add is not charged here)
    bus.alu('cmpBranch'); // fa && HEAP_FREE_AREA_START(fa) <= end: one compare and branch charged for the test
    if (fa && fa + F - faSize <= end) {
      let total = faSize + size;
      if (fa + F - faSize === end) {
        // fa right after the block: grow it down. uClibc then tests whether prev ends at mem
        // too (charged: a compare and branch), but it never does here: the walk stops at the first area
        // ending at or after mem, so prev ends before it, and an area ending at mem is fa
        // itself (the branch below). The merge with prev was dead code (issue 15 item 8).
        bus.alu('cmpBranch'); // prev && HEAP_FREE_AREA_END(prev) == mem?
      } else {
        // fa right before the block: grow it up; maybe also swallow next
        const next = this.rd(fa + P);
        bus.alu('cmpBranch'); // next && end == HEAP_FREE_AREA_START(next): one compare and branch charged for the test
        if (next && end === next + F - this.rd(next)) {
          total += this.rd(next);
          this.linkAfter(next, prev);
          fa = next;
          this.freeCount--;
        } else {
          fa = fa + size; // the descriptor moves to the new end
          this.link(fa, prev, next);
        }
      }
      this.wr(fa, total);
      this.freeCount--;
      // The areas merged in are no larger than the result: the maximum only grows here.
      if (total > this.maxFree) this.maxFree = total;
    } else {
      const nfa = end - F;
      this.wr(nfa, size);
      this.link(nfa, prev, fa);
      if (size > this.maxFree) this.maxFree = size;
    }
  }

  // ---- public operations ------------------------------------------------------------------

  alloc(req: number): number {
    const bus = this.bus;
    let size = this.adjust(Math.max(1, req) + this.headerBytes);
    if (size < this.minBlock) size = this.minBlock;
    chargeRequestSize(bus); // size = HEAP_ADJUST_SIZE(size + MALLOC_HEADER_SIZE), at least HEAP_MIN_SIZE
    bus.work(1); // size 0 served as 1: the conditional move (its compare is not charged)
    // The walk (per area: read its size, 3 ALU, read the next link); the area that fits ends it
    // after its size read and compare.
    const w = this.mallocWalk;
    for (let fa = this.rd(this.headVar); fa; fa = w.w1) {
      if (w.peek0(fa) < size) {
        w.visit(fa);
        continue;
      }
      w.visitHead(fa);
      const faSize = w.w0;
      const mem = fa + this.faBytes - faSize;
      size = this.takeFrom(fa, faSize, size);
      this.wr(mem, size);
      bus.work(2); // mem = HEAP_FREE_AREA_END(fa) - size: sub (END's add is not charged); mem + MALLOC_HEADER_SIZE: add
      this.usedSum += size - this.headerBytes;
      this.usedCount++;
      return mem + this.headerBytes;
    }
    w.flush();
    return 0;
  }

  free(h: number): void {
    if (h === 0) return;
    const base = h - this.headerBytes;
    const size = this.rd(base);
    this.bus.work(1); // MALLOC_BASE(mem): sub
    this.bus.alu('cmpBranch'); // if (mem == NULL) return (tested first, charged here)
    this.usedSum -= size - this.headerBytes;
    this.usedCount--;
    this.heapFree(base, size);
  }

  /** __heap_alloc_at: take `size` bytes starting exactly at mem; returns bytes taken or 0. */
  private allocAt(mem: number, size: number): number {
    const bus = this.bus;
    let fa = this.rd(this.headVar);
    bus.alu('cmpBranch'); // the loop's first test: fa != NULL?
    while (fa) {
      const faSize = this.rd(fa);
      const start = fa + this.faBytes - faSize;
      bus.work(2); // fa_mem = HEAP_FREE_AREA_START(fa): add, sub
      bus.alu('cmpBranch'); // fa_mem <= mem?
      if (start >= mem) {
        if (start === mem && faSize >= size) return this.takeFrom(fa, faSize, size);
        return 0;
      }
      fa = this.rd(fa + this.P);
    }
    return 0;
  }

  realloc(h: number, req: number): number {
    if (h === 0) return this.alloc(req);
    const bus = this.bus;
    const base = h - this.headerBytes;
    const size = this.rd(base);
    let ns = this.adjust(Math.max(1, req) + this.headerBytes);
    if (ns < this.minBlock) ns = this.minBlock;
    chargeRequestSize(bus); // new_size = HEAP_ADJUST_SIZE(new_size + MALLOC_HEADER_SIZE), at least HEAP_MIN_SIZE
    bus.work(2); // base_mem = MALLOC_BASE(mem): sub; new_size > size?: the compare (its branch is not charged)
    if (ns > size) {
      const extra = this.allocAt(base + size, ns - size);
      if (extra) {
        this.wr(base, size + extra);
        this.usedSum += extra;
        return h;
      }
      const p = this.alloc(req);
      if (p === 0) return 0;
      bus.copy(p, h, size - this.headerBytes);
      this.free(h);
      return p;
    }
    bus.alu('cmpBranch'); // new_size + MALLOC_REALLOC_MIN_FREE_SIZE <= size: shrink? (the add is not charged)
    if (ns + this.reallocMinFree <= size) {
      this.heapFree(base + ns, size - ns);
      this.wr(base, ns);
      this.usedSum -= size - ns;
    }
    return h;
  }

  lock(h: number): number {
    return h;
  }

  unlock(_h: number): void {}

  // ---- observers --------------------------------------------------------------------------

  usableSize(h: number): number {
    return this.bus.peekPtr(h - this.headerBytes) - this.headerBytes;
  }

  addressOf(h: number): number {
    return h;
  }

  freeBytes(): number {
    return this.freeSum - this.headerBytes * this.freeCount;
  }

  largestAllocatable(): number {
    if (!this.maxFreeValid) {
      this.maxFree = this.listMax();
      this.maxFreeValid = true;
    }
    const max = this.maxFree;
    return max >= this.minBlock ? max - this.headerBytes : 0;
  }

  /** The largest free area on the list, by a walk (uncounted). */
  private listMax(): number {
    let max = 0;
    for (let fa = this.bus.peekPtr(this.headVar), g = 0; fa && g < 1e7; fa = this.bus.peekPtr(fa + this.P), g++)
      max = Math.max(max, this.bus.peekPtr(fa));
    return max;
  }

  metadataBytes(): number {
    return this.heapEnd - this.heapBase - this.freeBytes() - this.usedSum;
  }

  fixedMetadataBytes(): number {
    // the __malloc_heap static, its padding and the slack after the arena
    return this.heapEnd - this.heapBase - (this.arenaEnd - this.arenaStart);
  }

  blockFootprint(size: number): number {
    return Math.max(this.minBlock, this.adjust(Math.max(1, size) + this.headerBytes));
  }

  /** Free areas as start → size, from the list (observer helper). */
  private freeAreas(): Map<number, number> {
    const m = new Map<number, number>();
    for (let fa = this.bus.peekPtr(this.headVar), g = 0; fa && g < 1e7; fa = this.bus.peekPtr(fa + this.P), g++) {
      const s = this.bus.peekPtr(fa);
      m.set(fa + this.faBytes - s, s);
    }
    return m;
  }

  walk(visit: (b: BlockInfo) => void): void {
    const meta = (addr: number, size: number) =>
      size > 0 && visit({ addr, size, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
    meta(this.heapBase, this.arenaStart - this.heapBase);
    const free = this.freeAreas();
    let a = this.arenaStart;
    while (a < this.arenaEnd) {
      const fs = free.get(a);
      if (fs !== undefined) {
        visit({ addr: a, size: fs, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
        a += fs;
        continue;
      }
      const s = this.bus.peekPtr(a);
      if (s <= 0 || a + s > this.arenaEnd) break;
      const p = a + this.headerBytes;
      visit({ addr: a, size: s, state: 'used', handle: p, payload: p, usable: s - this.headerBytes, locked: false });
      a += s;
    }
    meta(a, this.heapEnd - a);
  }

  check(): string[] {
    const v: string[] = [];
    const bus = this.bus;
    const P = this.P;
    let prev = 0;
    let prevEnd = -1;
    let n = 0, fs = 0;
    for (let fa = bus.peekPtr(this.headVar); fa; fa = bus.peekPtr(fa + P)) {
      const s = bus.peekPtr(fa);
      const start = fa + this.faBytes - s;
      if (s < this.minBlock || s % this.granule !== 0) v.push(`free area ${hex(fa, 0)}: bad size ${s}`);
      if (start < this.arenaStart || fa + this.faBytes > this.arenaEnd) v.push(`free area ${hex(fa, 0)} outside the arena`);
      if (bus.peekPtr(fa + 2 * P) !== prev) v.push(`free area ${hex(fa, 0)}: prev ${hex(bus.peekPtr(fa + 2 * P), 0)} != ${hex(prev, 0)}`);
      if (start < prevEnd) v.push(`free area ${hex(fa, 0)} out of address order`);
      if (start === prevEnd) v.push(`free areas ${hex(prev, 0)} and ${hex(fa, 0)} touch (not merged)`);
      prev = fa;
      prevEnd = fa + this.faBytes;
      fs += s;
      if (++n > 1e6) {
        v.push('free list cycle');
        break;
      }
    }
    if (fs !== this.freeSum || n !== this.freeCount) v.push(`free tally ${this.freeSum}/${this.freeCount} != ${fs}/${n}`);
    if (this.maxFreeValid && this.listMax() !== this.maxFree) v.push(`largest free area memo ${this.maxFree} != list maximum ${this.listMax()}`);
    const free = this.freeAreas();
    let a = this.arenaStart;
    let us = 0, uc = 0;
    while (a < this.arenaEnd) {
      const f = free.get(a);
      if (f !== undefined) {
        a += f;
        continue;
      }
      const s = bus.peekPtr(a);
      if (s < this.minBlock || s % this.granule !== 0 || a + s > this.arenaEnd) {
        v.push(`used block ${hex(a, 0)}: bad size ${s}`);
        return v;
      }
      us += s - this.headerBytes;
      uc++;
      a += s;
    }
    if (a !== this.arenaEnd) v.push(`blocks end at ${hex(a, 0)}, arena at ${hex(this.arenaEnd, 0)}`);
    if (us !== this.usedSum || uc !== this.usedCount) v.push(`used tally ${this.usedSum}/${this.usedCount} != ${us}/${uc}`);
    return v;
  }
}

export const uclibcFactory: AllocatorFactory = {
  name: 'uclibc',
  summary: "uClibc malloc (DSLinux/uClinux default): address-ordered free areas, first fit, merge on free, 8-byte header",
  moving: false,
  multiHeap: false,
  params: [],
  create: (ctx) => new UclibcMalloc(ctx),
};
