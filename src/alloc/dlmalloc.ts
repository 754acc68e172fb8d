/**
 * dlmalloc: a dlmalloc-style allocator, the best-fit proxy of the allocator literature.
 *
 * How it works. Followed: Doug Lea, "A Memory Allocator" (g.oswego.edu/dl/html/malloc.html) and
 * the comments of dlmalloc 2.8.x (malloc_state, small bins, designated victim, top chunk) with
 * dlmalloc 2.7's SORTED large bins instead of 2.8's bitwise tries. Our own code; nothing is
 * copied.
 *
 * Chunks (S = sizeof(size_t) = pointer bytes; offsets from the chunk address c):
 *   c+0   prev_foot  size of the previous chunk, valid only while that chunk is free (it is the
 *                    last word of the previous chunk's payload)
 *   c+S   head       chunk size | PINUSE (previous chunk in use) | CINUSE (this chunk in use)
 *   c+2S  fd, bk     free-list links (free chunks only; the payload of a used chunk starts here)
 * A used chunk costs one size_t of overhead; chunk sizes are multiples of MALLOC_ALIGNMENT
 * (2·S = 8 on 32-bit, or the device alignment if larger), the minimum chunk is 4·S = 16 bytes
 * (fd, bk and the next chunk's prev_foot must fit), so a request n takes max(16, ⌈(n+4)/8⌉·8).
 *
 * Free chunks: 32 exact small bins 8 bytes apart (sizes < 256), each a doubly linked LIFO list;
 * 32 large bins, two per power of two from 256 up (dlmalloc's tree-bin index), each kept SORTED
 * by size so the first fit in a bin is the best fit. A 32-bit smallmap and largemap say which
 * bins are non-empty (searched with ffs, charged at the core's cost: bus.ffs()). Two special chunks
 * stand outside the bins: the designated victim (dv), the remainder of the last split of a
 * small request, which serves the next small requests for locality; and the top chunk, the
 * untouched end of the arena, split last.
 *
 * malloc(small): exact bin or the next one (no split: the difference is < 16), else if dv is
 * too small the next non-empty small bin (split; the remainder becomes dv) or the smallest
 * large chunk (likewise), else dv, else top. malloc(large): best fit in the sorted large bins
 * (unless dv fits better), remainder back into the bins; else dv; else top. free coalesces with
 * both neighbours through the boundary tags, merging into dv or top when adjacent to them,
 * else bins the result. realloc shrinks in place, grows into top, dv or a free next chunk, else
 * malloc + copy + free.
 *
 * The malloc_state lives at the start of the heap: smallmap, largemap, dvsize, topsize, dv, top
 * and 2 × 32 small + 2 × 32 large bin link pairs (536 bytes on 32-bit). Bins are addressed as
 * fake chunks (bin address − 2S) so that the same fd/bk code runs on them, as in dlmalloc. The
 * arena is fixed: no sbrk/mmap growth, so when top cannot serve a request malloc fails.
 * malloc(0) gets a minimum chunk, as in dlmalloc. One arena: on a device with several heaps it
 * uses the first.
 */
import type { MemoryBus } from '../bus';
import { SimError } from '../errors';
import { Assertions } from './assert';
import type { Allocator, AllocatorContext, AllocatorFactory, BlockInfo } from './types';
import { hex } from '../util';
import { chargeRequestSize } from './costs';

const PINUSE = 1;
const CINUSE = 2;
const NBINS = 32;

const fls32 = (x: number): number => 31 - Math.clz32(x);
const ffs32 = (x: number): number => 31 - Math.clz32(x & -x);

export class Dlmalloc implements Allocator {
  readonly name = 'dlmalloc';
  readonly moving = false;

  private readonly bus: MemoryBus;
  /** Step assertions (run under --check; see assert.ts). */
  private readonly asserts: Assertions;
  private readonly S: number;
  readonly align: number;
  readonly minChunk: number;
  private readonly smallShift: number;
  readonly minLarge: number;
  private readonly largeShift: number;
  private readonly sizeMask: number;

