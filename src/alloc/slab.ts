/**
 * slab: size-class object caches over a page pool (Bonwick, "The Slab Allocator", USENIX 1994).
 *
 * How it works
 * ------------
 * Page pool. After a control area and a page map, the heap is cut into pages of `page` bytes
 * (a power of two; 0 = auto: 4 KiB, less on heaps under 64 KiB). Free pages form runs kept on
 * an address-ordered, doubly linked list whose links live in the first page of each run. The
 * page map holds one pointer-sized word per page, `pages << 2 | tag` (tag FREE, SLAB or LARGE),
 * written at the first and last page of every run: boundary tags, so a freed run coalesces
 * with free neighbours in O(1) (the address-ordered insertion of a run with no free neighbour
 * walks the run list). Runs are taken first-fit, from the run's tail.
 *
 * Caches. One cache per size class (param `classes`, default 16,32,...,1024, of which classes
 * above heap/16 are dropped on small heaps; each rounded up to the alignment). A cache descriptor in the control area holds three slab lists, as in
 * Bonwick's design: partial, full and empty, plus the count of empty slabs. A slab is one page:
 * its descriptor sits at the page start (links, free-object list head, in-use count, count of
 * objects ever carved, owning cache), the objects follow at the alignment. Free objects are
 * chained through their first word (Bonwick's embedded bufctl); a new slab is not threaded at
 * all: objects are carved lazily by the `fresh` count, so creating a slab is O(1).
 * alloc takes from the first partial slab, else the first empty slab, else a new page; a slab
 * moves to the full list when its last object goes. free finds the slab by rounding the address
 * down to its page (slab objects never start at a page boundary, large objects always do).
 *
 * Empty slabs. A slab whose last object is freed goes to its cache's empty list if the cache
 * holds fewer than `keep-empty` empty slabs (default 1: avoids grabbing and returning a page
 * at every boundary crossing), otherwise its page goes straight back to the pool. When the
 * pool cannot serve a request, every cache's empty slabs are reaped first (Bonwick's reclaim
 * under memory pressure) and the request retried.
 *
 * Large objects. Requests above the largest class take a run of whole pages (page-granular,
 * usable size = pages × page), marked LARGE in the map. realloc keeps a large object large:
 * it shrinks by returning tail pages and grows into a following free run, else moves. A small
 * object stays in place while the new size maps to the same class; otherwise it moves (a
 * shrink whose move fails stays in place).
 *
 * Invariants (check()): the page map tiles the pool into runs with matching head and tail
 * tags; free runs are never adjacent and the run list holds exactly them, sorted; every slab
 * page is on exactly one list of its own cache, the list matching its in-use count; free lists
 * inside slabs are well formed (distinct carved slots, length = carved − in use); the empty
 * count matches; the counters match.
 *
 * Overhead on a 32-bit device with 8-byte alignment: 24-byte slab descriptor + the unused
 * tail per 4 KiB page, 4 bytes of page map per page, 16 bytes per cache, 4 for the pool head;
 * no per-object header (a 16-byte class wastes nothing beyond rounding to the class).
 *
 * Complexity: alloc O(classes) for the class lookup (a C table lookup), O(1) otherwise; free
 * O(1); large objects O(free runs). largestAllocatable O(free runs + kept empty slabs).
 *
 * Cycles: every map, descriptor, list and free-link access goes through the bus; ALU: one
 * compare per class tried in the class lookup, 2 to compute a fresh object's address, 2 to
 * find the page of a freed address (subtract, mask), 2 to turn the cache pointer into a class
 * index, 2 per step of a run search, 4 for the neighbour tests when freeing pages.
 * The class table and slab capacities are constants (flash on a microcontroller), not heap.
 */
import { SimError } from '../errors';
import { Assertions } from './assert';
import type { MemoryBus } from '../bus';
import type { Allocator, AllocatorContext, AllocatorFactory, BlockInfo } from './types';
import { checkPointerReach, numParam } from './freelist';
import { hex } from '../util';

const FREE = 1, SLAB = 2, LARGE = 3;
const TAGNAME = ['?', 'FREE', 'SLAB', 'LARGE'];

export const DEFAULT_CLASSES = '16,32,64,128,256,512,1024';

export class Slab implements Allocator {
  readonly name = 'slab';
  readonly moving = false;

