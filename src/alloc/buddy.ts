/**
 * buddy: binary buddy system (Knowlton 1965; Knuth TAOCP 2.5, with header tags).
 *
 * How it works
 * ------------
 * Algorithm. Every block has a power-of-two size 2^k (its order k, min-order <= k <= max order)
 * and sits at an offset from the heap origin that is a multiple of 2^k. Its buddy is the block
 * at offset XOR 2^k. alloc(n) picks the smallest order k with 2^k >= n + header, takes a block
 * from the smallest non-empty free list of order j >= k and splits it j−k times, pushing the
 * upper halves on the lists below. free() merges the block with its buddy for as long as the
 * buddy is free and whole (same order), then pushes the result on its list.
 *
 * Bookkeeping, all in the heap. A control area at the heap start holds a 32-bit mask of the
 * non-empty orders (bit k set = list k non-empty; a find-first-set gives the list to split from)
 * and one list head per order. Each block starts with a header word (Knuth's TAG and KVAL): a
 * tag (free or used) and the order. Buddies are found by HEADER TAG, not a bitmap: the buddy's
 * header says whether it is free and of the same order. Free blocks are on doubly linked lists
 * (next, prev after the header word) so a buddy is unlinked in O(1) during a merge. The header
 * slot is padded to the device alignment so payloads are aligned: 8 bytes on nds (alignment
 * 8), 4 bytes on a 4-aligned 32-bit device.
 *
 * Heap sizes that are not a power of two: the area after the control block is carved into
 * maximal power-of-two blocks, largest first (the binary decomposition of its length rounded
 * down to the minimum block). Such a block never merges beyond itself: its would-be buddy
 * lies (partly) past the end of the carved area, which free() tests. A tail smaller than the
 * minimum block is left unused.
 *
 * min-order (param, 0 = auto): the smallest block is 2^min-order bytes. It must hold the free
 * block's header and two links and leave at least one payload byte: auto gives 16 bytes on
 * 32-bit devices with alignment <= 8, 8 bytes on AVR.
 *
 * realloc: shrinking splits off the upper halves in place; growing in place works when the
 * block is the lower buddy at each order up to the new one and those upper buddies are free and
 * whole; otherwise allocate, copy, free.
 *
 * Invariants (check()): blocks tile the carved area, each aligned to its size; tags valid; the
 * lists hold exactly the free blocks of their order with consistent prev links; the mask bits
 * match the non-empty lists; no free block has a free whole buddy (merging is complete);
 * counters match.
 *
 * Overhead on a 32-bit device with 4-byte alignment: a 4-byte header per block plus rounding
 * to a power of two (up to ~50% internal fragmentation); control area 4 + 4 × orders bytes.
 *
 * Complexity: alloc and free O(max order − min order) splits or merges, O(1) list search
 * (mask + find-first-set). largestAllocatable O(1): the highest set bit of the mask.
 *
 * Cycles: header, link, list-head and mask accesses through the bus; ALU: the order
 * computation is an add, an fls and a clamp (2 + bus.fls(): the bit scan at the core's cost,
 * 4 cycles with CLZ, 24 without), picking the list a mask and an ffs (1 + bus.ffs()), 2 per
 * split (shift, add), 3 per merge step (xor for the buddy address, bounds compare, tag
 * compare).
 */
import { SimError } from '../errors';
import type { MemoryBus } from '../bus';
import type { Allocator, AllocatorContext, AllocatorFactory, BlockInfo } from './types';
import { checkPointerReach, numParam } from './freelist';
import { hex } from '../util';

const TAG_FREE = 0x5a00;
const TAG_USED = 0xa500;
const TAG_MASK = 0xff00;
const ORDER_MASK = 0x00ff;

export class Buddy implements Allocator {
  readonly name = 'buddy';
  readonly moving = false;

  private readonly bus: MemoryBus;
  private readonly P: number;
  /** Header slot bytes (payload offset in a block). */
  private readonly Hb: number;
  /** Minimum and maximum order. */
  private readonly minOrder: number;
  private readonly maxOrder: number;
  private readonly base: number;
  private readonly end: number;
  private readonly maskAddr: number;
  private readonly headsAddr: number;
  /** Origin of the block area and end of the carved part. */
  private readonly origin: number;
  private readonly carvedEnd: number;

