/**
 * tlsf: Two-Level Segregated Fit.
 *
 * How it works. Followed: M. Masmano, I. Ripoll, A. Crespo, J. Real, "TLSF: a new dynamic
 * memory allocator for real-time systems" (ECRTS 2004), and the shape of Matthew Conte's
 * tlsf 3.x (github.com/mattconte/tlsf), whose constants this model uses on a 32-bit device.
 * Our own code; nothing is copied.
 *
 * Free blocks sit in FL_COUNT × SL_COUNT segregated lists. The first level is the power of two
 * of the size (fls), the second level splits each power-of-two range into SL_COUNT = 32 equal
 * lists (SL_INDEX_COUNT_LOG2 = 5). Sizes below SMALL_BLOCK_SIZE = 2^FL_INDEX_SHIFT (128 bytes on
 * 32-bit: FL_INDEX_SHIFT = SL_LOG2 + ALIGN_LOG2 = 5 + 2) share first-level list 0, split
 * linearly. A one-word first-level bitmap and one second-level bitmap word per first level say
 * which lists are non-empty, so finding a list costs two bit scans, never a walk.
 *
 * malloc rounds the request up to the next list boundary ("good fit": every block of the list
 * found is then big enough), finds the first non-empty list at or above it with the bitmaps
 * (ffs on the masked second-level word, else ffs on the masked first-level word and then on
 * that level's word), unlinks the list head, and splits off the tail if it can hold a minimum
 * block. free coalesces immediately with both physical neighbours via boundary tags and puts the
 * result on its list. Every operation is O(1): a bounded number of memory accesses and bit
 * scans, independent of how many blocks the heap holds. That is TLSF's point and the benchmark
 * shows it (bench/alloc-cycles.md).
 *
 * Block layout (P = pointer bytes; offsets from the block pointer b):
 *   b+0    prev_phys  pointer to the previous block; valid only while that block is free,
 *                     and stored in the last P bytes of the previous block's payload
 *   b+P    size       payload bytes | bit0 this block free | bit1 previous block free
 *   b+2P   next_free  } only in free blocks (the payload of a used block starts at b+2P)
 *   b+3P   prev_free  }
 * So a used block costs exactly one size word (4 bytes on 32-bit) of overhead. The minimum
 * block is 3P payload bytes (the two free links plus the next block's prev_phys).
 *
 * Alignment: Conte's 32-bit build aligns payloads to 4. Where the device asks for more (nds: 8)
 * this model keeps the 4-byte header and makes every payload size ≡ A−P (mod A) (12, 20, 28...
 * on nds), so header + payload is a multiple of A and every payload stays A-aligned. On a
 * 16-bit device (P = 2, AVR) sizes are only 2-aligned, so the free/prev-free flags move to the
 * two top bits of the 16-bit size word and FL_INDEX_MAX defaults to 13 (8 KiB blocks); the
 * control structure is then 8 + 4 + 8·4 + 8·32·2 = 556 bytes, a quarter of an Uno's RAM: TLSF
 * runs there but is not what anyone ships on an AVR.
 *
 * The control structure (Conte's control_t) is the first thing in the heap: block_null (the
 * empty-list sentinel, 4P bytes), fl_bitmap (4), sl_bitmap[FL_COUNT] (4 each) and
 * blocks[FL_COUNT][SL_COUNT] list heads (P each). With FL_INDEX_MAX = 30 on 32-bit that is
 * 16 + 4 + 24·4 + 24·32·4 = 3188 bytes. Then the pools (tlsf_add_pool), one per heap of the
 * device: the first right after the control structure in the first heap, the others at the
 * start of their own heaps (esp32's DRAM regions, stm32f4's SRAM and CCM, nds-slot2's main and
 * expansion RAM). A pool is its first block's size word, the blocks, and a zero-size used
 * sentinel block (pool overhead 2P) that stops coalescing at the pool's end, so a block never
 * spans two heaps; all pools share the lists and bitmaps. On a device with one heap the layout
 * is exactly Conte's tlsf_create_with_pool. Everything is reached through the bus.
 *
 * Costs. fls/ffs are charged at the core's cost (bus.fls/ffs, from the CPU cost table in
 * src/bus/cpu.ts): one CLZ/NSAU instruction plus a subtract where the core has it, Conte's
 * generic binary-search fallback (~20 cycles on a 32-bit core, ~4× that on an 8-bit one)
 * where it does not. malloc(0) is served as malloc(1) (Conte returns NULL; the engine treats 0
 * as "no block"). realloc follows tlsf_realloc: shrink or grow in place into a free next block,
 * else malloc + copy + free.
 *
 * Code shape: Conte's. The public operations only compose small helpers named after his
 * (mapping_insert → mappingInsert, block_merge_prev → blockMergePrev, ...). Each helper states
 * the invariant that holds at its step (the block found on a list is free, a block merged with
 * its predecessor has that predecessor free, ...); the assertions run when the replay has
 * --check (AllocatorContext.check) and are reported by check() with the step that failed;
 * otherwise they cost one boolean test. Helpers take a MemPort where the observer view also
 * uses them (pool setup goes through bus.observer, uncharged).
 */
