"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ummFactory = exports.Umm = void 0;
exports.autoBody = autoBody;
const errors_1 = require("../errors");
const FREE = 0x8000;
const MASK = 0x7fff;
const MAX_BLOCKS = 32767;
/** The heap descriptor umm_heap_current in the statics: pheap, heap_size, numblocks. */
const PHEAP = 0;
const HEAP_SIZE = 4;
const STATICS_BYTES = 12;
class Umm {
    name = 'umm';
    moving = false;
    bus;
    firstFit;
    /** Bytes per block (4 + body). */
    blockSize;
    body;
    shift;
    heapBase;
    heapEnd;
    /** Address of block 0. */
    base;
    numBlocks;
    last;
    // Observer tallies (not used by the algorithm).
    freeBlocks = 0;
    freeCount = 0;
    usedBlocks = 0;
    usedCount = 0;
    /**
     * Observer memo (charges nothing, not used by the algorithm): the largest free block in
     * blocks, valid while maxFreeValid (a C port would keep both in globals). Every change of a
     * block's extent or free bit goes through setNb, which keeps it: a free block at least that
     * large shrinking or leaving the free list invalidates it, a larger free block raises it.
     * check() recomputes it from the free list.
     */
    maxFree = 0;
    maxFreeValid = false;
    /** umm_heap_current (the heap descriptor), on the bus as statics. */
    ST;
    /** The heap pointer must be loaded again before the next heap access (see heapPtr). */
    stale = true;
    constructor(ctx) {
        this.bus = ctx.bus;
        this.ST = ctx.bus.staticsPort(STATICS_BYTES);
        this.firstFit = ctx.params.fit === 'first';
        const h = ctx.heaps[0];
        const given = Number(ctx.params.blockBody);
        this.body = given === 0 ? autoBody(h.size) : given;
        this.blockSize = 4 + this.body;
        if (!(this.blockSize >= 8 && this.blockSize <= 128 && (this.blockSize & (this.blockSize - 1)) === 0))
            throw new errors_1.SimError('ALLOCATOR_PARAM', `umm: blockBody must make 4 + body a power of two from 8 to 128 (4, 12, 28, 60, 124) or be 0 (auto), got ${this.body}`);
        this.shift = Math.log2(this.blockSize);
        const A = ctx.alignment;
        if (this.blockSize % A !== 0)
            throw new errors_1.SimError('ALLOCATOR_PARAM', `umm: ${this.blockSize}-byte blocks cannot give ${A}-byte aligned payloads`);
        this.heapBase = h.base;
        this.heapEnd = h.base + h.size;
        this.base = Math.ceil((h.base + 4) / Math.max(A, 2)) * Math.max(A, 2) - 4;
        this.numBlocks = Math.min(MAX_BLOCKS, Math.floor((this.heapEnd - this.base) / this.blockSize));
        if (this.numBlocks < 3)
            throw new errors_1.SimError('HEAP_TOO_SMALL', `umm needs at least 3 blocks of ${this.blockSize} bytes (two sentinels and one free block); the heap has ${h.size} bytes`);
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
    addr(c) {
        return this.base + c * this.blockSize;
    }
    poke(c, off, v) {
        const a = this.addr(c) + off;
        const le = this.bus.littleEndian;
        this.bus.poke8(a, le ? v & 0xff : v >>> 8);
        this.bus.poke8(a + 1, le ? v >>> 8 : v & 0xff);
    }
    /** The heap pointer (umm_heap_current.pheap): loaded when a store or a call made it stale. */
    heapPtr() {
        if (this.stale) {
            this.ST.read(PHEAP, 4);
            this.stale = false;
        }
    }
    rd(c, off) {
        this.heapPtr();
        return this.bus.read16(this.addr(c) + off);
    }
    wr(c, off, v) {
        this.heapPtr();
        this.bus.write16(this.addr(c) + off, v);
        this.stale = true;
    }
    nb(c) {
        return this.rd(c, 0);
    }
    setNb(c, v) {
        const old = this.bus.peek16(this.addr(c)); // observer bookkeeping, uncounted
        if ((old & FREE) !== 0 && (old & MASK) - c >= this.maxFree && ((v & FREE) === 0 || (v & MASK) < (old & MASK)))
            this.maxFreeValid = false;
        if ((v & FREE) !== 0 && (v & MASK) - c > this.maxFree)
            this.maxFree = (v & MASK) - c;
        this.wr(c, 0, v);
    }
    pb(c) {
        return this.rd(c, 2);
    }
    setPb(c, v) {
        this.wr(c, 2, v);
    }
    nf(c) {
        return this.rd(c, 4);
    }
    setNf(c, v) {
        this.wr(c, 4, v);
    }
    pf(c) {
        return this.rd(c, 6);
    }
    setPf(c, v) {
        this.wr(c, 6, v);
    }
    /** Blocks needed for a request of n bytes (umm_blocks). */
    blocksFor(n) {
        if (n <= this.body)
            return 1;
        return 2 + Math.floor((n - this.body - 1) / this.blockSize);
    }
    // ---- helpers, one per umm_malloc.c function; each reads what its C statements read --------
    /**
     * umm_split_block: c keeps `blocks`, c+blocks becomes a block with flag `newFlag`. `nbc` is
     * UMM_NBLOCK(c) when the caller has just read it (no store since), else undefined.
     */
    split(c, blocks, newFlag, nbc) {
        const nw = c + blocks;
        this.setNb(nw, ((nbc ?? this.nb(c)) & MASK) | newFlag);
        this.setPb(nw, c);
        this.setPb(this.nb(c) & MASK, nw);
        this.setNb(c, nw);
        this.bus.work(3);
    }
    /** umm_disconnect_from_free_list: each statement reads its links again after a store. */
    disconnect(c) {
        this.setNf(this.pf(c), this.nf(c));
        this.setPf(this.nf(c), this.pf(c)); // when nf = 0 this writes block 0's prev-free slot, as umm does
        this.setNb(c, this.nb(c) & MASK);
        this.freeCount--;
        this.bus.work(1);
    }
    /**
     * umm_assimilate_up: merge c with a free next block. Returns the blocks gained (observers).
     * `known`: NBLOCK(c) and NBLOCK(NBLOCK(c)) as the caller just read them (inlined, shared reads).
     */
    assimilateUp(c, known) {
        const n = known ? known[0] : this.nb(c);
        const nn = known ? known[1] : this.nb(n);
        this.bus.work(1);
        if (!(nn & FREE))
            return 0;
        this.disconnect(n);
        this.setPb(this.nb(this.nb(c)) & MASK, c);
        this.setNb(c, this.nb(this.nb(c)) & MASK);
        this.bus.work(2);
        return (nn & MASK) - n;
    }
    /** umm_assimilate_down: c's previous block absorbs c; returns that block. */
    assimilateDown(c, freemask) {
        this.setNb(this.pb(c), this.nb(c) | freemask);
        this.setPb(this.nb(c), this.pb(c));
        this.bus.work(1);
        return this.pb(c);
    }
    /** umm_free_core (a function of its own: it loads the heap pointer on entry). */
    freeCore(c) {
        this.stale = true;
        const size = (this.bus.peek16(this.addr(c)) & MASK) - c; // observer tallies, uncounted
        this.usedBlocks -= size;
        this.usedCount--;
        this.freeBlocks += size;
        this.assimilateUp(c);
        const p = this.pb(c);
        const pnb = this.nb(p);
        this.bus.work(1);
        if (pnb & FREE) {
            this.assimilateDown(c, FREE);
        }
        else {
            this.setPf(this.nf(0), c);
            this.setNf(c, this.nf(0));
            this.setPf(c, 0);
            this.setNf(0, c);
            this.setNb(c, this.nb(c) | FREE);
            this.freeCount++;
            this.bus.work(1);
        }
    }
    /** umm_malloc_core: the block number of the new block, or 0. */
    mallocCore(blocks) {
        const bus = this.bus;
        this.stale = true;
        let cf = this.nf(0);
        let best = cf;
        let bestSize = MASK;
        let blockSize = 0;
        // The free-list scan. Simulator speed-up, same charges: the plain steps are peeked and
        // charged in one call (per step: read next/len, 3 ALU, read next_free; all non-sequential,
        // as block addresses are multiples of the block size); a step that would fault or split
        // leaves the rest of the scan to the counted loop below.
        this.heapPtr();
        let steps = 0;
        let lastA = 0;
        let stop = false;
        while (cf !== 0) {
            const a = this.addr(cf);
            if (!bus.plainAccess(a, 8))
                break;
            lastA = a;
            blockSize = (bus.peek16(a) & MASK) - cf;
            if (blockSize >= blocks) {
                if (this.firstFit) {
                    stop = true;
                    break;
                }
                if (blockSize < bestSize) {
                    best = cf;
                    bestSize = blockSize;
                }
            }
            steps++;
            cf = bus.peek16(a + 4);
        }
        bus.chargeReadLoop(lastA, 2, 2, 3, steps, 1);
        if (stop)
            bus.chargeReadLoop(lastA, 2, 1, 3, 1);
        else {
            while (cf !== 0) {
                blockSize = (this.nb(cf) & MASK) - cf;
                bus.work(3);
                if (blockSize >= blocks) {
                    if (this.firstFit)
                        break;
                    if (blockSize < bestSize) {
                        best = cf;
                        bestSize = blockSize;
                    }
                }
                cf = this.nf(cf);
            }
        }
        if (bestSize !== MASK) {
            cf = best;
            blockSize = bestSize;
        }
        const nbc = this.nb(cf);
        bus.work(2);
        if (!((nbc & MASK) !== 0 && blockSize >= blocks))
            return 0;
        if (blockSize === blocks) {
            this.disconnect(cf);
        }
        else {
            // split from the front: the request takes cf, the rest (cf + blocks) takes cf's place on
            // the free list
            this.split(cf, blocks, FREE, nbc);
            const rest = cf + blocks;
            this.setNf(this.pf(cf), rest);
            this.setPf(rest, this.pf(cf));
            this.setPf(this.nf(cf), rest);
            this.setNf(rest, this.nf(cf));
            bus.work(1);
        }
        this.freeBlocks -= blocks;
        this.usedBlocks += blocks;
        this.usedCount++;
        return cf;
    }
    // ---- public operations ------------------------------------------------------------------
    alloc(req) {
        const blocks = this.blocksFor(Math.max(1, req));
        this.bus.work(4);
        if (blocks > MASK)
            return 0;
        const c = this.mallocCore(blocks);
        if (c === 0)
            return 0;
        this.heapPtr(); // &UMM_DATA(c)
        return this.addr(c) + 4;
    }
    free(h) {
        if (h === 0)
            return;
        // umm_multi_free: the range check reads pheap and heap_size
        this.ST.read(PHEAP, 4);
        this.ST.read(HEAP_SIZE, 4);
        this.bus.work(3);
        this.freeCore((h - 4 - this.base) >>> this.shift);
    }
    realloc(h, req) {
        if (h === 0)
            return this.alloc(req);
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
        bus.work(6);
        if (blocks > MASK)
            return 0;
        let p = h;
        if (blockSize >= blocks) {
            // case 1: same size or smaller
        }
        else {
            const nnb = this.nb(next);
            const nextSize = nnb & FREE ? (nnb & MASK) - next : 0;
            bus.work(2);
            // umm_assimilate_up inlined: its first two reads are the ones just made
            const up = (known) => {
                if (!known)
                    this.stale = true;
                this.assimilateUp(c, known ? [next, nnb] : undefined);
                this.freeBlocks -= nextSize;
                this.usedBlocks += nextSize;
            };
            if (nextSize && blockSize + nextSize === blocks) {
                up(true); // case 2: the next block fits exactly
                blockSize += nextSize;
            }
            else {
                const prev = this.pb(c);
                const prevSize = this.nb(prev) & FREE ? c - prev : 0;
                bus.work(2);
                const down = () => {
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
                }
                else if (prevSize && prevSize + blockSize >= blocks) {
                    down(); // case 4: move down into the free previous block
                    blockSize += prevSize;
                }
                else if (prevSize && prevSize + blockSize + nextSize >= blocks) {
                    if (nextSize)
                        up(false); // case 5: both neighbours, then move down
                    down();
                    blockSize += prevSize + nextSize;
                }
                else {
                    // case 6: a new block, copy, free the old one (old block untouched when malloc fails)
                    const nc = this.mallocCore(blocks);
                    if (nc === 0)
                        return 0;
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
    lock(h) {
        return h;
    }
    unlock(_h) { }
    // ---- observers --------------------------------------------------------------------------
    peekNb(c) {
        return this.bus.peek16(this.addr(c));
    }
    usableSize(h) {
        const c = (h - 4 - this.base) >>> this.shift;
        return ((this.peekNb(c) & MASK) - c) * this.blockSize - 4;
    }
    addressOf(h) {
        return h;
    }
    freeBytes() {
        return this.freeBlocks * this.blockSize - 4 * this.freeCount;
    }
    largestAllocatable() {
        if (!this.maxFreeValid) {
            this.maxFree = this.listMax();
            this.maxFreeValid = true;
        }
        const best = this.maxFree;
        return best === 0 ? 0 : best * this.blockSize - 4;
    }
    /** The largest free block in blocks, by a walk of the free list (uncounted). */
    listMax() {
        let best = 0;
        for (let c = this.bus.peek16(this.addr(0) + 4), g = 0; c !== 0 && g <= this.numBlocks; c = this.bus.peek16(this.addr(c) + 4), g++)
            best = Math.max(best, (this.peekNb(c) & MASK) - c);
        return best;
    }
    /** umm_info's fragmentation metric (0 = one free block, → 100 = many small ones), in blocks. */
    fragmentationMetric() {
        let sum = 0;
        let sq = 0;
        for (let c = this.bus.peek16(this.addr(0) + 4), g = 0; c !== 0 && g <= this.numBlocks; c = this.bus.peek16(this.addr(c) + 4), g++) {
            const n = (this.peekNb(c) & MASK) - c;
            sum += n;
            sq += n * n;
        }
        return sum === 0 ? 0 : 100 - (100 * Math.sqrt(sq)) / sum;
    }
    metadataBytes() {
        return this.heapEnd - this.heapBase - this.freeBytes() - (this.usedBlocks * this.blockSize - 4 * this.usedCount);
    }
    /**
     * Bytes outside blocks 1..last−1: the alignment gap, block 0, the end block and the slack
     * after it; not the part of a heap beyond the 32767-block limit (unusable, not metadata of a
     * heap sized to fit). fixed + Σ blockFootprint is the heap the blocks fill exactly.
     */
    fixedMetadataBytes() {
        const managed = this.numBlocks < MAX_BLOCKS ? this.heapEnd : this.addr(this.last) + this.blockSize;
        return managed - this.heapBase - (this.last - 1) * this.blockSize;
    }
    blockFootprint(size) {
        return this.blocksFor(Math.max(1, size)) * this.blockSize;
    }
    walk(visit) {
        const meta = (addr, size) => size > 0 && visit({ addr, size, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
        meta(this.heapBase, this.addr(1) - this.heapBase);
        let c = 1;
        for (let g = 0; c !== this.last && c !== 0 && g <= this.numBlocks; g++) {
            const w = this.peekNb(c);
            const n = w & MASK;
            if (n <= c)
                break;
            const a = this.addr(c);
            const size = (n - c) * this.blockSize;
            if (w & FREE)
                visit({ addr: a, size, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
            else
                visit({ addr: a, size, state: 'used', handle: a + 4, payload: a + 4, usable: size - 4, locked: false });
            c = n;
        }
        meta(this.addr(this.last), this.heapEnd - this.addr(this.last));
    }
    check() {
        const v = [];
        const bus = this.bus;
        const pk = (c, off) => bus.peek16(this.addr(c) + off);
        if (pk(0, 0) & FREE)
            v.push('block 0 marked free');
        if (pk(this.last, 0) !== 0)
            v.push(`end sentinel damaged (next = ${pk(this.last, 0)})`);
        const free = new Set();
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
            if (pk(n, 2) !== c)
                v.push(`block ${n}: prev link ${pk(n, 2)} != ${c}`);
            const isFree = (w & FREE) !== 0;
            if (isFree) {
                if (prevFree)
                    v.push(`blocks before ${c} and ${c} both free (not merged)`);
                free.add(c);
                fb += n - c;
            }
            else if (c !== 0) {
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
            if (p !== 0 && pk(f, 6) !== p)
                v.push(`block ${f}: prev-free ${pk(f, 6)} != ${p}`);
            p = f;
            if (++listed > free.size) {
                v.push('free list has a cycle');
                break;
            }
        }
        if (listed !== free.size)
            v.push(`${listed} blocks on the free list, ${free.size} free blocks`);
        if (fb !== this.freeBlocks || free.size !== this.freeCount)
            v.push(`free tally ${this.freeBlocks}/${this.freeCount} != ${fb}/${free.size}`);
        if (ub !== this.usedBlocks || uc !== this.usedCount)
            v.push(`used tally ${this.usedBlocks}/${this.usedCount} != ${ub}/${uc}`);
        if (this.maxFreeValid && this.listMax() !== this.maxFree)
            v.push(`largest free block memo ${this.maxFree} != free-list maximum ${this.listMax()}`);
        return v;
    }
}
exports.Umm = Umm;
/**
 * blockBody 0 (auto): the smallest power-of-two block (>= 8 bytes) whose 32767 blocks cover at
 * least 99 % of a heap of `heapBytes` (the rest is clamped), which is how a port to a bigger heap
 * sets UMM_BLOCK_BODY_SIZE. (2 MiB is 32768 blocks of 64: one too many for 15 bits; 128-byte
 * blocks to save that last 64 would double every block's rounding.)
 */
function autoBody(heapBytes) {
    let bs = 8;
    while (bs < 128 && MAX_BLOCKS * bs < 0.99 * heapBytes)
        bs *= 2;
    return bs - 4;
}
exports.ummFactory = {
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