  private readonly heapBase: number;
  private readonly heapEnd: number;
  // malloc_state fields
  private readonly smallmapVar: number;
  private readonly largemapVar: number;
  private readonly dvsizeVar: number;
  private readonly topsizeVar: number;
  private readonly dvVar: number;
  private readonly topVar: number;
  private readonly smallBins: number;
  private readonly largeBins: number;
  readonly stateBytes: number;
  /** First chunk, and the end of the chunk chain (top + topsize). */
  readonly firstChunk: number;
  readonly arenaEnd: number;

  // Observer tallies.
  private binned = 0;
  private usedChunkSum = 0;
  private usedCount = 0;

  constructor(ctx: AllocatorContext) {
    const bus = ctx.bus;
    this.bus = bus;
    this.asserts = new Assertions('dlmalloc', ctx.check === true);
    const S = bus.pointerBytes;
    this.S = S;
    this.align = Math.max(2 * S, ctx.alignment);
    this.minChunk = Math.ceil((4 * S) / this.align) * this.align;
    this.smallShift = Math.min(3, Math.log2(this.align));
    this.minLarge = NBINS << this.smallShift;
    this.largeShift = this.smallShift + 5;
    this.sizeMask = S === 4 ? ~3 : 0xfffc;
    const h = ctx.heaps[0]!;
    this.heapBase = h.base;
    this.heapEnd = h.base + h.size;
    const st = Math.ceil(h.base / 4) * 4;
    this.smallmapVar = st;
    this.largemapVar = st + 4;
    this.dvsizeVar = st + 8;
    this.topsizeVar = this.dvsizeVar + S;
    this.dvVar = this.topsizeVar + S;
    this.topVar = this.dvVar + S;
    this.smallBins = this.topVar + S;
    this.largeBins = this.smallBins + 2 * NBINS * S;
    const stEnd = this.largeBins + 2 * NBINS * S;
    this.stateBytes = stEnd - st;
    // First chunk: payload (c + 2S) aligned.
    this.firstChunk = Math.ceil((stEnd + 2 * S) / this.align) * this.align - 2 * S;
    const span = Math.floor((this.heapEnd - S - this.firstChunk) / this.align) * this.align;
    if (span < this.minChunk + this.align)
      throw new SimError('HEAP_TOO_SMALL', `dlmalloc needs ${this.firstChunk - h.base} bytes of malloc_state plus at least ${this.minChunk + this.align + S} bytes of arena; the heap has ${h.size}`);
    this.arenaEnd = this.firstChunk + span;
    // init: empty bins (each fake chunk's fd/bk point to itself), top = the whole arena.
    for (let i = 0; i < NBINS; i++) {
      const sb = this.smallBin(i);
      this.bus.pokePtr(sb + 2 * S, sb);
      this.bus.pokePtr(sb + 3 * S, sb);
      const lb = this.largeBin(i);
      this.bus.pokePtr(lb + 2 * S, lb);
      this.bus.pokePtr(lb + 3 * S, lb);
    }
    bus.poke32(this.smallmapVar, 0);
    bus.poke32(this.largemapVar, 0);
    this.bus.pokePtr(this.dvsizeVar, 0);
    this.bus.pokePtr(this.dvVar, 0);
    this.bus.pokePtr(this.topVar, this.firstChunk);
    this.bus.pokePtr(this.topsizeVar, span);
    this.bus.pokePtr(this.firstChunk + S, span | PINUSE);
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Fake chunk of small bin i (its fd/bk are the bin's two words). */
  private smallBin(i: number): number {
    return this.smallBins + 2 * i * this.S - 2 * this.S;
  }

  private largeBin(i: number): number {
    return this.largeBins + 2 * i * this.S - 2 * this.S;
  }

  private rd(a: number): number {
    return this.bus.readPtr(a);
  }

  private wr(a: number, v: number): void {
    this.bus.writePtr(a, v);
  }

  private head(c: number): number {
    return this.rd(c + this.S);
  }

  private setHead(c: number, v: number): void {
    this.wr(c + this.S, v);
  }

  private fd(c: number): number {
    return this.rd(c + 2 * this.S);
  }

  private bk(c: number): number {
    return this.rd(c + 3 * this.S);
  }

  /** Chunk size for a request (pad_request, at least MIN_CHUNK). */
  padRequest(n: number): number {
    const r = Math.ceil((n + this.S) / this.align) * this.align;
    return Math.max(this.minChunk, r);
  }

  /** Large-bin index of a size ≥ minLarge (dlmalloc's compute_tree_index). */
  largeIndex(size: number): number {
    const x = size >>> this.largeShift;
    if (x === 0) return 0;
    if (x > 0xffff) return NBINS - 1;
    const k = fls32(x);
    return (k << 1) + ((size >>> (k + this.largeShift - 1)) & 1);
  }

  private chargeLargeIndex(): void {
    this.bus.fls();
    this.bus.work(5); // compute_tree_index: X = S >> TREEBIN_SHIFT: shift; S >> (K + TREEBIN_SHIFT - 1): add, shift; & 1: and; (K << 1) + it: add (the X == 0 and X > 0xFFFF tests are not charged)
  }

  /** set_size_and_pinuse_of_free_chunk: head = s | PINUSE, footer in the next chunk. */
  private setFree(p: number, s: number): void {
    this.setHead(p, s | PINUSE);
    this.wr(p + s, s);
  }

  /** set_inuse (keeps p's PINUSE) and sets the next chunk's PINUSE. */
  private setInuse(p: number, s: number, pinuse: number): void {
    this.setHead(p, s | pinuse | CINUSE);
    this.wr(p + s + this.S, this.rd(p + s + this.S) | PINUSE);
    this.bus.work(2); // the next chunk p + s: add; its head |= PINUSE_BIT: orr
  }

  // ---- bins -------------------------------------------------------------------------------

  private insertChunk(p: number, s: number): void {
    const bus = this.bus;
    const S = this.S;
    this.binned++;
    bus.alu('cmpBranch'); // is_small(S)?
    if (s < this.minLarge) {
      const i = s >>> this.smallShift;
      const b = this.smallBin(i);
      const map = bus.read32(this.smallmapVar);
      let f = b;
      bus.alu('cmpBranch'); // !smallmap_is_marked(M, I)?
      if ((map & (1 << i)) === 0) bus.write32(this.smallmapVar, (map | (1 << i)) >>> 0);
      else f = this.fd(b);
      this.wr(b + 2 * S, p);
      this.wr(f + 3 * S, p);
      this.wr(p + 2 * S, f);
      this.wr(p + 3 * S, b);
      return;
    }
    const i = this.largeIndex(s);
    this.chargeLargeIndex();
    const b = this.largeBin(i);
    const map = bus.read32(this.largemapVar);
    bus.alu('cmpBranch'); // !treemap_is_marked(M, I)?
    let c = b;
    if ((map & (1 << i)) === 0) bus.write32(this.largemapVar, (map | (1 << i)) >>> 0);
    else {
      // keep the bin sorted by size: insert before the first chunk at least as big
      c = this.fd(b);
      while (c !== b && (this.head(c) & this.sizeMask) < s) {
        c = this.fd(c);
        bus.work(1); // chunksize(c): and
        bus.alu('cmpBranch'); // c != bin && chunksize(c) < s?: one compare and branch charged for the pair
      }
    }
    const before = this.bk(c);
    this.wr(before + 2 * S, p);
    this.wr(p + 3 * S, before);
    this.wr(p + 2 * S, c);
    this.wr(c + 3 * S, p);
  }

  private unlinkChunk(p: number, s: number): void {
    const bus = this.bus;
    const S = this.S;
    if (this.asserts.on) this.expectBinned('unlink_chunk', p, s);
    this.binned--;
    const f = this.fd(p);
    const b = this.bk(p);
    this.wr(f + 3 * S, b);
    this.wr(b + 2 * S, f);
    bus.work(1); // small_index(S) / the bin's index: shift
    bus.alu('cmpBranch'); // F == B: the bin is now empty?
    if (f === b) {
      // the bin is now empty (f = b = the bin's fake chunk)
      if (s < this.minLarge) {
        const i = s >>> this.smallShift;
        bus.write32(this.smallmapVar, (bus.read32(this.smallmapVar) & ~(1 << i)) >>> 0);
      } else {
        const i = this.largeIndex(s);
        this.chargeLargeIndex();
        bus.write32(this.largemapVar, (bus.read32(this.largemapVar) & ~(1 << i)) >>> 0);
      }
      bus.work(2); // clear_smallmap / clear_treemap: 1 << I, bic
    }
  }

  /**
   * Assertion (dlmalloc's RTCHECK(F->bk == P && B->fd == P) and ok_address): p is a free chunk
   * of size s inside the heap, linked both ways with its neighbours.
   */
  private expectBinned(step: string, p: number, s: number): void {
    const o = this.bus.observer;
    const S = this.S;
    if (p < this.heapBase || p + s > this.heapEnd) return this.asserts.fail(`${step}: chunk ${hex(p, 0)} lies outside the heap`);
    if ((o.readPtr(p + S) & this.sizeMask) !== s) this.asserts.fail(`${step}: chunk ${hex(p, 0)} has size ${o.readPtr(p + S) & this.sizeMask}, expected ${s}`);
    if ((o.readPtr(p + s + S) & PINUSE) !== 0) this.asserts.fail(`${step}: chunk ${hex(p, 0)} is marked in use by its successor`);
    const f = o.readPtr(p + 2 * S);
    const b = o.readPtr(p + 3 * S);
    if (o.readPtr(f + 3 * S) !== p || o.readPtr(b + 2 * S) !== p) this.asserts.fail(`${step}: chunk ${hex(p, 0)}'s neighbours do not link back to it (corrupted bin)`);
  }

  /** replace_dv: the old dv goes into the bins, r becomes dv. */
  private replaceDv(r: number, rsize: number): void {
    const dvs = this.rd(this.dvsizeVar);
    this.bus.work(1); // DVS != 0?: the compare (its branch is not charged)
    if (dvs !== 0) this.insertChunk(this.rd(this.dvVar), dvs);
    this.wr(this.dvVar, r);
    this.wr(this.dvsizeVar, rsize);
  }

  /** Takes chunk v (unlinked, size vs) for nb bytes; the remainder goes to dv or the bins. */
  private carve(v: number, vs: number, nb: number, toDv: boolean): number {
    const rsize = vs - nb;
    this.bus.alu('cmpBranch'); // rsize = vs - nb < MIN_CHUNK_SIZE? (the sub is not charged)
    if (rsize < this.minChunk) this.setInuse(v, vs, PINUSE);
    else {
      this.setHead(v, nb | PINUSE | CINUSE);
      const r = v + nb;
      this.setFree(r, rsize);
      if (toDv) this.replaceDv(r, rsize);
      else this.insertChunk(r, rsize);
    }
    return v + 2 * this.S;
  }

  // ---- malloc -----------------------------------------------------------------------------

  private mallocChunk(n: number): number {
    const bus = this.bus;
    const S = this.S;
    const nb = this.padRequest(Math.max(0, n));
    chargeRequestSize(bus); // nb = request2size(bytes): pad_request, at least MIN_CHUNK_SIZE
    if (nb > 0x7ffffff0) return 0;
    if (nb < this.minLarge) {
      let idx = nb >>> this.smallShift;
      const smallmap = bus.read32(this.smallmapVar);
      const smallbits = smallmap >>> idx;
      bus.work(1); // smallbits = smallmap >> small_index(nb): shift (small_index's shift is not charged)
      bus.alu('cmpBranch'); // (smallbits & 0x3U) != 0: a remainderless fit in this bin or the next?
      if (smallbits & 3) {
        idx += ~smallbits & 1;
        const b = this.smallBin(idx);
        const p = this.fd(b);
        const ps = idx << this.smallShift;
        this.unlinkChunk(p, ps);
        this.setInuse(p, ps, PINUSE);
        return p + 2 * S;
      }
      const dvs = this.rd(this.dvsizeVar);
      bus.work(1); // nb > dvsize?: the compare (its branch is not charged)
      if (nb > dvs) {
        if (smallbits !== 0) {
          const i = ffs32((smallmap & (~0 << idx)) >>> 0);
          bus.ffs();
          bus.work(2); // smallbin_at(i): shift, add
          const p = this.fd(this.smallBin(i));
          const ps = i << this.smallShift;
          this.unlinkChunk(p, ps);
          return this.carve(p, ps, nb, true);
        }
        const largemap = bus.read32(this.largemapVar);
        bus.work(1); // treemap != 0?: the compare (its branch is not charged)
        if (largemap !== 0) {
          // tmalloc_small: the smallest chunk of the smallest non-empty large bin
          const i = ffs32(largemap);
          bus.ffs();
          const v = this.fd(this.largeBin(i));
          const vs = this.head(v) & this.sizeMask;
          this.unlinkChunk(v, vs);
          return this.carve(v, vs, nb, true);
        }
      }
    } else {
      const largemap = bus.read32(this.largemapVar);
      bus.work(1); // treemap != 0?: the compare (its branch is not charged)
      if (largemap !== 0) {
        // tmalloc_large: best fit in the sorted bins
        const idx = this.largeIndex(nb);
        this.chargeLargeIndex();
        let v = 0;
        let vs = 0;
        if (largemap & (1 << idx)) {
          const b = this.largeBin(idx);
          for (let c = this.fd(b); c !== b; c = this.fd(c)) {
            const cs = this.head(c) & this.sizeMask;
            bus.work(1); // chunksize(c): and
            bus.alu('cmpBranch'); // >= nb: the first fit of the sorted bin?
            if (cs >= nb) {
              v = c;
              vs = cs;
              break;
            }
          }
        }
        if (v === 0) {
          const left = idx + 1 >= 32 ? 0 : (largemap & (~0 << (idx + 1))) >>> 0;
          bus.work(3); // leftbits = treemap & (~0 << (idx + 1)): add, shift, and (the leftbits != 0 branch is not charged)
          if (left !== 0) {
            const i = ffs32(left);
            bus.ffs();
            v = this.fd(this.largeBin(i));
            vs = this.head(v) & this.sizeMask;
          }
        }
        const dvs = this.rd(this.dvsizeVar);
        bus.work(1); // rsize = vs - nb: sub
        bus.alu('cmpBranch'); // v != 0 && rsize < dvsize - nb?: one compare and branch charged for the test
        if (v !== 0 && (dvs < nb || vs - nb < dvs - nb)) {
          this.unlinkChunk(v, vs);
          return this.carve(v, vs, nb, false);
        }
      }
    }
    // designated victim
    const dvs = this.rd(this.dvsizeVar);
    bus.work(1); // nb <= dvsize?: the compare (its branch is not charged)
    if (nb <= dvs) {
      const p = this.rd(this.dvVar);
      const rsize = dvs - nb;
      bus.alu('cmpBranch'); // rsize = dvsize - nb >= MIN_CHUNK_SIZE: split the dv? (the sub is not charged)
      if (rsize >= this.minChunk) {
        const r = p + nb;
        this.wr(this.dvVar, r);
        this.wr(this.dvsizeVar, rsize);
        this.setFree(r, rsize);
        this.setHead(p, nb | PINUSE | CINUSE);
      } else {
        this.wr(this.dvsizeVar, 0);
        this.wr(this.dvVar, 0);
        this.setInuse(p, dvs, PINUSE);
      }
      return p + 2 * S;
    }
    // top
    const ts = this.rd(this.topsizeVar);
    bus.work(1); // nb < topsize?: the compare (its branch is not charged)
    if (nb < ts) {
      const p = this.rd(this.topVar);
      const rsize = ts - nb;
      const r = p + nb;
      this.wr(this.topsizeVar, rsize);
      this.wr(this.topVar, r);
      this.setHead(r, rsize | PINUSE);
      this.setHead(p, nb | PINUSE | CINUSE);
      bus.work(2); // rsize = topsize - nb: sub; r = p + nb: add
      return p + 2 * S;
    }
    return 0;
  }

  /** Frees chunk p of size psize (free / dispose_chunk). */
  private dispose(p: number, psize: number): void {
    const bus = this.bus;
    const S = this.S;
    if (this.asserts.on && (this.bus.observer.readPtr(p + S) & CINUSE) === 0)
      this.asserts.fail(`dispose: chunk 0x${p.toString(16)} is not in use (double free?)`);
    const next = p + psize;
    const phead = this.head(p);
    bus.alu('cmpBranch'); // !pinuse(p): coalesce backward?
    if ((phead & PINUSE) === 0) {
      const prevsize = this.rd(p);
      const prev = p - prevsize;
      psize += prevsize;
      p = prev;
      bus.work(3); // prev = p - prevsize: sub; psize += prevsize: add; p != dv?: the compare (its branch is not charged)
      if (p !== this.rd(this.dvVar)) this.unlinkChunk(p, prevsize);
      else {
        const nh = this.head(next);
        bus.alu('cmpBranch'); // (next->head & INUSE_BITS) == INUSE_BITS?
        if ((nh & (PINUSE | CINUSE)) === (PINUSE | CINUSE)) {
          this.wr(this.dvsizeVar, psize);
          this.setHead(next, nh & ~PINUSE);
          this.setFree(p, psize);
          return;
        }
      }
    }
    const nh = this.head(next);
    bus.alu('cmpBranch'); // !cinuse(next): coalesce forward?
    if ((nh & CINUSE) === 0) {
      const top = this.rd(this.topVar);
      const dv = this.rd(this.dvVar);
      bus.alu('cmpBranch'); // next == top? (the next == dv test is not charged)
      if (next === top) {
        const ts = this.rd(this.topsizeVar) + psize;
        this.wr(this.topsizeVar, ts);
        this.wr(this.topVar, p);
        this.setHead(p, ts | PINUSE);
        if (p === dv) {
          this.wr(this.dvVar, 0);
          this.wr(this.dvsizeVar, 0);
        }
        return;
      }
      if (next === dv) {
        const ds = this.rd(this.dvsizeVar) + psize;
        this.wr(this.dvsizeVar, ds);
        this.wr(this.dvVar, p);
        this.setFree(p, ds);
        return;
      }
      const ns = nh & this.sizeMask;
      psize += ns;
      this.unlinkChunk(next, ns);
      this.setFree(p, psize);
      bus.alu('cmpBranch'); // p == dv? (psize += nsize: the add is not charged)
      if (p === dv) {
        this.wr(this.dvsizeVar, psize);
        return;
      }
    } else {
      this.setHead(next, nh & ~PINUSE);
      this.setFree(p, psize);
    }
    this.insertChunk(p, psize);
    void S;
  }

  // ---- public operations ------------------------------------------------------------------

  alloc(req: number): number {
    const m = this.mallocChunk(req);
    if (m !== 0) {
      this.usedChunkSum += this.bus.peekPtr(m - this.S) & this.sizeMask;
      this.usedCount++;
    }
    return m;
  }

  free(h: number): void {
    if (h === 0) return;
    const p = h - 2 * this.S;
    const s = this.head(p) & this.sizeMask;
    this.bus.work(2); // p = mem2chunk(mem): sub; psize = chunksize(p): and
    this.usedChunkSum -= s;
    this.usedCount--;
    this.dispose(p, s);
  }

  realloc(h: number, req: number): number {
    if (h === 0) return this.alloc(req);
    const bus = this.bus;
    const S = this.S;
    const p = h - 2 * S;
    const ph = this.head(p);
    const old = ph & this.sizeMask;
    const pin = ph & PINUSE;
    const next = p + old;
    const nb = this.padRequest(Math.max(0, req));
    bus.work(2); // oldsize = chunksize(oldp): and; next = chunk_plus_offset(oldp, oldsize): add
    chargeRequestSize(bus); // nb = request2size(bytes)
    let fin = -1;
    if (old >= nb) {
      const rsize = old - nb;
      if (rsize >= this.minChunk) {
        const r = p + nb;
        this.setHead(p, nb | pin | CINUSE);
        this.setInuse(r, rsize, PINUSE);
        this.dispose(r, rsize);
        fin = nb;
      } else fin = old;
    } else {
      const top = this.rd(this.topVar);
      const dv = this.rd(this.dvVar);
      bus.alu('cmpBranch'); // next == top? (the next == dv test is not charged)
      if (next === top) {
        const ts = this.rd(this.topsizeVar);
        if (old + ts > nb) {
          const nts = old + ts - nb;
          const nt = p + nb;
          this.setHead(p, nb | pin | CINUSE);
          this.setHead(nt, nts | PINUSE);
          this.wr(this.topVar, nt);
          this.wr(this.topsizeVar, nts);
          fin = nb;
        }
      } else if (next === dv) {
        const dvs = this.rd(this.dvsizeVar);
        if (old + dvs >= nb) {
          const ds = old + dvs;
          if (ds - nb >= this.minChunk) {
            const r = p + nb;
            this.setHead(p, nb | pin | CINUSE);
            this.setFree(r, ds - nb);
            this.wr(this.dvVar, r);
            this.wr(this.dvsizeVar, ds - nb);
            fin = nb;
          } else {
            this.setInuse(p, ds, pin);
            this.wr(this.dvVar, 0);
            this.wr(this.dvsizeVar, 0);
            fin = ds;
          }
        }
      } else {
        const nh = this.head(next);
        bus.alu('cmpBranch'); // !cinuse(next)?
        if ((nh & CINUSE) === 0) {
          const ns = nh & this.sizeMask;
          if (old + ns >= nb) {
            this.unlinkChunk(next, ns);
            const rsize = old + ns - nb;
            if (rsize < this.minChunk) {
              this.setInuse(p, old + ns, pin);
              fin = old + ns;
            } else {
              const r = p + nb;
              this.setHead(p, nb | pin | CINUSE);
              this.setInuse(r, rsize, PINUSE);
              this.dispose(r, rsize);
              fin = nb;
            }
          }
        }
      }
    }
    if (fin >= 0) {
      this.usedChunkSum += fin - old;
      return h;
    }
    const m = this.alloc(req);
    if (m === 0) return 0;
    bus.copy(m, h, old - S);
    this.free(h);
    return m;
  }

  lock(h: number): number {
    return h;
  }

  unlock(_h: number): void {}

  // ---- observers --------------------------------------------------------------------------

  usableSize(h: number): number {
    return (this.bus.peekPtr(h - this.S) & this.sizeMask) - this.S;
  }

  addressOf(h: number): number {
    return h;
  }

  private freeChunkCount(): number {
    return this.binned + (this.bus.peekPtr(this.dvsizeVar) !== 0 ? 1 : 0) + 1;
  }

  freeBytes(): number {
    return this.arenaEnd - this.firstChunk - this.usedChunkSum - this.S * this.freeChunkCount();
  }

  largestAllocatable(): number {
    const bus = this.bus;
    let maxNb = bus.peekPtr(this.topsizeVar) - this.align;
    maxNb = Math.max(maxNb, bus.peekPtr(this.dvsizeVar));
    const lm = bus.peek32(this.largemapVar);
    if (lm !== 0) {
      const b = this.largeBin(fls32(lm));
      maxNb = Math.max(maxNb, bus.peekPtr(bus.peekPtr(b + 3 * this.S) + this.S) & this.sizeMask);
    } else {
      const sm = bus.peek32(this.smallmapVar);
      if (sm !== 0) maxNb = Math.max(maxNb, fls32(sm) << this.smallShift);
    }
    return maxNb >= this.minChunk ? maxNb - this.S : 0;
  }

  metadataBytes(): number {
    return this.heapEnd - this.heapBase - this.freeBytes() - (this.usedChunkSum - this.S * this.usedCount);
  }

  fixedMetadataBytes(): number {
    // malloc_state, padding, the slack after the arena, and the ALIGN bytes the top chunk always
    // keeps (malloc splits top only when nb < topsize)
    return this.heapEnd - this.heapBase - (this.arenaEnd - this.firstChunk) + this.align;
  }

  blockFootprint(size: number): number {
    return this.padRequest(size);
  }

  walk(visit: (b: BlockInfo) => void): void {
    const S = this.S;
    const bus = this.bus;
    const meta = (addr: number, size: number) =>
      size > 0 && visit({ addr, size, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
    meta(this.heapBase, this.firstChunk + S - this.heapBase);
    let c = this.firstChunk;
    while (c < this.arenaEnd) {
      const hd = bus.peekPtr(c + S);
      const s = hd & this.sizeMask;
      if (s === 0) break;
      if (hd & CINUSE) visit({ addr: c + S, size: s, state: 'used', handle: c + 2 * S, payload: c + 2 * S, usable: s - S, locked: false });
      else visit({ addr: c + S, size: s, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
      c += s;
    }
    meta(c + S, this.heapEnd - c - S);
  }

  stepFailures(): string[] {
    return this.asserts.take();
  }

  check(): string[] {
    const v: string[] = this.asserts.take();
    const bus = this.bus;
    const S = this.S;
    const top = bus.peekPtr(this.topVar);
    const dv = bus.peekPtr(this.dvVar);
    const dvs = bus.peekPtr(this.dvsizeVar);
    const ts = bus.peekPtr(this.topsizeVar);
    if (top + ts !== this.arenaEnd) v.push(`top ${hex(top, 0)} + ${ts} != arena end ${hex(this.arenaEnd, 0)}`);
    const freeChunks = new Map<number, number>();
    let c = this.firstChunk;
    let prevInuse = true;
    let used = 0, uc = 0;
    let sawDv = false;
    while (c < this.arenaEnd) {
      const hd = bus.peekPtr(c + S);
      const s = hd & this.sizeMask;
      if (s < this.align || s % this.align !== 0 || c + s > this.arenaEnd) {
        v.push(`chunk ${hex(c, 0)}: bad size ${s}`);
        return v;
      }
      if (((hd & PINUSE) !== 0) !== prevInuse) v.push(`chunk ${hex(c, 0)}: PINUSE ${(hd & PINUSE) !== 0} but previous in use ${prevInuse}`);
      const inuse = (hd & CINUSE) !== 0;
      if (inuse) {
        used += s;
        uc++;
      } else {
        if (!prevInuse) v.push(`chunk ${hex(c, 0)}: free after a free chunk (not coalesced)`);
        if (c === top) {
          if (s !== ts) v.push(`top size ${s} != topsize ${ts}`);
        } else {
          if (bus.peekPtr(c + s) !== s) v.push(`free chunk ${hex(c, 0)}: footer ${bus.peekPtr(c + s)} != ${s}`);
          if (c === dv) {
            sawDv = true;
            if (s !== dvs) v.push(`dv size ${s} != dvsize ${dvs}`);
          } else freeChunks.set(c, s);
        }
      }
      prevInuse = inuse;
      if (c === top) {
        c += s;
        break;
      }
      c += s;
    }
    if (c !== this.arenaEnd) v.push(`chunk chain ends at ${hex(c, 0)}, not at the arena end`);
    if (dvs !== 0 && !sawDv) v.push(`dv ${hex(dv, 0)} is not a free chunk`);
    if (used !== this.usedChunkSum || uc !== this.usedCount) v.push(`used tally ${this.usedChunkSum}/${this.usedCount} != ${used}/${uc}`);
    let inBins = 0;
    const scan = (b: number, name: string, mapBit: boolean, sorted: boolean, ok: (s: number) => boolean) => {
      let prev = b;
      let last = 0;
      let n = 0;
      for (let x = bus.peekPtr(b + 2 * S); x !== b; x = bus.peekPtr(x + 2 * S)) {
        const s = freeChunks.get(x);
        if (s === undefined) {
          v.push(`${name} holds ${hex(x, 0)}, not a binnable free chunk`);
          return;
        }
        if (!ok(s)) v.push(`${name}: chunk ${hex(x, 0)} of size ${s} in the wrong bin`);
        if (sorted && s < last) v.push(`${name}: not sorted at ${hex(x, 0)}`);
        if (bus.peekPtr(x + 3 * S) !== prev) v.push(`${name}: ${hex(x, 0)}.bk wrong`);
        last = s;
        prev = x;
        if (++n > freeChunks.size) {
          v.push(`${name}: cycle`);
          return;
        }
      }
      if (bus.peekPtr(b + 3 * S) !== prev) v.push(`${name}: bin bk wrong`);
      if ((n > 0) !== mapBit) v.push(`${name}: map bit ${mapBit} but ${n} chunks`);
      inBins += n;
    };
    const sm = bus.peek32(this.smallmapVar);
    const lm = bus.peek32(this.largemapVar);
    for (let i = 0; i < NBINS; i++) {
      scan(this.smallBin(i), `small bin ${i}`, ((sm >>> i) & 1) === 1, false, (s) => s === i << this.smallShift);
      scan(this.largeBin(i), `large bin ${i}`, ((lm >>> i) & 1) === 1, true, (s) => s >= this.minLarge && this.largeIndex(s) === i);
    }
    if (inBins !== freeChunks.size || inBins !== this.binned) v.push(`${inBins} chunks in bins, ${freeChunks.size} free chunks, tally ${this.binned}`);
    return v;
  }
}

export const dlmallocFactory: AllocatorFactory = {
  name: 'dlmalloc',
  summary: 'dlmalloc-style: exact small bins, sorted large bins, boundary tags, designated victim and top chunk, 16-byte minimum chunk',
  moving: false,
  multiHeap: false,
  params: [],
  create: (ctx) => new Dlmalloc(ctx),
};