import type { MemoryBus, MemPort, StaticsPort } from '../bus';
import type { HeapSpan } from '../device';
import { SimError } from '../errors';
import { Assertions } from './assert';
import { hex } from '../util';
import { chargeRequestSize } from './costs';
import type { Allocator, AllocatorContext, AllocatorFactory, BlockInfo } from './types';

const fls32 = (x: number): number => 31 - Math.clz32(x);
const ffs32 = (x: number): number => 31 - Math.clz32(x & -x);

/** One pool (tlsf_add_pool over one heap of the device). */
interface Pool {
  heap: HeapSpan;
  /** Block pointer of the pool's first block (its prev_phys word lies before the pool). */
  first: number;
  /** Payload bytes of the pool's one initial free block. */
  bytes: number;
  /** Block pointer of the zero-size used sentinel at the pool's end. */
  sentinel: number;
}

export class Tlsf implements Allocator {
  readonly name = 'tlsf';
  readonly moving = false;

  private readonly bus: MemoryBus;
  private readonly P: number;
  /** Payload sizes are ≡ R (mod M). */
  private readonly M: number;
  private readonly R: number;
  readonly slLog2: number;
  readonly slCount: number;
  readonly flIndexMax: number;
  readonly flShift: number;
  readonly flCount: number;
  readonly smallBlockSize: number;
  readonly minBlockSize: number;
  readonly maxBlockSize: number;
  /** Flag bits of the size word and the mask of the size proper. */
  private readonly fb: number;
  private readonly pfb: number;
  private readonly sizeMask: number;

  // Addresses of the control structure fields (in the first heap).
  readonly control: number;
  readonly controlBytes: number;
  private readonly flBitmap: number;
  private readonly slBitmap: number;
  private readonly heads: number;
  /** The pools, in address order. */
  readonly pools: readonly Pool[];
  /** Heaps too small to hold a pool (left unused, reported as metadata by walk). */
  private readonly unused: readonly HeapSpan[];
  /** Payload bytes of the first pool (the only one on a single-heap device). */
  readonly poolBytes: number;
  private readonly heapBytes: number;
  private readonly maxPoolBytes: number;
  private readonly asserts: Assertions;
  /** The port's global tlsf_t (the control pointer), read on every call: charged as statics. */
  private readonly ST: StaticsPort;

  // Observer-side tallies (not used by the algorithm: no cycles, no simulated bytes).
  private freeSum = 0;
  private usedSum = 0;
  /** Observer memo of largestAllocatable(): the highest non-empty list it was computed for (-1: none). */
  private largestTop = -1;
  private largestOfTop = 0;

  constructor(ctx: AllocatorContext) {
    const bus = ctx.bus;
    this.bus = bus;
    this.ST = bus.staticsPort(bus.pointerBytes);
    this.asserts = new Assertions('tlsf', ctx.check === true);
    const P = bus.pointerBytes;
    this.P = P;
    const A = Math.max(ctx.alignment, P);
    this.M = A;
    this.R = (A - P) % A;
    if (P === 4) {
      this.fb = 1;
      this.pfb = 2;
      this.sizeMask = ~3;
    } else {
      // 16-bit port: sizes are only 2-aligned, so the flags take the two top bits instead.
      this.fb = 0x8000;
      this.pfb = 0x4000;
      this.sizeMask = 0x3fff;
    }
    this.slLog2 = Number(ctx.params.slLog2);
    this.flIndexMax = Number(ctx.params.flIndexMax) || (P === 4 ? 30 : 13);
    if (P === 2 && this.flIndexMax > 13) throw new SimError('ALLOCATOR_PARAM', `tlsf: flIndexMax must be at most 13 with 16-bit size words`);
    if (!(this.slLog2 >= 1 && this.slLog2 <= 5)) throw new SimError('ALLOCATOR_PARAM', `tlsf: slLog2 must be 1..5, got ${this.slLog2}`);
    const alignLog2 = Math.log2(P);
    this.slCount = 1 << this.slLog2;
    this.flShift = this.slLog2 + alignLog2;
    this.flCount = this.flIndexMax - this.flShift + 1;
    if (!(this.flCount >= 1 && this.flIndexMax <= 31))
      throw new SimError('ALLOCATOR_PARAM', `tlsf: flIndexMax ${this.flIndexMax} must be in ${this.flShift}..31`);
    this.smallBlockSize = 1 << this.flShift;
    this.maxBlockSize = 2 ** this.flIndexMax;
    this.minBlockSize = this.roundSize(3 * P);

    // tlsf_create: the control structure at the start of the first heap.
    const h0 = ctx.heaps[0]!;
    this.control = h0.base;
    this.flBitmap = this.control + 4 * P;
    this.slBitmap = this.flBitmap + 4;
    this.heads = this.slBitmap + 4 * this.flCount;
    this.controlBytes = 4 * P + 4 + 4 * this.flCount + this.flCount * this.slCount * P;
    // The pools' layout first (a heap too small for the control structure and one pool is
    // refused before anything is written), then tlsf_create and tlsf_add_pool per heap.
    const layouts = ctx.heaps.map((h, i) => this.poolLayout(h, i === 0 ? this.control + this.controlBytes : h.base));
    if (!layouts[0])
      throw new SimError(
        'HEAP_TOO_SMALL',
        `tlsf needs ${this.controlBytes} bytes of control structure plus a pool of at least ${this.minBlockSize + 2 * P} bytes; the heap has ${h0.size}`,
      );
    // Every list head and block_null's links point at block_null; bitmaps clear.
    // Initialisation is not charged (the engine measures operations, not setup).
    const o = bus.observer;
    const nb = this.control;
    o.writePtr(nb + 2 * P, nb);
    o.writePtr(nb + 3 * P, nb);
    for (let i = 0; i < this.flCount; i++) o.write32(this.slBitmap + 4 * i, 0);
    o.write32(this.flBitmap, 0);
    for (let i = 0; i < this.flCount * this.slCount; i++) o.writePtr(this.heads + i * P, nb);
    const pools: Pool[] = [];
    const unused: HeapSpan[] = [];
    ctx.heaps.forEach((h, i) => {
      const q = layouts[i];
      if (q) pools.push(this.addPool(q));
      else unused.push(h);
    });
    this.poolBytes = pools[0]!.bytes;
    this.pools = pools.sort((a, b) => a.heap.base - b.heap.base);
    this.unused = unused;
    this.heapBytes = ctx.heaps.reduce((n, h) => n + h.size, 0);
    this.maxPoolBytes = Math.max(...pools.map((q) => q.bytes));
  }