  private readonly bus: MemoryBus;
  /** Step assertions (run under --check; see assert.ts). */
  private readonly asserts: Assertions;
  private readonly P: number;
  private readonly PAGE: number;
  private readonly shift: number;
  private readonly keepEmpty: number;
  /** Class sizes and objects per slab (constant tables). */
  private readonly sizes: number[];
  private readonly caps: number[];
  private readonly maxClass: number;
  /** Slab descriptor bytes (objects start at page + D). */
  private readonly D: number;
  private readonly base: number;
  private readonly end: number;
  private readonly poolHead: number;
  private readonly cacheBase: number;
  private readonly cacheBytes: number;
  private readonly mapBase: number;
  private readonly origin: number;
  private readonly nPages: number;
  private readonly poolEnd: number;
  // Descriptor field offsets.
  private readonly oPrev: number;
  private readonly oFree: number;
  private readonly oInuse: number;
  private readonly oFresh: number;
  private readonly oCache: number;
  // Cache descriptor field offsets (partial at 0).
  private readonly oFull: number;
  private readonly oEmpty: number;
  private readonly oNEmpty: number;

  // Observer counters (instrumentation, uncharged).
  private freeB = 0;
  private usedUsable = 0;
  /**
   * Observer cache of largestAllocatable(), -1 when stale. Only page-map, run-list and
   * empty-list changes (and partial-list changes when no page is obtainable) can change it, so
   * object allocs and frees inside a partial slab keep it valid.
   */
  private largestCache = -1;
  /** The cached value came from the partial lists (no page obtainable): list moves matter. */
  private largestFromPartial = false;

  constructor(ctx: AllocatorContext) {
    const bus = ctx.bus;
    const heap = ctx.heaps[0]!;
    this.bus = bus;
    this.asserts = new Assertions('slab', ctx.check === true);
    const P = bus.pointerBytes;
    this.P = P;
    this.base = heap.base;
    this.end = heap.base + heap.size;
    checkPointerReach(bus, this.end, 'slab');
    const al = Math.max(ctx.alignment, P);
    // Size classes.
    const raw = String(ctx.params.classes ?? DEFAULT_CLASSES);
    const parts = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const sizes: number[] = [];
    for (const s of parts) {
      const n = Number(s);
      if (!Number.isInteger(n) || n <= 0) throw new SimError('ALLOCATOR_PARAM', `slab parameter classes="${raw}": "${s}" is not a positive integer`);
      const r = Math.ceil(n / al) * al;
      if (!sizes.includes(r)) sizes.push(r);
    }
    if (sizes.length === 0) throw new SimError('ALLOCATOR_PARAM', `slab parameter classes="${raw}": no size classes`);
    sizes.sort((a, b) => a - b);
    // The default classes adapt to small heaps: classes above heap/16 are dropped (the smallest
    // class always stays), so slab runs on a 2 KiB AVR heap out of the box.
    if (raw === DEFAULT_CLASSES) while (sizes.length > 1 && sizes[sizes.length - 1]! > heap.size / 16) sizes.pop();
    this.sizes = sizes;
    this.maxClass = sizes[sizes.length - 1]!;
    this.D = Math.ceil((6 * P) / al) * al;
    this.oPrev = P;
    this.oFree = 2 * P;
    this.oInuse = 3 * P;
    this.oFresh = 4 * P;
    this.oCache = 5 * P;
    this.oFull = P;
    this.oEmpty = 2 * P;
    this.oNEmpty = 3 * P;
    this.keepEmpty = numParam(ctx.params['keep-empty'], 1, 'keep-empty', 'slab');
    // Page size.
    const pow2ceil = (n: number) => 2 ** Math.ceil(Math.log2(n));
    const minPage = pow2ceil(this.D + this.maxClass);
    let page = numParam(ctx.params.page, 0, 'page', 'slab');
    if (page === 0) page = Math.max(minPage, Math.min(4096, 2 ** Math.floor(Math.log2(Math.max(1, heap.size / 16)))));
    else if (page & (page - 1) || page < minPage)
      throw new SimError('ALLOCATOR_PARAM', `slab parameter page=${page}: must be a power of two of at least ${minPage} (descriptor ${this.D} + largest class ${this.maxClass})`);
    this.PAGE = page;
    this.shift = Math.log2(page);
    this.caps = sizes.map((c) => Math.floor((page - this.D) / c));
    // Control area: pool head, caches, page map; then the pages.
    this.poolHead = Math.ceil(heap.base / P) * P;
    this.cacheBase = this.poolHead + P;
    this.cacheBytes = 4 * P;
    this.mapBase = this.cacheBase + sizes.length * this.cacheBytes;
    let n = Math.max(0, Math.floor((this.end - this.mapBase) / (page + P)));
    const originFor = (k: number) => Math.ceil((this.mapBase + k * P) / al) * al;
    while (n > 0 && originFor(n) + n * page > this.end) n--;
    if (n < 1 || (P === 2 && n > 0x3fff))
      throw new SimError('HEAP_TOO_SMALL', `heap of ${heap.size} bytes cannot hold slab's control area, page map and one ${page}-byte page`);
    this.nPages = n;
    this.origin = originFor(n);
    this.poolEnd = this.origin + n * page;
    // Initial state: empty caches, one free run of every page.
    bus.writePtr(this.poolHead, this.origin);
    for (let i = 0; i < sizes.length; i++) for (let f = 0; f < 4; f++) bus.writePtr(this.cacheBase + i * this.cacheBytes + f * P, 0);
    bus.writePtr(this.origin, 0);
    bus.writePtr(this.origin + P, 0);
    this.setRun(this.origin, n, FREE);
    this.freeB = n * page;
  }

