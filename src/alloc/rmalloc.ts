/**
 * rmalloc: a relocatable, compacting allocator with handles and lock counts.
 *
 * How it works
 * ------------
 * The application never holds a block address. `alloc` returns a HANDLE: the address of a
 * master-pointer entry in a handle table at the top of the heap. To touch the data the program
 * calls `lock(h)`, which raises the block's lock count and returns the current payload
 * address; `unlock(h)` lowers it. Unlocked blocks may be moved by the compactor at any time;
 * the master entry is the only place that records where a block is, so moving a block costs
 * one copy plus one entry write, and the handle stays valid forever.
 *
 * Heap layout (low to high addresses):
 *
 *   [control block: free-list heads][blocks ...][top gap][handle table][pad]
 *
 * - Blocks grow up from the control block; `top` is the end of the last block. The gap between
 *   `top` and the handle table is the bump region (the fast path) and the only place the table
 *   can grow into.
 * - The handle table grows DOWN from the end of the heap in chunks of `chunk` entries, like
 *   MoreMasters on the Mac: entries never move once created, so handles stay valid. Free
 *   entries form a linked list threaded through the entries themselves. A full compaction
 *   rebuilds that list in address order and gives the unused low end of the table back to the
 *   gap (entries are handed out from the high end first, so the low end tends to be free).
 *
 * Per-block metadata (32-bit device, P = pointer size = 4, A = alignment = 8, U = max(A, P)):
 * - a 4-byte header word in front of the payload:
 *     used, small:  [handle index:15][size in units of U:14][ext=0][prevFree][0]
 *     used, ext:    [0..0][ext=1][prevFree][0] + two more words (size, handle index) and
 *                   alignment padding: a 12-byte header, used only for blocks of 128 KiB or
 *                   more or once more than 32767 handles exist;
 *     free:         [size in units of U:29][0][0][1], plus next/prev free-list links in the
 *                   payload and a footer word (the size) at the block's end;
 * - a 4-byte master-pointer entry: [payload offset from the heap base in units of U:26]
 *   [lock count:4][ext:1][0]; a free entry is [next free entry + 1:31][1].
 * So a block costs 8 bytes of metadata (4 header + 4 entry) plus rounding of header+payload up
 * to U; the payload is aligned to the device alignment because every block starts at an
 * address congruent to -P modulo A. (On 16-bit devices the same layout holds with 2-byte words
 * and smaller fields; blocks that do not fit the small fields take the ext header.)
 * The lock count saturates at 15: a 16th nested lock is refused as misuse, as PalmOS does.
 *
 * Invariants: no two free blocks are adjacent (immediate coalescing with boundary tags: the
 * prevFree bit and the free block's footer); the block just below `top` is never free (a free
 * block there is merged into the gap); free blocks of at least 4 words are on one of the
 * segregated lists (class = floor(log2(size / U))); smaller free slivers are not listed (they
 * still coalesce and compaction absorbs them); every used block's header names its entry and
 * its entry names its payload.
 *
 * Allocation: pick the handle entry (free list, else grow the table by a chunk), then look for
 * a free block: first fit within the request's size class, else the head of the next larger
 * non-empty class (a bitmap of non-empty classes finds it in one step); split off the rest.
 * With no hole that fits, bump from `top` (the fast path, and the only path right after a
 * compaction). No compaction happens inside alloc: on failure it returns 0 and the engine's
 * OOM policy `compact` calls compact() and retries. So largestAllocatable() is exactly the
 * largest request that succeeds WITHOUT compacting.
 * Free: coalesce with both neighbours (or give the space back to the gap) and push the entry
 * on the free-entry list. Realloc keeps the handle: it shrinks or grows in place when it can
 * (the next block is free or the gap), otherwise it moves the block (refused while locked).
 * A move needs room for a second copy; when there is none the realloc fails, and the next full
 * compaction (the engine's OOM path) also rotates that block to the end of the block area
 * (the blocks above slide down by its size, through the gap as a bounce buffer), so the retry
 * grows it in place and needs only the growth.
 *
 * Compaction is one resumable cursor walk over the blocks in address order, starting at the
 * lowest hole. At a free block followed by an unlocked block, that block slides down into
 * the hole (the hole moves up and merges with whatever free space follows). At a free block
 * followed by a locked block, it looks up to `fillScan` blocks ahead for an unlocked block
 * that fits the hole and moves it there; if none fits, the hole stays and the walk steps
 * past the locked block. When the cursor reaches `top` all trailing free space has joined the
 * gap. compact() without a budget runs a whole pass; compact(B) runs steps until the next one
 * could take the call over B cycles (each step's cost is bounded from the device's cycle
 * table before it is taken), but always at least one step, so a pause is at most
 * max(B, one step) and every call makes progress. A step is one block move (a slide, or a
 * hole fill including its search of at most `fillScan` headers), a failed fill search, or
 * stepping over one used block. idle(cycles) is compact(cycles) when there is anything to do.
 *
 * Generational variant (rmalloc-gen, `generational: true`): the blocks below `oldTop` form the
 * old area. A minor compaction walks only from `oldTop`; after each minor pass the position
 * that `top` had `promoteAfter` minor passes ago (tracked through the slides) becomes the new
 * `oldTop`: blocks that survived that many minor passes are promoted. A major pass (the whole
 * heap) runs every `majorEvery`-th incremental cycle, and on the OOM path when a minor pass
 * did not free enough for the request that failed.
 *
 * Complexity: alloc O(entries in one size class) (usually O(1)); free, lock, unlock O(1);
 * realloc O(1) plus a copy when it moves; compaction O(blocks above the first hole) plus the
 * bytes moved; a full compaction also walks the handle table once.
 *
 * What costs cycles: every header, footer, link and entry access goes through the bus; moves
 * are bus.copy (charged as bursts); handle updates are entry writes; a class lookup is a shift
 * and an fls (bus.fls(), at the core's cost: CLZ where it has one, a software loop where not),
 * the next non-empty class an ffs on the class bitmap (bus.ffs()). Observers (walk, check, freeBytes, largestAllocatable...) use uncounted
 * peeks and JS-side counters that a C implementation would keep in globals.
 *
 * Prior art and what differs: the classic Mac OS Memory Manager (master pointers allocated in
 * blocks by MoreMasters, HLock/HUnlock as a lock BIT, compaction and MoveHHi to push locked
 * blocks high; 8-byte block headers plus a 4-byte master pointer), PalmOS (opaque MemHandle,
 * MemHandleLock with a 4-bit lock count, chunk headers of 8 bytes), and the rmalloc thesis
 * allocator "Jeff" (2015: handles growing down from the heap top, 17-byte headers, no
 * coalescing on free, no payload alignment, compaction only when an allocation fails). Here:
 * 4-byte headers and 8 bytes per block in all; immediate coalescing; aligned payloads; nested
 * lock counts; compaction on OOM, incrementally under a cycle budget, when idle, and
 * optionally every N ops; holes next to locked blocks are filled with later blocks.
 */
import { SimError } from '../errors';
import type { MemoryBus, MemPort } from '../bus';
import {
  AllocatorUsageError,
  type Allocator,
  type AllocatorContext,
  type AllocatorFactory,
  type RunKnob,
  type BlockInfo,
  type CompactResult,
  type ParamSpec,
} from './types';
import { hex } from '../util/units';

