/**
 * umm: umm_malloc, the allocator of the ESP8266 Arduino core and many small ARM projects.
 *
 * How it works. Followed: Ralph Hempel's umm_malloc as it is today (github.com/rhempel/umm_malloc,
 * src/umm_malloc.c of the 2023 multi-heap version; the core is unchanged since the 2017-2020
 * releases), its README and umm_info's fragmentation metric. Our own code; nothing is copied.
 *
 * The heap is an array of 8-byte blocks addressed by 15-bit block numbers (bit 15 of a link is
 * the "free" flag). Every block starts with two 16-bit links, next and prev, that chain ALL
 * blocks in address order; a free block's body holds two more, next-free and prev-free, for
 * the free list. A used block's payload starts right after the first 4 bytes, so a request of
 * n bytes takes 1 block when n ≤ 4, else 2 + ⌊(n − 5) / 8⌋ blocks: 4 bytes of overhead per used
 * block, rounding to 8.
 *
 * Block 0 is a permanent used sentinel whose next-free link is the free-list head; the last
 * block is the end sentinel (next = 0). malloc (umm_malloc_core) walks the whole free list and
 * keeps the smallest block that fits (best fit, the default; `fit=first` stops at the first fit,
 * like building with UMM_FIRST_FIT). An exact fit leaves the free list; otherwise the request
 * takes the FRONT of the free block (umm_split_block) and the remainder takes the free block's
 * place in the free list (its neighbours' links are rewritten). free merges with a free next
 * block (umm_assimilate_up, taking it off the free list) and then with a free previous block
 * (umm_assimilate_down; that one is already listed); if the previous block is used the block
 * goes to the head of the free list. realloc follows umm_realloc's cases in order: (1) the block
 * is big enough: keep it; (2) block + free next block fit exactly: grow into the next; (3) the
 * previous block is not free and block + next fit: grow into the next; (4) free previous block +
 * block fit: move DOWN into the previous block (memmove); (5) previous + block + next fit: merge
 * all three and move down; (6) malloc, copy, free. A block left larger than needed is split and
 * its tail freed (merging with a free neighbour). umm_malloc before 2017 (and this model before
 * issue 14) carved requests from the END of the free block and grew a realloc into the next
 * block first; that version is not kept.
 *
 * Limits. 15-bit block numbers address at most 32767 blocks (256 KiB with 8-byte blocks).
 * `blockBody` models umm's UMM_BLOCK_BODY_SIZE option (block = 4-byte header + body, a power of
 * two), a compile-time constant of the port: its default, 0 = auto, picks 8-byte blocks (body 4)
 * unless 32767 of them cover less than 99 % of the DEVICE heap, and then the smallest power-of-two
 * block that does (16 bytes up to ~512 KiB, 64 bytes for the nds's 2 MiB, whose last block is
 * then clamped). The choice is made once for the device heap (the factory's pinParams) and every
 * run on that device uses it, the min-heap search at smaller sizes included: umm is never credited
 * with a min heap measured with finer blocks than its device-heap figures use. Coarser blocks
 * cost internal slack, which the metrics show. A heap beyond 32767 blocks of the chosen size (an
 * explicit small blockBody, or over 4 MiB) is CLAMPED: umm manages the first 32767 blocks and
 * the rest is reported as unusable.
 *
 * Alignment: payloads are block start + 4. Where the device wants 8-byte payloads (nds) the
 * block array starts 4 bytes into the heap so that every payload is 8-aligned.
 *
 * Cost: every link is a 16-bit load or store through the bus (a cheap access on 16-bit buses;
 * no byte stores, so it also runs on the nds-slot2 expansion RAM), in the order and number the
 * compiled C makes them: each C statement reads its links again after a store (umm's macros
 * re-evaluate UMM_NBLOCK(UMM_NBLOCK(c)) and the like, and the compiler cannot keep a value across
 * a uint16_t store into the same heap). The heap descriptor (umm_heap_current: pheap, heap_size)
 * is a global, on the bus as statics (bus.staticsPort): the compiled code loads pheap before the
 * first heap access after each store and on entering umm_free_core, umm_malloc_core and the
 * helpers umm_realloc calls; umm_free's range check reads pheap and heap_size. Checked access for
 * access against umm_malloc.c compiled to wasm32 (bench/alloc-cycles.md). The best-fit walk is
 * O(free blocks) per malloc; free is O(1).
 *
 * `fragmentationMetric()` is umm_info's metric: 100 − 100·√(Σ fᵢ²) / Σ fᵢ over free blocks,
 * counted in blocks (the engine's ummFrag uses bytes from walk()). One heap: on a device with
 * several heaps umm manages the first.
 */
