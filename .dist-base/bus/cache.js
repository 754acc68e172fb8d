"use strict";
/**
 * A data cache in front of the cacheable regions: set-associative, allocate on read miss,
 * write-back (dirty bits per part of a line) or write-through, no allocation on a write miss.
 * This is how the ARM946E-S D-cache works (ARM DDI 0155A, ch. 3: 4-way, 32-byte lines, "allocate
 * on read-miss", WB or WT per protection region, a store that misses goes to the write buffer,
 * one dirty bit per half line, victims chosen by one segment counter, pseudo-random or
 * round-robin); the profile gives the size (4 KiB on the Nintendo DS: GBATEK).
 *
 * Costs, in CPU cycles, from the region behind the line (its 32-bit N/S costs, see costTable):
 * - read or write hit: `hitCycles` (1 on the ARM946E-S: single-cycle cache access);
 * - read miss: a line fill, one N and (line/4 - 1) S word reads, plus the write-back of the
 *   victim's dirty parts (each one N and S word writes); the read itself is served by the fill;
 * - write miss, and every write in write-through mode: the uncached write the bus would charge
 *   (the caller passes it). The write buffer, which can hide part of that, is not modelled:
 *   writes are charged as the worst case.
 * The victim is chosen by one counter for the whole cache, advanced at every line fill (a
 * 16-bit LFSR for `random`, +1 for `round-robin`), whether or not the line it picks is valid:
 * both deterministic, so runs repeat exactly.
 *
 * Only the allocator's counted accesses go through the cache; the engine's observers (peeks)
 * and the application's own loads and stores (appBytes) do not. So the hit rate is what the
 * allocator alone would see with the cache to itself: an upper bound on a real system, where
 * the program's data competes for the same lines.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.DataCache = void 0;
/** Index into a bus cost table (costTable): dir * 6 + widthIndex * 2 + seq. */
const READ_N32 = 0 * 6 + 2 * 2, READ_S32 = READ_N32 + 1;
const WRITE_N32 = 1 * 6 + 2 * 2, WRITE_S32 = WRITE_N32 + 1;
class DataCache {
    spec;
    sets;
    lineShift;
    partShift;
    /** Line number (address >>> lineShift) held by each way of each set, or -1. */
    lines;
    setMask;
    wayShift;
    /** Dirty parts of each slot, as a bit mask. */
    dirty;
    /** The cost table of the region each slot's line came from (for its write-back). */
    owner;
    hit;
    /** The line of the last hit or fill and its slot: that line is surely resident (a fast path). */
    lastLine = -1;
    lastSlot = -1;
    counter = 0;
    lfsr = 0xace1;
    readHits = 0;
    writeHits = 0;
    readMisses = 0;
    writeMisses = 0;
    writeBacks = 0;
    cycles = 0;
    constructor(spec) {
        const s = { ...spec, hitCycles: spec.hitCycles ?? 1, dirtyParts: spec.dirtyParts ?? 2 };
        this.hit = s.hitCycles;
        const pow2 = (x) => Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;
        if (!pow2(s.lineBytes) || s.lineBytes < 4)
            throw new Error(`cache line of ${s.lineBytes} bytes: must be a power of two >= 4`);
        if (!pow2(s.ways))
            throw new Error(`cache of ${s.ways} ways: must be a power of two`);
        if (!pow2(s.sizeBytes) || s.sizeBytes < s.ways * s.lineBytes)
            throw new Error(`cache of ${s.sizeBytes} bytes: must be a power of two of at least ways x line`);
        if (!pow2(s.dirtyParts) || s.dirtyParts > s.lineBytes / 4 || s.dirtyParts > 8)
            throw new Error(`${s.dirtyParts} dirty parts per line: must be a power of two, at most line/4 and 8`);
        this.spec = s;
        this.sets = s.sizeBytes / (s.ways * s.lineBytes);
        this.lineShift = Math.log2(s.lineBytes);
        this.partShift = Math.log2(s.lineBytes / s.dirtyParts);
        this.lines = new Int32Array(this.sets * s.ways).fill(-1);
        this.setMask = this.sets - 1;
        this.wayShift = Math.log2(s.ways);
        this.dirty = new Uint8Array(this.sets * s.ways);
        this.owner = new Array(this.sets * s.ways).fill(undefined);
    }
    /**
     * A counted read at `a` in a region with cost table `costs`: returns its cycles (a hit, or a
     * line fill plus the victim's write-backs) and counts it.
     */
    read(a, costs) {
        const slot = (a >>> this.lineShift) === this.lastLine ? this.lastSlot : this.find(a);
        if (slot >= 0) {
            this.lastLine = a >>> this.lineShift;
            this.lastSlot = slot;
            this.readHits++;
            this.cycles += this.hit;
            return this.hit;
        }
        this.readMisses++;
        const line = a >>> this.lineShift;
        const victim = ((line & this.setMask) << this.wayShift) + this.nextWay();
        let c = this.evict(victim);
        c += costs[READ_N32] + (this.spec.lineBytes / 4 - 1) * costs[READ_S32];
        this.lines[victim] = line;
        this.owner[victim] = costs;
        this.lastLine = line;
        this.lastSlot = victim;
        this.cycles += c;
        return c;
    }
    /**
     * A counted write at `a`; `uncached` is what the write would cost without the cache (charged
     * on a miss, and always in write-through mode). Returns its cycles and counts it.
     */
    write(a, uncached) {
        const slot = (a >>> this.lineShift) === this.lastLine ? this.lastSlot : this.find(a);
        let c;
        if (slot >= 0) {
            this.writeHits++;
            if (this.spec.write === 'write-back') {
                this.dirty[slot] |= 1 << ((a & (this.spec.lineBytes - 1)) >>> this.partShift);
                c = this.hit;
            }
            else
                c = this.hit + uncached;
        }
        else {
            this.writeMisses++;
            c = uncached;
        }
        this.cycles += c;
        return c;
    }
    /** Whether the line holding `a` is in the cache (no counters move: for tests and reports). */
    holds(a) {
        return this.find(a) >= 0;
    }
    counters() {
        return { readHits: this.readHits, writeHits: this.writeHits, readMisses: this.readMisses, writeMisses: this.writeMisses, writeBacks: this.writeBacks, cycles: this.cycles };
    }
    /** The slot holding the line of `a` (a 32-bit address), or -1. */
    find(a) {
        const line = a >>> this.lineShift;
        const base = (line & this.setMask) << this.wayShift;
        const end = base + (1 << this.wayShift);
        const lines = this.lines;
        for (let i = base; i < end; i++)
            if (lines[i] === line)
                return i;
        return -1;
    }
    /** The way the segment counter picks for the next line fill. */
    nextWay() {
        if (this.spec.replacement === 'round-robin') {
            const w = this.counter;
            this.counter = (this.counter + 1) & (this.spec.ways - 1);
            return w;
        }
        // 16-bit Fibonacci LFSR, taps 16 14 13 11 (maximal length).
        const l = this.lfsr;
        const bit = (l ^ (l >>> 2) ^ (l >>> 3) ^ (l >>> 5)) & 1;
        this.lfsr = (l >>> 1) | (bit << 15);
        return this.lfsr & (this.spec.ways - 1);
    }
    /** Writes back the dirty parts of the slot's line (their cycles); leaves the slot clean. */
    evict(slot) {
        const d = this.dirty[slot];
        if (d === 0)
            return 0;
        const costs = this.owner[slot];
        const words = this.spec.lineBytes / this.spec.dirtyParts / 4;
        const perPart = costs[WRITE_N32] + (words - 1) * costs[WRITE_S32];
        let n = 0;
        for (let m = d; m !== 0; m &= m - 1)
            n++;
        this.writeBacks += n;
        this.dirty[slot] = 0;
        return n * perPart;
    }
}
exports.DataCache = DataCache;