  private mapAddr(pg: number): number {
    return this.mapBase + ((pg - this.origin) >>> this.shift) * this.P;
  }

  /** Writes the head and tail tags of a run (charged). */
  private setRun(pg: number, len: number, tag: number): void {
    this.largestCache = -1; // the page pool changes
    const v = len * 4 + tag;
    this.bus.writePtr(this.mapAddr(pg), v);
    if (len > 1) this.bus.writePtr(this.mapAddr(pg + (len - 1) * this.PAGE), v);
  }

  // ---- page pool (charged) -----------------------------------------------------------------

  private runUnlink(r: number): void {
    this.largestCache = -1; // the page pool changes
    const bus = this.bus, P = this.P;
    const nx = bus.readPtr(r);
    const pv = bus.readPtr(r + P);
    if (pv) bus.writePtr(pv, nx);
    else bus.writePtr(this.poolHead, nx);
    if (nx) bus.writePtr(nx + P, pv);
  }

  private runReplace(old: number, r: number): void {
    this.largestCache = -1; // the page pool changes
    const bus = this.bus, P = this.P;
    const nx = bus.readPtr(old);
    const pv = bus.readPtr(old + P);
    this.runLinkBetween(pv, r, nx);
  }

  /** Links run r between pv (0: the pool head) and nx (0: none) in the page pool's list. */
  private runLinkBetween(pv: number, r: number, nx: number): void {
    const bus = this.bus, P = this.P;
    bus.writePtr(r, nx);
    bus.writePtr(r + P, pv);
    if (pv) bus.writePtr(pv, r);
    else bus.writePtr(this.poolHead, r);
    if (nx) bus.writePtr(nx + P, r);
  }

  private runInsert(r: number): void {
    this.largestCache = -1; // the page pool changes
    const bus = this.bus;
    let pv = 0;
    let c = bus.readPtr(this.poolHead);
    while (c !== 0 && c < r) {
      bus.alu('cmpBranch'); // c < r? (compare addresses, branch)
      pv = c;
      c = bus.readPtr(c);
    }
    bus.alu('cmpBranch'); // the test that ends the walk
    this.runLinkBetween(pv, r, c);
  }

  /** First-fit run of k pages, cut from the run's tail; 0 if none. Map tags left to the caller. */
  private pagesAlloc(k: number): number {
    const bus = this.bus;
    let c = bus.readPtr(this.poolHead);
    let len = 0;
    while (c !== 0) {
      len = bus.readPtr(this.mapAddr(c)) >>> 2;
      const nx = bus.readPtr(c);
      bus.alu('cmpBranch'); // len >= k? (compare the run length, branch)
      if (len >= k) break;
      c = nx;
    }
    if (c === 0) return 0;
    this.freeB -= k * this.PAGE;
    if (len === k) {
      this.runUnlink(c);
      return c;
    }
    const rest = len - k;
    this.setRun(c, rest, FREE);
    return c + rest * this.PAGE;
  }

  /** Returns k pages at pg to the pool, coalescing with free neighbour runs. */
  private pagesFree(pg: number, k: number): void {
    const bus = this.bus, PAGE = this.PAGE;
    let start = pg;
    let total = k;
    let pfree = false;
    if (pg > this.origin) {
      const pe = bus.readPtr(this.mapAddr(pg - PAGE));
      if ((pe & 3) === FREE) {
        pfree = true;
        start = pg - (pe >>> 2) * PAGE;
        total += pe >>> 2;
      }
    }
    const nxt = pg + k * PAGE;
    let nlen = 0;
    if (nxt < this.poolEnd) {
      const ne = bus.readPtr(this.mapAddr(nxt));
      if ((ne & 3) === FREE) nlen = ne >>> 2;
    }
    bus.alu('cmpBranch', 2); // the two neighbour tag tests and branches
    if (pfree) {
      if (nlen) this.runUnlink(nxt);
    } else if (nlen) this.runReplace(nxt, pg);
    else this.runInsert(pg);
    total += nlen;
    this.setRun(start, total, FREE);
    this.freeB += k * PAGE;
  }