import { ListWalk, type MemoryBus, type StaticsPort } from '../bus';
import { SimError } from '../errors';
import type { Allocator, AllocatorContext, AllocatorFactory, BlockInfo } from './types';

const FREE = 0x8000;
const MASK = 0x7fff;
const MAX_BLOCKS = 32767;
/** The heap descriptor umm_heap_current in the statics: pheap, heap_size, numblocks. */
const PHEAP = 0;
const HEAP_SIZE = 4;
const STATICS_BYTES = 12;

export class Umm implements Allocator {
  readonly name = 'umm';
  readonly moving = false;

  private readonly bus: MemoryBus;
  private readonly firstFit: boolean;
  /** Bytes per block (4 + body). */
  readonly blockSize: number;
  readonly body: number;
  private readonly shift: number;
  private readonly heapBase: number;
  private readonly heapEnd: number;
  /** Address of block 0. */
  readonly base: number;
  readonly numBlocks: number;
  private readonly last: number;

  // Observer tallies (not used by the algorithm).
  private freeBlocks = 0;
  private freeCount = 0;
  private usedBlocks = 0;
  private usedCount = 0;
  /**
   * Observer memo (charges nothing, not used by the algorithm): the largest free block in
   * blocks, valid while maxFreeValid (a C port would keep both in globals). Every change of a
   * block's extent or free bit goes through setNb, which keeps it: a free block at least that
   * large shrinking or leaving the free list invalidates it, a larger free block raises it.
   * check() recomputes it from the free list.
   */
  private maxFree = 0;
  private maxFreeValid = false;
  /** umm_heap_current (the heap descriptor), on the bus as statics. */
  private readonly ST: StaticsPort;
  /** The heap pointer must be loaded again before the next heap access (see heapPtr). */
  private stale = true;
  /** The free-list scan's step: UMM_NBLOCK (16-bit), 3 ALU, UMM_NFREE (16-bit, 4 bytes on). */
  private readonly scanWalk: ListWalk;

  constructor(ctx: AllocatorContext) {
    this.bus = ctx.bus;
    this.ST = ctx.bus.staticsPort(STATICS_BYTES);
    this.scanWalk = new ListWalk(ctx.bus, 0, 4, 3, 1, 2);
    this.firstFit = ctx.params.fit === 'first';
    const h = ctx.heaps[0]!;
    const given = Number(ctx.params.blockBody);
    this.body = given === 0 ? autoBody(h.size) : given;
    this.blockSize = 4 + this.body;
    if (!(this.blockSize >= 8 && this.blockSize <= 128 && (this.blockSize & (this.blockSize - 1)) === 0))
      throw new SimError('ALLOCATOR_PARAM', `umm: blockBody must make 4 + body a power of two from 8 to 128 (4, 12, 28, 60, 124) or be 0 (auto), got ${this.body}`);
    this.shift = Math.log2(this.blockSize);
    const A = ctx.alignment;
    if (this.blockSize % A !== 0)
      throw new SimError('ALLOCATOR_PARAM', `umm: ${this.blockSize}-byte blocks cannot give ${A}-byte aligned payloads`);
    this.heapBase = h.base;
    this.heapEnd = h.base + h.size;
    this.base = Math.ceil((h.base + 4) / Math.max(A, 2)) * Math.max(A, 2) - 4;
    this.numBlocks = Math.min(MAX_BLOCKS, Math.floor((this.heapEnd - this.base) / this.blockSize));
    if (this.numBlocks < 3)
      throw new SimError('HEAP_TOO_SMALL', `umm needs at least 3 blocks of ${this.blockSize} bytes (two sentinels and one free block); the heap has ${h.size} bytes`);
    this.last = this.numBlocks - 1;
    // umm_init: block 0 → block 1 (free, spans to the last block) → last block (end sentinel).
    this.poke(0, 0, 1);
    this.poke(0, 2, 0);
    this.poke(0, 4, 1);
    this.poke(0, 6, 1);
    this.poke(1, 0, this.last | FREE);
    this.poke(1, 2, 0);
    this.poke(1, 4, 0);
    this.poke(1, 6, 0);
    this.poke(this.last, 0, 0);
    this.poke(this.last, 2, 1);
    this.freeBlocks = this.last - 1;
    this.freeCount = 1;
  }

