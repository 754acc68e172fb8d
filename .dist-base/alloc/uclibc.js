"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.uclibcFactory = exports.UclibcMalloc = void 0;
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
const bus_1 = require("../bus");
const errors_1 = require("../errors");
const units_1 = require("../util/units");
class UclibcMalloc {
    name = 'uclibc';
    moving = false;
    bus;
    P;
    /** HEAP_GRANULARITY = MALLOC_ALIGNMENT = MALLOC_HEADER_SIZE. */
    granule;
    headerBytes;
    /** sizeof(struct heap_free_area). */
    faBytes;
    /** HEAP_MIN_FREE_AREA_SIZE. */
    minFreeArea;
    /** Smallest block (room for a descriptor once freed). */
    minBlock;
    reallocMinFree;
    heapBase;
    heapEnd;
    /** Address of the __malloc_heap static (free-list head). */
    headVar;
    arenaStart;
    arenaEnd;
    freeSum = 0;
    freeCount = 0;
    /**
     * Observer memo (charges nothing, not used by the algorithm): the largest free area's size,
     * valid while maxFreeValid (a C port would keep both in globals). Shrinking or unlinking an
     * area at least that large invalidates it; a freed or grown area raises it. check()
     * recomputes it.
     */
    maxFree = 0;
    maxFreeValid = false;
    usedSum = 0;
    usedCount = 0;
    /** heapFree's walk (3 ALU, then read the next link; charged exactly: see bus ListWalk). */
    freeWalk;
    /** malloc's walk (read the area's size, 3 ALU, read the next link). */
    mallocWalk;
    constructor(ctx) {
        this.freeWalk = new bus_1.ListWalk(ctx.bus, ctx.bus.pointerBytes, -1, 3, 0);
        this.mallocWalk = new bus_1.ListWalk(ctx.bus, 0, ctx.bus.pointerBytes, 3, 1);
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
        const h = ctx.heaps[0];
        this.heapBase = h.base;
        this.heapEnd = h.base + h.size;
        this.headVar = Math.ceil(h.base / P) * P;
        this.arenaStart = this.adjustAddr(this.headVar + P);
        this.arenaEnd = Math.floor(this.heapEnd / G) * G;
        const size = this.arenaEnd - this.arenaStart;
        if (size < this.minFreeArea)
            throw new errors_1.SimError('HEAP_TOO_SMALL', `uclibc malloc needs at least ${this.arenaStart - h.base + this.minFreeArea} bytes of heap; it has ${h.size}`);
        // The arena handed to __heap_free: one free area with its descriptor at the end.
        const fa = this.arenaEnd - this.faBytes;
        this.bus.pokePtr(fa, size);
        this.bus.pokePtr(fa + P, 0);
        this.bus.pokePtr(fa + 2 * P, 0);
        this.bus.pokePtr(this.headVar, fa);
        this.freeSum = size;
        this.freeCount = 1;
    }
    adjust(n) {
        return Math.ceil(n / this.granule) * this.granule;
    }
    adjustAddr(a) {
        return Math.ceil(a / this.granule) * this.granule;
    }
    rd(a) {
        return this.bus.readPtr(a);
    }
    wr(a, v) {
        this.bus.writePtr(a, v);
    }
    // fa field addresses: size at fa, next at fa+P, prev at fa+2P.
    /** __heap_unlink_free_area. */
    unlink(fa) {
        const P = this.P;
        const next = this.rd(fa + P);
        const prev = this.rd(fa + 2 * P);
        if (next)
            this.wr(next + 2 * P, prev);
        if (prev)
            this.wr(prev + P, next);
        else
            this.wr(this.headVar, next);
        this.bus.work(3);
    }
    /** __heap_link_free_area: fa between prev and next. */
    link(fa, prev, next) {
        const P = this.P;
        this.wr(fa + P, next);
        this.wr(fa + 2 * P, prev);
        if (prev)
            this.wr(prev + P, fa);
        else
            this.wr(this.headVar, fa);
        if (next)
            this.wr(next + 2 * P, fa);
        this.bus.work(3);
    }
    /** __heap_link_free_area_after: fa follows prev (fa's next is already right). */
    linkAfter(fa, prev) {
        if (prev)
            this.wr(prev + this.P, fa);
        else
            this.wr(this.headVar, fa);
        this.wr(fa + 2 * this.P, prev);
        this.bus.work(2);
    }
    /** __heap_free_area_alloc: take `size` from the front of fa; returns the size taken. */
    takeFrom(fa, faSize, size) {
        this.bus.work(3);
        if (faSize >= this.maxFree)
            this.maxFreeValid = false;
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
    heapFree(mem, size) {
        const bus = this.bus;
        const P = this.P;
        const F = this.faBytes;
        const end = mem + size;
        let prev = 0;
        let fa = this.rd(this.headVar);
        bus.work(2);
        const w = this.freeWalk;
        while (fa && fa + F < mem) {
            w.visit(fa); // compare with mem, branch; read the next link
            prev = fa;
            fa = w.w0;
        }
        w.flush();
        if (fa)
            bus.work(3); // the comparison that ends the walk
        this.freeSum += size;
        this.freeCount++;
        const faSize = fa ? this.rd(fa) : 0;
        bus.work(3);
        if (fa && fa + F - faSize <= end) {
            let total = faSize + size;
            if (fa + F - faSize === end) {
                // fa right after the block: grow it down. uClibc then tests whether prev ends at mem
                // too (charged: 2 cycles), but it never does here: the walk stops at the first area
                // ending at or after mem, so prev ends before it, and an area ending at mem is fa
                // itself (the branch below). The merge with prev was dead code (issue 15 item 8).
                bus.work(2);
            }
            else {
                // fa right before the block: grow it up; maybe also swallow next
                const next = this.rd(fa + P);
                bus.work(2);
                if (next && end === next + F - this.rd(next)) {
                    total += this.rd(next);
                    this.linkAfter(next, prev);
                    fa = next;
                    this.freeCount--;
                }
                else {
                    fa = fa + size; // the descriptor moves to the new end
                    this.link(fa, prev, next);
                }
            }
            this.wr(fa, total);
            this.freeCount--;
            // The areas merged in are no larger than the result: the maximum only grows here.
            if (total > this.maxFree)
                this.maxFree = total;
        }
        else {
            const nfa = end - F;
            this.wr(nfa, size);
            this.link(nfa, prev, fa);
            if (size > this.maxFree)
                this.maxFree = size;
        }
    }
    // ---- public operations ------------------------------------------------------------------
    alloc(req) {
        const bus = this.bus;
        let size = this.adjust(Math.max(1, req) + this.headerBytes);
        if (size < this.minBlock)
            size = this.minBlock;
        bus.work(5);
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
            bus.work(2);
            this.usedSum += size - this.headerBytes;
            this.usedCount++;
            return mem + this.headerBytes;
        }
        w.flush();
        return 0;
    }
    free(h) {
        if (h === 0)
            return;
        const base = h - this.headerBytes;
        const size = this.rd(base);
        this.bus.work(3);
        this.usedSum -= size - this.headerBytes;
        this.usedCount--;
        this.heapFree(base, size);
    }
    /** __heap_alloc_at: take `size` bytes starting exactly at mem; returns bytes taken or 0. */
    allocAt(mem, size) {
        const bus = this.bus;
        let fa = this.rd(this.headVar);
        bus.work(2);
        while (fa) {
            const faSize = this.rd(fa);
            const start = fa + this.faBytes - faSize;
            bus.work(4);
            if (start >= mem) {
                if (start === mem && faSize >= size)
                    return this.takeFrom(fa, faSize, size);
                return 0;
            }
            fa = this.rd(fa + this.P);
        }
        return 0;
    }
    realloc(h, req) {
        if (h === 0)
            return this.alloc(req);
        const bus = this.bus;
        const base = h - this.headerBytes;
        const size = this.rd(base);
        let ns = this.adjust(Math.max(1, req) + this.headerBytes);
        if (ns < this.minBlock)
            ns = this.minBlock;
        bus.work(6);
        if (ns > size) {
            const extra = this.allocAt(base + size, ns - size);
            if (extra) {
                this.wr(base, size + extra);
                this.usedSum += extra;
                return h;
            }
            const p = this.alloc(req);
            if (p === 0)
                return 0;
            bus.copy(p, h, size - this.headerBytes);
            this.free(h);
            return p;
        }
        bus.work(2);
        if (ns + this.reallocMinFree <= size) {
            this.heapFree(base + ns, size - ns);
            this.wr(base, ns);
            this.usedSum -= size - ns;
        }
        return h;
    }
    lock(h) {
        return h;
    }
    unlock(_h) { }
    // ---- observers --------------------------------------------------------------------------
    usableSize(h) {
        return this.bus.peekPtr(h - this.headerBytes) - this.headerBytes;
    }
    addressOf(h) {
        return h;
    }
    freeBytes() {
        return this.freeSum - this.headerBytes * this.freeCount;
    }
    largestAllocatable() {
        if (!this.maxFreeValid) {
            this.maxFree = this.listMax();
            this.maxFreeValid = true;
        }
        const max = this.maxFree;
        return max >= this.minBlock ? max - this.headerBytes : 0;
    }
    /** The largest free area on the list, by a walk (uncounted). */
    listMax() {
        let max = 0;
        for (let fa = this.bus.peekPtr(this.headVar), g = 0; fa && g < 1e7; fa = this.bus.peekPtr(fa + this.P), g++)
            max = Math.max(max, this.bus.peekPtr(fa));
        return max;
    }
    metadataBytes() {
        return this.heapEnd - this.heapBase - this.freeBytes() - this.usedSum;
    }
    fixedMetadataBytes() {
        // the __malloc_heap static, its padding and the slack after the arena
        return this.heapEnd - this.heapBase - (this.arenaEnd - this.arenaStart);
    }
    blockFootprint(size) {
        return Math.max(this.minBlock, this.adjust(Math.max(1, size) + this.headerBytes));
    }
    /** Free areas as start → size, from the list (observer helper). */
    freeAreas() {
        const m = new Map();
        for (let fa = this.bus.peekPtr(this.headVar), g = 0; fa && g < 1e7; fa = this.bus.peekPtr(fa + this.P), g++) {
            const s = this.bus.peekPtr(fa);
            m.set(fa + this.faBytes - s, s);
        }
        return m;
    }
    walk(visit) {
        const meta = (addr, size) => size > 0 && visit({ addr, size, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
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
            if (s <= 0 || a + s > this.arenaEnd)
                break;
            const p = a + this.headerBytes;
            visit({ addr: a, size: s, state: 'used', handle: p, payload: p, usable: s - this.headerBytes, locked: false });
            a += s;
        }
        meta(a, this.heapEnd - a);
    }
    check() {
        const v = [];
        const bus = this.bus;
        const P = this.P;
        let prev = 0;
        let prevEnd = -1;
        let n = 0, fs = 0;
        for (let fa = bus.peekPtr(this.headVar); fa; fa = bus.peekPtr(fa + P)) {
            const s = bus.peekPtr(fa);
            const start = fa + this.faBytes - s;
            if (s < this.minBlock || s % this.granule !== 0)
                v.push(`free area ${(0, units_1.hex)(fa, 0)}: bad size ${s}`);
            if (start < this.arenaStart || fa + this.faBytes > this.arenaEnd)
                v.push(`free area ${(0, units_1.hex)(fa, 0)} outside the arena`);
            if (bus.peekPtr(fa + 2 * P) !== prev)
                v.push(`free area ${(0, units_1.hex)(fa, 0)}: prev ${(0, units_1.hex)(bus.peekPtr(fa + 2 * P), 0)} != ${(0, units_1.hex)(prev, 0)}`);
            if (start < prevEnd)
                v.push(`free area ${(0, units_1.hex)(fa, 0)} out of address order`);
            if (start === prevEnd)
                v.push(`free areas ${(0, units_1.hex)(prev, 0)} and ${(0, units_1.hex)(fa, 0)} touch (not merged)`);
            prev = fa;
            prevEnd = fa + this.faBytes;
            fs += s;
            if (++n > 1e6) {
                v.push('free list cycle');
                break;
            }
        }
        if (fs !== this.freeSum || n !== this.freeCount)
            v.push(`free tally ${this.freeSum}/${this.freeCount} != ${fs}/${n}`);
        if (this.maxFreeValid && this.listMax() !== this.maxFree)
            v.push(`largest free area memo ${this.maxFree} != list maximum ${this.listMax()}`);
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
                v.push(`used block ${(0, units_1.hex)(a, 0)}: bad size ${s}`);
                return v;
            }
            us += s - this.headerBytes;
            uc++;
            a += s;
        }
        if (a !== this.arenaEnd)
            v.push(`blocks end at ${(0, units_1.hex)(a, 0)}, arena at ${(0, units_1.hex)(this.arenaEnd, 0)}`);
        if (us !== this.usedSum || uc !== this.usedCount)
            v.push(`used tally ${this.usedSum}/${this.usedCount} != ${us}/${uc}`);
        return v;
    }
}
exports.UclibcMalloc = UclibcMalloc;
exports.uclibcFactory = {
    name: 'uclibc',
    summary: "uClibc malloc (DSLinux/uClinux default): address-ordered free areas, first fit, merge on free, 8-byte header",
    moving: false,
    multiHeap: false,
    params: [],
    create: (ctx) => new UclibcMalloc(ctx),
};