  /** Where a pool over heap h from address `start` lies; undefined when it cannot hold a minimum block. */
  private poolLayout(h: HeapSpan, start: number): Pool | undefined {
    const P = this.P;
    const A = this.M;
    const end = h.base + h.size;
    // Pool: first block's size word at `mem`, payload at mem + P (A-aligned).
    const mem = Math.ceil((start + P) / A) * A - P;
    const room = end - mem - P; // bytes for size word + payloads + sentinel size word, less one P
    let bytes = Math.floor(room / A) * A - P;
    if (bytes >= this.maxBlockSize) bytes = this.roundDown(this.maxBlockSize - 1);
    bytes = this.roundDown(bytes);
    if (!(bytes >= this.minBlockSize)) return undefined;
    const first = mem - P;
    return { heap: h, first, bytes, sentinel: first + P + bytes };
  }

  /** tlsf_add_pool: one free block over the pool, then the zero-size used sentinel. */
  private addPool(q: Pool): Pool {
    const o = this.bus.observer;
    o.writePtr(q.first + this.P, q.bytes | this.fb);
    o.writePtr(q.sentinel, q.first);
    o.writePtr(q.sentinel + this.P, 0 | this.pfb);
    this.blockInsert(o, q.first, q.bytes);
    return q;
  }

  // ---- size arithmetic --------------------------------------------------------------------

  /** Smallest legal payload size ≥ x. */
  private roundSize(x: number): number {
    if (x <= this.R) return this.R;
    return Math.ceil((x - this.R) / this.M) * this.M + this.R;
  }

  private roundDown(x: number): number {
    return Math.floor((x - this.R) / this.M) * this.M + this.R;
  }

  /** adjust_request_size: the block payload size for a request, or 0 when too large. */
  private adjust(req: number): number {
    const s = Math.max(this.roundSize(Math.max(1, req)), this.minBlockSize);
    return s >= this.maxBlockSize ? 0 : s;
  }

  /** List index (fl * SL_COUNT + sl) of a size, as mapping_insert computes it. */
  private listIndex(size: number): number {
    if (size < this.smallBlockSize) return Math.floor(size / (this.smallBlockSize / this.slCount));
    const f = fls32(size);
    const sl = (size >>> (f - this.slLog2)) ^ this.slCount;
    return (f - (this.flShift - 1)) * this.slCount + sl;
  }

  /** The list index a request of (adjusted) size searches from: rounded up to the next list. */
  private searchIndex(size: number): number {
    if (size >= this.smallBlockSize) size += (1 << (fls32(size) - this.slLog2)) - 1;
    return this.listIndex(size);
  }

  // ---- mapping (charged on the port) --------------------------------------------------------

  /** mapping_insert: the list a free block of `size` belongs on (fls and the shifts above the small range). */
  private mappingInsert(m: MemPort, size: number): number {
    if (size < this.smallBlockSize) m.work(2); // fl = 0; sl = size >> log2(SMALL_BLOCK_SIZE / SL_INDEX_COUNT): move, shift
    else {
      m.fls();
      m.work(3); // sl = (size >> (fl - SL_INDEX_COUNT_LOG2)) ^ (1 << SL_INDEX_COUNT_LOG2): sub, shift, eor (fl -= FL_INDEX_SHIFT - 1 folds into the list index)
    }
    return this.listIndex(size);
  }