  // Observer counters (instrumentation, uncharged).
  private freeBlockBytes = 0;
  private nFree = 0;
  private usedBlockBytes = 0;
  private nUsed = 0;
  /** Observer copy of the mask word (largestAllocatable without a memory read); check() compares. */
  private maskMirror = 0;

  constructor(ctx: AllocatorContext) {
    const bus = ctx.bus;
    const heap = ctx.heaps[0]!;
    this.bus = bus;
    const P = bus.pointerBytes;
    this.P = P;
    this.Hb = Math.ceil(P / ctx.alignment) * ctx.alignment;
    this.base = heap.base;
    this.end = heap.base + heap.size;
    checkPointerReach(bus, this.end, 'buddy');
    const need = Math.max(3 * P, this.Hb + 1);
    const autoOrder = 32 - Math.clz32(need - 1);
    const mo = numParam(ctx.params['min-order'], 0, 'min-order', 'buddy');
    if (mo !== 0 && mo < autoOrder)
      throw new SimError('ALLOCATOR_PARAM', `buddy parameter min-order=${mo}: a block of ${2 ** mo} bytes cannot hold a free block's header and links on this device; the smallest is ${autoOrder}`);
    if (mo > 30) throw new SimError('ALLOCATOR_PARAM', `buddy parameter min-order=${mo}: at most 30`);
    this.minOrder = mo || autoOrder;
    // Control area: mask word (32-bit), then one head per order minOrder..K.
    const K = Math.max(this.minOrder, 31 - Math.clz32(heap.size));
    this.maskAddr = Math.ceil(heap.base / 4) * 4;
    this.headsAddr = this.maskAddr + 4;
    const tableEnd = this.headsAddr + (K - this.minOrder + 1) * P;
    const al = Math.max(ctx.alignment, P, 4);
    this.origin = Math.ceil(tableEnd / al) * al;
    const len = this.end - this.origin;
    const minBlock = 2 ** this.minOrder;
    if (len < minBlock)
      throw new SimError('HEAP_TOO_SMALL', `heap of ${heap.size} bytes cannot hold buddy's ${tableEnd - heap.base}-byte control area and one ${minBlock}-byte block`);
    this.maxOrder = Math.min(K, 31 - Math.clz32(len));
    // Carve maximal power-of-two blocks, largest first.
    let off = 0;
    let mask = 0;
    for (let k = this.maxOrder; k >= this.minOrder; k--) bus.writePtr(this.head(k), 0);
    for (let k = this.maxOrder; k >= this.minOrder; k--) {
      const s = 2 ** k;
      if (len - off >= s) {
        const b = this.origin + off;
        bus.writePtr(b, TAG_FREE | k);
        bus.writePtr(b + P, 0);
        bus.writePtr(b + 2 * P, 0);
        bus.writePtr(this.head(k), b);
        mask |= 1 << k;
        off += s;
        this.freeBlockBytes += s;
        this.nFree++;
      }
    }
    this.storeMask(mask);
    this.carvedEnd = this.origin + off;
  }

  /** Stores the mask word (charged) and its observer mirror. */
  private storeMask(mask: number): void {
    this.bus.write32(this.maskAddr, mask >>> 0);
    this.maskMirror = mask >>> 0;
  }

  private head(k: number): number {
    return this.headsAddr + (k - this.minOrder) * this.P;
  }

  /** Order of the block serving a request of n bytes (may exceed maxOrder: then it fails). */
  private orderFor(n: number): number {
    const need = Math.max(n, 1) + this.Hb;
    if (need > 0x40000000) return 31; // beyond any heap (maxOrder <= 30); clz32 would wrap
    const k = 32 - Math.clz32(need - 1);
    return k < this.minOrder ? this.minOrder : k;
  }