  // ---- field access ----------------------------------------------------------------------
  //
  // Every heap access goes through rd/wr, which follow how the compiled C reaches the heap: the
  // block array is addressed from the heap descriptor's pheap (a global), which the code loads
  // again before the first heap access after any store to the heap (the compiler cannot prove a
  // uint16_t store into the heap leaves the global unchanged), and at the entry of each helper
  // that is not inlined. That load is one statics read (this.ST); `stale` says it is due.

  private addr(c: number): number {
    return this.base + c * this.blockSize;
  }

  private poke(c: number, off: number, v: number): void {
    const a = this.addr(c) + off;
    const le = this.bus.littleEndian;
    this.bus.poke8(a, le ? v & 0xff : v >>> 8);
    this.bus.poke8(a + 1, le ? v >>> 8 : v & 0xff);
  }

  /** The heap pointer (umm_heap_current.pheap): loaded when a store or a call made it stale. */
  private heapPtr(): void {
    if (this.stale) {
      this.ST.read(PHEAP, 4);
      this.stale = false;
    }
  }

  private rd(c: number, off: number): number {
    this.heapPtr();
    return this.bus.read16(this.addr(c) + off);
  }

  private wr(c: number, off: number, v: number): void {
    this.heapPtr();
    this.bus.write16(this.addr(c) + off, v);
    this.stale = true;
  }

  private nb(c: number): number {
    return this.rd(c, 0);
  }
  private setNb(c: number, v: number): void {
    const old = this.bus.peek16(this.addr(c)); // observer bookkeeping, uncounted
    if ((old & FREE) !== 0 && (old & MASK) - c >= this.maxFree && ((v & FREE) === 0 || (v & MASK) < (old & MASK))) this.maxFreeValid = false;
    if ((v & FREE) !== 0 && (v & MASK) - c > this.maxFree) this.maxFree = (v & MASK) - c;
    this.wr(c, 0, v);
  }
  private pb(c: number): number {
    return this.rd(c, 2);
  }
  private setPb(c: number, v: number): void {
    this.wr(c, 2, v);
  }
  private nf(c: number): number {
    return this.rd(c, 4);
  }
  private setNf(c: number, v: number): void {
    this.wr(c, 4, v);
  }
  private pf(c: number): number {
    return this.rd(c, 6);
  }
  private setPf(c: number, v: number): void {
    this.wr(c, 6, v);
  }

  /**
   * The charge of umm_blocks(size): size <= sizeof(body)? else (size - (sizeof(body) + 1)) /
   * sizeof(umm_block) + 2: compare, sub, shift, add (the branch is not charged).
   */
  private chargeBlocksFor(): void {
    this.bus.work(4);
  }

  /** Blocks needed for a request of n bytes (umm_blocks). */
  blocksFor(n: number): number {
    if (n <= this.body) return 1;
    return 2 + Math.floor((n - this.body - 1) / this.blockSize);
  }

  // ---- helpers, one per umm_malloc.c function; each reads what its C statements read --------

  /**
   * umm_split_block: c keeps `blocks`, c+blocks becomes a block with flag `newFlag`. `nbc` is
   * UMM_NBLOCK(c) when the caller has just read it (no store since), else undefined.
   */
  private split(c: number, blocks: number, newFlag: number, nbc?: number): void {
    const nw = c + blocks;
    this.setNb(nw, ((nbc ?? this.nb(c)) & MASK) | newFlag);
    this.setPb(nw, c);
    this.setPb(this.nb(c) & MASK, nw);
    this.setNb(c, nw);
    this.bus.work(3); // new_c = c + blocks: add; (UMM_NBLOCK(c) & UMM_BLOCKNO_MASK) | new_freemask: and, orr
  }