  /** Returns every cache's empty slabs to the pool; true if any page came back. */
  private reap(): boolean {
    const bus = this.bus;
    let any = false;
    for (let i = 0; i < this.sizes.length; i++) {
      const cd = this.cacheBase + i * this.cacheBytes;
      let s = bus.readPtr(cd + this.oEmpty);
      bus.work(1); // s == 0?: the compare (its branch is not charged)
      if (s === 0) continue;
      while (s !== 0) {
        const nx = bus.readPtr(s);
        this.freeB -= this.PAGE; // an empty slab counted as a free page; pagesFree adds it back
        this.pagesFree(s, 1);
        s = nx;
      }
      bus.writePtr(cd + this.oEmpty, 0);
      bus.writePtr(cd + this.oNEmpty, 0);
      any = true;
    }
    return any;
  }

  // ---- slab lists (charged) ----------------------------------------------------------------

  /** The empty-list address of the cache that owns list address `list`. */
  private emptyListOf(list: number): number {
    return list - ((list - this.cacheBase) % this.cacheBytes) + this.oEmpty;
  }

  private slabUnlink(list: number, s: number): void {
    if (this.largestFromPartial || list === this.emptyListOf(list)) this.largestCache = -1;
    const bus = this.bus;
    const nx = bus.readPtr(s);
    const pv = bus.readPtr(s + this.oPrev);
    if (pv) bus.writePtr(pv, nx);
    else bus.writePtr(list, nx);
    if (nx) bus.writePtr(nx + this.oPrev, pv);
  }

  private slabPush(list: number, s: number): void {
    if (this.largestFromPartial || list === this.emptyListOf(list)) this.largestCache = -1;
    const bus = this.bus;
    const old = bus.readPtr(list);
    bus.writePtr(s, old);
    bus.writePtr(s + this.oPrev, 0);
    if (old) bus.writePtr(old + this.oPrev, s);
    bus.writePtr(list, s);
  }

  // ---- public operations -------------------------------------------------------------------

  alloc(n: number): number {
    const bus = this.bus;
    bus.work(1); // n > the largest class?: the compare (its branch is not charged)
    if (n > this.maxClass) return this.allocLarge(n);
    const sizes = this.sizes;
    let i = 0;
    while (sizes[i]! < n) i++;
    bus.work(i + 1); // class lookup: one compare per class tried (the loop's branches are not charged)
    const c = sizes[i]!;
    const cap = this.caps[i]!;
    const cd = this.cacheBase + i * this.cacheBytes;
    let from = 0; // list offset the slab comes from; -1 = new slab
    let s = bus.readPtr(cd);
    if (s === 0) {
      s = bus.readPtr(cd + this.oEmpty);
      if (s !== 0) {
        from = this.oEmpty;
        bus.writePtr(cd + this.oNEmpty, bus.readPtr(cd + this.oNEmpty) - 1);
        this.freeB += cap * c - this.PAGE;
      } else {
        let pg = this.pagesAlloc(1);
        if (pg === 0 && this.reap()) pg = this.pagesAlloc(1);
        if (pg === 0) return 0;
        bus.writePtr(this.mapAddr(pg), 4 + SLAB);
        bus.writePtr(pg + this.oFree, 0);
        bus.writePtr(pg + this.oInuse, 0);
        bus.writePtr(pg + this.oFresh, 0);
        bus.writePtr(pg + this.oCache, cd);
        this.freeB += cap * c;
        s = pg;
        from = -1;
      }
    }
    let obj = bus.readPtr(s + this.oFree);
    const inuse = bus.readPtr(s + this.oInuse) + 1;
    if (obj !== 0) {
      bus.writePtr(s + this.oFree, bus.readPtr(obj));
    } else {
      const fr = bus.readPtr(s + this.oFresh);
      bus.work(2); // obj = s + D + fresh * size: a multiply-accumulate and an add, charged as 2 simple instructions (not bus.alu('mul'): that would change the figures off nds)
      obj = s + this.D + fr * c;
      bus.writePtr(s + this.oFresh, fr + 1);
    }
    bus.writePtr(s + this.oInuse, inuse);
    bus.work(1); // inuse == capacity?: the compare (the list offset is a conditional move)
    const to = inuse === cap ? this.oFull : 0;
    if (from !== to) {
      if (from >= 0) this.slabUnlink(cd + from, s);
      this.slabPush(cd + to, s);
    }
    this.freeB -= c;
    this.usedUsable += c;
    return obj;
  }