const F_FREE = 1;
const F_PREV_FREE = 2;
const F_EXT = 4;
const TAG_SHIFT = 3;

const E_FREE = 1;
const E_EXT = 2;
const E_LOCK_SHIFT = 2;
const E_LOCK_MAX = 15;
const E_OFF_SHIFT = 6;

/** The lock count of an entry word. */
const locks = (e: number): number => (e >>> E_LOCK_SHIFT) & E_LOCK_MAX;

/** A step of the compaction walk. */
const STEP_DONE = 0;
const STEP_SKIP = 1;
const STEP_MOVE = 2;

export interface RmallocOptions {
  generational: boolean;
}

export class Rmalloc implements Allocator {
  readonly name: string;
  readonly moving = true;

  private readonly bus: MemoryBus;
  /** Pointer bytes, device alignment, block-size unit. */
  private readonly P: number;
  private readonly A: number;
  private readonly U: number;
  private readonly base: number;
  private readonly heapEnd: number;
  /** The handle table ends here (heap end rounded down to P). */
  private readonly tableEnd: number;
  /** Address of the first block. */
  private readonly first: number;
  private readonly nClass: number;
  private readonly hsSmall: number;
  private readonly hsExt: number;
  private readonly sizeBits: number;
  private readonly sizeMask: number;
  private readonly idxMax: number;
  private readonly minBlock: number;
  private readonly minListed: number;
  private readonly chunk: number;
  private readonly fillScan: number;
  private readonly idleCompact: boolean;
  private readonly generational: boolean;
  private readonly promoteAfter: number;
  private readonly majorEvery: number;
  /** Upper bound of one metadata access, for step estimates. */
  private readonly maxAccess: number;

  // ---- globals of the C allocator (JS scalars; their bytes are reserved in the control block)
  private top: number;
  private tableLow: number;
  private tableCount = 0;
  /** Index+1 of the first free handle entry; 0 = none. */
  private hFree = 0;
  /** Bit c set when free list c is non-empty. */
  private bitmap = 0;
  /**
   * Observer memo (not used by the algorithm, charges nothing): the largest free block on the
   * list of class `lcClass` is `lcMax` bytes (-1: no memo). Kept exact by listInsert/listRemove;
   * a C port would keep it in two globals. check() recomputes it.
   */
  private lcClass = -1;
  private lcMax = 0;
  private freeTotal: number;
  /** Statistics counters for the observers. */
  private usedCount = 0;
  private usedHeaderBytes = 0;
  /** Compaction state. */
  private cur = 0;
  private cycleActive = false;
  private cycleMajor = true;
  private cycleFull = false;
  private cycles = 0;
  /** Lowest address that may start a hole (a block start or Infinity). */
  private lowHole = Infinity;
  /** Generational: start of the young area, and the promotion marks. */
  private oldTop: number;
  private marks: number[] = [];
  /** Size of the last request that failed (the OOM path uses it to choose minor vs major). */
  private lastFailed = 0;
  /** Handle of the last realloc that failed (0 = none): the next full compaction lifts it to the top. */
  private pendingLift = 0;
  /** Scratch result of blockFor. */
  private tmpExt = false;

  /** Figures of the last compact() call, for tests and reports. */
  lastCall = { moves: 0, steps: 0, maxMoveCycles: 0, maxStepCycles: 0, bytesMoved: 0 };
  /** Totals over the allocator's life. */
  stats = { compactions: 0, minor: 0, major: 0, bytesMoved: 0, moves: 0, compactCycles: 0, longestPause: 0 };

  constructor(ctx: AllocatorContext, name: string, opts: RmallocOptions) {
    this.name = name;
    const bus = ctx.bus;
    this.bus = bus;
    const heap = ctx.heaps[0];
    if (!heap) throw new SimError('USAGE', `${name}: no heap to manage`);
    const P = bus.pointerBytes;
    const A = ctx.alignment;
    const U = Math.max(A, P);
    this.P = P;
    this.A = A;
    this.U = U;
    this.base = heap.base;
    this.heapEnd = heap.base + heap.size;
    this.tableEnd = this.heapEnd - ((this.heapEnd - this.base) % P);
    const bits = 8 * P;
    this.sizeBits = Math.floor((bits - TAG_SHIFT) / 2);
    this.sizeMask = 2 ** this.sizeBits - 1;
    this.idxMax = 2 ** (bits - TAG_SHIFT - this.sizeBits) - 1;
    this.hsSmall = P;
    this.hsExt = P + Math.ceil((2 * P) / A) * A;
    this.minBlock = Math.ceil((2 * P) / U) * U;
    this.minListed = Math.ceil((4 * P) / U) * U;
    const units = Math.floor(heap.size / U);
    this.nClass = Math.max(1, Math.floor(Math.log2(Math.max(1, units))) + 1);
    if (units >= 2 ** (bits - TAG_SHIFT) || units >= 2 ** (bits - E_OFF_SHIFT))
      throw new SimError(
        'HEAP_TOO_LARGE',
        `${name}: a heap of ${heap.size} bytes is too large for ${P}-byte handle entries (at most ${(2 ** (bits - E_OFF_SHIFT) - 1) * U} bytes)`,
      );
    const p = ctx.params;
    this.chunk = Math.max(1, Math.floor(Number(p.chunk ?? 32)));
    this.fillScan = Math.max(0, Math.floor(Number(p.fillScan ?? 64)));
    this.idleCompact = p.idle === undefined ? true : Boolean(p.idle);
    this.generational = opts.generational;
    this.promoteAfter = Math.max(1, Math.floor(Number(p.promoteAfter ?? 2)));
    this.majorEvery = Math.max(1, Math.floor(Number(p.majorEvery ?? 8)));

    // Control block: the free-list heads plus 8 words of globals (top, table low, table count,
    // free-entry head, bitmap, free bytes, compaction cursor, old-area top).
    const ctrl = (this.nClass + 8) * P;
    // First block: at or after the control block, with its payload (first + P) aligned to A
    // and a multiple of U from the base, so entries can store payload offsets in units of U.
    let first = this.base + ctrl;
    while ((first + P) % A !== 0 || (first + P - this.base) % U !== 0) first++;
    this.first = first;
    this.top = first;
    this.tableLow = this.tableEnd;
    this.oldTop = first;
    if (this.first + this.minBlock + P > this.tableEnd)
      throw new SimError('HEAP_TOO_SMALL', `${name}: a heap of ${heap.size} bytes cannot hold the control block (${first - this.base} bytes) and one block`);
    this.freeTotal = this.tableLow - this.top;
    // The list heads start zeroed (fresh simulated RAM is zero-filled).

    this.maxAccess = bus.maxAccessCycles(heap.base);
  }

  // =========================================================================================
  // Public operations (counted)
  // =========================================================================================