  /** umm_disconnect_from_free_list: each statement reads its links again after a store. */
  private disconnect(c: number): void {
    this.setNf(this.pf(c), this.nf(c));
    this.setPf(this.nf(c), this.pf(c)); // when nf = 0 this writes block 0's prev-free slot, as umm does
    this.setNb(c, this.nb(c) & MASK);
    this.freeCount--;
    this.bus.work(1); // UMM_NBLOCK(c) &= ~UMM_FREELIST_MASK: bic
  }

  /**
   * umm_assimilate_up: merge c with a free next block. Returns the blocks gained (observers).
   * `known`: NBLOCK(c) and NBLOCK(NBLOCK(c)) as the caller just read them (inlined, shared reads).
   */
  private assimilateUp(c: number, known?: readonly [number, number]): number {
    const n = known ? known[0] : this.nb(c);
    const nn = known ? known[1] : this.nb(n);
    this.bus.work(1); // UMM_NBLOCK(UMM_NBLOCK(c)) & UMM_FREELIST_MASK?: the test (its branch is not charged)
    if (!(nn & FREE)) return 0;
    this.disconnect(n);
    this.setPb(this.nb(this.nb(c)) & MASK, c);
    this.setNb(c, this.nb(this.nb(c)) & MASK);
    this.bus.work(2); // UMM_NBLOCK(UMM_NBLOCK(c)) & UMM_BLOCKNO_MASK, twice (each statement evaluates it): and, and
    return (nn & MASK) - n;
  }

  /** umm_assimilate_down: c's previous block absorbs c; returns that block. */
  private assimilateDown(c: number, freemask: number): number {
    this.setNb(this.pb(c), this.nb(c) | freemask);
    this.setPb(this.nb(c), this.pb(c));
    this.bus.work(1); // UMM_NBLOCK(c) | freemask: orr
    return this.pb(c);
  }

  /** umm_free_core (a function of its own: it loads the heap pointer on entry). */
  private freeCore(c: number): void {
    this.stale = true;
    const size = (this.bus.peek16(this.addr(c)) & MASK) - c; // observer tallies, uncounted
    this.usedBlocks -= size;
    this.usedCount--;
    this.freeBlocks += size;
    this.assimilateUp(c);
    const p = this.pb(c);
    const pnb = this.nb(p);
    this.bus.work(1); // UMM_NBLOCK(UMM_PBLOCK(c)) & UMM_FREELIST_MASK?: the test (its branch is not charged)
    if (pnb & FREE) {
      this.assimilateDown(c, FREE);
    } else {
      this.setPf(this.nf(0), c);
      this.setNf(c, this.nf(0));
      this.setPf(c, 0);
      this.setNf(0, c);
      this.setNb(c, this.nb(c) | FREE);
      this.freeCount++;
      this.bus.work(1); // UMM_NBLOCK(c) |= UMM_FREELIST_MASK: orr
    }
  }

  /** umm_malloc_core: the block number of the new block, or 0. */
  private mallocCore(blocks: number): number {
    const bus = this.bus;
    this.stale = true;
    let cf = this.nf(0);
    let best = cf;
    let bestSize = MASK;
    let blockSize = 0;
    // The free-list scan, one step per free block: read UMM_NBLOCK(cf), 3 ALU (blockSize =
    // (UMM_NBLOCK(cf) & UMM_BLOCKNO_MASK) - cf: and, sub; >= blocks?: the compare, its branch
    // not charged), read UMM_NFREE(cf). Through the list-walk primitive (bus ListWalk: charged
    // exactly as counted reads, fast where the reads are plain). First fit stops at the block
    // that fits, after its first read and the compare.
    this.heapPtr();
    const w = this.scanWalk;
    while (cf !== 0) {
      const a = this.addr(cf);
      if (this.firstFit && (w.peek0(a) & MASK) - cf >= blocks) {
        w.visitHead(a);
        blockSize = (w.w0 & MASK) - cf;
        break;
      }
      w.visit(a);
      blockSize = (w.w0 & MASK) - cf;
      if (blockSize >= blocks && blockSize < bestSize) {
        best = cf;
        bestSize = blockSize;
      }
      cf = w.w1;
    }
    w.flush();
    if (bestSize !== MASK) {
      cf = best;
      blockSize = bestSize;
    }
    const nbc = this.nb(cf);
    bus.alu('cmpBranch'); // UMM_NBLOCK(cf) & UMM_BLOCKNO_MASK && blockSize >= blocks: one compare and branch charged for the test
    if (!((nbc & MASK) !== 0 && blockSize >= blocks)) return 0;
    if (blockSize === blocks) {
      this.disconnect(cf);
    } else {
      // split from the front: the request takes cf, the rest (cf + blocks) takes cf's place on
      // the free list
      this.split(cf, blocks, FREE, nbc);
      const rest = cf + blocks;
      this.setNf(this.pf(cf), rest);
      this.setPf(rest, this.pf(cf));
      this.setPf(this.nf(cf), rest);
      this.setNf(rest, this.nf(cf));
      bus.work(1); // cf + blocks: add
    }
    this.freeBlocks -= blocks;
    this.usedBlocks += blocks;
    this.usedCount++;
    return cf;
  }

