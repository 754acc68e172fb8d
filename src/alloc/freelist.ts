/**
 * Shared core of the three free-list allocators (first-fit, next-fit, best-fit).
 *
 * How it works
 * ------------
 * Layout. The heap starts with a small control area holding the list globals a C allocator
 * keeps in RAM: the free-list head, the tail (FIFO order only) and the roving pointer
 * (next-fit only), each a pointer-sized word. Then come the blocks, back to back, and an
 * epilogue: a header word with size 0 marked used, so the block after the last block always
 * exists. Every block starts with a pointer-sized header word `size | PFREE | USED`:
 * - `size` is the whole block (header included), a multiple of the granule
 *   G = max(alignment, pointerBytes, 4);
 * - USED (bit 0) marks an allocated block;
 * - PFREE (bit 1) says the block just before this one is free (a boundary-tag bit, as in
 *   dlmalloc and TLSF): only free blocks carry a footer (a copy of their size in their last
 *   word), so used blocks pay one header word and nothing else.
 * Blocks start at addresses ≡ G − H (mod G) (H = header bytes = pointerBytes), so every
 * payload (block + H) is G-aligned and therefore obeys the device alignment.
 * A free block holds, after its header, `next` and `prev` list pointers, and a footer at its
 * end, so the smallest block is MIN = roundUp(4 pointers, G) (16 bytes on a 32-bit device).
 *
 * Free list. One doubly linked list of free blocks, in one of three orders (param `order`):
 * `address` (sorted by address, K&R/SLOB style), `lifo` (freed blocks pushed at the head),
 * `fifo` (appended at the tail). Coalescing is immediate in every order: free() finds the
 * next block through its own size and the previous one through the PFREE bit and the
 * neighbour's footer, so merging costs O(1) whatever the order; a merged neighbour is unlinked
 * in O(1) thanks to the prev pointer. In address order the merged block keeps the position of
 * the free neighbour it joined; only a block with no free neighbour is inserted by walking
 * the list to its place (O(free blocks), one compare per step). LIFO/FIFO re-insert the
 * merged block at the head/tail (O(1)).
 *
 * Allocation. The policy (subclass) picks a free block of size >= need, where
 * need = max(MIN, roundUp(request + H, G)). The remainder is split off only if it is at least
 * the split threshold (param `split`, at least MIN); otherwise the whole block is handed out.
 * Param `cut` says which end of the block the request takes:
 * - `front` (default; SLOB, FreeRTOS heap_4, the first fit of the literature): the request
 *   takes the low end and the remainder replaces the block in the list (same position, so
 *   address order holds). Holes freed below the big remaining block come first in address
 *   order and get reused first.
 * - `tail` (K&R): the request takes the high end; the remainder stays where it was and only
 *   its header and footer change (cheaper: no relinking), but with address order the big low
 *   block is found first, so freed holes above it wait until it runs out.
 *
 * realloc shrinks in place (the tail goes back through free(), coalescing with a free
 * successor), grows in place into a free successor when the two together are big enough,
 * and otherwise allocates, copies and frees.
 *
 * Invariants (check()): blocks tile [first block, epilogue) exactly; sizes are multiples of
 * G and at least MIN; no two free blocks are adjacent; every free block has a footer equal to
 * its size and flag bits clear; every PFREE bit matches the previous block; the list holds
 * exactly the free blocks, with consistent prev links (sorted in address order); the roving
 * pointer is 0 or on the list; the observer counters match the heap.
 *
 * Overhead on a 32-bit device: 4 bytes per used block (header) plus rounding of header +
 * request to the granule (up to 7 bytes with nds's 8-byte alignment), 16-byte minimum block,
 * plus the control area (4 to 12 bytes) and the epilogue (4 bytes).
 *
 * Complexity: alloc O(free blocks) (search), free O(1) with LIFO/FIFO and with a free
 * neighbour, O(free blocks) in address order otherwise, realloc O(1) in place.
 * largestAllocatable (observer) O(1) from a cached maximum, O(free blocks) after an operation
 * used a block as large as that maximum.
 *
 * Cycles: every header, footer, link and control-word access goes through the bus (a front cut
 * costs a relink: 2 link loads and 3 or 4 stores more than a tail cut); ALU work is
 * charged through the CPU cost table (./costs.ts, bus.alu): `need` as every allocator's request
 * size (chargeRequestSize: add, mask, compare with MIN and select), 2 per list step (compare
 * size with need and branch; best-fit adds one compare, next-fit the wrap test), a
 * compare-and-branch for the remainder/threshold test, two for the flag tests of free(), 2
 * per step of the address-order insertion walk, 3 for realloc's grow-in-place test. The list walks (fit
 * searches, address-order insertion) go through bus ListWalks: every cycle and counter as the
 * per-access charging, computed in one call for the plain steps (a simulator speed-up).
 * next-fit in address order also keeps a FreeIndex (./free-index.ts), which says where its walks
 * end and how many steps they take, so the simulator charges those steps without following the
 * list (another speed-up: same charges, no simulated cost).
 *
 * Observers (freeBytes, metadataBytes) read counters a C allocator would not keep: they are
 * instrumentation, cost no cycles and occupy no simulated memory. freeBytes counts the payload
 * bytes of the free blocks (size − H each); metadataBytes is everything else that is not a
 * used block's payload (headers, control area, epilogue, slack at the end of the heap).
 */
