/**
 * umm: umm_malloc, the allocator of the ESP8266 Arduino core and many small ARM projects.
 *
 * How it works. Followed: Ralph Hempel's umm_malloc design as documented in its README and
 * source comments (github.com/rhempel/umm_malloc) and its ESP8266 Arduino core integration
 * (umm_info's fragmentation metric). Our own code; nothing is copied.
 *
 * The heap is an array of 8-byte blocks addressed by 15-bit block numbers (bit 15 of a link is
 * the "free" flag). Every block starts with two 16-bit links, next and prev, that chain ALL
 * blocks in address order; a free block's body holds two more, next-free and prev-free, for
 * the free list. A used block's payload starts right after the first 4 bytes, so a request of
 * n bytes takes 1 block when n ≤ 4, else 2 + ⌊(n − 5) / 8⌋ blocks: 4 bytes of overhead per used
 * block, rounding to 8.
 *
 * Block 0 is a permanent used sentinel whose next-free link is the free-list head; the last
 * block is the end sentinel (next = 0). malloc walks the whole free list and keeps the smallest
 * block that fits (best fit, the default; `fit=first` stops at the first fit, like building with
 * UMM_FIRST_FIT). An exact fit leaves the free list; otherwise the request is carved from the
 * END of the free block, so the free block keeps its place in the free list and only its
 * size (its next link) changes. free merges with a free next block (taking it off the free
 * list) and then with a free previous block (which is already listed); if the previous block is
 * used the block goes to the head of the free list. realloc (as umm_realloc): shrink in place
 * and free the tail; grow into a free next block, or into a free previous block (+ next) with a
 * memmove down; else malloc + copy + free.
 *
 * Limits. 15-bit block numbers address at most 32767 blocks (256 KiB with 8-byte blocks).
 * `blockBody` models umm's UMM_BLOCK_BODY_SIZE option (block = 4-byte header + body, a power of
 * two). Its default, 0 = auto, gives 8-byte blocks (body 4) unless 32767 of them cover less than
 * 99 % of the heap, and then the smallest power-of-two block that does (16 bytes up to ~512 KiB,
 * 64 bytes for the nds's 2 MiB, whose last block is then clamped), as a port to such a heap would configure it: coarser blocks cost
 * internal slack, which the metrics show. A heap beyond 32767 blocks of the chosen size (an
 * explicit small blockBody, or over 4 MiB) is CLAMPED: umm manages the first 32767 blocks and
 * the rest is reported as unusable.
 *
 * Alignment: payloads are block start + 4. Where the device wants 8-byte payloads (nds) the
 * block array starts 4 bytes into the heap so that every payload is 8-aligned.
 *
 * Cost: every link is a 16-bit load or store through the bus (a cheap access on 16-bit buses;
 * no byte stores, so it also runs on the nds-slot2 expansion RAM). The best-fit walk is O(free
 * blocks) per malloc; free is O(1).
 *
 * `fragmentationMetric()` is umm_info's metric: 100 − 100·√(Σ fᵢ²) / Σ fᵢ over free blocks,
 * counted in blocks (the engine's ummFrag uses bytes from walk()). One heap: on a device with
 * several heaps umm manages the first.
 */
import type { MemoryBus } from '../bus';
import { SimError } from '../errors';
import type { Allocator, AllocatorContext, AllocatorFactory, BlockInfo } from './types';