  // ---- public operations ------------------------------------------------------------------

  alloc(req: number): number {
    const blocks = this.blocksFor(Math.max(1, req));
    this.chargeBlocksFor(); // umm_blocks(size)
    if (blocks > MASK) return 0;
    const c = this.mallocCore(blocks);
    if (c === 0) return 0;
    this.heapPtr(); // &UMM_DATA(c)
    return this.addr(c) + 4;
  }

  free(h: number): void {
    if (h === 0) return;
    // umm_multi_free: the range check reads pheap and heap_size
    this.ST.read(PHEAP, 4);
    this.ST.read(HEAP_SIZE, 4);
    this.bus.work(3); // umm_free's range check: pheap + heap_size: add; two compares (their branches are not charged)
    this.freeCore((h - 4 - this.base) >>> this.shift);
  }

  realloc(h: number, req: number): number {
    if (h === 0) return this.alloc(req);
    const bus = this.bus;
    const blocks = this.blocksFor(Math.max(1, req));
    this.stale = true;
    let c = (h - 4 - this.base) >>> this.shift;
    // The compiled umm_realloc reads what each case test needs, in case order: NBLOCK(c) for
    // blockSize; the next block's link only when the block is too small; the previous block's
    // only when the next block does not fit exactly.
    const next = this.nb(c);
    let blockSize = next - c;
    const curBytes = blockSize * this.blockSize - 4;
    this.chargeBlocksFor(); // umm_blocks(size)
    bus.work(2); // c = (ptr - pheap) >> log2(sizeof(umm_block)): sub, shift
    if (blocks > MASK) return 0;
    let p = h;
    if (blockSize >= blocks) {
      // case 1: same size or smaller
    } else {
      const nnb = this.nb(next);
      const nextSize = nnb & FREE ? (nnb & MASK) - next : 0;
      bus.work(2); // nextBlockSize = next is free ? (UMM_NBLOCK(next) & UMM_BLOCKNO_MASK) - next : 0: the free-bit test, sub (the mask and the branch are not charged)
      // umm_assimilate_up inlined: its first two reads are the ones just made
      const up = (known: boolean): void => {
        if (!known) this.stale = true;
        this.assimilateUp(c, known ? [next, nnb] : undefined);
        this.freeBlocks -= nextSize;
        this.usedBlocks += nextSize;
      };
      if (nextSize && blockSize + nextSize === blocks) {
        up(true); // case 2: the next block fits exactly
        blockSize += nextSize;
      } else {
        const prev = this.pb(c);
        const prevSize = this.nb(prev) & FREE ? c - prev : 0;
        bus.work(2); // prevBlockSize = prev is free ? c - prev : 0: the free-bit test, sub (the branch is not charged)
        const down = (): void => {
          const pc = this.pb(c);
          this.stale = true; // umm_disconnect_from_free_list is called, not inlined, here
          this.disconnect(pc);
          c = this.assimilateDown(c, 0);
          this.freeBlocks -= prevSize;
          this.usedBlocks += prevSize;
          this.ST.read(PHEAP, 4); // &UMM_DATA(c) for memmove
          this.ST.read(PHEAP, 4); // and for the new ptr
          bus.copy(this.addr(c) + 4, h, curBytes);
          this.stale = true;
          p = this.addr(c) + 4;
        };
        if (prevSize === 0 && nextSize && blockSize + nextSize >= blocks) {
          up(true); // case 3: no free previous block, the next one is enough
          blockSize += nextSize;
        } else if (prevSize && prevSize + blockSize >= blocks) {
          down(); // case 4: move down into the free previous block
          blockSize += prevSize;
        } else if (prevSize && prevSize + blockSize + nextSize >= blocks) {
          if (nextSize) up(false); // case 5: both neighbours, then move down
          down();
          blockSize += prevSize + nextSize;
        } else {
          // case 6: a new block, copy, free the old one (old block untouched when malloc fails)
          const nc = this.mallocCore(blocks);
          if (nc === 0) return 0;
          this.heapPtr();
          p = this.addr(nc) + 4;
          bus.copy(p, h, curBytes);
          this.freeCore(c);
          return p;
        }
      }
    }
    if (blockSize > blocks) {
      this.stale = true;
      this.split(c, blocks, 0);
      this.usedCount++;
      this.ST.read(PHEAP, 4); // &UMM_DATA(c + blocks)
      this.freeCore(c + blocks);
    }
    return p;
  }