  /** Unlinks free block b from list k; returns the updated mask. */
  private unlink(b: number, k: number, mask: number): number {
    const bus = this.bus, P = this.P;
    const nx = bus.readPtr(b + P);
    const pv = bus.readPtr(b + 2 * P);
    if (pv) bus.writePtr(pv + P, nx);
    else {
      bus.writePtr(this.head(k), nx);
      if (nx === 0) mask &= ~(1 << k);
    }
    if (nx) bus.writePtr(nx + 2 * P, pv);
    return mask;
  }

  /** Pushes b as a free block of order k; returns the updated mask. */
  private push(b: number, k: number, mask: number): number {
    const bus = this.bus, P = this.P;
    const hd = this.head(k);
    const old = bus.readPtr(hd);
    bus.writePtr(b, TAG_FREE | k);
    bus.writePtr(b + P, old);
    bus.writePtr(b + 2 * P, 0);
    if (old) bus.writePtr(old + 2 * P, b);
    else mask |= 1 << k;
    bus.writePtr(hd, b);
    return mask;
  }

  alloc(n: number): number {
    const bus = this.bus, P = this.P;
    bus.work(1); // order = max(minOrder, fls(n + H - 1) + 1): add the header,
    bus.fls(); // the bit scan (CLZ where the core has it),
    bus.work(1); // clamp to minOrder
    const k = this.orderFor(n);
    if (k > this.maxOrder) return 0;
    let mask = bus.read32(this.maskAddr);
    const sel = (mask & (~0 << k)) >>> 0;
    bus.work(1); // mask off orders below k,
    bus.ffs(); // the lowest non-empty order (isolate the lowest set bit, then a bit scan)
    if (sel === 0) return 0;
    let j = 31 - Math.clz32(sel & -sel);
    const m0 = mask;
    // Pop the head of list j.
    const hd = this.head(j);
    const b = bus.readPtr(hd);
    const nx = bus.readPtr(b + P);
    bus.writePtr(hd, nx);
    if (nx) bus.writePtr(nx + 2 * P, 0);
    else mask &= ~(1 << j);
    this.freeBlockBytes -= (1 << j);
    this.nFree--;
    // Split down to order k; lists k..j-1 are empty (j is the smallest non-empty order >= k).
    while (j > k) {
      j--;
      bus.work(2); // half = b + (1 << j)
      const half = b + (1 << j);
      bus.writePtr(half, TAG_FREE | j);
      bus.writePtr(half + P, 0);
      bus.writePtr(half + 2 * P, 0);
      bus.writePtr(this.head(j), half);
      mask |= 1 << j;
      this.freeBlockBytes += (1 << j);
      this.nFree++;
    }
    if (mask !== m0) this.storeMask(mask);
    bus.writePtr(b, TAG_USED | k);
    this.usedBlockBytes += (1 << k);
    this.nUsed++;
    return b + this.Hb;
  }

  /** Frees block b of order k, merging with free buddies. */
  private release(b: number, k: number): void {
    const bus = this.bus;
    let mask = bus.read32(this.maskAddr);
    const m0 = mask;
    this.freeBlockBytes += (1 << k);
    this.nFree++;
    while (k < this.maxOrder) {
      const s = (1 << k);
      const y = this.origin + ((b - this.origin) ^ s);
      bus.work(3); // buddy = origin + (off ^ size); bounds compare; tag compare
      if (y + s > this.carvedEnd) break;
      if (bus.readPtr(y) !== (TAG_FREE | k)) break;
      mask = this.unlink(y, k, mask);
      this.nFree--;
      if (y < b) b = y;
      k++;
    }
    mask = this.push(b, k, mask);
    if (mask !== m0) this.storeMask(mask);
  }

  free(h: number): void {
    const b = h - this.Hb;
    const k = this.bus.readPtr(b) & ORDER_MASK;
    this.usedBlockBytes -= (1 << k);
    this.nUsed--;
    this.release(b, k);
  }