  private allocLarge(n: number): number {
    this.bus.work(2); // pages = (n + page - 1) >> shift: add, shift
    const k = Math.ceil(n / this.PAGE);
    if (k > this.nPages) return 0;
    let pg = this.pagesAlloc(k);
    if (pg === 0 && this.reap()) pg = this.pagesAlloc(k);
    if (pg === 0) return 0;
    this.setRun(pg, k, LARGE);
    this.usedUsable += k * this.PAGE;
    return pg;
  }

  free(h: number): void {
    const bus = this.bus;
    bus.work(2); // offset in page = (h - origin) & (page - 1): sub, and (the zero test rides on the flags; its branch is not charged)
    const off = (h - this.origin) & (this.PAGE - 1);
    if (off === 0) {
      const k = bus.readPtr(this.mapAddr(h)) >>> 2;
      this.usedUsable -= k * this.PAGE;
      this.pagesFree(h, k);
      return;
    }
    const s = h - off;
    const cd = bus.readPtr(s + this.oCache);
    bus.work(2); // class index = (cd - caches) / sizeof(cache): sub, shift (sizeof(cache) is 4 pointers)
    const i = (cd - this.cacheBase) / this.cacheBytes;
    const c = this.sizes[i]!;
    const cap = this.caps[i]!;
    const fl = bus.readPtr(s + this.oFree);
    const inuse = bus.readPtr(s + this.oInuse) - 1;
    if (this.asserts.on) this.expectLiveObject(s, h, i, inuse, fl);
    bus.writePtr(h, fl);
    bus.writePtr(s + this.oFree, h);
    bus.writePtr(s + this.oInuse, inuse);
    this.freeB += c;
    this.usedUsable -= c;
    bus.work(2); // inuse == 0? was the slab full?: two compares (their branches are not charged)
    const from = inuse + 1 === cap ? this.oFull : 0;
    if (inuse === 0) {
      this.slabUnlink(cd + from, s);
      const ne = bus.readPtr(cd + this.oNEmpty);
      if (ne < this.keepEmpty) {
        bus.writePtr(cd + this.oNEmpty, ne + 1);
        this.slabPush(cd + this.oEmpty, s);
        this.freeB += this.PAGE - cap * c;
      } else {
        this.freeB -= cap * c;
        this.pagesFree(s, 1);
      }
    } else if (from !== 0) {
      this.slabUnlink(cd + from, s);
      this.slabPush(cd, s);
    }
  }

  /**
   * Assertion at free: h is an object boundary of slab s (class i) that held at least one
   * object, and h is not already on the slab's free list (a double free).
   */
  private expectLiveObject(s: number, h: number, i: number, inuse: number, fl: number): void {
    const o = this.bus.observer;
    if (!(i >= 0 && i < this.sizes.length && Number.isInteger(i))) return this.asserts.fail(`free: ${hex(h, 0)} is in no slab of a size class`);
    if (inuse < 0 || inuse >= this.caps[i]!) this.asserts.fail(`free: slab ${hex(s, 0)} held ${inuse + 1} objects (capacity ${this.caps[i]})`);
    for (let f = fl, k = 0; f !== 0 && k <= this.caps[i]!; f = o.readPtr(f), k++)
      if (f === h) return this.asserts.fail(`free: object ${hex(h, 0)} is already on slab ${hex(s, 0)}'s free list (double free)`);
  }