  lock(h: number): number {
    return h;
  }

  unlock(_h: number): void {}

  // ---- observers --------------------------------------------------------------------------

  private peekNb(c: number): number {
    return this.bus.peek16(this.addr(c));
  }

  usableSize(h: number): number {
    const c = (h - 4 - this.base) >>> this.shift;
    return ((this.peekNb(c) & MASK) - c) * this.blockSize - 4;
  }

  addressOf(h: number): number {
    return h;
  }

  freeBytes(): number {
    return this.freeBlocks * this.blockSize - 4 * this.freeCount;
  }

  largestAllocatable(): number {
    if (!this.maxFreeValid) {
      this.maxFree = this.listMax();
      this.maxFreeValid = true;
    }
    const best = this.maxFree;
    return best === 0 ? 0 : best * this.blockSize - 4;
  }

  /** The largest free block in blocks, by a walk of the free list (uncounted). */
  private listMax(): number {
    let best = 0;
    for (let c = this.bus.peek16(this.addr(0) + 4), g = 0; c !== 0 && g <= this.numBlocks; c = this.bus.peek16(this.addr(c) + 4), g++)
      best = Math.max(best, (this.peekNb(c) & MASK) - c);
    return best;
  }

  /** umm_info's fragmentation metric (0 = one free block, → 100 = many small ones), in blocks. */
  fragmentationMetric(): number {
    let sum = 0;
    let sq = 0;
    for (let c = this.bus.peek16(this.addr(0) + 4), g = 0; c !== 0 && g <= this.numBlocks; c = this.bus.peek16(this.addr(c) + 4), g++) {
      const n = (this.peekNb(c) & MASK) - c;
      sum += n;
      sq += n * n;
    }
    return sum === 0 ? 0 : 100 - (100 * Math.sqrt(sq)) / sum;
  }

  metadataBytes(): number {
    return this.heapEnd - this.heapBase - this.freeBytes() - (this.usedBlocks * this.blockSize - 4 * this.usedCount);
  }

  /**
   * Bytes outside blocks 1..last−1: the alignment gap, block 0, the end block and the slack
   * after it; not the part of a heap beyond the 32767-block limit (unusable, not metadata of a
   * heap sized to fit). fixed + Σ blockFootprint is the heap the blocks fill exactly.
   */
  fixedMetadataBytes(): number {
    const managed = this.numBlocks < MAX_BLOCKS ? this.heapEnd : this.addr(this.last) + this.blockSize;
    return managed - this.heapBase - (this.last - 1) * this.blockSize;
  }

  blockFootprint(size: number): number {
    return this.blocksFor(Math.max(1, size)) * this.blockSize;
  }