  alloc(size: number): number {
    const req = Math.max(0, size);
    const needEntry = this.hFree === 0;
    const idx = needEntry ? this.tableCount : this.hFree - 1;
    const bs = this.blockFor(req, idx);
    let ext = this.tmpExt;
    this.bus.work(2);
    // A new table chunk needs at least one entry's worth of gap.
    if (needEntry && this.tableLow - this.top < this.P) {
      this.lastFailed = req;
      return 0;
    }
    const b = this.findFree(bs, ext);
    const fsz = b !== 0 ? this.sizeOfFree(this.bus.peekPtr(b)) : 0;
    if (b === 0 && this.top + bs + (needEntry ? this.P : 0) > this.tableLow) {
      this.lastFailed = req;
      return 0;
    }
    if (needEntry) this.growTable(b === 0 ? bs : 0);
    // Pop the entry.
    const h = this.entryAddr(idx);
    const e = this.bus.readPtr(h);
    this.hFree = e >>> 1;
    let blk: number;
    let final = bs;
    if (b !== 0) {
      blk = b;
      this.listRemove(b, fsz);
      const rem = fsz - bs;
      if (rem >= this.minBlock) {
        this.writeFree(b + bs, rem);
      } else {
        final = fsz;
        if (!ext && final / this.U > this.sizeMask) ext = true;
        this.setPrevFree(b + fsz, false);
      }
    } else {
      blk = this.top;
      this.top += bs;
    }
    this.writeUsedHeader(blk, final, idx, ext, false);
    const payload = blk + (ext ? this.hsExt : this.hsSmall);
    this.bus.writePtr(h, this.entryValue(payload, ext, 0));
    this.freeTotal -= final;
    this.usedCount++;
    this.usedHeaderBytes += ext ? this.hsExt : this.hsSmall;
    return h;
  }

  free(h: number): void {
    const e = this.validate(h);
    if (locks(e) !== 0) throw new AllocatorUsageError(`free of locked handle 0x${h.toString(16)} (lock count ${locks(e)})`);
    const ext = (e & E_EXT) !== 0;
    const hs = ext ? this.hsExt : this.hsSmall;
    const b = this.payloadOf(e) - hs;
    const t = this.bus.readPtr(b);
    const size = this.usedSize(b, t);
    this.freeRegion(b, size, (t & F_PREV_FREE) !== 0, true);
    const idx = this.indexOf(h);
    this.bus.writePtr(h, this.hFree * 2 + E_FREE);
    this.hFree = idx + 1;
    this.freeTotal += size;
    this.usedCount--;
    this.usedHeaderBytes -= hs;
  }

  realloc(h: number, size: number): number {
    const e = this.validate(h);
    const req = Math.max(0, size);
    const locked = locks(e) !== 0;
    const ext = (e & E_EXT) !== 0;
    const hs = ext ? this.hsExt : this.hsSmall;
    const payload = this.payloadOf(e);
    const b = payload - hs;
    const t = this.bus.readPtr(b);
    const F = this.usedSize(b, t);
    const idx = this.indexOf(h);
    const nb = this.blockFor(req, idx);
    const next = this.tmpExt;
    this.bus.work(2);
    if (next === ext) {
      if (nb <= F) {
        const rem = F - nb;
        if (rem >= this.minBlock) {
          this.writeUsedSize(b, t, nb, ext);
          this.freeRegion(b + nb, rem, false, true);
          this.freeTotal += rem;
        }
        return h;
      }
      const n = b + F;
      if (n === this.top) {
        if (b + nb <= this.tableLow) {
          this.top = b + nb;
          this.freeTotal -= nb - F;
          this.writeUsedSize(b, t, nb, ext);
          this.repoint(b, nb);
          return h;
        }
      } else {
        const nt = this.bus.readPtr(n);
        if ((nt & F_FREE) !== 0) {
          const NF = this.sizeOfFree(nt);
          const tot = F + NF;
          const rem = tot - nb;
          const newSize = rem >= this.minBlock ? nb : tot;
          if (tot >= nb && (ext || newSize / this.U <= this.sizeMask)) {
            this.listRemove(n, NF);
            if (rem >= this.minBlock) this.writeFree(b + nb, rem);
            else this.setPrevFree(b + tot, false);
            this.writeUsedSize(b, t, newSize, ext);
            this.freeTotal -= newSize - F;
            this.repoint(b, newSize);
            return h;
          }
        }
      }
    }
    // Move to a new block (the handle stays).
    if (locked)
      throw new AllocatorUsageError(`realloc of locked handle 0x${h.toString(16)} to ${size} bytes would move it`);
    let nExt = next;
    let nbFinal = nb;
    let dst = this.findFree(nb, nExt);
    if (dst !== 0) {
      const fsz = this.sizeOfFree(this.bus.peekPtr(dst));
      this.listRemove(dst, fsz);
      const rem = fsz - nb;
      if (rem >= this.minBlock) this.writeFree(dst + nb, rem);
      else {
        nbFinal = fsz;
        if (!nExt && nbFinal / this.U > this.sizeMask) nExt = true;
        this.setPrevFree(dst + fsz, false);
      }
    } else if (this.top + nb <= this.tableLow) {
      dst = this.top;
      this.top += nb;
    } else {
      this.lastFailed = req;
      this.lastFailedRealloc = req;
      this.pendingLift = h;
      return 0;
    }
    this.writeUsedHeader(dst, nbFinal, idx, nExt, false);
    const nhs = nExt ? this.hsExt : this.hsSmall;
    this.bus.copy(dst + nhs, payload, Math.min(F - hs, req));
    this.bus.writePtr(h, this.entryValue(dst + nhs, nExt, 0));
    // The new block may have been carved from the free block just below: re-read prevFree.
    this.freeRegion(b, F, (this.bus.readPtr(b) & F_PREV_FREE) !== 0, true);
    this.freeTotal += F - nbFinal;
    this.usedHeaderBytes += nhs - hs;
    return h;
  }

  lock(h: number): number {
    const e = this.validate(h);
    const n = locks(e);
    if (n === E_LOCK_MAX) throw new AllocatorUsageError(`lock count of handle 0x${h.toString(16)} would exceed ${E_LOCK_MAX}`);
    this.bus.writePtr(h, e + (1 << E_LOCK_SHIFT));
    return this.payloadOf(e);
  }

  unlock(h: number): void {
    const e = this.validate(h);
    if (locks(e) === 0) throw new AllocatorUsageError(`unlock of unlocked handle 0x${h.toString(16)}`);
    this.bus.writePtr(h, e - (1 << E_LOCK_SHIFT));
  }

  compact(budgetCycles?: number): CompactResult {
    const bus = this.bus;
    const start = bus.cycles;
    const startMoved = this.stats.bytesMoved;
    const full = budgetCycles === undefined || !Number.isFinite(budgetCycles);
    const lc = this.lastCall;
    lc.moves = 0;
    lc.steps = 0;
    lc.maxMoveCycles = 0;
    lc.maxStepCycles = 0;
    if (full) {
      // A whole pass (minor first in the generational variant; major if that was not enough).
      this.beginCycle(true, !this.generational);
      this.runToEnd();
      if (this.generational && this.lastFailed > 0 && this.largestAllocatable() < this.lastFailed) {
        this.beginCycle(true, true);
        this.runToEnd();
      }
      this.lastFailed = 0;
      this.trimHandles();
      if (this.pendingLift !== 0) {
        this.liftToTop(this.pendingLift);
        this.pendingLift = 0;
      }
    } else {
      const budget = Math.max(0, budgetCycles);
      if (!this.cycleActive) {
        if (!this.hasHoles()) return this.finishCall(start, startMoved, true);
        const major = !this.generational || (this.stats.compactions + 1) % this.majorEvery === 0;
        this.beginCycle(false, major);
      }
      // Never start a step that could take the call past the budget, except the first one:
      // a pause is at most max(B, one step), and every call makes progress.
      while (this.cycleActive) {
        const est = this.estimateStep();
        const spent = bus.cycles - start;
        if (lc.steps > 0 && spent + est.cost > budget) break;
        const c0 = bus.cycles;
        this.step();
        const dc = bus.cycles - c0;
        if (dc > lc.maxStepCycles) lc.maxStepCycles = dc;
      }
    }
    return this.finishCall(start, startMoved, !this.cycleActive);
  }