import { SimError } from '../errors';
import { ListWalk, type MemoryBus } from '../bus';
import type { Allocator, AllocatorContext, BlockInfo, ParamSpec, ParamValue } from './types';
import { hex } from '../util';
import { FreeIndex } from './free-index';
import { chargeRequestSize } from './costs';

export const USED = 1;
export const PFREE = 2;
const FLAGS = 3;

export type ListOrder = 'address' | 'lifo' | 'fifo';

/** The knobs shared by the three list allocators. */
export function listParams(defaultOrder: ListOrder): ParamSpec[] {
  return [
    {
      name: 'order',
      description: 'free-list order: address (sorted, K&R), lifo (freed blocks first) or fifo (freed blocks last)',
      default: defaultOrder,
      choices: ['address', 'lifo', 'fifo'],
      space: { kind: 'choice', values: ['address', 'lifo', 'fifo'] },
    },
    {
      name: 'cut',
      description: 'which end of a free block a request takes: front (remainder replaces the block in the list) or tail (K&R: only sizes change)',
      default: 'front',
      choices: ['front', 'tail'],
      space: { kind: 'choice', values: ['front', 'tail'] },
    },
    {
      name: 'split',
      description: 'split threshold in bytes: a remainder smaller than this stays with the allocated block (0 = the minimum block, 16 B on 32-bit)',
      default: 0,
      space: { kind: 'choice', values: [0, 24, 32, 48, 64] },
    },
  ];
}

/** Pointer-sized fields must fit the device's pointers: 16-bit pointers reach 64 KiB. */
export function checkPointerReach(bus: MemoryBus, end: number, name: string): void {
  if (bus.pointerBytes === 2 && end > 0x10000)
    throw new SimError('HEAP_TOO_LARGE', `${name}: the heap ends at 0x${end.toString(16)}, beyond what 16-bit pointers address`);
}

export function numParam(v: ParamValue | undefined, def: number, name: string, alloc: string): number {
  const n = v === undefined ? def : Number(v);
  if (!Number.isInteger(n) || n < 0) throw new SimError('ALLOCATOR_PARAM', `${alloc} parameter ${name}=${String(v)}: expected a non-negative integer`);
  return n;
}

export abstract class FreeListAllocator implements Allocator {
  readonly name: string;
  readonly moving = false;