  realloc(h: number, n: number): number {
    const bus = this.bus;
    bus.work(2); // offset in page: sub, and, as in free
    const off = (h - this.origin) & (this.PAGE - 1);
    if (off !== 0) {
      const s = h - off;
      const cd = bus.readPtr(s + this.oCache);
      bus.work(4); // class index: sub, shift; n <= this class, n > the one below: two compares (their branches are not charged)
      const i = (cd - this.cacheBase) / this.cacheBytes;
      const c = this.sizes[i]!;
      if (n <= c && (i === 0 || n > this.sizes[i - 1]!)) return h;
      const q = this.alloc(n);
      if (q === 0) return n <= c ? h : 0;
      bus.copy(q, h, Math.min(c, n));
      this.free(h);
      return q;
    }
    const PAGE = this.PAGE;
    const k = bus.readPtr(this.mapAddr(h)) >>> 2;
    bus.work(2); // pages for n: add, shift
    const kn = Math.max(1, Math.ceil(n / PAGE));
    if (kn === k) return h;
    if (kn < k) {
      this.setRun(h, kn, LARGE);
      this.usedUsable -= (k - kn) * PAGE;
      this.pagesFree(h + kn * PAGE, k - kn);
      return h;
    }
    const nxt = h + k * PAGE;
    if (nxt < this.poolEnd) {
      const ne = bus.readPtr(this.mapAddr(nxt));
      const take = kn - k;
      bus.work(2); // tag test, length compare (their branches are not charged)
      if ((ne & 3) === FREE && ne >>> 2 >= take) {
        const len = ne >>> 2;
        if (len === take) this.runUnlink(nxt);
        else {
          const rest = nxt + take * PAGE;
          this.runReplace(nxt, rest);
          this.setRun(rest, len - take, FREE);
        }
        this.setRun(h, kn, LARGE);
        this.freeB -= take * PAGE;
        this.usedUsable += take * PAGE;
        return h;
      }
    }
    const q = this.alloc(n);
    if (q === 0) return 0;
    bus.copy(q, h, Math.min(k * PAGE, n));
    this.free(h);
    return q;
  }

  lock(h: number): number {
    return h;
  }

  unlock(_h: number): void {}

  // ---- observers (uncharged) ---------------------------------------------------------------

  private peekMap(pg: number): number {
    return this.bus.peekPtr(this.mapAddr(pg));
  }

  usableSize(h: number): number {
    const off = (h - this.origin) & (this.PAGE - 1);
    if (off === 0) return (this.peekMap(h) >>> 2) * this.PAGE;
    const cd = this.bus.peekPtr(h - off + this.oCache);
    return this.sizes[(cd - this.cacheBase) / this.cacheBytes] ?? 0;
  }

  addressOf(h: number): number {
    return h;
  }

  freeBytes(): number {
    return this.freeB;
  }

  /** An empty slab page: a SLAB page whose in-use count is 0 (always on an empty list). */
  private isEmptySlab(pg: number, e: number): boolean {
    return (e & 3) === SLAB && this.bus.peekPtr(pg + this.oInuse) === 0;
  }

  largestAllocatable(): number {
    if (this.largestCache < 0) this.largestCache = this.computeLargest();
    return this.largestCache;
  }

  private computeLargest(): number {
    const bus = this.bus, PAGE = this.PAGE;
    let maxRun = 0;
    for (let c = bus.peekPtr(this.poolHead); c !== 0; c = bus.peekPtr(c)) {
      const len = this.peekMap(c) >>> 2;
      if (len > maxRun) maxRun = len;
    }
    // Kept empty slabs are reaped when the pool runs dry: count the runs they would join.
    for (let i = 0; i < this.sizes.length; i++) {
      for (let s = bus.peekPtr(this.cacheBase + i * this.cacheBytes + this.oEmpty); s !== 0; s = bus.peekPtr(s)) {
        let lo = s;
        while (lo > this.origin) {
          const pe = this.peekMap(lo - PAGE);
          if ((pe & 3) === FREE) lo -= (pe >>> 2) * PAGE;
          else if (this.isEmptySlab(lo - PAGE, pe)) lo -= PAGE;
          else break;
        }
        let hi = s + PAGE;
        while (hi < this.poolEnd) {
          const ne = this.peekMap(hi);
          if ((ne & 3) === FREE) hi += (ne >>> 2) * PAGE;
          else if (this.isEmptySlab(hi, ne)) hi += PAGE;
          else break;
        }
        const run = (hi - lo) / PAGE;
        if (run > maxRun) maxRun = run;
      }
    }
    this.largestFromPartial = maxRun === 0;
    if (maxRun > 0) return maxRun * PAGE;
    for (let i = this.sizes.length - 1; i >= 0; i--) if (bus.peekPtr(this.cacheBase + i * this.cacheBytes) !== 0) return this.sizes[i]!;
    return 0;
  }

  metadataBytes(): number {
    return this.end - this.base - this.usedUsable - this.freeB;
  }

  fixedMetadataBytes(): number {
    return this.origin - this.base;
  }

  /** Large: whole pages. Small: the slab page shared by the class's objects (may be fractional). */
  blockFootprint(size: number): number {
    if (size > this.maxClass) return Math.ceil(size / this.PAGE) * this.PAGE;
    let i = 0;
    while (this.sizes[i]! < size) i++;
    return this.PAGE / this.caps[i]!;
  }

  /** Scratch bitmap for the observers: 1 = free slot (no per-call allocation). */
  private slotMap = new Uint8Array(0);

