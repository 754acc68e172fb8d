"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.dlmallocFactory = exports.Dlmalloc = void 0;
const errors_1 = require("../errors");
const assert_1 = require("./assert");
const units_1 = require("../util/units");
const PINUSE = 1;
const CINUSE = 2;
const NBINS = 32;
const fls32 = (x) => 31 - Math.clz32(x);
const ffs32 = (x) => 31 - Math.clz32(x & -x);
class Dlmalloc {
    name = 'dlmalloc';
    moving = false;
    bus;
    /** Step assertions (run under --check; see assert.ts). */
    asserts;
    S;
    align;
    minChunk;
    smallShift;
    minLarge;
    largeShift;
    sizeMask;
    heapBase;
    heapEnd;
    // malloc_state fields
    smallmapVar;
    largemapVar;
    dvsizeVar;
    topsizeVar;
    dvVar;
    topVar;
    smallBins;
    largeBins;
    stateBytes;
    /** First chunk, and the end of the chunk chain (top + topsize). */
    firstChunk;
    arenaEnd;
    // Observer tallies.
    binned = 0;
    usedChunkSum = 0;
    usedCount = 0;
    constructor(ctx) {
        const bus = ctx.bus;
        this.bus = bus;
        this.asserts = new assert_1.Assertions('dlmalloc', ctx.check === true);
        const S = bus.pointerBytes;
        this.S = S;
        this.align = Math.max(2 * S, ctx.alignment);
        this.minChunk = Math.ceil((4 * S) / this.align) * this.align;
        this.smallShift = Math.min(3, Math.log2(this.align));
        this.minLarge = NBINS << this.smallShift;
        this.largeShift = this.smallShift + 5;
        this.sizeMask = S === 4 ? ~3 : 0xfffc;
        const h = ctx.heaps[0];
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
            throw new errors_1.SimError('HEAP_TOO_SMALL', `dlmalloc needs ${this.firstChunk - h.base} bytes of malloc_state plus at least ${this.minChunk + this.align + S} bytes of arena; the heap has ${h.size}`);
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
    smallBin(i) {
        return this.smallBins + 2 * i * this.S - 2 * this.S;
    }
    largeBin(i) {
        return this.largeBins + 2 * i * this.S - 2 * this.S;
    }
    rd(a) {
        return this.bus.readPtr(a);
    }
    wr(a, v) {
        this.bus.writePtr(a, v);
    }
    head(c) {
        return this.rd(c + this.S);
    }
    setHead(c, v) {
        this.wr(c + this.S, v);
    }
    fd(c) {
        return this.rd(c + 2 * this.S);
    }
    bk(c) {
        return this.rd(c + 3 * this.S);
    }
    /** Chunk size for a request (pad_request, at least MIN_CHUNK). */
    padRequest(n) {
        const r = Math.ceil((n + this.S) / this.align) * this.align;
        return Math.max(this.minChunk, r);
    }
    /** Large-bin index of a size ≥ minLarge (dlmalloc's compute_tree_index). */
    largeIndex(size) {
        const x = size >>> this.largeShift;
        if (x === 0)
            return 0;
        if (x > 0xffff)
            return NBINS - 1;
        const k = fls32(x);
        return (k << 1) + ((size >>> (k + this.largeShift - 1)) & 1);
    }
    chargeLargeIndex() {
        this.bus.fls();
        this.bus.work(5);
    }
    /** set_size_and_pinuse_of_free_chunk: head = s | PINUSE, footer in the next chunk. */
    setFree(p, s) {
        this.setHead(p, s | PINUSE);
        this.wr(p + s, s);
    }
    /** set_inuse (keeps p's PINUSE) and sets the next chunk's PINUSE. */
    setInuse(p, s, pinuse) {
        this.setHead(p, s | pinuse | CINUSE);
        this.wr(p + s + this.S, this.rd(p + s + this.S) | PINUSE);
        this.bus.work(2);
    }
    // ---- bins -------------------------------------------------------------------------------
    insertChunk(p, s) {
        const bus = this.bus;
        const S = this.S;
        this.binned++;
        bus.work(2);
        if (s < this.minLarge) {
            const i = s >>> this.smallShift;
            const b = this.smallBin(i);
            const map = bus.read32(this.smallmapVar);
            let f = b;
            bus.work(2);
            if ((map & (1 << i)) === 0)
                bus.write32(this.smallmapVar, (map | (1 << i)) >>> 0);
            else
                f = this.fd(b);
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
        bus.work(2);
        let c = b;
        if ((map & (1 << i)) === 0)
            bus.write32(this.largemapVar, (map | (1 << i)) >>> 0);
        else {
            // keep the bin sorted by size: insert before the first chunk at least as big
            c = this.fd(b);
            while (c !== b && (this.head(c) & this.sizeMask) < s) {
                c = this.fd(c);
                bus.work(3);
            }
        }
        const before = this.bk(c);
        this.wr(before + 2 * S, p);
        this.wr(p + 3 * S, before);
        this.wr(p + 2 * S, c);
        this.wr(c + 3 * S, p);
    }
    unlinkChunk(p, s) {
        const bus = this.bus;
        const S = this.S;
        if (this.asserts.on)
            this.expectBinned('unlink_chunk', p, s);
        this.binned--;
        const f = this.fd(p);
        const b = this.bk(p);
        this.wr(f + 3 * S, b);
        this.wr(b + 2 * S, f);
        bus.work(3);
        if (f === b) {
            // the bin is now empty (f = b = the bin's fake chunk)
            if (s < this.minLarge) {
                const i = s >>> this.smallShift;
                bus.write32(this.smallmapVar, (bus.read32(this.smallmapVar) & ~(1 << i)) >>> 0);
            }
            else {
                const i = this.largeIndex(s);
                this.chargeLargeIndex();
                bus.write32(this.largemapVar, (bus.read32(this.largemapVar) & ~(1 << i)) >>> 0);
            }
            bus.work(2);
        }
    }
    /**
     * Assertion (dlmalloc's RTCHECK(F->bk == P && B->fd == P) and ok_address): p is a free chunk
     * of size s inside the heap, linked both ways with its neighbours.
     */
    expectBinned(step, p, s) {
        const o = this.bus.observer;
        const S = this.S;
        if (p < this.heapBase || p + s > this.heapEnd)
            return this.asserts.fail(`${step}: chunk ${(0, units_1.hex)(p, 0)} lies outside the heap`);
        if ((o.readPtr(p + S) & this.sizeMask) !== s)
            this.asserts.fail(`${step}: chunk ${(0, units_1.hex)(p, 0)} has size ${o.readPtr(p + S) & this.sizeMask}, expected ${s}`);
        if ((o.readPtr(p + s + S) & PINUSE) !== 0)
            this.asserts.fail(`${step}: chunk ${(0, units_1.hex)(p, 0)} is marked in use by its successor`);
        const f = o.readPtr(p + 2 * S);
        const b = o.readPtr(p + 3 * S);
        if (o.readPtr(f + 3 * S) !== p || o.readPtr(b + 2 * S) !== p)
            this.asserts.fail(`${step}: chunk ${(0, units_1.hex)(p, 0)}'s neighbours do not link back to it (corrupted bin)`);
    }
    /** replace_dv: the old dv goes into the bins, r becomes dv. */
    replaceDv(r, rsize) {
        const dvs = this.rd(this.dvsizeVar);
        this.bus.work(1);
        if (dvs !== 0)
            this.insertChunk(this.rd(this.dvVar), dvs);
        this.wr(this.dvVar, r);
        this.wr(this.dvsizeVar, rsize);
    }
    /** Takes chunk v (unlinked, size vs) for nb bytes; the remainder goes to dv or the bins. */
    carve(v, vs, nb, toDv) {
        const rsize = vs - nb;
        this.bus.work(2);
        if (rsize < this.minChunk)
            this.setInuse(v, vs, PINUSE);
        else {
            this.setHead(v, nb | PINUSE | CINUSE);
            const r = v + nb;
            this.setFree(r, rsize);
            if (toDv)
                this.replaceDv(r, rsize);
            else
                this.insertChunk(r, rsize);
        }
        return v + 2 * this.S;
    }
    // ---- malloc -----------------------------------------------------------------------------
    mallocChunk(n) {
        const bus = this.bus;
        const S = this.S;
        const nb = this.padRequest(Math.max(0, n));
        bus.work(4);
        if (nb > 0x7ffffff0)
            return 0;
        if (nb < this.minLarge) {
            let idx = nb >>> this.smallShift;
            const smallmap = bus.read32(this.smallmapVar);
            const smallbits = smallmap >>> idx;
            bus.work(3);
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
            bus.work(1);
            if (nb > dvs) {
                if (smallbits !== 0) {
                    const i = ffs32((smallmap & (~0 << idx)) >>> 0);
                    bus.ffs();
                    bus.work(2);
                    const p = this.fd(this.smallBin(i));
                    const ps = i << this.smallShift;
                    this.unlinkChunk(p, ps);
                    return this.carve(p, ps, nb, true);
                }
                const largemap = bus.read32(this.largemapVar);
                bus.work(1);
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
        }
        else {
            const largemap = bus.read32(this.largemapVar);
            bus.work(1);
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
                        bus.work(3);
                        if (cs >= nb) {
                            v = c;
                            vs = cs;
                            break;
                        }
                    }
                }
                if (v === 0) {
                    const left = idx + 1 >= 32 ? 0 : (largemap & (~0 << (idx + 1))) >>> 0;
                    bus.work(3);
                    if (left !== 0) {
                        const i = ffs32(left);
                        bus.ffs();
                        v = this.fd(this.largeBin(i));
                        vs = this.head(v) & this.sizeMask;
                    }
                }
                const dvs = this.rd(this.dvsizeVar);
                bus.work(3);
                if (v !== 0 && (dvs < nb || vs - nb < dvs - nb)) {
                    this.unlinkChunk(v, vs);
                    return this.carve(v, vs, nb, false);
                }
            }
        }
        // designated victim
        const dvs = this.rd(this.dvsizeVar);
        bus.work(1);
        if (nb <= dvs) {
            const p = this.rd(this.dvVar);
            const rsize = dvs - nb;
            bus.work(2);
            if (rsize >= this.minChunk) {
                const r = p + nb;
                this.wr(this.dvVar, r);
                this.wr(this.dvsizeVar, rsize);
                this.setFree(r, rsize);
                this.setHead(p, nb | PINUSE | CINUSE);
            }
            else {
                this.wr(this.dvsizeVar, 0);
                this.wr(this.dvVar, 0);
                this.setInuse(p, dvs, PINUSE);
            }
            return p + 2 * S;
        }
        // top
        const ts = this.rd(this.topsizeVar);
        bus.work(1);
        if (nb < ts) {
            const p = this.rd(this.topVar);
            const rsize = ts - nb;
            const r = p + nb;
            this.wr(this.topsizeVar, rsize);
            this.wr(this.topVar, r);
            this.setHead(r, rsize | PINUSE);
            this.setHead(p, nb | PINUSE | CINUSE);
            bus.work(2);
            return p + 2 * S;
        }
        return 0;
    }
    /** Frees chunk p of size psize (free / dispose_chunk). */
    dispose(p, psize) {
        const bus = this.bus;
        const S = this.S;
        if (this.asserts.on && (this.bus.observer.readPtr(p + S) & CINUSE) === 0)
            this.asserts.fail(`dispose: chunk 0x${p.toString(16)} is not in use (double free?)`);
        const next = p + psize;
        const phead = this.head(p);
        bus.work(2);
        if ((phead & PINUSE) === 0) {
            const prevsize = this.rd(p);
            const prev = p - prevsize;
            psize += prevsize;
            p = prev;
            bus.work(3);
            if (p !== this.rd(this.dvVar))
                this.unlinkChunk(p, prevsize);
            else {
                const nh = this.head(next);
                bus.work(2);
                if ((nh & (PINUSE | CINUSE)) === (PINUSE | CINUSE)) {
                    this.wr(this.dvsizeVar, psize);
                    this.setHead(next, nh & ~PINUSE);
                    this.setFree(p, psize);
                    return;
                }
            }
        }
        const nh = this.head(next);
        bus.work(2);
        if ((nh & CINUSE) === 0) {
            const top = this.rd(this.topVar);
            const dv = this.rd(this.dvVar);
            bus.work(2);
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
            bus.work(2);
            if (p === dv) {
                this.wr(this.dvsizeVar, psize);
                return;
            }
        }
        else {
            this.setHead(next, nh & ~PINUSE);
            this.setFree(p, psize);
        }
        this.insertChunk(p, psize);
        void S;
    }
    // ---- public operations ------------------------------------------------------------------
    alloc(req) {
        const m = this.mallocChunk(req);
        if (m !== 0) {
            this.usedChunkSum += this.bus.peekPtr(m - this.S) & this.sizeMask;
            this.usedCount++;
        }
        return m;
    }
    free(h) {
        if (h === 0)
            return;
        const p = h - 2 * this.S;
        const s = this.head(p) & this.sizeMask;
        this.bus.work(2);
        this.usedChunkSum -= s;
        this.usedCount--;
        this.dispose(p, s);
    }
    realloc(h, req) {
        if (h === 0)
            return this.alloc(req);
        const bus = this.bus;
        const S = this.S;
        const p = h - 2 * S;
        const ph = this.head(p);
        const old = ph & this.sizeMask;
        const pin = ph & PINUSE;
        const next = p + old;
        const nb = this.padRequest(Math.max(0, req));
        bus.work(6);
        let fin = -1;
        if (old >= nb) {
            const rsize = old - nb;
            if (rsize >= this.minChunk) {
                const r = p + nb;
                this.setHead(p, nb | pin | CINUSE);
                this.setInuse(r, rsize, PINUSE);
                this.dispose(r, rsize);
                fin = nb;
            }
            else
                fin = old;
        }
        else {
            const top = this.rd(this.topVar);
            const dv = this.rd(this.dvVar);
            bus.work(2);
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
            }
            else if (next === dv) {
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
                    }
                    else {
                        this.setInuse(p, ds, pin);
                        this.wr(this.dvVar, 0);
                        this.wr(this.dvsizeVar, 0);
                        fin = ds;
                    }
                }
            }
            else {
                const nh = this.head(next);
                bus.work(2);
                if ((nh & CINUSE) === 0) {
                    const ns = nh & this.sizeMask;
                    if (old + ns >= nb) {
                        this.unlinkChunk(next, ns);
                        const rsize = old + ns - nb;
                        if (rsize < this.minChunk) {
                            this.setInuse(p, old + ns, pin);
                            fin = old + ns;
                        }
                        else {
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
        if (m === 0)
            return 0;
        bus.copy(m, h, old - S);
        this.free(h);
        return m;
    }
    lock(h) {
        return h;
    }
    unlock(_h) { }
    // ---- observers --------------------------------------------------------------------------
    usableSize(h) {
        return (this.bus.peekPtr(h - this.S) & this.sizeMask) - this.S;
    }
    addressOf(h) {
        return h;
    }
    freeChunkCount() {
        return this.binned + (this.bus.peekPtr(this.dvsizeVar) !== 0 ? 1 : 0) + 1;
    }
    freeBytes() {
        return this.arenaEnd - this.firstChunk - this.usedChunkSum - this.S * this.freeChunkCount();
    }
    largestAllocatable() {
        const bus = this.bus;
        let maxNb = bus.peekPtr(this.topsizeVar) - this.align;
        maxNb = Math.max(maxNb, bus.peekPtr(this.dvsizeVar));
        const lm = bus.peek32(this.largemapVar);
        if (lm !== 0) {
            const b = this.largeBin(fls32(lm));
            maxNb = Math.max(maxNb, bus.peekPtr(bus.peekPtr(b + 3 * this.S) + this.S) & this.sizeMask);
        }
        else {
            const sm = bus.peek32(this.smallmapVar);
            if (sm !== 0)
                maxNb = Math.max(maxNb, fls32(sm) << this.smallShift);
        }
        return maxNb >= this.minChunk ? maxNb - this.S : 0;
    }
    metadataBytes() {
        return this.heapEnd - this.heapBase - this.freeBytes() - (this.usedChunkSum - this.S * this.usedCount);
    }
    fixedMetadataBytes() {
        // malloc_state, padding, the slack after the arena, and the ALIGN bytes the top chunk always
        // keeps (malloc splits top only when nb < topsize)
        return this.heapEnd - this.heapBase - (this.arenaEnd - this.firstChunk) + this.align;
    }
    blockFootprint(size) {
        return this.padRequest(size);
    }
    walk(visit) {
        const S = this.S;
        const bus = this.bus;
        const meta = (addr, size) => size > 0 && visit({ addr, size, state: 'meta', handle: 0, payload: 0, usable: 0, locked: false });
        meta(this.heapBase, this.firstChunk + S - this.heapBase);
        let c = this.firstChunk;
        while (c < this.arenaEnd) {
            const hd = bus.peekPtr(c + S);
            const s = hd & this.sizeMask;
            if (s === 0)
                break;
            if (hd & CINUSE)
                visit({ addr: c + S, size: s, state: 'used', handle: c + 2 * S, payload: c + 2 * S, usable: s - S, locked: false });
            else
                visit({ addr: c + S, size: s, state: 'free', handle: 0, payload: 0, usable: 0, locked: false });
            c += s;
        }
        meta(c + S, this.heapEnd - c - S);
    }
    stepFailures() {
        return this.asserts.take();
    }
    check() {
        const v = this.asserts.take();
        const bus = this.bus;
        const S = this.S;
        const top = bus.peekPtr(this.topVar);
        const dv = bus.peekPtr(this.dvVar);
        const dvs = bus.peekPtr(this.dvsizeVar);
        const ts = bus.peekPtr(this.topsizeVar);
        if (top + ts !== this.arenaEnd)
            v.push(`top ${(0, units_1.hex)(top, 0)} + ${ts} != arena end ${(0, units_1.hex)(this.arenaEnd, 0)}`);
        const freeChunks = new Map();
        let c = this.firstChunk;
        let prevInuse = true;
        let used = 0, uc = 0;
        let sawDv = false;
        while (c < this.arenaEnd) {
            const hd = bus.peekPtr(c + S);
            const s = hd & this.sizeMask;
            if (s < this.align || s % this.align !== 0 || c + s > this.arenaEnd) {
                v.push(`chunk ${(0, units_1.hex)(c, 0)}: bad size ${s}`);
                return v;
            }
            if (((hd & PINUSE) !== 0) !== prevInuse)
                v.push(`chunk ${(0, units_1.hex)(c, 0)}: PINUSE ${(hd & PINUSE) !== 0} but previous in use ${prevInuse}`);
            const inuse = (hd & CINUSE) !== 0;
            if (inuse) {
                used += s;
                uc++;
            }
            else {
                if (!prevInuse)
                    v.push(`chunk ${(0, units_1.hex)(c, 0)}: free after a free chunk (not coalesced)`);
                if (c === top) {
                    if (s !== ts)
                        v.push(`top size ${s} != topsize ${ts}`);
                }
                else {
                    if (bus.peekPtr(c + s) !== s)
                        v.push(`free chunk ${(0, units_1.hex)(c, 0)}: footer ${bus.peekPtr(c + s)} != ${s}`);
                    if (c === dv) {
                        sawDv = true;
                        if (s !== dvs)
                            v.push(`dv size ${s} != dvsize ${dvs}`);
                    }
                    else
                        freeChunks.set(c, s);
                }
            }
            prevInuse = inuse;
            if (c === top) {
                c += s;
                break;
            }
            c += s;
        }
        if (c !== this.arenaEnd)
            v.push(`chunk chain ends at ${(0, units_1.hex)(c, 0)}, not at the arena end`);
        if (dvs !== 0 && !sawDv)
            v.push(`dv ${(0, units_1.hex)(dv, 0)} is not a free chunk`);
        if (used !== this.usedChunkSum || uc !== this.usedCount)
            v.push(`used tally ${this.usedChunkSum}/${this.usedCount} != ${used}/${uc}`);
        let inBins = 0;
        const scan = (b, name, mapBit, sorted, ok) => {
            let prev = b;
            let last = 0;
            let n = 0;
            for (let x = bus.peekPtr(b + 2 * S); x !== b; x = bus.peekPtr(x + 2 * S)) {
                const s = freeChunks.get(x);
                if (s === undefined) {
                    v.push(`${name} holds ${(0, units_1.hex)(x, 0)}, not a binnable free chunk`);
                    return;
                }
                if (!ok(s))
                    v.push(`${name}: chunk ${(0, units_1.hex)(x, 0)} of size ${s} in the wrong bin`);
                if (sorted && s < last)
                    v.push(`${name}: not sorted at ${(0, units_1.hex)(x, 0)}`);
                if (bus.peekPtr(x + 3 * S) !== prev)
                    v.push(`${name}: ${(0, units_1.hex)(x, 0)}.bk wrong`);
                last = s;
                prev = x;
                if (++n > freeChunks.size) {
                    v.push(`${name}: cycle`);
                    return;
                }
            }
            if (bus.peekPtr(b + 3 * S) !== prev)
                v.push(`${name}: bin bk wrong`);
            if ((n > 0) !== mapBit)
                v.push(`${name}: map bit ${mapBit} but ${n} chunks`);
            inBins += n;
        };
        const sm = bus.peek32(this.smallmapVar);
        const lm = bus.peek32(this.largemapVar);
        for (let i = 0; i < NBINS; i++) {
            scan(this.smallBin(i), `small bin ${i}`, ((sm >>> i) & 1) === 1, false, (s) => s === i << this.smallShift);
            scan(this.largeBin(i), `large bin ${i}`, ((lm >>> i) & 1) === 1, true, (s) => s >= this.minLarge && this.largeIndex(s) === i);
        }
        if (inBins !== freeChunks.size || inBins !== this.binned)
            v.push(`${inBins} chunks in bins, ${freeChunks.size} free chunks, tally ${this.binned}`);
        return v;
    }
}
exports.Dlmalloc = Dlmalloc;
exports.dlmallocFactory = {
    name: 'dlmalloc',
    summary: 'dlmalloc-style: exact small bins, sorted large bins, boundary tags, designated victim and top chunk, 16-byte minimum chunk',
    moving: false,
    multiHeap: false,
    params: [],
    create: (ctx) => new Dlmalloc(ctx),
};
