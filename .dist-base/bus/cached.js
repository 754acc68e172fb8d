"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CachedBus = void 0;
exports.makeBus = makeBus;
const index_1 = require("./index");
const cache_1 = require("./cache");
const READ = 0, WRITE = 1;
const widthIndex = (bytes) => (bytes === 1 ? 0 : bytes === 2 ? 1 : 2);
class CachedBus extends index_1.MemoryBus {
    cache;
    /** Per region index: is it cached? */
    cachedRegion;
    constructor(device, heaps, spec) {
        super(device, heaps);
        this.cache = new cache_1.DataCache(spec);
        this.cachedRegion = device.regions.map((r) => spec.regions.includes(r.name));
    }
    cached(s) {
        return this.cachedRegion[s.regionIndex] === true;
    }
    mask(w) {
        return w === 1 ? 0 : w === 2 ? this.mask16 : this.mask32;
    }
    cachedRead(a, w) {
        const s = this.span(a, w);
        if (!this.cached(s) || (a & this.mask(w)) !== 0)
            return undefined; // MemoryBus's path (splits come back here)
        this.book(s, this.cache.read(a, s.costs), READ, a, w);
        return s;
    }
    read8(a) {
        return this.cachedRead(a, 1) ? this.peek8(a) : super.read8(a);
    }
    read16(a) {
        return this.cachedRead(a, 2) ? this.peek16(a) : super.read16(a);
    }
    read32(a) {
        return this.cachedRead(a, 4) ? this.peek32(a) : super.read32(a);
    }
    cachedWrite(a, w) {
        const s = this.span(a, w);
        if (!this.cached(s) || (a & this.mask(w)) !== 0)
            return false;
        const bit = w === 1 ? 1 : w === 2 ? 2 : 4;
        if ((s.writeMask & bit) === 0) {
            if (w === 4 && (s.writeMask & 2) !== 0)
                return false; // MemoryBus splits it into halfwords (cached here)
            throw new index_1.BusFault('write-width', a, w, s.region, `region does not accept ${w * 8}-bit writes`);
        }
        const seq = a === this.lastEnd && this.lastDir === WRITE ? 1 : 0;
        const uncached = s.costs[6 + widthIndex(w) * 2 + seq];
        this.book(s, this.cache.write(a, uncached), WRITE, a, w);
        return true;
    }
    write8(a, v) {
        if (this.cachedWrite(a, 1))
            this.poke8(a, v);
        else
            super.write8(a, v);
    }
    write16(a, v) {
        if (this.cachedWrite(a, 2))
            this.poke16(a, v);
        else
            super.write16(a, v);
    }
    write32(a, v) {
        if (this.cachedWrite(a, 4))
            this.poke32(a, v);
        else
            super.write32(a, v);
    }
    // Pointer-sized accesses restated here so their calls bind to this class's reads and writes.
    readPtr(a) {
        return this.pointerBytes === 4 ? this.read32(a) : this.read16(a);
    }
    writePtr(a, v) {
        if (this.pointerBytes === 4)
            this.write32(a, v);
        else
            this.write16(a, v);
    }
    /** A cached span needs every address: walks take the counted path there. */
    plainAccess(a, w) {
        return super.plainAccess(a, w) && !this.cached(this.span(a, w));
    }
    /** Nor may a walk peek a cached span through its word views. */
    wordView() {
        const v = super.wordView();
        return v !== null && this.cached(v) ? null : v;
    }
    chargeReadLoop(a, w, reads, alu, n, aluAfter, endsAt, seqReads) {
        if (n > 0 && this.cached(this.span(a, w)))
            throw new Error('chargeReadLoop in a cached region: walks there must use counted reads (plainAccess is false)');
        super.chargeReadLoop(a, w, reads, alu, n, aluAfter, endsAt, seqReads);
    }
    copy(dst, src, n) {
        if (n <= 0)
            return;
        const ss = this.span(src, n);
        const ds = this.span(dst, n);
        if (!this.cached(ss) && !this.cached(ds))
            return super.copy(dst, src, n);
        const u = ds.minWrite;
        if (u > 1 && ((dst | src | n) & (u - 1)) !== 0)
            return super.copy(dst, src, n); // MemoryBus's fault
        const so = src - ss.base;
        const dOff = dst - ds.base;
        if (ss === ds)
            ds.u8.copyWithin(dOff, so, so + n);
        else
            ds.u8.set(ss.u8.subarray(so, so + n), dOff);
        // MemoryBus's schedule, each element through the cache (see the header): elements one at a
        // time (runs of 1), words in bursts of burstBytes.
        const wb = Math.max(u, Math.min(4, this.wordBytes));
        this.xReadC = this.xWriteC = this.xLoopC = this.xAccesses = 0;
        if ((src - dst) % wb === 0 && wb > u) {
            const head = Math.min(n, (wb - (dst % wb)) % wb);
            const words = Math.floor((n - head) / wb);
            this.runs(ss, ds, src, dst, 0, head / u, u, 1);
            this.runs(ss, ds, src, dst, head, words, wb, Math.max(1, Math.floor(this.burstBytes / wb)));
            this.runs(ss, ds, src, dst, head + words * wb, (n - head - words * wb) / u, u, 1);
        }
        else if (wb === u) {
            this.runs(ss, ds, src, dst, 0, n / u, u, Math.max(1, Math.floor(this.burstBytes / u)));
        }
        else {
            this.runs(ss, ds, src, dst, 0, n / u, u, 1);
        }
        const readC = this.xReadC, writeC = this.xWriteC, loopC = this.xLoopC, accesses = this.xAccesses;
        const c = readC + writeC + loopC;
        this.cycles += c;
        this.copyCycles += c;
        this.copyBytes += n;
        this.copyAccesses += accesses;
        ss.cycles += readC;
        ss.accesses += accesses;
        ds.cycles += writeC + loopC;
        ds.accesses += accesses;
        this.lastEnd = -1;
    }
    /** Scratch accumulators of copy() (fields: a copy allocates nothing). */
    xReadC = 0;
    xWriteC = 0;
    xLoopC = 0;
    xAccesses = 0;
    /**
     * Moves `units` elements of `bytes` from src + at to dst + at in runs of `per` (a burst: its
     * reads, then its writes, then the loop overhead), each access through the cache where the
     * region is cached, else at the region's N (first of a run) / S price.
     */
    runs(ss, ds, src, dst, at, units, bytes, per) {
        const wi = widthIndex(bytes);
        const cs = this.cached(ss), cd = this.cached(ds);
        for (let k = 0; k < units; k += per) {
            const count = Math.min(per, units - k);
            const base = at + k * bytes;
            for (let i = 0; i < count; i++)
                this.xReadC += cs ? this.cache.read(src + base + i * bytes, ss.costs) : ss.costs[wi * 2 + (i > 0 ? 1 : 0)];
            for (let i = 0; i < count; i++) {
                const uncached = ds.costs[6 + wi * 2 + (i > 0 ? 1 : 0)];
                this.xWriteC += cd ? this.cache.write(dst + base + i * bytes, uncached) : uncached;
            }
            this.xLoopC += this.loopCycles;
            this.xAccesses += count;
        }
    }
    counters() {
        return { ...super.counters(), cache: this.cache.counters() };
    }
}
exports.CachedBus = CachedBus;
/**
 * The bus a run uses: a CachedBus when the device profile has a data cache and `cache` is not
 * false (--no-cache), else a MemoryBus.
 */
function makeBus(device, heaps, opts = {}) {
    const dc = device.dataCache;
    if (opts.cache === false || !dc || !('sizeBytes' in dc))
        return new index_1.MemoryBus(device, heaps);
    return new CachedBus(device, heaps, dc);
}