  protected readonly bus: MemoryBus;
  /** Pointer and header bytes. */
  protected readonly P: number;
  /** Granule: every block size is a multiple of it. */
  protected readonly G: number;
  protected readonly MIN: number;
  protected readonly thr: number;
  protected readonly order: ListOrder;
  /** Requests take the tail end of a free block (K&R) instead of the front. */
  protected readonly cutTail: boolean;
  protected readonly base: number;
  protected readonly end: number;
  /** First block and epilogue addresses. */
  protected readonly first: number;
  protected readonly epi: number;
  protected readonly headAddr: number;
  /** 0 when the list keeps no tail (address/LIFO order). */
  protected readonly tailAddr: number;
  /** 0 when the allocator has no roving pointer. */
  protected readonly roverAddr: number;

  // Observer counters (instrumentation, uncharged).
  protected freeBlockBytes = 0;
  protected nFree = 0;
  protected usedBlockBytes = 0;
  protected nUsed = 0;
  /** Set by findFit: the size of the block it returned. */
  protected fitSize = 0;
  /**
   * Observer cache: the largest free block size, valid while maxOk. Growing or creating a free
   * block can only raise it (updated at once); using a block as large as the cached maximum may
   * lower it (then it is recomputed by the next largestAllocatable(), O(free blocks)).
   */
  protected maxFree = 0;
  protected maxOk = true;
  /** The fit search's step: read the size word and the next link, `fitAlu` cycles of tests. */
  protected readonly fitWalk: ListWalk;
  /** The address-order insert's step: compare addresses and branch (2), read the next link. */
  private readonly insertWalk: ListWalk;
  /**
   * next-fit in address order: where each walk ends and how many steps it takes, without
   * following the list (a simulator speed-up, see ./free-index.ts; null: the walks follow the
   * list). Measured: it pays where the walks are long (next-fit's circular search from the
   * rover); first- and best-fit's walks are short enough that keeping the index costs more.
   * Not on a heap behind a data cache (CachedBus: plainAccess false there), whose walks must
   * send every access through the cache.
   */
  protected readonly ix: FreeIndex | null;

  constructor(ctx: AllocatorContext, name: string, withRover: boolean, fitAlu: number) {
    this.name = name;
    const bus = ctx.bus;
    const heap = ctx.heaps[0]!;
    this.bus = bus;
    const P = bus.pointerBytes;
    this.P = P;
    this.G = Math.max(ctx.alignment, P, 4);
    this.MIN = Math.ceil((4 * P) / this.G) * this.G;
    this.order = String(ctx.params.order ?? 'address') as ListOrder;
    this.cutTail = String(ctx.params.cut ?? 'front') === 'tail';
    const split = numParam(ctx.params.split, 0, 'split', name);
    this.thr = Math.max(this.MIN, split);
    this.base = heap.base;
    this.end = heap.base + heap.size;
    checkPointerReach(bus, this.end, name);
    let a = Math.ceil(heap.base / P) * P;
    this.headAddr = a;
    a += P;
    this.tailAddr = this.order === 'fifo' ? a : 0;
    if (this.tailAddr) a += P;
    this.roverAddr = withRover ? a : 0;
    if (withRover) a += P;
    // First payload: G-aligned, after the control area and one header.
    const firstPayload = Math.ceil((a + P) / this.G) * this.G;
    this.first = firstPayload - P;
    const room = this.end - P - this.first;
    this.epi = this.first + Math.max(0, Math.floor(room / this.G) * this.G);
    const size = this.epi - this.first;
    if (room < this.MIN || size < this.MIN)
      throw new SimError('HEAP_TOO_SMALL', `heap of ${heap.size} bytes cannot hold the allocator's control area, one ${this.MIN}-byte block and the epilogue`);
    // Initial state: one free block spanning the heap, the epilogue marked used with PFREE.
    bus.writePtr(this.headAddr, this.first);
    if (this.tailAddr) bus.writePtr(this.tailAddr, this.first);
    if (this.roverAddr) bus.writePtr(this.roverAddr, 0);
    this.ix = withRover && this.order === 'address' && !ctx.check && bus.plainAccess(this.first, P) && size / this.G <= FreeIndex.MAX_GRANULES ? new FreeIndex(this.first, this.epi, this.G, (n) => bus.scratchBuffer(n)) : null;
    bus.writePtr(this.first, size);
    bus.writePtr(this.first + P, 0);
    bus.writePtr(this.first + 2 * P, 0);
    bus.writePtr(this.first + size - P, size);
    this.ix?.set(this.first, size);
    bus.writePtr(this.epi, USED | PFREE);
    this.freeBlockBytes = size;
    this.nFree = 1;
    this.maxFree = size;
    this.fitWalk = new ListWalk(bus, 0, P, fitAlu);
    this.insertWalk = new ListWalk(bus, P, -1, 2, 0);
  }