  realloc(h: number, n: number): number {
    const bus = this.bus;
    const b = h - this.Hb;
    const k = bus.readPtr(b) & ORDER_MASK;
    bus.work(1); // new order, as in alloc: add the header,
    bus.fls(); // bit scan,
    bus.work(1); // clamp
    const kn = this.orderFor(n);
    if (kn <= k) {
      if (kn < k) {
        // Give back the upper halves; their buddies (the lower parts) stay used: no merging.
        let mask = bus.read32(this.maskAddr);
        const m0 = mask;
        for (let j = k - 1; j >= kn; j--) {
          bus.work(2); // b + (1 << j): shift, add
          mask = this.push(b + (1 << j), j, mask);
          this.freeBlockBytes += (1 << j);
          this.nFree++;
        }
        if (mask !== m0) this.storeMask(mask);
        bus.writePtr(b, TAG_USED | kn);
        this.usedBlockBytes -= (1 << k) - (1 << kn);
      }
      return h;
    }
    // Grow in place: b must be the lower buddy at every order k..kn-1, each upper buddy free and whole.
    let ok = kn <= this.maxOrder;
    for (let j = k; ok && j < kn; j++) {
      bus.work(3); // lower-buddy bit test, bounds compare, tag compare
      const s = (1 << j);
      const y = b + s;
      if (((b - this.origin) & s) !== 0 || y + s > this.carvedEnd || bus.readPtr(y) !== (TAG_FREE | j)) ok = false;
    }
    if (ok) {
      let mask = bus.read32(this.maskAddr);
      const m0 = mask;
      for (let j = k; j < kn; j++) {
        mask = this.unlink(b + (1 << j), j, mask);
        this.freeBlockBytes -= (1 << j);
        this.nFree--;
      }
      if (mask !== m0) this.storeMask(mask);
      bus.writePtr(b, TAG_USED | kn);
      this.usedBlockBytes += (1 << kn) - (1 << k);
      return h;
    }
    const q = this.alloc(n);
    if (q === 0) return 0;
    bus.copy(q, h, Math.min((1 << k) - this.Hb, n));
    this.free(h);
    return q;
  }

  lock(h: number): number {
    return h;
  }

  unlock(_h: number): void {}

  // ---- observers (uncharged) ---------------------------------------------------------------

  usableSize(h: number): number {
    return 2 ** (this.bus.peekPtr(h - this.Hb) & ORDER_MASK) - this.Hb;
  }

  addressOf(h: number): number {
    return h;
  }

  freeBytes(): number {
    return this.freeBlockBytes - this.Hb * this.nFree;
  }

  largestAllocatable(): number {
    const mask = this.maskMirror;
    return mask === 0 ? 0 : 2 ** (31 - Math.clz32(mask)) - this.Hb;
  }

  metadataBytes(): number {
    const usable = this.usedBlockBytes - this.Hb * this.nUsed;
    return this.end - this.base - usable - this.freeBytes();
  }

  fixedMetadataBytes(): number {
    return this.origin - this.base;
  }

  blockFootprint(size: number): number {
    return 2 ** this.orderFor(size);
  }

  walk(visit: (b: BlockInfo) => void): void {
    const bus = this.bus;
    // One record, refilled per block (visitors copy what they keep), so a walk allocates once.
    const info: BlockInfo = { addr: 0, size: 0, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false };
    const emit = (addr: number, size: number, state: BlockInfo['state'], payload: number, usable: number) => {
      info.addr = addr;
      info.size = size;
      info.state = state;
      info.handle = payload;
      info.payload = payload;
      info.usable = usable;
      info.locked = false;
      visit(info);
    };
    if (this.origin > this.base) emit(this.base, this.origin - this.base, 'meta', 0, 0);
    let b = this.origin;
    while (b < this.carvedEnd) {
      const h = bus.peekPtr(b);
      const k = h & ORDER_MASK;
      const s = 2 ** k;
      if (k < this.minOrder || k > this.maxOrder || b + s > this.carvedEnd) break;
      if ((h & TAG_MASK) === TAG_USED) emit(b, s, 'used', b + this.Hb, s - this.Hb);
      else emit(b, s, 'free', 0, 0);
      b += s;
    }
    if (this.end > this.carvedEnd) emit(this.carvedEnd, this.end - this.carvedEnd, 'meta', 0, 0);
  }