  /**
   * Marks the free slots of slab s in slotMap (carved slots on its free list, and every slot
   * not carved yet); returns the number of free slots, or an error message.
   */
  private markFreeSlots(s: number, c: number, cap: number): number | string {
    const bus = this.bus;
    if (this.slotMap.length < cap) this.slotMap = new Uint8Array(cap);
    const m = this.slotMap;
    const fresh = bus.peekPtr(s + this.oFresh);
    if (fresh > cap) return `slab 0x${s.toString(16)}: carved count ${fresh} exceeds capacity ${cap}`;
    m.fill(0, 0, fresh);
    m.fill(1, fresh, cap);
    let n = cap - fresh;
    let f = bus.peekPtr(s + this.oFree);
    while (f !== 0) {
      const rel = f - s - this.D;
      const j = rel / c;
      if (rel < 0 || rel % c !== 0 || j >= fresh) return `slab 0x${s.toString(16)}: free-list entry 0x${f.toString(16)} is not a carved slot`;
      if (m[j]) return `slab 0x${s.toString(16)}: free list repeats slot ${j}`;
      m[j] = 1;
      n++;
      f = bus.peekPtr(f);
    }
    return n;
  }

  walk(visit: (b: BlockInfo) => void): void {
    const PAGE = this.PAGE;
    const meta = (addr: number, size: number) => {
      if (size > 0) visit({ addr, size, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
    };
    const free = (addr: number, size: number) => visit({ addr, size, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
    const used = (addr: number, size: number) => visit({ addr, size, state: 'used', handle: addr, payload: addr, usable: size, locked: false });
    meta(this.base, this.origin - this.base);
    let pg = this.origin;
    while (pg < this.poolEnd) {
      const e = this.peekMap(pg);
      const len = e >>> 2;
      const tag = e & 3;
      if (tag === FREE || tag === LARGE) {
        if (len < 1 || pg + len * PAGE > this.poolEnd) break;
        if (tag === FREE) free(pg, len * PAGE);
        else used(pg, len * PAGE);
        pg += len * PAGE;
        continue;
      }
      if (tag !== SLAB) break;
      const i = (this.bus.peekPtr(pg + this.oCache) - this.cacheBase) / this.cacheBytes;
      const c = this.sizes[i];
      const cap = this.caps[i];
      if (c === undefined || cap === undefined) break;
      meta(pg, this.D);
      const bad = typeof this.markFreeSlots(pg, c, cap) === 'string';
      const m = this.slotMap;
      const isFree = (j: number) => bad || m[j] === 1;
      let j = 0;
      while (j < cap) {
        const a = pg + this.D + j * c;
        if (isFree(j)) {
          let k = j;
          while (k < cap && isFree(k)) k++;
          free(a, (k - j) * c);
          j = k;
        } else {
          used(a, c);
          j++;
        }
      }
      meta(pg + this.D + cap * c, PAGE - this.D - cap * c);
      pg += PAGE;
    }
    meta(this.poolEnd, this.end - this.poolEnd);
  }

  stepFailures(): string[] {
    return this.asserts.take();
  }

  check(): string[] {
    const v: string[] = this.asserts.take();
    const bus = this.bus, P = this.P, PAGE = this.PAGE;
    const freeRuns = new Set<number>();
    const slabs = new Set<number>();
    let pg = this.origin;
    let prevFree = false;
    let fb = 0, ub = 0;
    while (pg < this.poolEnd) {
      const e = this.peekMap(pg);
      const len = e >>> 2;
      const tag = e & 3;
      if (tag === 0 || len < 1 || pg + len * PAGE > this.poolEnd || (tag === SLAB && len !== 1)) {
        v.push(`page ${hex(pg, 0)}: bad map entry ${hex(e, 0)}`);
        return v;
      }
      if (len > 1 && this.peekMap(pg + (len - 1) * PAGE) !== e) v.push(`${TAGNAME[tag]} run ${hex(pg, 0)}: tail tag ${hex(this.peekMap(pg + (len - 1) * PAGE), 0)} != head ${hex(e, 0)}`);
      if (tag === FREE) {
        if (prevFree) v.push(`free run ${hex(pg, 0)} follows a free run (coalescing missed)`);
        freeRuns.add(pg);
        fb += len * PAGE;
      } else if (tag === LARGE) ub += len * PAGE;
      else slabs.add(pg);
      prevFree = tag === FREE;
      pg += len * PAGE;
    }
    // Run list.
    let c = bus.peekPtr(this.poolHead);
    let pv = 0;
    let count = 0;
    while (c !== 0) {
      if (!freeRuns.has(c)) {
        v.push(`run list node ${hex(c, 0)} is not a free run`);
        break;
      }
      if (bus.peekPtr(c + P) !== pv) v.push(`run list node ${hex(c, 0)}: bad prev link`);
      if (pv !== 0 && c <= pv) v.push(`run list not address-ordered at ${hex(c, 0)}`);
      if (++count > freeRuns.size) {
        v.push('run list cycles');
        break;
      }
      pv = c;
      c = bus.peekPtr(c);
    }
    if (count !== freeRuns.size) v.push(`run list holds ${count} runs, map has ${freeRuns.size}`);
    // Caches.
    const seen = new Set<number>();
    for (let i = 0; i < this.sizes.length; i++) {
      const cd = this.cacheBase + i * this.cacheBytes;
      const sz = this.sizes[i]!, cap = this.caps[i]!;
      for (const [lo, name] of [[0, 'partial'], [this.oFull, 'full'], [this.oEmpty, 'empty']] as const) {
        let s = bus.peekPtr(cd + lo);
        let spv = 0;
        let n = 0;
        while (s !== 0) {
          const where = `cache ${sz} ${name} slab ${hex(s, 0)}`;
          if (!slabs.has(s)) {
            v.push(`${where}: not a slab page`);
            break;
          }
          if (seen.has(s)) {
            v.push(`${where}: on two lists (or a cycle)`);
            break;
          }
          seen.add(s);
          n++;
          if (bus.peekPtr(s + this.oPrev) !== spv) v.push(`${where}: bad prev link`);
          if (bus.peekPtr(s + this.oCache) !== cd) v.push(`${where}: descriptor names another cache`);
          const inuse = bus.peekPtr(s + this.oInuse);
          const fresh = bus.peekPtr(s + this.oFresh);
          const ok = name === 'full' ? inuse === cap : name === 'empty' ? inuse === 0 : inuse > 0 && inuse < cap;
          if (!ok) v.push(`${where}: in-use count ${inuse} of ${cap}`);
          if (fresh > cap || inuse > fresh) v.push(`${where}: carved ${fresh}, in use ${inuse}, capacity ${cap}`);
          const fs = this.markFreeSlots(s, sz, cap);
          if (typeof fs === 'string') v.push(fs);
          else if (fs !== cap - inuse) v.push(`${where}: ${fs} free slots but ${cap - inuse} expected`);
          if (name === 'empty') fb += PAGE;
          else {
            fb += (cap - inuse) * sz;
            ub += inuse * sz;
          }
          spv = s;
          s = bus.peekPtr(s);
        }
        if (name === 'empty') {
          const ne = bus.peekPtr(cd + this.oNEmpty);
          if (ne !== n) v.push(`cache ${sz}: empty count ${ne} but ${n} empty slabs`);
          if (n > this.keepEmpty) v.push(`cache ${sz}: ${n} empty slabs kept, limit ${this.keepEmpty}`);
        }
      }
    }
    for (const s of slabs) if (!seen.has(s)) v.push(`slab page ${hex(s, 0)} is on no list`);
    if (this.largestCache >= 0) {
      const flag = this.largestFromPartial;
      const fresh = this.computeLargest();
      this.largestFromPartial = flag;
      if (fresh !== this.largestCache) v.push(`largestAllocatable cache ${this.largestCache} is stale (now ${fresh})`);
    }
    if (fb !== this.freeB) v.push(`free counter ${this.freeB} != heap ${fb}`);
    if (ub !== this.usedUsable) v.push(`used counter ${this.usedUsable} != heap ${ub}`);
    return v;
  }
}

export const slabFactory: AllocatorFactory = {
  name: 'slab',
  summary: 'size-class caches of one-page slabs (partial/full/empty lists, Bonwick), page runs for large objects',
  moving: false,
  multiHeap: false,
  params: [
    { name: 'classes', description: 'object size classes in bytes, comma-separated (rounded up to the alignment); the default drops classes above heap/16 on small heaps', default: DEFAULT_CLASSES, space: { kind: 'sizeList', min: 8, max: 4096, maxCount: 16 } },
    { name: 'page', description: 'slab/page size in bytes, a power of two (0 = auto: 4096, smaller on heaps under 64 KiB)', default: 0, space: { kind: 'choice', values: [0, 512, 1024, 2048, 4096, 8192] } },
    { name: 'keep-empty', description: 'empty slabs a cache keeps before returning pages to the pool (all are reaped when the pool runs dry)', default: 1, space: { kind: 'int', min: 0, max: 2 } },
  ],
  create: (ctx) => new Slab(ctx),
};