const FREE = 0x8000;
const MASK = 0x7fff;
const MAX_BLOCKS = 32767;

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

  constructor(ctx: AllocatorContext) {
    this.bus = ctx.bus;
    this.firstFit = ctx.params.fit === 'first';
    const h = ctx.heaps[0]!;
    const given = Number(ctx.params.blockBody);
    if (given === 0) {
      // Auto: the smallest power-of-two block (>= 8 bytes) whose 32767 blocks cover at least 99 %
      // of the heap (the rest is clamped), which is how a port to a bigger heap sets
      // UMM_BLOCK_BODY_SIZE. (2 MiB is 32768 blocks of 64: one too many for 15 bits; 128-byte
      // blocks to save that last 64 would double every block's rounding.)
      let bs = 8;
      while (bs < 128 && MAX_BLOCKS * bs < 0.99 * h.size) bs *= 2;
      this.body = bs - 4;
    } else this.body = given;
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
    this.poke(0, 6, 0);
    this.poke(1, 0, this.last | FREE);
    this.poke(1, 2, 0);
    this.poke(1, 4, 0);
    this.poke(1, 6, 0);
    this.poke(this.last, 0, 0);
    this.poke(this.last, 2, 1);
    this.freeBlocks = this.last - 1;
    this.freeCount = 1;
  }

  // ---- field access -----------------------------------------------------------------------

  private addr(c: number): number {
    return this.base + c * this.blockSize;
  }

  private poke(c: number, off: number, v: number): void {
    const a = this.addr(c) + off;
    const le = this.bus.littleEndian;
    this.bus.poke8(a, le ? v & 0xff : v >>> 8);
    this.bus.poke8(a + 1, le ? v >>> 8 : v & 0xff);
  }

  private nb(c: number): number {
    return this.bus.read16(this.addr(c));
  }
  private setNb(c: number, v: number): void {
    const a = this.addr(c);
    const old = this.bus.peek16(a); // observer bookkeeping, uncounted
    if ((old & FREE) !== 0 && (old & MASK) - c >= this.maxFree && ((v & FREE) === 0 || (v & MASK) < (old & MASK))) this.maxFreeValid = false;
    if ((v & FREE) !== 0 && (v & MASK) - c > this.maxFree) this.maxFree = (v & MASK) - c;
    this.bus.write16(a, v);
  }
  private pb(c: number): number {
    return this.bus.read16(this.addr(c) + 2);
  }
  private setPb(c: number, v: number): void {
    this.bus.write16(this.addr(c) + 2, v);
  }
  private nf(c: number): number {
    return this.bus.read16(this.addr(c) + 4);
  }
  private setNf(c: number, v: number): void {
    this.bus.write16(this.addr(c) + 4, v);
  }
  private pf(c: number): number {
    return this.bus.read16(this.addr(c) + 6);
  }
  private setPf(c: number, v: number): void {
    this.bus.write16(this.addr(c) + 6, v);
  }

  /** Blocks needed for a request of n bytes (umm_blocks). */
  blocksFor(n: number): number {
    if (n <= this.body) return 1;
    return 2 + Math.floor((n - this.body - 1) / this.blockSize);
  }

  // ---- list primitives --------------------------------------------------------------------

  /** umm_disconnect_from_free_list. */
  private disconnect(c: number): void {
    const n = this.nf(c);
    const p = this.pf(c);
    this.setNf(p, n);
    this.setPf(n, p); // when n = 0 this writes block 0's unused prev-free slot, as umm does
    this.setNb(c, this.nb(c) & MASK);
    this.bus.work(3);
  }

  /** Put c at the head of the free list and mark it free. */
  private pushFree(c: number): void {
    const head = this.nf(0);
    this.setPf(head, c);
    this.setNf(c, head);
    this.setPf(c, 0);
    this.setNf(0, c);
    this.setNb(c, this.nb(c) | FREE);
    this.bus.work(2);
  }

  /** umm_split_block: c keeps `blocks`, c+blocks becomes a new block with flag `newFlag`. */
  private split(c: number, blocks: number, newFlag: number): void {
    const next = this.nb(c) & MASK;
    const nw = c + blocks;
    this.setNb(nw, next | newFlag);
    this.setPb(nw, c);
    this.setPb(next, nw);
    this.bus.work(3);
  }

  /** Releases used block c (the core of umm_free). */
  private release(c: number): void {
    const bus = this.bus;
    const size = (this.nb(c) & MASK) - c;
    this.usedBlocks -= size;
    this.usedCount--;
    this.freeBlocks += size;
    bus.work(3);
    // assimilate up
    const next = this.nb(c) & MASK;
    const nnb = this.nb(next);
    bus.work(1);
    if (nnb & FREE) {
      this.disconnect(next);
      this.freeCount--;
      this.setNb(c, nnb & MASK);
      this.setPb(nnb & MASK, c);
      bus.work(2);
    }
    // assimilate down, or push on the free list
    const prev = this.pb(c);
    const pnb = this.nb(prev);
    bus.work(1);
    if (pnb & FREE) {
      const after = this.nb(c) & MASK;
      this.setNb(prev, after | FREE);
      this.setPb(after, prev);
      bus.work(2);
    } else {
      this.pushFree(c);
      this.freeCount++;
    }
  }

  // ---- public operations ------------------------------------------------------------------

  alloc(req: number): number {
    const bus = this.bus;
    const blocks = this.blocksFor(Math.max(1, req));
    bus.work(4);
    if (blocks > MASK) return 0;
    let cf = this.nf(0);
    let best = 0;
    let bestSize = MASK;
    // Simulator speed-up, same charges: the plain steps of the scan are peeked and charged in
    // one call (per step: read next/len, 3 ALU, read next_free; all non-sequential, as block
    // addresses are multiples of the block size). A step that would fault or split leaves the
    // rest of the scan to the counted loop below.
    let steps = 0;
    let lastA = 0;
    let found = false;
    while (cf !== 0) {
      const a = this.addr(cf);
      if (!bus.plainAccess(a, 8)) break;
      lastA = a;
      const size = (bus.peek16(a) & MASK) - cf;
      if (size >= blocks) {
        if (this.firstFit) {
          best = cf;
          bestSize = size;
          found = true;
          break;
        }
        if (size < bestSize) {
          best = cf;
          bestSize = size;
        }
      }
      steps++;
      cf = bus.peek16(a + 4);
    }
    bus.chargeReadLoop(lastA, 2, 2, 3, steps, 1);
    if (found) {
      bus.chargeReadLoop(lastA, 2, 1, 3, 1);
      cf = 0;
    }
    while (cf !== 0) {
      const size = (this.nb(cf) & MASK) - cf;
      bus.work(3);
      if (size >= blocks) {
        if (this.firstFit) {
          best = cf;
          bestSize = size;
          break;
        }
        if (size < bestSize) {
          best = cf;
          bestSize = size;
        }
      }
      cf = this.nf(cf);
    }
    bus.work(2);
    if (best === 0) return 0;
    let c = best;
    if (bestSize === blocks) {
      this.disconnect(c);
      this.freeCount--;
    } else {
      // carve from the end: the free block keeps its free-list links, only its length changes
      this.split(c, bestSize - blocks, 0);
      this.setNb(c, (c + bestSize - blocks) | FREE);
      c += bestSize - blocks;
      bus.work(2);
    }
    this.freeBlocks -= blocks;
    this.usedBlocks += blocks;
    this.usedCount++;
    return this.addr(c) + 4;
  }

  free(h: number): void {
    if (h === 0) return;
    this.bus.work(3);
    this.release((h - 4 - this.base) >>> this.shift);
  }

  realloc(h: number, req: number): number {
    if (h === 0) return this.alloc(req);
    const bus = this.bus;
    const blocks = this.blocksFor(Math.max(1, req));
    let c = (h - 4 - this.base) >>> this.shift;
    const next = this.nb(c) & MASK;
    const size = next - c;
    const nnb = this.nb(next);
    const nextSize = nnb & FREE ? (nnb & MASK) - next : 0;
    const prev = this.pb(c);
    const prevSize = this.nb(prev) & FREE ? c - prev : 0;
    const curBytes = size * this.blockSize - 4;
    bus.work(10);
    if (blocks > MASK) return 0;
    let have = size;
    if (size >= blocks) {
      // shrink in place (below)
    } else if (nextSize && size + nextSize >= blocks) {
      this.disconnect(next);
      this.freeCount--;
      this.freeBlocks -= nextSize;
      this.setNb(c, nnb & MASK);
      this.setPb(nnb & MASK, c);
      have = size + nextSize;
      bus.work(2);
    } else if (prevSize && prevSize + size + nextSize >= blocks) {
      this.disconnect(prev);
      this.freeCount--;
      this.freeBlocks -= prevSize;
      let end = next;
      if (nextSize) {
        this.disconnect(next);
        this.freeCount--;
        this.freeBlocks -= nextSize;
        end = nnb & MASK;
      }
      this.setNb(prev, end);
      this.setPb(end, prev);
      bus.copy(this.addr(prev) + 4, h, curBytes);
      have = prevSize + size + nextSize;
      c = prev;
      bus.work(4);
    } else {
      const p = this.alloc(req);
      if (p === 0) return 0;
      bus.copy(p, h, Math.min(curBytes, blocks * this.blockSize - 4));
      this.free(h);
      return p;
    }
    this.usedBlocks += have - size;
    if (have > blocks) {
      // split off the tail as a used block and release it (merges with a free neighbour)
      this.split(c, blocks, 0);
      this.setNb(c, c + blocks);
      this.usedCount++;
      this.release(c + blocks);
    }
    return this.addr(c) + 4;
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

export const ummFactory: AllocatorFactory = {
  name: 'umm',
  summary: 'umm_malloc (ESP8266): 8-byte blocks, 15-bit indices, best fit from the end of a free block, 4-byte header',
  moving: false,
  multiHeap: false,
  params: [
    { name: 'fit', description: 'free-list search: best (default) or first (UMM_FIRST_FIT)', default: 'best', choices: ['best', 'first'], space: { kind: 'choice', values: ['best', 'first'] } },
    { name: 'blockBody', description: 'UMM_BLOCK_BODY_SIZE: bytes of body per block (block = 4 + body, a power of two); 0 = auto: 8-byte blocks, larger only when 32767 blocks of 8 cannot cover the heap', default: 0, space: { kind: 'choice', values: [0, 4, 12, 28, 60, 124] } },
  ],
  create: (ctx) => new Umm(ctx),
};