  /** Finds a free block of at least `need` bytes; sets fitSize; 0 if none. */
  protected abstract findFit(need: number): number;

  /** Block bytes for a request: header added, rounded to the granule, at least MIN. */
  protected needFor(n: number): number {
    const G = this.G;
    const s = Math.ceil((Math.max(n, 1) + this.P) / G) * G;
    return s < this.MIN ? this.MIN : s;
  }

  // ---- list primitives (charged) -----------------------------------------------------------

  /** Free block x now has `size` bytes: its header, then its footer. */
  protected setFreeSize(x: number, size: number): void {
    this.bus.writePtr(x, size);
    this.bus.writePtr(x + size - this.P, size);
    this.ix?.set(x, size);
  }

  /** Removes n from the list; returns its successor. */
  protected unlink(n: number): number {
    const bus = this.bus, P = this.P;
    const nx = bus.readPtr(n + P);
    const pv = bus.readPtr(n + 2 * P);
    this.ix?.set(n, 0);
    if (pv) bus.writePtr(pv + P, nx);
    else bus.writePtr(this.headAddr, nx);
    if (nx) bus.writePtr(nx + 2 * P, pv);
    else if (this.tailAddr) bus.writePtr(this.tailAddr, pv);
    if (this.roverAddr && bus.readPtr(this.roverAddr) === n) bus.writePtr(this.roverAddr, nx);
    return nx;
  }

  /** Puts n where old was (old leaves the list). Reads old's links before writing n's. */
  protected replace(old: number, n: number): void {
    const bus = this.bus, P = this.P;
    const nx = bus.readPtr(old + P);
    const pv = bus.readPtr(old + 2 * P);
    this.ix?.set(old, 0);
    this.linkBetween(pv, n, nx);
    if (this.roverAddr && bus.readPtr(this.roverAddr) === old) bus.writePtr(this.roverAddr, n);
  }

  /** Links n between pv (0 = list head) and nx. */
  private linkBetween(pv: number, n: number, nx: number): void {
    const bus = this.bus, P = this.P;
    bus.writePtr(n + P, nx);
    bus.writePtr(n + 2 * P, pv);
    if (pv) bus.writePtr(pv + P, n);
    else bus.writePtr(this.headAddr, n);
    if (nx) bus.writePtr(nx + 2 * P, n);
    else if (this.tailAddr) bus.writePtr(this.tailAddr, n);
  }

  /** Inserts a free block according to the list order. */
  protected insert(n: number): void {
    const bus = this.bus;
    if (this.order === 'lifo') {
      this.linkBetween(0, n, bus.readPtr(this.headAddr));
    } else if (this.order === 'fifo') {
      this.linkBetween(bus.readPtr(this.tailAddr), n, 0);
    } else {
      // Address order: walk to the first block above n.
      const w = this.insertWalk;
      let pv = 0;
      let c = bus.readPtr(this.headAddr);
      const ix = this.ix;
      if (ix && c !== 0 && c < n) {
        // The walk visits every free block below n: the first as before, the rest from the index.
        const p = ix.pos(n);
        w.visit(c);
        pv = ix.addr(ix.lastBelow(p));
        w.skip(ix.countBelow(p) - 1, pv);
        c = w.w0;
      }
      while (c !== 0 && c < n) {
        w.visit(c); // compare addresses, branch; read the next link
        pv = c;
        c = w.w0;
      }
      w.flush();
      bus.alu('cmpBranch'); // the test that ends the walk: c == 0 or c >= n
      this.linkBetween(pv, n, c);
    }
  }

