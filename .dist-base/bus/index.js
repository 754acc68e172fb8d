"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.makeBus = exports.CachedBus = exports.MemoryBus = exports.Span = exports.BusFault = exports.placeStatics = exports.StaticsPort = exports.DataCache = exports.ListWalk = exports.ObserverPort = exports.cpuCosts = exports.CPU_COSTS = void 0;
exports.costTable = costTable;
const units_1 = require("../util/units");
const cpu_1 = require("./cpu");
const port_1 = require("./port");
var cpu_2 = require("./cpu");
Object.defineProperty(exports, "CPU_COSTS", { enumerable: true, get: function () { return cpu_2.CPU_COSTS; } });
Object.defineProperty(exports, "cpuCosts", { enumerable: true, get: function () { return cpu_2.cpuCosts; } });
var port_2 = require("./port");
Object.defineProperty(exports, "ObserverPort", { enumerable: true, get: function () { return port_2.ObserverPort; } });
var walk_1 = require("./walk");
Object.defineProperty(exports, "ListWalk", { enumerable: true, get: function () { return walk_1.ListWalk; } });
var cache_1 = require("./cache");
Object.defineProperty(exports, "DataCache", { enumerable: true, get: function () { return cache_1.DataCache; } });
var statics_1 = require("./statics");
Object.defineProperty(exports, "StaticsPort", { enumerable: true, get: function () { return statics_1.StaticsPort; } });
Object.defineProperty(exports, "placeStatics", { enumerable: true, get: function () { return statics_1.placeStatics; } });
const statics_2 = require("./statics");
class BusFault extends Error {
    kind;
    addr;
    region;
    constructor(kind, addr, width, region, detail = '') {
        const where = region ? ` in region "${region}"` : '';
        super(`bus fault (${kind}): ${width * 8}-bit access at ${(0, units_1.hex)(addr)}${where}${detail ? ': ' + detail : ''}`);
        this.name = 'BusFault';
        this.kind = kind;
        this.addr = addr;
        this.region = region;
    }
}
exports.BusFault = BusFault;
const W8 = 0, W16 = 1, W32 = 2;
const READ = 0, WRITE = 1;
/** Index into a cost table: dir * 6 + widthIndex * 2 + seq. */
const at = (dir, wi, seq) => dir * 6 + wi * 2 + seq;
const widthIndex = (bytes) => (bytes === 1 ? W8 : bytes === 2 ? W16 : W32);
/** Is the host little-endian (typed-array word views then read a little-endian device's words)? */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** A backed heap span with the cost table of its region. */
class Span {
    base;
    end;
    u8;
    dv;
    /** Word views of the same memory (for aligned accesses when device and host byte order agree). */
    u16;
    u32;
    region;
    regionIndex;
    /** costs[dir * 6 + widthIndex * 2 + seq] in CPU cycles. */
    costs;
    /** Accepted write widths as a bit mask (bit 0: 8, bit 1: 16, bit 2: 32). */
    writeMask;
    /** Smallest write the region accepts, in bytes (1 unless the region takes no byte writes). */
    minWrite;
    cycles = 0;
    accesses = 0;
    constructor(h, reg, regionIndex) {
        this.base = h.base;
        this.end = h.base + h.size;
        const buf = new ArrayBuffer(Math.ceil(h.size / 4) * 4);
        this.u8 = new Uint8Array(buf, 0, h.size);
        this.dv = new DataView(buf, 0, h.size);
        this.u16 = new Uint16Array(buf);
        this.u32 = new Uint32Array(buf);
        this.region = reg.name;
        this.regionIndex = regionIndex;
        this.costs = costTable(reg);
        this.writeMask = reg.writeWidths ? reg.writeWidths.reduce((m, w) => m | (w === 8 ? 1 : w === 16 ? 2 : 4), 0) : 7;
        this.minWrite = (this.writeMask & 1) !== 0 ? 1 : (this.writeMask & 2) !== 0 ? 2 : 4;
    }
    /** Moves the span onto `mem` (its current bytes copied there); mem must start 4-byte aligned in its buffer. */
    rebind(mem) {
        const n = this.u8.length;
        mem.set(this.u8);
        const buf = mem.buffer;
        const off = mem.byteOffset;
        this.u8 = new Uint8Array(buf, off, n);
        this.dv = new DataView(buf, off, n);
        this.u16 = new Uint16Array(buf, off, Math.floor(Math.min(buf.byteLength - off, Math.ceil(n / 4) * 4) / 2));
        this.u32 = new Uint32Array(buf, off, Math.floor(Math.min(buf.byteLength - off, Math.ceil(n / 4) * 4) / 4));
    }
}
exports.Span = Span;
/**
 * Expands a region's cost spec to the 12-entry table (read/write × 8/16/32 × N/S), in CPU
 * cycles: index `dir * 6 + widthIndex * 2 + seq` with dir 0 read / 1 write, widthIndex 0/1/2
 * for 8/16/32 bits, seq 0 for N / 1 for S.
 */