  /** mapping_search: round the request up to the next list boundary, then map it. */
  private mappingSearch(size: number): number {
    if (size >= this.smallBlockSize) {
      this.bus.fls();
      this.bus.work(3); // size += (1 << (fl - SL_INDEX_COUNT_LOG2)) - 1: sub, shift (the - 1 folded), add
    }
    return this.searchIndex(size);
  }

  /** search_suitable_block: list index of the first non-empty list ≥ idx, or -1. */
  private searchSuitableBlock(idx: number): number {
    const bus = this.bus;
    let fl = (idx / this.slCount) | 0;
    const sl = idx - fl * this.slCount;
    if (fl >= this.flCount) {
      bus.alu('cmpBranch'); // block_locate_free: fl < FL_INDEX_COUNT? (charged only where it fails)
      return -1;
    }
    let slMap = (bus.read32(this.slBitmap + 4 * fl) & (~0 << sl)) >>> 0;
    bus.work(3); // sl_map = sl_bitmap[fl] & (~0U << sl): mvn, shift, and (the !sl_map branch rides on its flags, not charged)
    if (slMap === 0) {
      const flMap = fl + 1 >= 32 ? 0 : (bus.read32(this.flBitmap) & (~0 << (fl + 1))) >>> 0;
      bus.work(3); // fl_map = fl_bitmap & (~0U << (fl + 1)): add, shift, and (the !fl_map branch is not charged)
      if (flMap === 0) return -1;
      fl = ffs32(flMap);
      bus.ffs();
      slMap = bus.read32(this.slBitmap + 4 * fl);
    }
    bus.ffs();
    bus.work(2); // the list index fl * SL_INDEX_COUNT + sl: shift, add
    return fl * this.slCount + ffs32(slMap);
  }

  // ---- free lists ---------------------------------------------------------------------------

  /** insert_free_block via mapping_insert (block_insert): b heads its list; bitmaps set. */
  private blockInsert(m: MemPort, b: number, size: number): void {
    const P = this.P;
    const idx = this.mappingInsert(m, size);
    const fl = (idx / this.slCount) | 0;
    const sl = idx - fl * this.slCount;
    const headAddr = this.heads + idx * P;
    const cur = m.readPtr(headAddr);
    m.writePtr(b + 2 * P, cur);
    m.writePtr(b + 3 * P, this.control);
    m.writePtr(cur + 3 * P, b);
    m.writePtr(headAddr, b);
    m.write32(this.flBitmap, (m.read32(this.flBitmap) | (1 << fl)) >>> 0);
    const sa = this.slBitmap + 4 * fl;
    m.write32(sa, (m.read32(sa) | (1 << sl)) >>> 0);
    m.work(4); // fl_bitmap |= 1U << fl; sl_bitmap[fl] |= 1U << sl: a shift and an orr each
    this.freeSum += size;
  }

  /** remove_free_block: unlink free block b from list idx; clear the bitmap bits it empties. */
  private removeFreeBlock(b: number, size: number, idx: number, slInRegister = false): void {
    const bus = this.bus;
    const P = this.P;
    if (this.asserts.on) this.expectFree('remove_free_block', b, idx);
    const prev = bus.readPtr(b + 3 * P);
    const next = bus.readPtr(b + 2 * P);
    bus.writePtr(next + 3 * P, prev);
    bus.writePtr(prev + 2 * P, next);
    const headAddr = this.heads + idx * P;
    bus.alu('cmpBranch'); // control->blocks[fl][sl] == block?
    if (bus.readPtr(headAddr) === b) {
      bus.writePtr(headAddr, next);
      bus.work(1); // next == &control->block_null?: the compare (its branch is not charged)
      if (next === this.control) {
        const fl = (idx / this.slCount) | 0;
        const sl = idx - fl * this.slCount;
        const sa = this.slBitmap + 4 * fl;
        // block_locate_free's caller still holds sl_bitmap[fl] from search_suitable_block
        const mm = ((slInRegister ? bus.peek32(sa) : bus.read32(sa)) & ~(1 << sl)) >>> 0;
        bus.write32(sa, mm);
        bus.work(2); // sl_bitmap[fl] &= ~(1U << sl): shift, bic (the empty test's branch is not charged)
        if (mm === 0) bus.write32(this.flBitmap, (bus.read32(this.flBitmap) & ~(1 << fl)) >>> 0);
      }
    }
    this.freeSum -= size;
  }

  /** block_remove: remove a free block found by address (its list from its size). */
  private blockRemove(b: number, size: number): void {
    this.removeFreeBlock(b, size, this.mappingInsert(this.bus, size));
  }

  // ---- blocks ---------------------------------------------------------------------------------

  /** block_next of a block of payload size `size`. */
  private blockNext(b: number, size: number): number {
    return b + this.P + size;
  }

  /** block_size, read through m. */
  private blockSize(m: MemPort, b: number): number {
    return m.readPtr(b + this.P) & this.sizeMask;
  }