  /**
   * Returns block b (size S, not on the list) to the free pool, coalescing with free
   * neighbours. `pfree`: the block before b is free.
   */
  protected release(b: number, S: number, pfree: boolean): void {
    const bus = this.bus, P = this.P;
    const nb = b + S;
    const nh = bus.readPtr(nb);
    const nfree = (nh & USED) === 0;
    bus.alu('cmpBranch', 2); // test USED of the successor, branch; test PFREE of b, branch
    let start = b;
    let total = S;
    let merged = 0;
    if (this.order === 'address') {
      if (pfree) {
        const ps = bus.readPtr(b - P);
        start = b - ps;
        total += ps;
        merged++;
        if (nfree) {
          this.unlink(nb);
          total += nh & ~FLAGS;
          merged++;
        } else bus.writePtr(nb, nh | PFREE);
      } else if (nfree) {
        this.replace(nb, b);
        total += nh & ~FLAGS;
        merged++;
      } else {
        this.insert(b);
        bus.writePtr(nb, nh | PFREE);
      }
      this.setFreeSize(start, total);
    } else {
      if (pfree) {
        const ps = bus.readPtr(b - P);
        start = b - ps;
        total += ps;
        merged++;
        this.unlink(start);
      }
      if (nfree) {
        this.unlink(nb);
        total += nh & ~FLAGS;
        merged++;
      } else bus.writePtr(nb, nh | PFREE);
      this.setFreeSize(start, total);
      this.insert(start);
    }
    this.freeBlockBytes += S;
    this.nFree += 1 - merged;
    if (total > this.maxFree) this.maxFree = total;
  }

  // ---- public operations -------------------------------------------------------------------

  alloc(n: number): number {
    const bus = this.bus, P = this.P;
    chargeRequestSize(bus); // need = max(MIN, roundUp(n + H, G))
    const need = this.needFor(n);
    const f = this.findFit(need);
    if (f === 0) return 0;
    const S = this.fitSize;
    if (S >= this.maxFree) this.maxOk = false;
    const r = S - need;
    bus.alu('cmpBranch'); // r = S - need >= the split threshold? (the sub is not charged)
    let u: number;
    if (r >= this.thr && this.cutTail) {
      // Tail cut: the free remainder keeps its list position; only sizes change.
      this.setFreeSize(f, r);
      u = f + r;
      bus.writePtr(u, need | USED | PFREE);
      this.freeBlockBytes -= need;
      this.usedBlockBytes += need;
      const nb = u + need;
      bus.writePtr(nb, bus.readPtr(nb) & ~PFREE);
    } else if (r >= this.thr) {
      // Front cut: the remainder takes the block's place in the list (and a rover resting on it).
      const rem = f + need;
      this.replace(f, rem);
      this.setFreeSize(rem, r);
      u = f;
      bus.writePtr(u, need | USED);
      this.freeBlockBytes -= need;
      this.usedBlockBytes += need;
    } else {
      this.unlink(f); // moves a roving pointer that rested on f to f's successor
      bus.writePtr(f, S | USED);
      u = f;
      const nb = f + S;
      bus.writePtr(nb, bus.readPtr(nb) & ~PFREE);
      this.freeBlockBytes -= S;
      this.usedBlockBytes += S;
      this.nFree--;
    }
    this.nUsed++;
    return u + P;
  }

  free(h: number): void {
    const b = h - this.P;
    const hdr = this.bus.readPtr(b);
    const S = hdr & ~FLAGS;
    this.usedBlockBytes -= S;
    this.nUsed--;
    this.release(b, S, (hdr & PFREE) !== 0);
  }