function costTable(reg) {
    const t = new Float64Array(12);
    const bus = reg.busBits;
    [8, 16, 32].forEach((w, wi) => {
        for (const dir of [READ, WRITE]) {
            const spec = dir === WRITE && reg.writeCycles ? reg.writeCycles : reg.cycles;
            const n = spec[`n${w}`];
            const s = spec[`s${w}`];
            const bn = spec[`n${bus}`];
            const bs = spec[`s${bus}`];
            const k = Math.max(1, w / bus);
            t[at(dir, wi, 0)] = n ?? (w <= bus ? bn : bn + (k - 1) * bs);
            t[at(dir, wi, 1)] = s ?? (w <= bus ? bs : k * bs);
        }
    });
    return t;
}
class MemoryBus {
    device;
    /** The core's ALU costs (bit scans, multiply, ...). */
    cpu;
    /** The uncounted view of the same memory (peeks and pokes; ALU calls charge nothing). */
    observer;
    counted = true;
    heaps;
    littleEndian;
    pointerBytes;
    wordBytes;
    /** Total cycles charged so far (metadata accesses + copies + ALU work). */
    cycles = 0;
    metaCycles = 0;
    copyCycles = 0;
    aluCycles = 0;
    reads = 0;
    writes = 0;
    copyBytes = 0;
    bytesRead = 0;
    bytesWritten = 0;
    copyAccesses = 0;
    staticReads = 0;
    staticWrites = 0;
    staticBytesRead = 0;
    staticBytesWritten = 0;
    staticCycles = 0;
    /** Set by allocators whose ALU work is an estimate from executed instructions (src/wasm). */
    aluEstimated = false;
    /** Kept by C allocators (src/wasm): see BusCounters.heapHighWater. */
    heapHighWater = 0;
    spans;
    cur;
    lastEnd = -1;
    lastDir = READ;
    splitUnaligned;
    /** Device byte order equals the host's: aligned words may use the typed-array views. */
    nativeOrder;
    /** Alignment masks for 16- and 32-bit accesses (from cpu.accessAlignment). */
    mask16;
    mask32;
    burstBytes;
    loopCycles;
    /** Scratch accumulators of copy() (fields, so a copy allocates nothing). */
    cRead = 0;
    cWrite = 0;
    cLoop = 0;
    cAccesses = 0;
    /** Bit-scan costs of the core (copied from cpu for the hot path). */
    flsCycles;
    ffsCycles;
    constructor(device, heaps) {
        this.device = device;
        this.cpu = (0, cpu_1.cpuCosts)(device);
        this.flsCycles = this.cpu.fls;
        this.ffsCycles = this.cpu.ffs;
        this.heaps = heaps;
        this.littleEndian = device.cpu.endianness === 'little';
        this.pointerBytes = device.cpu.pointerBytes;
        this.wordBytes = device.cpu.wordBytes;
        this.splitUnaligned = device.cpu.unaligned === 'split';
        this.nativeOrder = this.littleEndian === HOST_LE;
        const aa = device.cpu.accessAlignment ?? 4;
        this.mask16 = Math.min(2, aa) - 1;
        this.mask32 = Math.min(4, aa) - 1;
        this.burstBytes = device.cpu.copyBurstBytes ?? 16;
        this.loopCycles = device.cpu.copyLoopCycles ?? 2;
        this.spans = heaps.map((h) => {
            const ri = device.regions.findIndex((r) => r.name === h.region);
            if (ri < 0)
                throw new Error(`heap ${h.name} names unknown region ${h.region}`);
            return new Span(h, device.regions[ri], ri);
        });
        this.cur = this.spans[0];
        this.observer = new port_1.ObserverPort(this);
    }
    // ---- counted accesses (allocator side) -------------------------------------------------
    // The counted accesses inline span() and charge() on their fast path (same arithmetic: see
    // charge() for the cycle model); this is the simulator's innermost loop.
    read8(a) {
        let s = this.cur;
        if (a < s.base || a + 1 > s.end)
            s = this.span(a, 1);
        const c = s.costs[W8 * 2 + (a === this.lastEnd && this.lastDir === READ ? 1 : 0)];
        this.cycles += c;
        this.metaCycles += c;
        s.cycles += c;
        s.accesses++;
        this.reads++;
        this.bytesRead++;
        this.lastEnd = a + 1;
        this.lastDir = READ;
        return s.u8[a - s.base];
    }
    read16(a) {
        let s = this.cur;
        if (a < s.base || a + 2 > s.end)
            s = this.span(a, 2);
        if ((a & this.mask16) !== 0)
            return this.unalignedRead(s, a, 2);
        const c = s.costs[W16 * 2 + (a === this.lastEnd && this.lastDir === READ ? 1 : 0)];
        this.cycles += c;
        this.metaCycles += c;
        s.cycles += c;
        s.accesses++;
        this.reads++;
        this.bytesRead += 2;
        this.lastEnd = a + 2;
        this.lastDir = READ;
        const o = a - s.base;
        return this.nativeOrder && (o & 1) === 0 ? s.u16[o >>> 1] : s.dv.getUint16(o, this.littleEndian);
    }
    read32(a) {
        let s = this.cur;
        if (a < s.base || a + 4 > s.end)
            s = this.span(a, 4);
        if ((a & this.mask32) !== 0)
            return this.unalignedRead(s, a, 4);
        const c = s.costs[W32 * 2 + (a === this.lastEnd && this.lastDir === READ ? 1 : 0)];
        this.cycles += c;
        this.metaCycles += c;
        s.cycles += c;
        s.accesses++;
        this.reads++;
        this.bytesRead += 4;
        this.lastEnd = a + 4;
        this.lastDir = READ;
        const o = a - s.base;
        return this.nativeOrder && (o & 3) === 0 ? s.u32[o >>> 2] : s.dv.getUint32(o, this.littleEndian);
    }
    write8(a, v) {
        const s = this.span(a, 1);
        if ((s.writeMask & 1) === 0)
            throw new BusFault('write-width', a, 1, s.region, 'region does not accept 8-bit writes');
        this.charge(s, WRITE, W8, a, 1);
        s.u8[a - s.base] = v;
    }
    write16(a, v) {
        let s = this.cur;
        if (a < s.base || a + 2 > s.end)
            s = this.span(a, 2);
        if ((a & this.mask16) !== 0)
            return this.unalignedWrite(s, a, 2, v);
        if ((s.writeMask & 2) === 0)
            throw new BusFault('write-width', a, 2, s.region, 'region does not accept 16-bit writes');
        const c = s.costs[6 + W16 * 2 + (a === this.lastEnd && this.lastDir === WRITE ? 1 : 0)];
        this.cycles += c;
        this.metaCycles += c;
        s.cycles += c;
        s.accesses++;
        this.writes++;
        this.bytesWritten += 2;
        this.lastEnd = a + 2;
        this.lastDir = WRITE;
        const o = a - s.base;
        if (this.nativeOrder && (o & 1) === 0)
            s.u16[o >>> 1] = v;
        else
            s.dv.setUint16(o, v, this.littleEndian);
    }
    write32(a, v) {
        let s = this.cur;
        if (a < s.base || a + 4 > s.end)
            s = this.span(a, 4);
        if ((a & this.mask32) !== 0)
            return this.unalignedWrite(s, a, 4, v);
        if ((s.writeMask & 4) === 0) {
            // The bus carries a 32-bit store to a 16-bit-only region as two halfword stores (N then S).
            if ((s.writeMask & 2) === 0)
                throw new BusFault('write-width', a, 4, s.region, 'region does not accept 32-bit writes');
            this.write16(a, this.littleEndian ? v & 0xffff : v >>> 16);
            this.write16(a + 2, this.littleEndian ? v >>> 16 : v & 0xffff);
            return;
        }
        const c = s.costs[6 + W32 * 2 + (a === this.lastEnd && this.lastDir === WRITE ? 1 : 0)];
        this.cycles += c;
        this.metaCycles += c;
        s.cycles += c;
        s.accesses++;
        this.writes++;
        this.bytesWritten += 4;
        this.lastEnd = a + 4;
        this.lastDir = WRITE;
        const o = a - s.base;
        if (this.nativeOrder && (o & 3) === 0)
            s.u32[o >>> 2] = v;
        else
            s.dv.setUint32(o, v >>> 0, this.littleEndian);
    }
    /** A pointer-sized load (16-bit on AVR, 32-bit elsewhere). */
    readPtr(a) {
        return this.pointerBytes === 4 ? this.read32(a) : this.read16(a);
    }
    writePtr(a, v) {
        if (this.pointerBytes === 4)
            this.write32(a, v);
        else
            this.write16(a, v);
    }
    /**
     * Whether [a, a+w) lies in the span of the last access and is aligned for a w-byte access:
     * then read16/read32 there would neither fault nor split, and charge that span. Lets a list
     * walk peek its nodes and charge them with chargeReadLoop, falling back to counted reads
     * where this is false.
     */
    plainAccess(a, w) {
        const c = this.cur;
        return a >= c.base && a + w <= c.end && (a & (w === 2 ? this.mask16 : this.mask32)) === 0;
    }
    /**
     * Charges n iterations of a loop body that makes `reads` non-sequential w-byte reads in the
     * heap span holding `a`, with `alu` cycles of work() after the first `aluAfter` of them
     * (default: after all): every counter ends exactly as if the body had run through
     * read16/read32 and work() n times (multiplied out when the costs and
     * the running totals are integers, which is exact; otherwise each addition in the original order). The caller
     * reads the values with peeks and guarantees the reads were plain (plainAccess) and that no
     * read continues the previous access. Afterwards the next access is non-sequential, as
     * after work(), unless `endsAt` gives the end address of the body's last read (a body that
     * ends with a read): then an access there continues it, as it would have. `seqReads`: the
     * last seqReads reads of the body each continue the read before them (adjacent field loads
     * with no work in between) and cost the sequential price; the first read never does.
     */
    chargeReadLoop(a, w, reads, alu, n, aluAfter = reads, endsAt = -1, seqReads = 0) {
        if (n <= 0)
            return;
        const s = this.span(a, w);
        const c = s.costs[(w === 2 ? W16 : W32) * 2];
        const cs = s.costs[(w === 2 ? W16 : W32) * 2 + 1];
        const firstSeq = reads - seqReads;
        // Integers added to integer totals are exact in any order (far below 2^53).
        if (Number.isInteger(c) && (seqReads === 0 || Number.isInteger(cs)) && Number.isInteger(alu) && Number.isInteger(this.cycles) && Number.isInteger(this.metaCycles) && Number.isInteger(this.aluCycles) && Number.isInteger(s.cycles)) {
            const m = (c * firstSeq + cs * seqReads) * n;
            const k = alu * n;
            this.cycles += m + k;
            this.metaCycles += m;
            this.aluCycles += k;
            s.cycles += m;
        }
        else {
            for (let i = 0; i < n; i++) {
                for (let r = 0; r <= reads; r++) {
                    if (r === aluAfter) {
                        this.cycles += alu;
                        this.aluCycles += alu;
                    }
                    if (r === reads)
                        break;
                    const cr = r < firstSeq ? c : cs;
                    this.cycles += cr;
                    this.metaCycles += cr;
                    s.cycles += cr;
                }
            }
        }
        s.accesses += reads * n;
        this.reads += reads * n;
        this.bytesRead += reads * n * w;
        this.lastEnd = endsAt;
        this.lastDir = READ;
    }
    /**
     * A port for a built-in allocator's globals (`bytes` of them), placed and priced as a C
     * allocator's statics are (src/bus/statics.ts); its accesses are counted in `statics`.
     */
    staticsPort(bytes) {
        return new statics_2.StaticsPort(this, (0, statics_2.placeStatics)(this.device, this.heaps[0], bytes, costTable));
    }
    /**
     * Charges an access the caller priced itself outside the heaps: a C allocator's static data
     * and C stack (src/wasm), which live in device RAM the bus does not back. Counted apart from
     * the heap's metadata traffic; breaks a burst on the heap.
     */
    chargeStatics(cycles, write, bytes) {
        this.cycles += cycles;
        this.staticCycles += cycles;
        if (write) {
            this.staticWrites++;
            this.staticBytesWritten += bytes;
        }
        else {
            this.staticReads++;
            this.staticBytesRead += bytes;
        }
        this.lastEnd = -1;
    }
    /**
     * Moves the heap span starting at `base` onto external memory (a C allocator's wasm linear
     * memory, so the allocator and the application share one copy of the heap). The span's bytes
     * are copied there; `mem` must hold the span and start 4-byte aligned in its buffer.
     */
    adoptHeapMemory(base, mem) {
        const s = this.spans.find((x) => x.base === base);
        if (!s)
            throw new Error(`no heap span starts at ${(0, units_1.hex)(base)}`);
        if (mem.length < s.u8.length || (mem.byteOffset & 3) !== 0)
            throw new Error('adoptHeapMemory: memory too small or misaligned');
        s.rebind(mem);
    }
    /** n cycles of simple ALU work (one-cycle adds, shifts, logic, moves). Breaks a burst. */
    work(n) {
        this.cycles += n;
        this.aluCycles += n;
        this.lastEnd = -1;
    }
    /** fls: index of the highest set bit, as the core computes it (CLZ, or a software loop). */
    fls() {
        this.work(this.flsCycles);
    }
    /** ffs: index of the lowest set bit, as the core computes it. */
    ffs() {
        this.work(this.ffsCycles);
    }
    /** A named ALU operation from the core's cost table. */
    alu(kind) {
        this.work(this.cpu[kind]);
    }
    /**
     * The current heap span's memory for a list walk's peeks (ListWalk), when the device's byte
     * order is the host's (its word views then read device words); null otherwise.
     */
    wordView() {
        return this.nativeOrder ? this.cur : null;
    }
    /** The alignment mask a plain w-byte access must clear (w = 2 or 4; cpu.accessAlignment). */
    accessMask(w) {
        return w === 2 ? this.mask16 : this.mask32;
    }
    /** Whether a read at `a` now would continue the previous access (charged sequential). */
    continuesRead(a) {
        return a === this.lastEnd && this.lastDir === READ;
    }
    /**
     * An upper bound of copy(dst, src, n) between equally aligned buffers in the region of the
     * heap span holding `a`: ceil(n / burst) full bursts plus 2 words and the odd bytes moved one
     * byte at a time (for a compactor's step budget, before it moves anything).
     */
    copyBound(a, n) {
        const s = this.span(a, 1);
        const t = s.costs;
        const w = this.wordBytes >= 4 ? 4 : 2;
        const k = this.burstBytes / w;
        const wi = w === 4 ? W32 : W16;
        const burst = t[at(READ, wi, 0)] + (k - 1) * t[at(READ, wi, 1)] + t[at(WRITE, wi, 0)] + (k - 1) * t[at(WRITE, wi, 1)] + this.loopCycles;
        const byte = t[at(READ, W8, 0)] + t[at(WRITE, W8, 0)] + this.loopCycles;
        return Math.ceil(n / this.burstBytes) * burst + (2 * w + (n % w)) * byte;
    }
    /** The most expensive single access in the region of the heap span holding `a`. */
    maxAccessCycles(a) {
        return Math.max(...this.span(a, 1).costs);
    }
    /**
     * memmove(dst, src, n) inside the heaps, charged as bursts (see the header). Overlapping
     * ranges are handled like memmove: the result is as if the source were first copied aside.
     */
    copy(dst, src, n) {
        if (n <= 0)
            return;
        const ss = this.span(src, n);
        const ds = this.span(dst, n);
        const u = ds.minWrite;
        if (u > 1 && ((dst | src | n) & (u - 1)) !== 0)
            throw new BusFault('write-width', dst, u, ds.region, `copy of ${n} bytes from ${(0, units_1.hex)(src)}: the region takes only ${u * 8}-bit or wider writes, so source, destination and length must be ${u}-byte aligned`);
        const so = src - ss.base;
        const dOff = dst - ds.base;
        if (ss === ds)
            ds.u8.copyWithin(dOff, so, so + n);
        else
            ds.u8.set(ss.u8.subarray(so, so + n), dOff);
        // Cost: reads charged to the source region, writes (and loop overhead) to the destination.
        const wb = Math.max(u, Math.min(4, this.wordBytes));
        const ui = widthIndex(u);
        this.cRead = this.cWrite = this.cLoop = this.cAccesses = 0;
        if ((src - dst) % wb === 0 && wb > u) {
            // Mutually aligned: element-wise head up to a word boundary, word bursts, element-wise tail.
            const head = Math.min(n, (wb - (dst % wb)) % wb);
            const words = Math.floor((n - head) / wb);
            this.chargeBursts(words, wb, ss.costs, ds.costs);
            this.chargeSingles((n - words * wb) / u, ui, ss.costs, ds.costs);
        }
        else if (wb === u) {
            this.chargeBursts(n / u, u, ss.costs, ds.costs); // the element is the word: all bursts
        }
        else {
            this.chargeSingles(n / u, ui, ss.costs, ds.costs); // misaligned to each other
        }
        const readC = this.cRead;
        const writeC = this.cWrite;
        const loopC = this.cLoop;
        const c = readC + writeC + loopC;
        this.cycles += c;
        this.copyCycles += c;
        this.copyBytes += n;
        this.copyAccesses += this.cAccesses;
        // Loop overhead is memory-bound copy time; book it with the writes' region.
        ss.cycles += readC;
        ss.accesses += this.cAccesses;
        ds.cycles += writeC + loopC;
        ds.accesses += this.cAccesses;
        this.lastEnd = -1;
    }
    /** Adds the cost of moving `units` units of `unitBytes` in LDM/STM-style bursts. */
    chargeBursts(units, unitBytes, rc, wc) {
        if (units <= 0)
            return;
        const wi = widthIndex(unitBytes);
        const perBurst = Math.max(1, Math.floor(this.burstBytes / unitBytes));
        const full = Math.floor(units / perBurst);
        const rest = units - full * perBurst;
        const nR = rc[at(READ, wi, 0)], sR = rc[at(READ, wi, 1)];
        const nW = wc[at(WRITE, wi, 0)], sW = wc[at(WRITE, wi, 1)];
        this.cRead += full * (nR + (perBurst - 1) * sR) + (rest > 0 ? nR + (rest - 1) * sR : 0);
        this.cWrite += full * (nW + (perBurst - 1) * sW) + (rest > 0 ? nW + (rest - 1) * sW : 0);
        this.cLoop += (full + (rest > 0 ? 1 : 0)) * this.loopCycles;
        this.cAccesses += units;
    }
    /** Adds the cost of moving `count` elements one at a time (N read + N write + loop each). */
    chargeSingles(count, wi, rc, wc) {
        if (count <= 0)
            return;
        this.cRead += count * rc[at(READ, wi, 0)];
        this.cWrite += count * wc[at(WRITE, wi, 0)];
        this.cLoop += count * this.loopCycles;
        this.cAccesses += count;
    }
    // ---- uncounted access (observers and the application side) -----------------------------
    peek8(a) {
        const s = this.span(a, 1);
        return s.u8[a - s.base];
    }
    peek16(a) {
        let s = this.cur;
        if (a < s.base || a + 2 > s.end)
            s = this.span(a, 2);
        const o = a - s.base;
        return this.nativeOrder && (o & 1) === 0 ? s.u16[o >>> 1] : s.dv.getUint16(o, this.littleEndian);
    }
    peek32(a) {
        let s = this.cur;
        if (a < s.base || a + 4 > s.end)
            s = this.span(a, 4);
        const o = a - s.base;
        return this.nativeOrder && (o & 3) === 0 ? s.u32[o >>> 2] : s.dv.getUint32(o, this.littleEndian);
    }
    peekPtr(a) {
        return this.pointerBytes === 4 ? this.peek32(a) : this.peek16(a);
    }
    /** Uncounted writes, for tests that build or corrupt a heap by hand. */
    poke8(a, v) {
        const s = this.span(a, 1);
        s.u8[a - s.base] = v;
    }
    poke16(a, v) {
        const s = this.span(a, 2);
        s.dv.setUint16(a - s.base, v & 0xffff, this.littleEndian);
    }
    poke32(a, v) {
        const s = this.span(a, 4);
        s.dv.setUint32(a - s.base, v >>> 0, this.littleEndian);
    }
    pokePtr(a, v) {
        if (this.pointerBytes === 4)
            this.poke32(a, v);
        else
            this.poke16(a, v);
    }
    /** A live, uncounted view of n bytes at a (the application's own loads and stores). */
    appBytes(a, n) {
        const s = this.span(a, Math.max(1, n));
        return s.u8.subarray(a - s.base, a - s.base + n);
    }
    /** Does [a, a+n) lie inside one heap span? */
    inHeap(a, n) {
        for (const s of this.spans)
            if (a >= s.base && a + n <= s.end)
                return true;
        return false;
    }
    /** Counters so far (a copy). */
    counters() {
        const byRegion = {};
        for (const s of this.spans) {
            const r = (byRegion[s.region] ??= { cycles: 0, accesses: 0 });
            r.cycles += s.cycles;
            r.accesses += s.accesses;
        }
        return {
            cycles: this.cycles, metaCycles: this.metaCycles, copyCycles: this.copyCycles, aluCycles: this.aluCycles,
            aluEstimated: this.aluEstimated, heapHighWater: this.heapHighWater, reads: this.reads, writes: this.writes, copyBytes: this.copyBytes,
            bytesRead: this.bytesRead, bytesWritten: this.bytesWritten, copyAccesses: this.copyAccesses,
            statics: {
                reads: this.staticReads, writes: this.staticWrites, bytesRead: this.staticBytesRead,
                bytesWritten: this.staticBytesWritten, cycles: this.staticCycles,
            },
            byRegion,
        };
    }
    // ---- internals -------------------------------------------------------------------------
    span(a, w) {
        const c = this.cur;
        if (a >= c.base && a + w <= c.end)
            return c;
        for (const s of this.spans) {
            if (a >= s.base && a < s.end) {
                if (a + w > s.end)
                    throw new BusFault('out-of-region', a, Math.min(w, 4), s.region, `crosses the end of heap "${s.region}" at ${(0, units_1.hex)(s.end)}`);
                this.cur = s;
                return s;
            }
        }
        const reg = this.device.regions.find((r) => a >= r.base && a < r.base + r.size);
        throw new BusFault(reg ? 'outside-heap' : 'unmapped', a, Math.min(w, 4), reg?.name, reg ? 'no heap covers this address' : 'no region covers this address');
    }
    charge(s, dir, wi, a, w) {
        const seq = a === this.lastEnd && dir === this.lastDir ? 1 : 0;
        this.book(s, s.costs[dir * 6 + wi * 2 + seq], dir, a, w);
    }
    /** Books a counted w-byte access at `a` that costs c cycles (CachedBus prices its own). */
    book(s, c, dir, a, w) {
        this.cycles += c;
        this.metaCycles += c;
        s.cycles += c;
        s.accesses++;
        if (dir === READ) {
            this.reads++;
            this.bytesRead += w;
        }
        else {
            this.writes++;
            this.bytesWritten += w;
        }
        this.lastEnd = a + w;
        this.lastDir = dir;
    }
    unalignedRead(s, a, w) {
        if (!this.splitUnaligned)
            throw new BusFault('misaligned', a, w, s.region, `needs ${Math.min(w, (w === 2 ? this.mask16 : this.mask32) + 1)}-byte alignment`);
        let v = 0;
        for (let i = 0; i < w; i++) {
            const b = this.read8(a + i);
            v += this.littleEndian ? b * 2 ** (8 * i) : b * 2 ** (8 * (w - 1 - i));
        }
        return v;
    }
    unalignedWrite(s, a, w, v) {
        if (!this.splitUnaligned)
            throw new BusFault('misaligned', a, w, s.region, `needs ${Math.min(w, (w === 2 ? this.mask16 : this.mask32) + 1)}-byte alignment`);
        v >>>= 0;
        for (let i = 0; i < w; i++) {
            const shift = this.littleEndian ? 8 * i : 8 * (w - 1 - i);
            this.write8(a + i, Math.floor(v / 2 ** shift) & 0xff);
        }
    }
}
exports.MemoryBus = MemoryBus;
// Last: cached.ts extends MemoryBus, so it must load after the class is defined (CommonJS order).
var cached_1 = require("./cached");
Object.defineProperty(exports, "CachedBus", { enumerable: true, get: function () { return cached_1.CachedBus; } });
Object.defineProperty(exports, "makeBus", { enumerable: true, get: function () { return cached_1.makeBus; } });
