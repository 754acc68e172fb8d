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
 *
 * The code is in five layers, one file each (state, handles, blocks, compactor, and this file
 * with the public operations, observers and check()); see state.ts for the map.
 */
import {
  AllocatorUsageError,
  type Allocator,
  type AllocatorContext,
  type AllocatorFactory,
  type RunKnob,
  type BlockInfo,
  type ParamSpec,
} from '../types';
import { Compactor } from './compactor';
import { hex } from '../../util';
import { chargeRoundUp } from '../costs';
import { E_EXT, E_FREE, E_LOCK_MAX, E_LOCK_SHIFT, F_EXT, F_FREE, F_PREV_FREE, locks, type RmallocOptions } from './state';

export type { RmallocOptions } from './state';

export class Rmalloc extends Compactor implements Allocator {
  constructor(ctx: AllocatorContext, name: string, opts: RmallocOptions) {
    super(ctx, name, opts);
  }

  // =========================================================================================
  // Public operations (counted)
  // =========================================================================================

  alloc(size: number): number {
    const req = Math.max(0, size);
    const needEntry = this.hFree === 0;
    const idx = needEntry ? this.tableCount : this.hFree - 1;
    let ext = this.needsExt(req, idx);
    const bs = this.blockSize(req, ext);
    chargeRoundUp(this.bus); // blockSize: roundUp(header + req, U) (the ext test and the minBlock compare are not charged)
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
    const next = this.needsExt(req, idx);
    const nb = this.blockSize(req, next);
    chargeRoundUp(this.bus); // blockSize, as in alloc
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

  metadataBytes(): number {
    return this.first - this.base + (this.heapEnd - this.tableLow) + this.usedHeaderBytes;
  }

  fixedMetadataBytes(): number {
    return this.first - this.base + (this.heapEnd - this.tableEnd);
  }

  /** Header + payload rounded to the unit, plus the block's master-pointer entry. */
  blockFootprint(size: number): number {
    const req = Math.max(0, size);
    return this.blockSize(req, this.needsExt(req, 0)) + this.P;
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