  /** block_mark_as_used: clear the next block's prev-free bit, then b's free bit. */
  private blockMarkAsUsed(b: number, size: number, split: boolean): void {
    const bus = this.bus;
    const P = this.P;
    if (split) bus.readPtr(b + P); // block_next reads b's size again after the split's stores
    const n = this.blockNext(b, size);
    bus.writePtr(n + P, bus.readPtr(n + P) & ~this.pfb);
    bus.writePtr(b + P, bus.readPtr(b + P) & ~this.fb);
    bus.work(3); // block_next: add; block_set_prev_used(next), block_set_used(block): bic, bic
  }

  /** block_mark_as_free: b's size word with the free bit, the next block's prev_phys and prev-free bit. */
  private blockMarkAsFree(b: number, size: number): number {
    const bus = this.bus;
    const P = this.P;
    const n = this.blockNext(b, size);
    bus.writePtr(b + P, size | this.fb); // the previous block is used: adjacent frees are merged
    bus.writePtr(n, b);
    bus.writePtr(n + P, bus.readPtr(n + P) | this.pfb);
    bus.work(3); // block_next: add; block_set_prev_free(next), block_set_free(block): orr, orr
    return n;
  }

  /** block_can_split: does the rest after `size` bytes hold a minimum block? */
  private blockCanSplit(bsize: number, size: number): boolean {
    this.bus.alu('cmpBranch'); // block_size(block) >= sizeof(block_header_t) + size? (the add is not charged)
    return bsize >= size + this.P + this.minBlockSize;
  }

  /** block_split: b keeps `size` payload bytes (and its flags prevFreeBit); returns the remainder's block pointer. */
  private blockSplit(b: number, size: number, prevFreeBit: number): number {
    this.bus.readPtr(b + this.P); // block_set_size keeps the flags: it reads the size word first
    this.bus.writePtr(b + this.P, size | prevFreeBit);
    return b + this.P + size;
  }

  /** block_merge_prev: absorb b into its free predecessor; returns the merged block. */
  private blockMergePrev(b: number, sv: number): number {
    if ((sv & this.pfb) === 0) return b;
    const bus = this.bus;
    const prev = bus.readPtr(b);
    const ps = this.blockSize(bus, prev);
    if (this.asserts.on && this.blockNext(prev, ps) !== b) this.asserts.fail(`block_merge_prev: prev_phys ${hex(prev, 0)} of ${hex(b, 0)} does not end at it`);
    this.blockRemove(prev, ps);
    bus.work(3); // block_absorb(prev, block): prev's size + block's size + overhead: add, add; block_link_next: add
    return prev;
  }

  /**
   * block_merge_next: absorb a free next block into b (off the lists); returns b's new size.
   * `alu`: the cycles charged for the free-bit test, 2 from tlsf_free (a test and its branch),
   * 1 from block_trim_used (the same C code, charged one cycle less there: left as it was, the
   * figures would change).
   */
  private blockMergeNext(b: number, size: number, alu: number): number {
    const bus = this.bus;
    const n = this.blockNext(b, size);
    const nv = bus.readPtr(n + this.P);
    bus.work(alu); // block_is_free(next): the test and its branch (`alu`: see the parameter)
    if ((nv & this.fb) === 0) return size;
    const ns = nv & this.sizeMask;
    this.blockRemove(n, ns);
    bus.work(alu + 1); // block_absorb(block, next): size + next's size + overhead (add, add), and as many as the test
    return size + ns + this.P;
  }

  /**
   * block_trim_free: split a free block (off its list) taken for a request of `size`; the rest
   * goes back on its list (its successor is used, so it merges with nothing). Returns b's size.
   */
  private blockTrimFree(b: number, bsize: number, size: number, prevFreeBit: number): number {
    if (!this.blockCanSplit(bsize, size)) return bsize;
    const bus = this.bus;
    const P = this.P;
    const rem = b + P + size;
    const remSize = bsize - size - P;
    const remWord = remSize | this.fb | this.pfb; // free, and its predecessor b is still free
    // The accesses of Conte's code in its order (each size_t store may alias the next size_t
    // load, so the compiled code reads the size words again): block_split's two block_set_size
    // (read the flags, write), block_mark_as_free(remaining) (block_next reads its size again,
    // the next block's prev_phys and prev-free bit, its own free bit), block_link_next(block)
    // (reads b's size again), block_set_prev_free(remaining) (value still in a register).
    bus.readPtr(rem + P);
    bus.writePtr(rem + P, remWord);
    bus.readPtr(b + P);
    bus.writePtr(b + P, size | prevFreeBit | this.fb);
    bus.readPtr(rem + P);
    const n = rem + P + remSize;
    bus.writePtr(n, rem);
    bus.writePtr(n + P, bus.readPtr(n + P) | this.pfb);
    bus.readPtr(rem + P);
    bus.writePtr(rem + P, remWord);
    bus.readPtr(b + P);
    bus.writePtr(rem, b);
    bus.writePtr(rem + P, remWord);
    bus.work(4); // block_split: remaining = block + overhead + size: add; its size bsize - size - overhead: sub (one constant); the flag bits: orr, orr
    this.blockInsert(bus, rem, remSize);
    return size;
  }