  realloc(h: number, n: number): number {
    const bus = this.bus, P = this.P;
    const b = h - P;
    const hdr = bus.readPtr(b);
    const S = hdr & ~FLAGS;
    chargeRequestSize(bus); // need, as in alloc
    const need = this.needFor(n);
    if (need <= S) {
      const r = S - need;
      bus.alu('cmpBranch'); // r = S - need >= the split threshold? (the sub is not charged)
      if (r >= this.thr) {
        bus.writePtr(b, need | USED | (hdr & PFREE));
        this.usedBlockBytes -= r;
        this.release(b + need, r, false);
      }
      return h;
    }
    const nb = b + S;
    const nh = bus.readPtr(nb);
    bus.work(3); // test USED, add the sizes, compare with need (the flag mask and the branches are not charged)
    if ((nh & USED) === 0 && S + (nh & ~FLAGS) >= need) {
      const ns = nh & ~FLAGS;
      if (ns >= this.maxFree) this.maxOk = false;
      const T = S + ns;
      const r = T - need;
      if (r >= this.thr) {
        const rem = b + need;
        this.replace(nb, rem);
        this.setFreeSize(rem, r);
        bus.writePtr(b, need | USED | (hdr & PFREE));
        this.freeBlockBytes -= need - S;
        this.usedBlockBytes += need - S;
      } else {
        this.unlink(nb);
        bus.writePtr(b, T | USED | (hdr & PFREE));
        const after = b + T;
        bus.writePtr(after, bus.readPtr(after) & ~PFREE);
        this.freeBlockBytes -= ns;
        this.usedBlockBytes += ns;
        this.nFree--;
      }
      return h;
    }
    const q = this.alloc(n);
    if (q === 0) return 0;
    bus.copy(q, h, Math.min(S - P, n));
    this.free(h);
    return q;
  }

  lock(h: number): number {
    return h;
  }

  unlock(_h: number): void {}

  // ---- observers (uncharged) ---------------------------------------------------------------

  usableSize(h: number): number {
    return (this.bus.peekPtr(h - this.P) & ~FLAGS) - this.P;
  }

  addressOf(h: number): number {
    return h;
  }

  freeBytes(): number {
    return this.freeBlockBytes - this.P * this.nFree;
  }

  largestAllocatable(): number {
    if (!this.maxOk) {
      this.maxFree = this.scanMaxFree();
      this.maxOk = true;
    }
    return this.maxFree === 0 ? 0 : this.maxFree - this.P;
  }

  /** The largest free block size, by walking the list (uncharged). */
  private scanMaxFree(): number {
    if (this.ix) return this.ix.largest();
    const bus = this.bus;
    let best = 0;
    let guard = this.nFree;
    for (let c = bus.peekPtr(this.headAddr); c !== 0 && guard-- > 0; c = bus.peekPtr(c + this.P)) {
      const s = bus.peekPtr(c);
      if (s > best) best = s;
    }
    return best;
  }

  metadataBytes(): number {
    const usable = this.usedBlockBytes - this.P * this.nUsed;
    return this.end - this.base - usable - this.freeBytes();
  }

  fixedMetadataBytes(): number {
    // Control area and alignment pad before the first block, plus the epilogue header.
    return this.first - this.base + this.P;
  }

  blockFootprint(size: number): number {
    return this.needFor(size);
  }

