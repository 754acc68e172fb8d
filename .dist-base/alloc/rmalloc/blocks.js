"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BlockLayer = void 0;
const handles_1 = require("./handles");
const state_1 = require("./state");
class BlockLayer extends handles_1.HandleTable {
    /** Does a request with handle index idx need the ext header (size or index too large for the small one)? */
    needsExt(req, idx) {
        return !(this.blockSize(req, false) / this.U <= this.sizeMask && idx <= this.idxMax);
    }
    /** Block size for a request: header (small or ext) plus payload, rounded to U, at least minBlock. */
    blockSize(req, ext) {
        const U = this.U;
        const s = Math.ceil(((ext ? this.hsExt : this.hsSmall) + req) / U) * U;
        return s < this.minBlock ? this.minBlock : s;
    }
    /** Largest request a free block of F bytes serves (gap: no whole-block absorption issue). */
    capacity(F, idx, gap) {
        if (F < this.minBlock)
            return -1;
        const U = this.U;
        const smallMax = this.sizeMask * U;
        let best = F - this.hsExt;
        if (idx <= this.idxMax) {
            if (F <= smallMax)
                best = Math.max(best, F - this.hsSmall);
            else {
                // A small block taken from a larger free block must leave a remainder (or be the gap).
                const lim = gap ? smallMax : Math.min(smallMax, F - this.minBlock);
                best = Math.max(best, lim - this.hsSmall);
            }
        }
        return best;
    }
    findFree(bs, ext) {
        const bus = this.bus;
        const P = this.P;
        const c = this.classOf(bs / this.U);
        bus.work(1); // units = size >> log2(U)
        bus.fls(); // class = fls(units)
        if (c < this.nClass && ((this.bitmap >>> c) & 1) !== 0) {
            let n = bus.readPtr(this.base + c * P);
            while (n !== 0) {
                const F = this.sizeOfFree(bus.readPtr(n));
                if (this.fits(F, bs, ext))
                    return n;
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
                if (this.fits(F, bs, ext))
                    return n;
                n = bus.readPtr(n + P);
            }
            m &= m - 1;
        }
        return 0;
    }
    fits(F, bs, ext) {
        if (F < bs)
            return false;
        return ext || F - bs >= this.minBlock || F / this.U <= this.sizeMask;
    }
    classOf(units) {
        return 31 - Math.clz32(units);
    }
    sizeOfFree(t) {
        return (t >>> state_1.TAG_SHIFT) * this.U;
    }
    /** Handle index of a used block from its header word t (the ext index word read through m). */
    handleIndex(b, t, m) {
        return (t & state_1.F_EXT) !== 0 ? m.readPtr(b + 2 * this.P) : t >>> (state_1.TAG_SHIFT + this.sizeBits);
    }
    /** Whether the used block at b (header word t) is locked: its index, then its entry, through m. */
    blockLocked(b, t, m) {
        return (0, state_1.locks)(m.readPtr(this.entryAddr(this.handleIndex(b, t, m)))) !== 0;
    }
    /** Size of a used block from its header word t (reads the ext size word through m when needed). */
    usedSize(b, t, m = this.bus) {
        if ((t & state_1.F_EXT) !== 0)
            return m.readPtr(b + this.P) * this.U;
        return ((t >>> state_1.TAG_SHIFT) & this.sizeMask) * this.U;
    }
    writeUsedHeader(b, size, idx, ext, pf) {
        const bus = this.bus;
        const units = size / this.U;
        if (ext) {
            bus.writePtr(b, state_1.F_EXT + (pf ? state_1.F_PREV_FREE : 0));
            bus.writePtr(b + this.P, units);
            bus.writePtr(b + 2 * this.P, idx);
        }
        else {
            bus.writePtr(b, idx * 2 ** (state_1.TAG_SHIFT + this.sizeBits) + units * 2 ** state_1.TAG_SHIFT + (pf ? state_1.F_PREV_FREE : 0));
        }
    }
    /** Rewrites the size of a used block whose header word is t. */
    writeUsedSize(b, t, size, ext) {
        const units = size / this.U;
        if (ext)
            this.bus.writePtr(b + this.P, units);
        else {
            const keep = t - ((t >>> state_1.TAG_SHIFT) & this.sizeMask) * 2 ** state_1.TAG_SHIFT;
            this.bus.writePtr(b, keep + units * 2 ** state_1.TAG_SHIFT);
        }
    }
    /** Writes a free block (header, footer) and lists it when it is large enough. */
    writeFree(b, size) {
        const units = size / this.U;
        this.bus.writePtr(b, units * 2 ** state_1.TAG_SHIFT + state_1.F_FREE);
        this.bus.writePtr(b + size - this.P, units);
        if (size >= this.minListed)
            this.listInsert(b, size);
    }
    setPrevFree(n, on) {
        if (n >= this.top)
            return;
        const t = this.bus.readPtr(n);
        const want = on ? (t | state_1.F_PREV_FREE) >>> 0 : (t & ~state_1.F_PREV_FREE) >>> 0;
        if (want !== t)
            this.bus.writePtr(n, want);
    }
    listInsert(b, size) {
        const bus = this.bus;
        const P = this.P;
        const c = this.classOf(size / this.U);
        const hAddr = this.base + c * P;
        const head = bus.readPtr(hAddr);
        bus.writePtr(b + P, head);
        bus.writePtr(b + 2 * P, 0);
        if (head !== 0)
            bus.writePtr(head + 2 * P, b);
        bus.writePtr(hAddr, b);
        this.bitmap = (this.bitmap | (1 << c)) >>> 0;
        bus.work(1); // units = size >> log2(U)
        bus.fls(); // class = fls(units)
        bus.work(1); // set the class's bitmap bit
        if (c === this.lcClass && size > this.lcMax)
            this.lcMax = size;
    }
    listRemove(b, size) {
        if (size < this.minListed)
            return;
        if (size >= this.lcMax && this.classOf(size / this.U) === this.lcClass)
            this.lcClass = -1;
        const bus = this.bus;
        const P = this.P;
        const next = bus.readPtr(b + P);
        const prev = bus.readPtr(b + 2 * P);
        if (prev !== 0)
            bus.writePtr(prev + P, next);
        else {
            const c = this.classOf(size / this.U);
            bus.work(1); // units = size >> log2(U)
            bus.fls(); // class = fls(units): the list head to update
            bus.writePtr(this.base + c * P, next);
            if (next === 0)
                this.bitmap = (this.bitmap & ~(1 << c)) >>> 0;
        }
        if (next !== 0)
            bus.writePtr(next + 2 * P, prev);
    }
    /** The largest free block on class c's list, by a walk of the list (uncounted). */
    classMax(c) {
        let n = this.bus.peekPtr(this.base + c * this.P);
        let max = 0;
        while (n !== 0) {
            const s = this.sizeOfFree(this.bus.peekPtr(n));
            if (s > max)
                max = s;
            n = this.bus.peekPtr(n + this.P);
        }
        return max;
    }
    /**
     * Makes [b, b+size) free, coalescing with free neighbours or returning it to the gap.
     * `pf`: whether the block before b is free. `user`: called from free/realloc (a new hole),
     * not from the compactor (whose holes the cursor will reach anyway).
     */
    freeRegion(b, size, pf, user) {
        const bus = this.bus;
        let start = b;
        let s = size;
        const n = b + size;
        if (n < this.top) {
            const nt = bus.readPtr(n);
            if ((nt & state_1.F_FREE) !== 0) {
                const NF = this.sizeOfFree(nt);
                this.listRemove(n, NF);
                s += NF;
            }
            else
                bus.writePtr(n, (nt | state_1.F_PREV_FREE) >>> 0);
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
        }
        else {
            this.writeFree(start, s);
            this.repoint(start, s);
            if (user && start < this.lowHole)
                this.lowHole = start;
            if (user && this.cycleActive && start < this.cur)
                this.cur = start;
        }
    }
    /** Walk pointers that fell inside [start, start+size) move to its start. */
    repoint(start, size) {
        const end = start + size;
        if (this.cur > start && this.cur < end)
            this.cur = start;
        if (this.lowHole > start && this.lowHole < end)
            this.lowHole = start;
        if (this.oldTop > start && this.oldTop < end)
            this.oldTop = start;
        for (let i = 0; i < this.marks.length; i++) {
            const m = this.marks[i];
            if (m > start && m < end)
                this.marks[i] = start;
        }
    }
    clampPointers() {
        const t = this.top;
        if (this.cur > t)
            this.cur = t;
        if (this.lowHole > t && Number.isFinite(this.lowHole))
            this.lowHole = Infinity;
        if (this.oldTop > t)
            this.oldTop = t;
        for (let i = 0; i < this.marks.length; i++)
            if (this.marks[i] > t)
                this.marks[i] = t;
    }
}
exports.BlockLayer = BlockLayer;