  /**
   * block_trim_used: give the tail of a used block beyond `size` back, merged with a free next
   * block. The word at the remainder is the tail of the live payload and stays untouched.
   */
  private blockTrimUsed(b: number, bsize: number, size: number, prevFreeBit: number): number {
    if (!this.blockCanSplit(bsize, size)) return bsize;
    const rem = this.blockSplit(b, size, prevFreeBit);
    this.blockInsertRemainder(rem, this.blockMergeNext(rem, bsize - size - this.P, 1));
    return size;
  }

  /** The remainder of a split becomes a free block (its predecessor is used) and goes on its list. */
  private blockInsertRemainder(rem: number, remSize: number): void {
    this.blockMarkAsFree(rem, remSize);
    this.bus.work(1); // block_set_prev_used(remaining): bic (its store merges with block_mark_as_free's)
    this.blockInsert(this.bus, rem, remSize);
  }

  /** Assertion: b is a free block on list idx (its size maps there). */
  private expectFree(step: string, b: number, idx: number): void {
    const o = this.bus.observer;
    const v = o.readPtr(b + this.P);
    if ((v & this.fb) === 0) this.asserts.fail(`${step}: block ${hex(b, 0)} is not free`);
    else if (this.listIndex(v & this.sizeMask) !== idx) this.asserts.fail(`${step}: block ${hex(b, 0)} of size ${v & this.sizeMask} is not on list ${idx}`);
  }

  // ---- public operations ------------------------------------------------------------------

  alloc(req: number): number {
    this.ST.read(0, this.P as 2 | 4); // the port's tlsf_t (control pointer), a global
    return this.allocCore(req);
  }

  private allocCore(req: number): number {
    const bus = this.bus;
    const P = this.P;
    chargeRequestSize(bus); // adjust_request_size: align_up, max with block_size_min (the size != 0 and < block_size_max tests are not charged)
    const size = this.adjust(req);
    if (size === 0) return 0;
    // block_locate_free: the head of the first suitable list.
    const idx = this.searchSuitableBlock(this.mappingSearch(size));
    bus.alu('cmpBranch'); // block_locate_free found a block?
    if (idx < 0) return 0;
    const b = bus.readPtr(this.heads + idx * P);
    const sv = bus.readPtr(b + P);
    const bsize = sv & this.sizeMask;
    if (this.asserts.on && bsize < size) this.asserts.fail(`block_locate_free: block ${hex(b, 0)} of ${bsize} bytes on list ${idx} is smaller than the request's ${size}`);
    this.removeFreeBlock(b, bsize, idx, true);
    // block_prepare_used
    const fin = this.blockTrimFree(b, bsize, size, sv & this.pfb);
    this.blockMarkAsUsed(b, fin, fin !== bsize);
    this.usedSum += fin;
    return b + 2 * P;
  }

  free(h: number): void {
    if (h === 0) return;
    this.ST.read(0, this.P as 2 | 4);
    this.freeCore(h);
  }

  private freeCore(h: number): void {
    const bus = this.bus;
    const P = this.P;
    const b0 = h - 2 * P;
    const sv = bus.readPtr(b0 + P);
    const size0 = sv & this.sizeMask;
    if (this.asserts.on && (sv & this.fb) !== 0) this.asserts.fail(`tlsf_free: block ${hex(b0, 0)} is already free`);
    this.usedSum -= size0;
    bus.work(3); // block_from_ptr: sub; block_size: and; block_next: add
    // Conte's order: block_mark_as_free on the block first (the next block's prev_phys and
    // prev-free bit, then its own free bit: its size word read again after the size_t store),
    // then the merges, each block_absorb writing the merged size and the next block's prev_phys.
    const n0 = this.blockNext(b0, size0);
    bus.writePtr(n0, b0);
    bus.writePtr(n0 + P, bus.readPtr(n0 + P) | this.pfb);
    bus.readPtr(b0 + P);
    bus.writePtr(b0 + P, sv | this.fb);
    bus.work(3); // block_set_prev_free(next), block_set_free(block): orr, orr; block_is_prev_free: tst (its branch is not charged)
    const b = this.blockMergePrev(b0, sv);
    let size = size0 + (b0 - b);
    if (b !== b0) {
      bus.writePtr(b + P, size | this.fb); // block_absorb(prev, block); the predecessor of prev is used
      bus.writePtr(n0, b); // block_link_next(prev)
    }
    const merged = this.blockMergeNext(b, size, 2);
    if (merged !== size) {
      size = merged;
      bus.writePtr(b + P, size | this.fb); // block_absorb(block, next)
      bus.writePtr(this.blockNext(b, size), b); // block_link_next(block)
    }
    this.blockInsert(bus, b, size);
  }