  check(): string[] {
    const v: string[] = [];
    const bus = this.bus, P = this.P;
    const freeAt = new Map<number, number>();
    let fb = 0, nf = 0, ub = 0, nu = 0;
    let b = this.origin;
    while (b < this.carvedEnd) {
      const h = bus.peekPtr(b);
      const k = h & ORDER_MASK;
      const tag = h & TAG_MASK;
      const s = 2 ** k;
      if ((tag !== TAG_FREE && tag !== TAG_USED) || k < this.minOrder || k > this.maxOrder || b + s > this.carvedEnd) {
        v.push(`block ${hex(b, 0)}: bad header ${hex(h, 0)}`);
        return v;
      }
      if ((b - this.origin) % s !== 0) v.push(`block ${hex(b, 0)} of order ${k} not aligned to its size`);
      if (tag === TAG_FREE) {
        freeAt.set(b, k);
        fb += s;
        nf++;
      } else {
        ub += s;
        nu++;
      }
      b += s;
    }
    if (b !== this.carvedEnd) v.push(`blocks end at ${hex(b, 0)}, carved area at ${hex(this.carvedEnd, 0)}`);
    for (const [fbAddr, k] of freeAt) {
      const s = 2 ** k;
      const y = this.origin + ((fbAddr - this.origin) ^ s);
      if (k < this.maxOrder && y + s <= this.carvedEnd && freeAt.get(y) === k) v.push(`free block ${hex(fbAddr, 0)} and its buddy ${hex(y, 0)} (order ${k}) both free: merge missed`);
    }
    const mask = bus.peek32(this.maskAddr);
    if (mask !== this.maskMirror) v.push(`mask word ${hex(mask, 0)} != observer mirror ${hex(this.maskMirror, 0)}`);
    let listed = 0;
    for (let k = this.minOrder; k <= this.maxOrder; k++) {
      let c = bus.peekPtr(this.head(k));
      if (((mask >>> k) & 1) !== (c !== 0 ? 1 : 0)) v.push(`mask bit ${k} is ${(mask >>> k) & 1} but list ${k} is ${c ? 'non-empty' : 'empty'}`);
      let pv = 0;
      let guard = nf + 1;
      while (c !== 0 && guard-- > 0) {
        if (freeAt.get(c) !== k) {
          v.push(`list ${k} node ${hex(c, 0)} is not a free block of order ${k}`);
          break;
        }
        if (bus.peekPtr(c + 2 * P) !== pv) v.push(`list ${k} node ${hex(c, 0)}: bad prev link`);
        listed++;
        pv = c;
        c = bus.peekPtr(c + P);
      }
      if (guard < 0) v.push(`list ${k} cycles`);
    }
    if ((mask & ~(((2 ** (this.maxOrder + 1)) - 1) - ((2 ** this.minOrder) - 1))) !== 0) v.push(`mask ${hex(mask, 0)} has bits outside the orders`);
    if (listed !== nf) v.push(`lists hold ${listed} blocks, heap has ${nf} free blocks`);
    if (fb !== this.freeBlockBytes || nf !== this.nFree) v.push(`free counters ${this.freeBlockBytes}/${this.nFree} != heap ${fb}/${nf}`);
    if (ub !== this.usedBlockBytes || nu !== this.nUsed) v.push(`used counters ${this.usedBlockBytes}/${this.nUsed} != heap ${ub}/${nu}`);
    return v;
  }
}

export const buddyFactory: AllocatorFactory = {
  name: 'buddy',
  summary: 'binary buddy system: power-of-two blocks, per-order free lists and header tags in the heap',
  moving: false,
  multiHeap: false,
  params: [
    {
      name: 'min-order',
      description: 'smallest block is 2^min-order bytes (0 = auto: the smallest that holds a free block, 16 B on 32-bit)',
      default: 0,
      space: { kind: 'choice', values: [0, 5, 6, 7, 8] },
    },
  ],
  create: (ctx) => new Buddy(ctx),
};