  walk(visit: (b: BlockInfo) => void): void {
    const meta = (addr: number, size: number) =>
      size > 0 && visit({ addr, size, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
    meta(this.heapBase, this.addr(1) - this.heapBase);
    let c = 1;
    for (let g = 0; c !== this.last && c !== 0 && g <= this.numBlocks; g++) {
      const w = this.peekNb(c);
      const n = w & MASK;
      if (n <= c) break;
      const a = this.addr(c);
      const size = (n - c) * this.blockSize;
      if (w & FREE) visit({ addr: a, size, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
      else visit({ addr: a, size, state: 'used', handle: a + 4, payload: a + 4, usable: size - 4, locked: false });
      c = n;
    }
    meta(this.addr(this.last), this.heapEnd - this.addr(this.last));
  }

  check(): string[] {
    const v: string[] = [];
    const bus = this.bus;
    const pk = (c: number, off: number) => bus.peek16(this.addr(c) + off);
    if (pk(0, 0) & FREE) v.push('block 0 marked free');
    if (pk(this.last, 0) !== 0) v.push(`end sentinel damaged (next = ${pk(this.last, 0)})`);
    const free = new Set<number>();
    let c = 0;
    let prevFree = false;
    let fb = 0, ub = 0, uc = 0;
    for (let g = 0; c !== this.last; g++) {
      const w = pk(c, 0);
      const n = w & MASK;
      if (n <= c || n > this.last || g > this.numBlocks) {
        v.push(`block ${c}: bad next link ${n}`);
        return v;
      }
      if (pk(n, 2) !== c) v.push(`block ${n}: prev link ${pk(n, 2)} != ${c}`);
      const isFree = (w & FREE) !== 0;
      if (isFree) {
        if (prevFree) v.push(`blocks before ${c} and ${c} both free (not merged)`);
        free.add(c);
        fb += n - c;
      } else if (c !== 0) {
        ub += n - c;
        uc++;
      }
      prevFree = isFree;
      c = n;
    }
    let listed = 0;
    let p = 0;
    for (let f = pk(0, 4); f !== 0; f = pk(f, 4)) {
      if (!free.has(f)) {
        v.push(`free list holds block ${f}, which is not free`);
        break;
      }
      if (p !== 0 && pk(f, 6) !== p) v.push(`block ${f}: prev-free ${pk(f, 6)} != ${p}`);
      p = f;
      if (++listed > free.size) {
        v.push('free list has a cycle');
        break;
      }
    }
    if (listed !== free.size) v.push(`${listed} blocks on the free list, ${free.size} free blocks`);
    if (fb !== this.freeBlocks || free.size !== this.freeCount) v.push(`free tally ${this.freeBlocks}/${this.freeCount} != ${fb}/${free.size}`);
    if (ub !== this.usedBlocks || uc !== this.usedCount) v.push(`used tally ${this.usedBlocks}/${this.usedCount} != ${ub}/${uc}`);
    if (this.maxFreeValid && this.listMax() !== this.maxFree) v.push(`largest free block memo ${this.maxFree} != free-list maximum ${this.listMax()}`);
    return v;
  }
}

/**
 * blockBody 0 (auto): the smallest power-of-two block (>= 8 bytes) whose 32767 blocks cover at
 * least 99 % of a heap of `heapBytes` (the rest is clamped), which is how a port to a bigger heap
 * sets UMM_BLOCK_BODY_SIZE. (2 MiB is 32768 blocks of 64: one too many for 15 bits; 128-byte
 * blocks to save that last 64 would double every block's rounding.)
 */
export function autoBody(heapBytes: number): number {
  let bs = 8;
  while (bs < 128 && MAX_BLOCKS * bs < 0.99 * heapBytes) bs *= 2;
  return bs - 4;
}

export const ummFactory: AllocatorFactory = {
  name: 'umm',
  summary: 'umm_malloc (ESP8266): 8-byte blocks, 15-bit indices, best fit split from the front of a free block, 4-byte header',
  moving: false,
  multiHeap: false,
  params: [
    { name: 'fit', description: 'free-list search: best (default) or first (UMM_FIRST_FIT)', default: 'best', choices: ['best', 'first'], space: { kind: 'choice', values: ['best', 'first'] } },
    { name: 'blockBody', description: 'UMM_BLOCK_BODY_SIZE: bytes of body per block (block = 4 + body, a power of two); 0 = auto: 8-byte blocks, larger only when 32767 blocks of 8 cannot cover the DEVICE heap (fixed for every run on the device, min-heap search included)', default: 0, space: { kind: 'choice', values: [0, 4, 12, 28, 60, 124] } },
  ],
  // UMM_BLOCK_BODY_SIZE is a compile-time constant: auto picks it once, for the device heap,
  // and every run on the device (min-heap search included) uses that block size.
  pinParams: (params, deviceHeap) => (Number(params.blockBody) === 0 ? { ...params, blockBody: autoBody(deviceHeap.size) } : params),
  create: (ctx) => new Umm(ctx),
};