  idle(cycles: number): CompactResult | undefined {
    if (!this.idleCompact || cycles <= 0) return undefined;
    if (!this.cycleActive && !this.hasHoles()) return undefined;
    return this.compact(cycles);
  }

  // =========================================================================================
  // Observers (uncounted)
  // =========================================================================================

  usableSize(h: number): number {
    const e = this.validate(h, this.bus.observer);
    const ext = (e & E_EXT) !== 0;
    const hs = ext ? this.hsExt : this.hsSmall;
    const b = this.payloadOf(e) - hs;
    const o = this.bus.observer;
    return this.usedSize(b, o.readPtr(b), o) - hs;
  }

  addressOf(h: number): number {
    return this.payloadOf(this.validate(h, this.bus.observer));
  }

  /** Lock count of a live handle (observer). */
  lockCount(h: number): number {
    return locks(this.validate(h, this.bus.observer));
  }

  freeBytes(): number {
    return this.freeTotal;
  }

  largestAllocatable(): number {
    const needEntry = this.hFree === 0;
    const idx = needEntry ? this.tableCount : this.hFree - 1;
    const gap = this.tableLow - this.top - (needEntry ? this.P : 0);
    if (needEntry && gap < 0) return 0;
    let best = -1;
    if (gap >= this.minBlock) best = this.capacity(Math.floor(gap / this.U) * this.U, idx, true);
    // The largest listed free block (in the highest non-empty class).
    if (this.bitmap !== 0) {
      const c = 31 - Math.clz32(this.bitmap);
      if (c !== this.lcClass) {
        this.lcMax = this.classMax(c);
        this.lcClass = c;
      }
      best = Math.max(best, this.capacity(this.lcMax, idx, false));
    }
    return Math.max(0, best);
  }

  /** The largest free block on class c's list, by a walk of the list (uncounted). */
  private classMax(c: number): number {
    let n = this.bus.peekPtr(this.base + c * this.P);
    let max = 0;
    while (n !== 0) {
      const s = this.sizeOfFree(this.bus.peekPtr(n));
      if (s > max) max = s;
      n = this.bus.peekPtr(n + this.P);
    }
    return max;
  }

  metadataBytes(): number {
    return this.first - this.base + (this.heapEnd - this.tableLow) + this.usedHeaderBytes;
  }

  fixedMetadataBytes(): number {
    return this.first - this.base + (this.heapEnd - this.tableEnd);
  }

  /** Header + payload rounded to the unit, plus the block's master-pointer entry. */
  blockFootprint(size: number): number {
    return this.blockFor(Math.max(0, size), 0) + this.P;
  }