  realloc(h: number, req: number): number {
    if (h === 0) return this.alloc(req);
    this.ST.read(0, this.P as 2 | 4);
    const bus = this.bus;
    const P = this.P;
    const b = h - 2 * P;
    const sv = bus.readPtr(b + P);
    const cur = sv & this.sizeMask;
    const n = this.blockNext(b, cur);
    const nv = bus.readPtr(n + P);
    const nfree = (nv & this.fb) !== 0;
    const combined = cur + (nv & this.sizeMask) + P;
    const size = this.adjust(req);
    bus.work(4); // block_from_ptr: sub; cursize = block_size: and; next = block_next: add; combined = cursize + block_size(next) + overhead: add (the mask of next's size is not charged)
    chargeRequestSize(bus); // adjust = adjust_request_size(size)
    if (size === 0) return 0;
    if (size > cur && (!nfree || size > combined)) {
      const p = this.allocCore(req);
      if (p === 0) return 0;
      bus.copy(p, h, Math.min(cur, size));
      this.freeCore(h);
      return p;
    }
    let bsize = cur;
    if (size > cur) {
      // block_merge_next into the used block, then block_mark_as_used's prev-free bit.
      this.blockRemove(n, nv & this.sizeMask);
      bsize = combined;
      bus.writePtr(b + P, bsize | (sv & this.pfb));
      const nn = this.blockNext(b, bsize);
      bus.writePtr(nn + P, bus.readPtr(nn + P) & ~this.pfb);
      bus.work(4); // block_merge_next: size + next's size + overhead: add, add; block_next: add; block_set_prev_used: bic
    }
    const fin = this.blockTrimUsed(b, bsize, size, sv & this.pfb);
    this.usedSum += fin - cur;
    return h;
  }

  lock(h: number): number {
    return h;
  }

  unlock(_h: number): void {}

  // ---- observers (uncounted) --------------------------------------------------------------

  usableSize(h: number): number {
    return this.blockSize(this.bus.observer, h - 2 * this.P);
  }

  addressOf(h: number): number {
    return h;
  }

  freeBytes(): number {
    return this.freeSum;
  }

  largestAllocatable(): number {
    const o = this.bus.observer;
    const flMap = o.read32(this.flBitmap);
    if (flMap === 0) return 0;
    const fl = fls32(flMap);
    const sl = fls32(o.read32(this.slBitmap + 4 * fl));
    const top = fl * this.slCount + sl;
    // The answer depends only on the highest non-empty list, which rarely changes: memoised in
    // two scalars (what a C port would keep in globals); check() recomputes it.
    if (top === this.largestTop) return this.largestOfTop;
    const l = this.largestForTop(top);
    this.largestTop = top;
    this.largestOfTop = l;
    return l;
  }