  walk(visit: (b: BlockInfo) => void): void {
    const bus = this.bus, P = this.P;
    const meta = (addr: number, size: number) =>
      visit({ addr, size, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
    meta(this.base, this.first - this.base);
    let b = this.first;
    while (b < this.epi) {
      const h = bus.peekPtr(b);
      const s = h & ~FLAGS;
      if (s <= 0 || b + s > this.epi) break; // corrupt: check() reports it
      if (h & USED) visit({ addr: b, size: s, state: 'used', handle: b + P, payload: b + P, usable: s - P, locked: false });
      else visit({ addr: b, size: s, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
      b += s;
    }
    meta(this.epi, this.end - this.epi);
  }

  check(): string[] {
    const v: string[] = [];
    const bus = this.bus, P = this.P;
    const freeSet = new Set<number>();
    let b = this.first;
    let prevFree = false;
    let fb = 0, nf = 0, ub = 0, nu = 0;
    while (b < this.epi) {
      const h = bus.peekPtr(b);
      const s = h & ~FLAGS;
      if (s < this.MIN || s % this.G !== 0 || b + s > this.epi) {
        v.push(`block ${hex(b, 0)}: bad size ${s} (header ${hex(h, 0)})`);
        return v;
      }
      if (((h & PFREE) !== 0) !== prevFree) v.push(`block ${hex(b, 0)}: PFREE bit ${(h & PFREE) !== 0} but previous block free=${prevFree}`);
      if (h & USED) {
        ub += s;
        nu++;
        prevFree = false;
      } else {
        if (prevFree) v.push(`block ${hex(b, 0)}: two adjacent free blocks (coalescing missed)`);
        if (h & PFREE) v.push(`free block ${hex(b, 0)}: flag bits set`);
        const foot = bus.peekPtr(b + s - P);
        if (foot !== s) v.push(`free block ${hex(b, 0)}: footer ${foot} != header size ${s}`);
        freeSet.add(b);
        fb += s;
        nf++;
        prevFree = true;
      }
      b += s;
    }
    if (b !== this.epi) v.push(`blocks end at ${hex(b, 0)}, epilogue at ${hex(this.epi, 0)}`);
    const eh = bus.peekPtr(this.epi);
    if ((eh & ~FLAGS) !== 0 || (eh & USED) === 0) v.push(`epilogue ${hex(this.epi, 0)} corrupt: ${hex(eh, 0)}`);
    else if (((eh & PFREE) !== 0) !== prevFree) v.push(`epilogue PFREE bit disagrees with last block`);
    // The list.
    let c = bus.peekPtr(this.headAddr);
    let pv = 0;
    let count = 0;
    const onList = new Set<number>();
    while (c !== 0) {
      if (!freeSet.has(c)) {
        v.push(`list node ${hex(c, 0)} is not a free block`);
        break;
      }
      if (onList.has(c)) {
        v.push(`list cycles at ${hex(c, 0)}`);
        break;
      }
      onList.add(c);
      if (bus.peekPtr(c + 2 * P) !== pv) v.push(`list node ${hex(c, 0)}: prev ${hex(bus.peekPtr(c + 2 * P), 0)} != ${hex(pv, 0)}`);
      if (this.order === 'address' && pv !== 0 && c <= pv) v.push(`list not address-ordered at ${hex(c, 0)}`);
      if (this.ix && this.ix.sizeAt(c) !== (bus.peekPtr(c) & ~FLAGS)) v.push(`free index: ${hex(c, 0)} holds ${this.ix.sizeAt(c)}, the block ${bus.peekPtr(c) & ~FLAGS}`);
      count++;
      pv = c;
      c = bus.peekPtr(c + P);
    }
    if (count !== nf) v.push(`list holds ${count} blocks, heap has ${nf} free blocks`);
    if (this.ix && this.ix.count !== count) v.push(`free index holds ${this.ix.count} blocks, the list ${count}`);
    if (this.tailAddr && bus.peekPtr(this.tailAddr) !== pv) v.push(`tail ${hex(bus.peekPtr(this.tailAddr), 0)} != last node ${hex(pv, 0)}`);
    if (this.roverAddr) {
      const r = bus.peekPtr(this.roverAddr);
      if (r !== 0 && !onList.has(r)) v.push(`roving pointer ${hex(r, 0)} is not on the free list`);
    }
    if (this.maxOk && nf === this.nFree && this.scanMaxFree() !== this.maxFree) v.push(`largest-free cache ${this.maxFree} is stale (now ${this.scanMaxFree()})`);
    if (fb !== this.freeBlockBytes || nf !== this.nFree) v.push(`free counters ${this.freeBlockBytes}/${this.nFree} != heap ${fb}/${nf}`);
    if (ub !== this.usedBlockBytes || nu !== this.nUsed) v.push(`used counters ${this.usedBlockBytes}/${this.nUsed} != heap ${ub}/${nu}`);
    return v;
  }
}