  walk(visit: (b: BlockInfo) => void): void {
    const bus = this.bus;
    const info: BlockInfo = { addr: this.base, size: this.first - this.base, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false };
    visit(info);
    let b = this.first;
    while (b < this.top) {
      const t = bus.peekPtr(b);
      if ((t & F_FREE) !== 0) {
        const s = this.sizeOfFree(t);
        visit({ addr: b, size: s, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
        b += s || this.U;
      } else {
        const ext = (t & F_EXT) !== 0;
        const s = this.usedSize(b, t, bus.observer);
        const idx = this.handleIndex(b, t, bus.observer);
        const h = this.entryAddr(idx);
        const hs = ext ? this.hsExt : this.hsSmall;
        const e = h >= this.tableLow && h < this.tableEnd ? bus.peekPtr(h) : 0;
        visit({
          addr: b, size: s, state: 'used', handle: h, payload: b + hs, usable: s - hs,
          locked: locks(e) !== 0,
        });
        b += s || this.U;
      }
    }
    if (this.tableLow > this.top)
      visit({ addr: this.top, size: this.tableLow - this.top, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
    if (this.heapEnd > this.tableLow)
      visit({ addr: this.tableLow, size: this.heapEnd - this.tableLow, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
  }

  check(): string[] {
    const v: string[] = [];
    const bus = this.bus;
    const P = this.P;
    const U = this.U;
    const starts = new Set<number>();
    let b = this.first;
    let prevFree = false;
    let free = 0;
    let used = 0;
    let hdr = 0;
    let listedExpect = 0;
    const usedIdx = new Set<number>();
    while (b < this.top) {
      starts.add(b);
      const t = bus.peekPtr(b);
      const pf = (t & F_PREV_FREE) !== 0;
      if (pf !== prevFree) v.push(`block ${hex(b, 0)}: prevFree bit ${pf} but previous block free=${prevFree}`);
      if ((t & F_FREE) !== 0) {
        const s = this.sizeOfFree(t);
        if (s < this.minBlock || s % U !== 0) { v.push(`free block ${hex(b, 0)}: bad size ${s}`); break; }
        if (prevFree) v.push(`free block ${hex(b, 0)}: adjacent to a free block (not coalesced)`);
        if (bus.peekPtr(b + s - P) !== s / U) v.push(`free block ${hex(b, 0)}: footer ${bus.peekPtr(b + s - P)} != ${s / U}`);
        if (b + s === this.top) v.push(`free block ${hex(b, 0)}: lies just below top (should be in the gap)`);
        if (s >= this.minListed) listedExpect++;
        free += s;
        prevFree = true;
        b += s;
      } else {
        const ext = (t & F_EXT) !== 0;
        const s = this.usedSize(b, t, bus.observer);
        if (s < this.minBlock || s % U !== 0) { v.push(`used block ${hex(b, 0)}: bad size ${s}`); break; }
        const idx = this.handleIndex(b, t, bus.observer);
        if (idx >= this.tableCount) v.push(`used block ${hex(b, 0)}: handle index ${idx} outside the table (${this.tableCount})`);
        else {
          const e = bus.peekPtr(this.entryAddr(idx));
          const hs = ext ? this.hsExt : this.hsSmall;
          if ((e & E_FREE) !== 0) v.push(`used block ${hex(b, 0)}: its entry ${idx} is free`);
          else if (this.payloadOf(e) !== b + hs) v.push(`used block ${hex(b, 0)}: entry ${idx} points at ${hex(this.payloadOf(e), 0)}, payload is ${hex(b + hs, 0)}`);
          else if (((e & E_EXT) !== 0) !== ext) v.push(`used block ${hex(b, 0)}: ext flag differs between header and entry`);
          if (usedIdx.has(idx)) v.push(`used block ${hex(b, 0)}: entry ${idx} named by two blocks`);
          usedIdx.add(idx);
          hdr += hs;
        }
        if (!ext && s / U > this.sizeMask) v.push(`used block ${hex(b, 0)}: small header with size ${s}`);
        used++;
        prevFree = false;
        b += s;
      }
    }
    if (b !== this.top) v.push(`block walk ends at ${hex(b, 0)}, top is ${hex(this.top, 0)}`);
    if (this.top > this.tableLow) v.push(`top ${hex(this.top, 0)} above the handle table ${hex(this.tableLow, 0)}`);
    if (used !== this.usedCount) v.push(`used blocks ${used} != counter ${this.usedCount}`);
    if (hdr !== this.usedHeaderBytes) v.push(`header bytes ${hdr} != counter ${this.usedHeaderBytes}`);
    if (free + this.tableLow - this.top !== this.freeTotal) v.push(`free bytes ${free + this.tableLow - this.top} != counter ${this.freeTotal}`);
    // Free lists.
    let listed = 0;
    for (let c = 0; c < this.nClass; c++) {
      let n = bus.peekPtr(this.base + c * P);
      if ((n !== 0) !== ((this.bitmap >>> c) & 1 ? true : false)) v.push(`class ${c}: bitmap bit disagrees with the list`);
      let prev = 0;
      let guard = 0;
      while (n !== 0) {
        if (!starts.has(n)) { v.push(`class ${c}: node ${hex(n, 0)} is not a block`); break; }
        const t = bus.peekPtr(n);
        if ((t & F_FREE) === 0) v.push(`class ${c}: node ${hex(n, 0)} is not free`);
        else if (this.classOf(this.sizeOfFree(t) / U) !== c) v.push(`class ${c}: node ${hex(n, 0)} of size ${this.sizeOfFree(t)} in the wrong class`);
        if (bus.peekPtr(n + 2 * P) !== prev) v.push(`class ${c}: node ${hex(n, 0)} prev link wrong`);
        prev = n;
        listed++;
        n = bus.peekPtr(n + P);
        if (++guard > 1e7) { v.push(`class ${c}: cycle in list`); break; }
      }
    }
    if (listed !== listedExpect) v.push(`${listed} listed free blocks, ${listedExpect} free blocks large enough to be listed`);
    if (this.lcClass >= 0 && this.classMax(this.lcClass) !== this.lcMax)
      v.push(`largest-block memo ${this.lcMax} for class ${this.lcClass} != list maximum ${this.classMax(this.lcClass)}`);
    // Handle table.
    if (this.tableEnd - this.tableLow !== this.tableCount * P) v.push(`table bytes ${this.tableEnd - this.tableLow} != ${this.tableCount} entries`);
    let freeEntries = 0;
    let f = this.hFree;
    const seenFree = new Set<number>();
    while (f !== 0) {
      const i = f - 1;
      if (i >= this.tableCount || seenFree.has(i)) { v.push(`free entry list broken at ${i}`); break; }
      seenFree.add(i);
      const e = bus.peekPtr(this.entryAddr(i));
      if ((e & E_FREE) === 0) { v.push(`free entry list: entry ${i} is in use`); break; }
      freeEntries++;
      f = e >>> 1;
    }
    if (freeEntries + this.usedCount !== this.tableCount) v.push(`${freeEntries} free + ${this.usedCount} used entries != ${this.tableCount}`);
    // Walk pointers.
    const isStart = (p: number) => p === this.top || starts.has(p);
    if (this.cycleActive && !isStart(this.cur)) v.push(`compaction cursor ${hex(this.cur, 0)} is not a block start`);
    if (Number.isFinite(this.lowHole) && this.lowHole < this.top && !starts.has(this.lowHole)) v.push(`lowHole ${hex(this.lowHole, 0)} is not a block start`);
    if (this.generational && !isStart(this.oldTop)) v.push(`oldTop ${hex(this.oldTop, 0)} is not a block start`);
    for (const m of this.marks) if (!isStart(m)) v.push(`mark ${hex(m, 0)} is not a block start`);
    // Every hole lies at or above lowHole.
    if (!this.cycleActive) for (const s of starts) if (s < this.lowHole && (bus.peekPtr(s) & F_FREE) !== 0) { v.push(`free block ${hex(s, 0)} below lowHole ${hex(this.lowHole, 0)}`); break; }
    return v;
  }

  // =========================================================================================
  // Internals: blocks and lists (counted)
  // =========================================================================================

  /** Block size for a request with handle index idx; sets tmpExt when it needs the ext header. */
  private blockFor(req: number, idx: number): number {
    const U = this.U;
    let s = Math.ceil((this.hsSmall + req) / U) * U;
    if (s < this.minBlock) s = this.minBlock;
    if (s / U <= this.sizeMask && idx <= this.idxMax) {
      this.tmpExt = false;
      return s;
    }
    this.tmpExt = true;
    s = Math.ceil((this.hsExt + req) / U) * U;
    return s < this.minBlock ? this.minBlock : s;
  }

  /** Largest request a free block of F bytes serves (gap: no whole-block absorption issue). */
  private capacity(F: number, idx: number, gap: boolean): number {
    if (F < this.minBlock) return -1;
    const U = this.U;
    const smallMax = this.sizeMask * U;
    let best = F - this.hsExt;
    if (idx <= this.idxMax) {
      if (F <= smallMax) best = Math.max(best, F - this.hsSmall);
      else {
        // A small block taken from a larger free block must leave a remainder (or be the gap).
        const lim = gap ? smallMax : Math.min(smallMax, F - this.minBlock);
        best = Math.max(best, lim - this.hsSmall);
      }
    }
    return best;
  }

  private findFree(bs: number, ext: boolean): number {
    const bus = this.bus;
    const P = this.P;
    const c = this.classOf(bs / this.U);
    bus.work(1); // units = size >> log2(U)
    bus.fls(); // class = fls(units)
    if (c < this.nClass && ((this.bitmap >>> c) & 1) !== 0) {
      let n = bus.readPtr(this.base + c * P);
      while (n !== 0) {
        const F = this.sizeOfFree(bus.readPtr(n));
        if (this.fits(F, bs, ext)) return n;
        n = bus.readPtr(n + P);
      }
    }
    let m = c + 1 < 32 ? (this.bitmap >>> (c + 1)) << (c + 1) : 0;
    while (m !== 0) {
      const c2 = 31 - Math.clz32(m & -m);
      bus.ffs(); // the next non-empty class above
      let n = bus.readPtr(this.base + c2 * P);
      while (n !== 0) {
        const F = this.sizeOfFree(bus.readPtr(n));
        if (this.fits(F, bs, ext)) return n;
        n = bus.readPtr(n + P);
      }
      m &= m - 1;
    }
    return 0;
  }

  private fits(F: number, bs: number, ext: boolean): boolean {
    if (F < bs) return false;
    return ext || F - bs >= this.minBlock || F / this.U <= this.sizeMask;
  }

  private classOf(units: number): number {
    return 31 - Math.clz32(units);
  }

  private sizeOfFree(t: number): number {
    return (t >>> TAG_SHIFT) * this.U;
  }

  /** Handle index of a used block from its header word t (the ext index word read through m). */
  private handleIndex(b: number, t: number, m: MemPort): number {
    return (t & F_EXT) !== 0 ? m.readPtr(b + 2 * this.P) : t >>> (TAG_SHIFT + this.sizeBits);
  }

  /** Whether the used block at b (header word t) is locked: its index, then its entry, through m. */
  private blockLocked(b: number, t: number, m: MemPort): boolean {
    return locks(m.readPtr(this.entryAddr(this.handleIndex(b, t, m)))) !== 0;
  }

  /** Size of a used block from its header word t (reads the ext size word through m when needed). */
  private usedSize(b: number, t: number, m: MemPort = this.bus): number {
    if ((t & F_EXT) !== 0) return m.readPtr(b + this.P) * this.U;
    return ((t >>> TAG_SHIFT) & this.sizeMask) * this.U;
  }

  private writeUsedHeader(b: number, size: number, idx: number, ext: boolean, pf: boolean): void {
    const bus = this.bus;
    const units = size / this.U;
    if (ext) {
      bus.writePtr(b, F_EXT + (pf ? F_PREV_FREE : 0));
      bus.writePtr(b + this.P, units);
      bus.writePtr(b + 2 * this.P, idx);
    } else {
      bus.writePtr(b, idx * 2 ** (TAG_SHIFT + this.sizeBits) + units * 2 ** TAG_SHIFT + (pf ? F_PREV_FREE : 0));
    }
  }

  /** Rewrites the size of a used block whose header word is t. */
  private writeUsedSize(b: number, t: number, size: number, ext: boolean): void {
    const units = size / this.U;
    if (ext) this.bus.writePtr(b + this.P, units);
    else {
      const keep = t - ((t >>> TAG_SHIFT) & this.sizeMask) * 2 ** TAG_SHIFT;
      this.bus.writePtr(b, keep + units * 2 ** TAG_SHIFT);
    }
  }

  /** Writes a free block (header, footer) and lists it when it is large enough. */
  private writeFree(b: number, size: number): void {
    const units = size / this.U;
    this.bus.writePtr(b, units * 2 ** TAG_SHIFT + F_FREE);
    this.bus.writePtr(b + size - this.P, units);
    if (size >= this.minListed) this.listInsert(b, size);
  }

  private setPrevFree(n: number, on: boolean): void {
    if (n >= this.top) return;
    const t = this.bus.readPtr(n);
    const want = on ? (t | F_PREV_FREE) >>> 0 : (t & ~F_PREV_FREE) >>> 0;
    if (want !== t) this.bus.writePtr(n, want);
  }

  private listInsert(b: number, size: number): void {
    const bus = this.bus;
    const P = this.P;
    const c = this.classOf(size / this.U);
    const hAddr = this.base + c * P;
    const head = bus.readPtr(hAddr);
    bus.writePtr(b + P, head);
    bus.writePtr(b + 2 * P, 0);
    if (head !== 0) bus.writePtr(head + 2 * P, b);
    bus.writePtr(hAddr, b);
    this.bitmap = (this.bitmap | (1 << c)) >>> 0;
    bus.work(1); // units = size >> log2(U)
    bus.fls(); // class = fls(units)
    bus.work(1); // set the class's bitmap bit
    if (c === this.lcClass && size > this.lcMax) this.lcMax = size;
  }

  private listRemove(b: number, size: number): void {
    if (size < this.minListed) return;
    if (size >= this.lcMax && this.classOf(size / this.U) === this.lcClass) this.lcClass = -1;
    const bus = this.bus;
    const P = this.P;
    const next = bus.readPtr(b + P);
    const prev = bus.readPtr(b + 2 * P);
    if (prev !== 0) bus.writePtr(prev + P, next);
    else {
      const c = this.classOf(size / this.U);
      bus.work(1); // units = size >> log2(U)
      bus.fls(); // class = fls(units): the list head to update
      bus.writePtr(this.base + c * P, next);
      if (next === 0) this.bitmap = (this.bitmap & ~(1 << c)) >>> 0;
    }
    if (next !== 0) bus.writePtr(next + 2 * P, prev);
  }

  /**
   * Makes [b, b+size) free, coalescing with free neighbours or returning it to the gap.
   * `pf`: whether the block before b is free. `user`: called from free/realloc (a new hole),
   * not from the compactor (whose holes the cursor will reach anyway).
   */
  private freeRegion(b: number, size: number, pf: boolean, user: boolean): void {
    const bus = this.bus;
    let start = b;
    let s = size;
    const n = b + size;
    if (n < this.top) {
      const nt = bus.readPtr(n);
      if ((nt & F_FREE) !== 0) {
        const NF = this.sizeOfFree(nt);
        this.listRemove(n, NF);
        s += NF;
      } else bus.writePtr(n, (nt | F_PREV_FREE) >>> 0);
    }
    if (pf) {
      const ps = bus.readPtr(b - this.P) * this.U;
      start = b - ps;
      this.listRemove(start, ps);
      s += ps;
    }
    if (start + s === this.top) {
      this.top = start;
      this.clampPointers();
    } else {
      this.writeFree(start, s);
      this.repoint(start, s);
      if (user && start < this.lowHole) this.lowHole = start;
      if (user && this.cycleActive && start < this.cur) this.cur = start;
    }
  }

  /** Walk pointers that fell inside [start, start+size) move to its start. */
  private repoint(start: number, size: number): void {
    const end = start + size;
    if (this.cur > start && this.cur < end) this.cur = start;
    if (this.lowHole > start && this.lowHole < end) this.lowHole = start;
    if (this.oldTop > start && this.oldTop < end) this.oldTop = start;
    for (let i = 0; i < this.marks.length; i++) {
      const m = this.marks[i]!;
      if (m > start && m < end) this.marks[i] = start;
    }
  }

  private clampPointers(): void {
    const t = this.top;
    if (this.cur > t) this.cur = t;
    if (this.lowHole > t && Number.isFinite(this.lowHole)) this.lowHole = Infinity;
    if (this.oldTop > t) this.oldTop = t;
    for (let i = 0; i < this.marks.length; i++) if (this.marks[i]! > t) this.marks[i] = t;
  }

  // ---- handle table ------------------------------------------------------------------------

  private entryAddr(idx: number): number {
    return this.tableEnd - this.P * (idx + 1);
  }

  private indexOf(h: number): number {
    return (this.tableEnd - h) / this.P - 1;
  }

  private entryValue(payload: number, ext: boolean, lock: number): number {
    return ((payload - this.base) / this.U) * 2 ** E_OFF_SHIFT + lock * 2 ** E_LOCK_SHIFT + (ext ? E_EXT : 0);
  }

  private payloadOf(e: number): number {
    return this.base + (e >>> E_OFF_SHIFT) * this.U;
  }

  /** The entry of a live handle, read through m; throws on anything that is not one. */
  private validate(h: number, m: MemPort = this.bus): number {
    if (!(h >= this.tableLow && h < this.tableEnd) || (this.tableEnd - h) % this.P !== 0)
      throw new AllocatorUsageError(`0x${Number(h).toString(16)} is not a handle of this heap`);
    const e = m.readPtr(h);
    if ((e & E_FREE) !== 0) throw new AllocatorUsageError(`use of freed handle 0x${h.toString(16)}`);
    return e;
  }

  /** Adds up to `chunk` entries below the table, keeping `reserve` bytes of gap free. */
  private growTable(reserve: number): void {
    const P = this.P;
    const avail = this.tableLow - this.top - reserve;
    const k = Math.max(1, Math.min(this.chunk, Math.floor(avail / P)));
    const firstIdx = this.tableCount;
    for (let i = 0; i < k; i++) {
      const idx = firstIdx + i;
      const next = i + 1 < k ? idx + 2 : this.hFree; // (next index + 1), or the old head
      this.bus.writePtr(this.entryAddr(idx), next * 2 + E_FREE);
    }
    this.hFree = firstIdx + 1;
    this.tableCount += k;
    this.tableLow -= k * P;
    this.freeTotal -= k * P;
    this.bus.work(k);
  }

  /**
   * Rebuilds the free-entry list in index order (so new handles come from the high end) and
   * gives the unused low end of the table back to the gap. Part of a full compaction.
   */
  private trimHandles(): void {
    if (this.usedCount === this.tableCount) return;
    const bus = this.bus;
    let highestUsed = -1;
    for (let i = this.tableCount - 1; i >= 0; i--) {
      if ((bus.readPtr(this.entryAddr(i)) & E_FREE) === 0) { highestUsed = i; break; }
    }
    const newCount = highestUsed + 1;
    let head = 0;
    for (let i = newCount - 1; i >= 0; i--) {
      const a = this.entryAddr(i);
      if ((bus.readPtr(a) & E_FREE) !== 0) {
        bus.writePtr(a, head * 2 + E_FREE);
        head = i + 1;
      }
    }
    this.hFree = head;
    const released = (this.tableCount - newCount) * this.P;
    this.tableCount = newCount;
    this.tableLow += released;
    this.freeTotal += released;
  }

  // ---- compaction --------------------------------------------------------------------------

  /**
   * After a full pass, moves the block of a realloc that failed to the end of the block area
   * (the blocks above it slide down by its size), so the retry can grow it in place into the
   * gap: the realloc then needs only the growth, not a second copy of the block. The rotation
   * runs through the gap as a bounce buffer (Gries-Mills block swaps when the gap is smaller
   * than both parts), so it needs no free space beyond one unit. Given up when a block above
   * is locked or free, or when the gap already holds the grown block.
   */
  private liftToTop(h: number): void {
    if (!(h >= this.tableLow && h < this.tableEnd) || (this.tableEnd - h) % this.P !== 0) return;
    const bus = this.bus;
    const e = bus.readPtr(h);
    if ((e & E_FREE) !== 0 || locks(e) !== 0) return;
    const U = this.U;
    const ext = (e & E_EXT) !== 0;
    const b = this.payloadOf(e) - (ext ? this.hsExt : this.hsSmall);
    const tx = bus.readPtr(b);
    const F = this.usedSize(b, tx);
    const g = Math.floor((this.tableLow - this.top) / U) * U;
    if (g < U || g >= this.lastLiftNeed) return;
    // Everything above must be used and unlocked.
    let p = b + F;
    while (p < this.top) {
      const t = bus.readPtr(p);
      if ((t & F_FREE) !== 0) return;
      if (this.blockLocked(p, t, bus)) return;
      p += this.usedSize(p, t);
    }
    const L = this.top - b - F;
    if (L === 0) return;
    this.rotateLeft(b, F, L, this.top, g);
    // Fix the entries and prevFree bits: the blocks above now start at b, X at b + L.
    p = b;
    const end = b + L;
    while (p < end) {
      const t = bus.readPtr(p);
      const a = this.entryAddr(this.handleIndex(p, t, bus));
      bus.writePtr(a, bus.readPtr(a) - (F / U) * 2 ** E_OFF_SHIFT);
      if (p === b) bus.writePtr(p, ((t & ~F_PREV_FREE) | (tx & F_PREV_FREE)) >>> 0);
      p += this.usedSize(p, t);
    }
    bus.writePtr(end, (tx & ~F_PREV_FREE) >>> 0);
    bus.writePtr(h, e + (L / U) * 2 ** E_OFF_SHIFT);
    if (this.lowHole > b && this.lowHole < this.top) this.lowHole = b;
    if (this.oldTop > b && this.oldTop < this.top) this.oldTop = b;
    for (let i = 0; i < this.marks.length; i++) if (this.marks[i]! > b && this.marks[i]! < this.top) this.marks[i] = b;
    this.stats.bytesMoved += F + L;
    this.stats.moves++;
  }

  /** Size the failed realloc wanted (its block size): lifting only helps when the gap is smaller. */
  private get lastLiftNeed(): number {
    return Math.ceil((this.hsExt + this.lastFailedRealloc) / this.U) * this.U;
  }

  private lastFailedRealloc = 0;

  /** Rotates [s, s+a+b) left by a (the first a bytes go to the end) with a g-byte buffer at buf. */
  private rotateLeft(s: number, a: number, b: number, buf: number, g: number): void {
    const bus = this.bus;
    for (;;) {
      if (a === 0 || b === 0) return;
      if (a <= g) {
        bus.copy(buf, s, a);
        bus.copy(s, s + a, b);
        bus.copy(s + b, buf, a);
        return;
      }
      if (b <= g) {
        bus.copy(buf, s + a, b);
        bus.copy(s + b, s, a);
        bus.copy(s, buf, b);
        return;
      }
      if (a <= b) {
        // [A][B1][B2] with |B2| = a: swap A and B2, then rotate [B2][B1] left by a.
        this.swapRanges(s, s + b, a, buf, g);
        b -= a;
      } else {
        // [A1][A2][B] with |A1| = b: swap A1 and B, then rotate [A2][A1] left by a - b.
        this.swapRanges(s, s + a, b, buf, g);
        s += b;
        a -= b;
      }
    }
  }

  private swapRanges(x: number, y: number, n: number, buf: number, g: number): void {
    const bus = this.bus;
    for (let off = 0; off < n; off += g) {
      const k = Math.min(g, n - off);
      bus.copy(buf, x + off, k);
      bus.copy(x + off, y + off, k);
      bus.copy(y + off, buf, k);
    }
  }

  private hasHoles(): boolean {
    return this.freeTotal > this.tableLow - this.top;
  }

  private beginCycle(full: boolean, major: boolean): void {
    this.cycleFull = full;
    this.cycleMajor = major;
    const startAt = major ? this.first : this.oldTop;
    // A pass that replaces one in progress must also cover the holes at and after its cursor.
    let cur = Math.min(this.lowHole, this.top, this.cycleActive ? this.cur : Infinity);
    if (cur < startAt) cur = startAt;
    this.cur = cur;
    if (this.lowHole >= cur) this.lowHole = Infinity;
    this.cycleActive = true;
    this.stats.compactions++;
    if (major) this.stats.major++;
    else this.stats.minor++;
  }

  private runToEnd(): void {
    while (this.cycleActive) this.step();
  }

  private endCycle(): void {
    this.cycleActive = false;
    if (!this.generational) return;
    if (this.cycleMajor) {
      this.oldTop = this.top;
      this.marks.length = 0;
    } else {
      this.marks.push(this.top);
      if (this.marks.length >= this.promoteAfter) {
        const m = this.marks.shift()!;
        if (m > this.oldTop) this.oldTop = m;
      }
    }
  }

  /** An upper bound of the next step's cycles (from uncounted peeks), and whether it moves. */
  private estimateStep(): { cost: number; move: boolean } {
    const est = this.est;
    const bus = this.bus;
    const cur = this.cur;
    if (cur >= this.top) { est.cost = 0; est.move = false; return est; }
    const t = bus.peekPtr(cur);
    if ((t & F_FREE) === 0) { est.cost = 4 * this.maxAccess + 4; est.move = false; return est; }
    const F = this.sizeOfFree(t);
    const n = cur + F;
    const o = bus.observer;
    const nt = o.readPtr(n);
    const ns = this.usedSize(n, nt, o);
    if (!this.blockLocked(n, nt, o)) {
      est.cost = 24 * this.maxAccess + 16 + bus.copyBound(this.base, ns);
    } else {
      // The search reads at most fillScan headers and the entries of those that fit.
      est.cost = (24 + 2 * this.fillScan) * this.maxAccess + 16 + this.fillScan + bus.copyBound(this.base, F);
    }
    est.move = true;
    return est;
  }

  private readonly est = { cost: 0, move: false };


  /** One step of the walk. */
  private step(): number {
    const bus = this.bus;
    const cur = this.cur;
    if (cur >= this.top) {
      this.endCycle();
      return STEP_DONE;
    }
    this.lastCall.steps++;
    const t = bus.readPtr(cur);
    if ((t & F_FREE) === 0) {
      this.cur = cur + this.usedSize(cur, t);
      bus.work(1);
      return STEP_SKIP;
    }
    const F = this.sizeOfFree(t);
    const n = cur + F;
    const nt = bus.readPtr(n);
    const NF = this.usedSize(n, nt);
    const ea = this.entryAddr(this.handleIndex(n, nt, bus));
    const e = bus.readPtr(ea);
    bus.work(2);
    if (locks(e) === 0) {
      // Slide the block at n down into the hole at cur.
      const c0 = bus.cycles;
      this.listRemove(cur, F);
      bus.copy(cur, n, NF);
      bus.writePtr(cur, (nt & ~F_PREV_FREE) >>> 0);
      bus.writePtr(ea, e - (n - cur) / this.U * 2 ** E_OFF_SHIFT);
      for (let i = 0; i < this.marks.length; i++) if (this.marks[i] === n) this.marks[i] = cur;
      if (this.oldTop === n) this.oldTop = cur;
      const fb = cur + NF;
      // lowHole may have named the moved block (a bound, not a hole): keep it a block start.
      if (this.lowHole > cur && this.lowHole < fb) this.lowHole = cur;
      this.cur = fb;
      // The hole [fb, fb+F) now sits before the block that followed n.
      this.holeAfterMove(fb, F);
      this.noteMove(NF, bus.cycles - c0);
      return STEP_MOVE;
    }
    // The next block is locked: fill the hole with a later block that fits.
    let m = n + NF;
    let found = 0;
    let mt = 0;
    let ms = 0;
    let me = 0;
    let mea = 0;
    for (let k = 0; k < this.fillScan && m < this.top; k++) {
      const tt = bus.readPtr(m);
      bus.work(1);
      if ((tt & F_FREE) !== 0) { m += this.sizeOfFree(tt); continue; }
      const s = this.usedSize(m, tt);
      if (s === F || (s < F && F - s >= this.minBlock)) {
        const a = this.entryAddr(this.handleIndex(m, tt, bus));
        const ee = bus.readPtr(a);
        if (locks(ee) === 0) { found = m; mt = tt; ms = s; me = ee; mea = a; break; }
      }
      m += s;
    }
    if (found === 0) {
      if (cur < this.lowHole) this.lowHole = cur;
      this.cur = n + NF;
      return STEP_SKIP;
    }
    const c0 = bus.cycles;
    this.listRemove(cur, F);
    bus.copy(cur, found, ms);
    bus.writePtr(cur, (mt & ~F_PREV_FREE) >>> 0);
    bus.writePtr(mea, me - (found - cur) / this.U * 2 ** E_OFF_SHIFT);
    const rem = F - ms;
    if (rem > 0) this.writeFree(cur + ms, rem);
    else this.setPrevFree(n, false);
    this.freeRegion(found, ms, (mt & F_PREV_FREE) !== 0, false);
    this.cur = cur + ms;
    this.noteMove(ms, bus.cycles - c0);
    return STEP_MOVE;
  }

  /** After a slide: [fb, fb+F) is free and is followed by whatever followed the moved block. */
  private holeAfterMove(fb: number, F: number): void {
    const bus = this.bus;
    const m = fb + F;
    let s = F;
    if (m >= this.top) {
      this.top = fb;
      this.clampPointers();
      return;
    }
    const mt = bus.readPtr(m);
    if ((mt & F_FREE) !== 0) {
      const MF = this.sizeOfFree(mt);
      this.listRemove(m, MF);
      s += MF;
      if (fb + s === this.top) {
        this.top = fb;
        this.clampPointers();
        return;
      }
    } else bus.writePtr(m, (mt | F_PREV_FREE) >>> 0);
    this.writeFree(fb, s);
    this.repoint(fb, s);
  }

  private noteMove(bytes: number, cycles: number): void {
    const lc = this.lastCall;
    lc.moves++;
    lc.bytesMoved += bytes;
    if (cycles > lc.maxMoveCycles) lc.maxMoveCycles = cycles;
    this.stats.moves++;
    this.stats.bytesMoved += bytes;
  }

  private finishCall(start: number, startMoved: number, done: boolean): CompactResult {
    const cycles = this.bus.cycles - start;
    const moved = this.stats.bytesMoved - startMoved;
    this.lastCall.bytesMoved = moved;
    this.stats.compactCycles += cycles;
    if (cycles > this.stats.longestPause) this.stats.longestPause = cycles;
    return { bytesMoved: moved, cycles, done };
  }
}

export const RMALLOC_PARAMS: readonly ParamSpec[] = [
  { name: 'chunk', description: 'master pointers added per handle-table growth (MoreMasters)', default: 32, space: { kind: 'pow2', min: 8, max: 128 } },
  { name: 'fillScan', description: 'blocks searched ahead for one that fills a hole next to a locked block (0 = off)', default: 64, space: { kind: 'choice', values: [0, 16, 64, 256] } },
  { name: 'idle', description: 'compact incrementally during idle ops', default: true, space: { kind: 'choice', values: [true, false] } },
];

/** The compaction triggers tune searches for rmalloc and rmalloc-gen (engine run settings). */
export const RMALLOC_RUN_KNOBS: readonly RunKnob[] = [
  { flag: 'compact-above', description: 'compact after an op that leaves extFrag above X', values: ['off', 0.25, 0.5] },
  { flag: 'compact-budget', description: 'cycle budget per scheduled compaction call', values: ['off', 2000] },
];

export const rmallocFactory: AllocatorFactory = {
  name: 'rmalloc',
  summary: 'relocatable handles with lock counts; sliding compaction (full, incremental, idle) around locked blocks',
  moving: true,
  multiHeap: false,
  params: RMALLOC_PARAMS,
  runKnobs: RMALLOC_RUN_KNOBS,
  create: (ctx: AllocatorContext) => new Rmalloc(ctx, 'rmalloc', { generational: false }),
};