  /** Largest request whose search index is ≤ list `top` (monotone in the request: bisect). */
  private largestForTop(top: number): number {
    let lo = 0;
    let hi = Math.min(this.maxBlockSize, this.maxPoolBytes + 1);
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const s = this.adjust(mid);
      if (s !== 0 && this.searchIndex(s) <= top) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  metadataBytes(): number {
    return this.heapBytes - this.freeSum - this.usedSum;
  }

  /**
   * Bytes outside every block: control structure, alignment gaps, the sentinels' size words and
   * the tail slack. fixed + Σ blockFootprint is the heap whose pools the blocks fill exactly.
   */
  fixedMetadataBytes(): number {
    return this.pools.reduce((n, q) => n - (q.bytes + this.P), this.heapBytes);
  }

  blockFootprint(size: number): number {
    const s = this.adjust(size);
    return (s === 0 ? this.roundSize(size) : s) + this.P;
  }

  walk(visit: (b: BlockInfo) => void): void {
    const P = this.P;
    const o = this.bus.observer;
    const meta = (addr: number, size: number) =>
      size > 0 && visit({ addr, size, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
    const spans: (Pool | HeapSpan)[] = [...this.pools, ...this.unused].sort((a, b) => ('heap' in a ? a.heap : a).base - ('heap' in b ? b.heap : b).base);
    for (const q of spans) {
      if (!('heap' in q)) {
        meta(q.base, q.size);
        continue;
      }
      meta(q.heap.base, q.first + P - q.heap.base);
      let b = q.first;
      for (let guard = 0; b < q.sentinel && guard < 1e7; guard++) {
        const v = o.readPtr(b + P);
        const s = v & this.sizeMask;
        if (v & this.fb) visit({ addr: b + P, size: s + P, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
        else visit({ addr: b + P, size: s + P, state: 'used', handle: b + 2 * P, payload: b + 2 * P, usable: s, locked: false });
        if (s === 0) break;
        b += s + P;
      }
      meta(q.sentinel + P, q.heap.base + q.heap.size - q.sentinel - P);
    }
  }

  stepFailures(): string[] {
    return this.asserts.take();
  }

  check(): string[] {
    const v: string[] = this.asserts.take();
    const o = this.bus.observer;
    const P = this.P;
    let freeCount = 0;
    let freeSum = 0;
    let usedSum = 0;
    const freeSet = new Set<number>();
    // Physical walk of every pool.
    for (const q of this.pools) {
      let b = q.first;
      let prevFree = false;
      let prevB = 0;
      while (b < q.sentinel) {
        const w = o.readPtr(b + P);
        const s = w & this.sizeMask;
        const isFree = (w & this.fb) !== 0;
        if (((w & this.pfb) !== 0) !== prevFree) v.push(`block ${hex(b, 0)}: prev-free bit ${(w & this.pfb) !== 0} but previous block free=${prevFree}`);
        if (s < this.minBlockSize || (s - this.R) % this.M !== 0) v.push(`block ${hex(b, 0)}: bad size ${s}`);
        if (b + P + s > q.sentinel) {
          v.push(`block ${hex(b, 0)}: size ${s} runs past the pool end`);
          return v;
        }
        if (prevFree && o.readPtr(b) !== prevB) v.push(`block ${hex(b, 0)}: prev_phys ${hex(o.readPtr(b), 0)} != ${hex(prevB, 0)}`);
        if (isFree) {
          if (prevFree) v.push(`block ${hex(b, 0)}: two adjacent free blocks (not coalesced)`);
          freeCount++;
          freeSum += s;
          freeSet.add(b);
        } else usedSum += s;
        prevFree = isFree;
        prevB = b;
        if (s === 0) break;
        b += s + P;
      }
      if (b !== q.sentinel) v.push(`physical walk ended at ${hex(b, 0)}, sentinel is ${hex(q.sentinel, 0)}`);
      const sw = o.readPtr(q.sentinel + P);
      if ((sw & this.sizeMask) !== 0 || (sw & this.fb) !== 0) v.push(`sentinel ${hex(q.sentinel, 0)} damaged (${hex(sw, 0)})`);
      if (((sw & this.pfb) !== 0) !== prevFree) v.push(`sentinel ${hex(q.sentinel, 0)}: prev-free bit wrong`);
    }
    if (freeSum !== this.freeSum) v.push(`free bytes ${freeSum} != tally ${this.freeSum}`);
    if (usedSum !== this.usedSum) v.push(`used bytes ${usedSum} != tally ${this.usedSum}`);
    // Lists and bitmaps.
    const flMap = o.read32(this.flBitmap);
    let listed = 0;
    for (let fl = 0; fl < this.flCount; fl++) {
      const slMap = o.read32(this.slBitmap + 4 * fl);
      if (((flMap >>> fl) & 1) !== (slMap !== 0 ? 1 : 0)) v.push(`fl_bitmap bit ${fl} disagrees with sl_bitmap[${fl}]`);
      for (let sl = 0; sl < this.slCount; sl++) {
        const idx = fl * this.slCount + sl;
        let c = o.readPtr(this.heads + idx * P);
        const bit = (slMap >>> sl) & 1;
        if ((c !== this.control ? 1 : 0) !== bit) v.push(`list (${fl},${sl}): bitmap bit ${bit} but head ${hex(c, 0)}`);
        let prev = this.control;
        let n = 0;
        while (c !== this.control) {
          if (!freeSet.has(c)) {
            v.push(`list (${fl},${sl}) holds ${hex(c, 0)}, which is not a free block`);
            break;
          }
          if (o.readPtr(c + 3 * P) !== prev) v.push(`list (${fl},${sl}): ${hex(c, 0)}.prev_free wrong`);
          if (this.listIndex(this.blockSize(o, c)) !== idx) v.push(`block ${hex(c, 0)} in wrong list (${fl},${sl})`);
          prev = c;
          c = o.readPtr(c + 2 * P);
          if (++n > freeCount) {
            v.push(`list (${fl},${sl}) has a cycle`);
            break;
          }
        }
        listed += n;
      }
    }
    if (listed !== freeCount) v.push(`${listed} blocks on lists, ${freeCount} free blocks in the heap`);
    if (this.largestTop >= 0 && this.largestForTop(this.largestTop) !== this.largestOfTop)
      v.push(`largestAllocatable memo ${this.largestOfTop} for list ${this.largestTop} != recomputed ${this.largestForTop(this.largestTop)}`);
    return v;
  }
}

export const tlsfFactory: AllocatorFactory = {
  name: 'tlsf',
  summary: 'Two-level segregated fit (Masmano et al.; Conte tlsf 3.x layout): O(1) bitmap search, good-fit rounding, 4-byte header; one pool per device heap',
  moving: false,
  multiHeap: true,
  params: [
    { name: 'slLog2', description: 'log2 of the second-level list count (SL_INDEX_COUNT_LOG2)', default: 5, space: { kind: 'int', min: 1, max: 5 } },
    { name: 'flIndexMax', description: 'log2 of the largest block (FL_INDEX_MAX); 0 = 30 on 32-bit, 13 on 16-bit', default: 0 },
  ],
  create: (ctx) => new Tlsf(ctx),
};
