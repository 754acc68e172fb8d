"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Checker = exports.LiveRanges = exports.DEFAULT_CHECK_EVERY = exports.CheckFailure = void 0;
exports.heapProblems = heapProblems;
exports.patternByte = patternByte;
exports.listingAround = listingAround;
const units_1 = require("../util/units");
const ids_1 = require("./ids");
/** A failed integrity check thrown inside an op; the engine turns it into a violation. */
class CheckFailure extends Error {
    addr;
    constructor(message, addr) {
        super(message);
        this.name = 'CheckFailure';
        this.addr = addr;
    }
}
exports.CheckFailure = CheckFailure;
/** The structural checks; stops after `limit` problems (the engine wants the first). */
function heapProblems(a, x, limit = Infinity) {
    const out = [];
    const own = a.check();
    if (own.length) {
        out.push({ message: `allocator check(): ${own.join('; ')}`, addr: 0 });
        if (out.length >= limit)
            return out;
    }
    // The observers are read before walk(): a black-box allocator (src/wasm) re-probes its
    // largestAllocatable only after a walk, and the engine's metrics must see that fresh probe.
    const total = x.heaps.reduce((sum, h) => sum + h.size, 0);
    const free = a.freeBytes();
    const largest = a.largestAllocatable();
    const meta = a.metadataBytes();
    const seen = new Set();
    let prevEnd = -1;
    let usableSum = 0;
    const { heaps, alignment } = x;
    a.walk((b) => {
        if (out.length >= limit)
            return;
        const where = `block @${(0, units_1.hex)(b.addr, 0)} (size ${b.size}, ${b.state})`;
        const bad = (m) => {
            out.push({ message: `${where}: ${m}`, addr: b.addr });
        };
        if (!(b.size > 0))
            return bad('non-positive size');
        if (b.addr < prevEnd)
            return bad(`overlaps the previous block or is out of address order (previous ends at ${(0, units_1.hex)(prevEnd, 0)})`);
        prevEnd = b.addr + b.size;
        if (!heaps.some((h) => b.addr >= h.base && b.addr + b.size <= h.base + h.size))
            return bad('lies outside every managed heap');
        if (b.state !== 'used')
            return;
        if (b.payload % alignment !== 0)
            return bad(`payload ${(0, units_1.hex)(b.payload, 0)} is not ${alignment}-byte aligned`);
        if (!a.moving && (b.payload < b.addr || b.payload + b.usable > b.addr + b.size))
            return bad('payload lies outside its block');
        const req = x.requested(b.handle);
        if (req === undefined)
            return bad(`handle ${(0, units_1.hex)(b.handle, 0)} belongs to no live id`);
        if (seen.has(b.handle))
            return bad(`handle ${(0, units_1.hex)(b.handle, 0)} listed twice`);
        seen.add(b.handle);
        if (b.usable < req)
            return bad(`usable ${b.usable} < requested ${req}${x.describe ? ` (${x.describe(b.handle)})` : ''}`);
        if (a.usableSize(b.handle) !== b.usable)
            return bad(`usableSize ${a.usableSize(b.handle)} != walk usable ${b.usable}`);
        if (a.addressOf(b.handle) !== b.payload)
            return bad(`addressOf ${(0, units_1.hex)(a.addressOf(b.handle), 0)} != walk payload ${(0, units_1.hex)(b.payload, 0)}`);
        usableSum += b.usable;
    });
    if (out.length >= limit)
        return out;
    for (const h of x.liveHandles()) {
        if (seen.has(h))
            continue;
        out.push({ message: `live ${x.describe ? x.describe(h) : 'block'} (handle ${(0, units_1.hex)(h, 0)}) is missing from walk()`, addr: a.addressOf(h) });
        if (out.length >= limit)
            return out;
    }
    if (!(largest >= 0 && largest <= free))
        out.push({ message: `largestAllocatable ${largest} not in [0, freeBytes ${free}]`, addr: 0 });
    if (usableSum + meta + free > total)
        out.push({ message: `usable ${usableSum} + metadata ${meta} + free ${free} > heap ${total}`, addr: 0 });
    return out.slice(0, limit);
}
/** Pattern byte j of an allocation with seed sd. */
function patternByte(sd, j) {
    return (Math.imul(sd, 0x9e3779b1) + j * 7 + (j >>> 8)) & 0xff;
}
/** The CLI's default stride of the whole-heap check (`--check-every`). */
exports.DEFAULT_CHECK_EVERY = 1000;
/**
 * The live payload ranges [addr, addr + requested) sorted by address, so the blocks on either
 * side of an address are found by binary search. Inserts and removals shift the arrays
 * (memmove of at most the live count, cheap next to an op under --check).
 */
class LiveRanges {
    addr;
    slot;
    n = 0;
    /** Per slot: its address in the index, or -1 when it is not in it. */
    at;
    constructor(slots) {
        this.addr = new Float64Array(64);
        this.slot = new Int32Array(64);
        this.at = new Float64Array(slots).fill(-1);
    }
    /** Index of the first range starting at or after `a`. */
    lowerBound(a) {
        let lo = 0;
        let hi = this.n;
        const x = this.addr;
        while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (x[mid] < a)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
    /** Position of slot s in the index, or -1. */
    indexOf(s) {
        const a = this.at[s];
        if (a < 0)
            return -1;
        for (let j = this.lowerBound(a); j < this.n && this.addr[j] === a; j++)
            if (this.slot[j] === s)
                return j;
        return -1;
    }
    insert(s, a) {
        if (this.n === this.addr.length) {
            const na = new Float64Array(this.n * 2);
            na.set(this.addr);
            this.addr = na;
            const ns = new Int32Array(this.n * 2);
            ns.set(this.slot);
            this.slot = ns;
        }
        const j = this.lowerBound(a);
        this.addr.copyWithin(j + 1, j, this.n);
        this.slot.copyWithin(j + 1, j, this.n);
        this.addr[j] = a;
        this.slot[j] = s;
        this.at[s] = a;
        this.n++;
        return j;
    }
    /** Removes slot s; returns where it was (its former successor's index now), or -1. */
    remove(s) {
        const j = this.indexOf(s);
        if (j < 0)
            return -1;
        this.addr.copyWithin(j, j + 1, this.n);
        this.slot.copyWithin(j, j + 1, this.n);
        this.n--;
        this.at[s] = -1;
        return j;
    }
    /** Replaces the contents with `sorted` (slots in address order) at addresses `at[slot]`. */
    load(sorted, at) {
        for (let j = 0; j < this.n; j++)
            this.at[this.slot[j]] = -1;
        let cap = this.addr.length;
        while (cap < sorted.length)
            cap *= 2;
        if (cap !== this.addr.length) {
            this.addr = new Float64Array(cap);
            this.slot = new Int32Array(cap);
        }
        for (let j = 0; j < sorted.length; j++) {
            const s = sorted[j];
            this.addr[j] = at[s];
            this.slot[j] = s;
            this.at[s] = at[s];
        }
        this.n = sorted.length;
    }
}
exports.LiveRanges = LiveRanges;
class Checker {
    t;
    slots;
    seeds;
    nextSeed = 1;
    expect;
    /** Whole-heap check every `every` ops (1: after every op). */
    every;
    ranges;
    /** The ranges no longer match the heap (blocks moved): rebuilt at the next op's end. */
    stale = false;
    /** Slots whose block this op allocated or reallocated, and slots next to a block it freed. */
    touched = [];
    near = [];
    constructor(t, every = 1) {
        this.t = t;
        this.slots = t.slots;
        this.every = Math.max(1, Math.floor(every));
        this.ranges = new LiveRanges(t.slots.count);
        this.seeds = new Uint32Array(t.slots.count);
        const sl = t.slots;
        this.expect = {
            heaps: t.heaps,
            alignment: t.alignment,
            requested: (h) => {
                const s = sl.slotOfHandle(h);
                return s < 0 ? undefined : sl.req[s];
            },
            liveHandles: function* () {
                for (let s = 0; s < sl.count; s++)
                    if (sl.state[s] === ids_1.ID_LIVE)
                        yield sl.handle[s];
            },
            describe: (h) => `id ${sl.idOfSlot(sl.slotOfHandle(h))}`,
        };
    }
    addr(s) {
        return this.t.allocator.addressOf(this.slots.handle[s]);
    }
    /** Writes a fresh pattern into slot s's payload (after alloc). */
    fill(s) {
        this.seeds[s] = this.nextSeed++;
        this.write(s, 0);
        this.touched.push(s);
    }
    /** Verifies slot s's payload before it is freed; its neighbours are verified after the op. */
    beforeFree(s) {
        this.verify(s, 'free');
        if (this.stale)
            return;
        const r = this.ranges;
        const j = r.remove(s);
        if (j < 0)
            return;
        if (j > 0)
            this.near.push(r.slot[j - 1]);
        if (j < r.n)
            this.near.push(r.slot[j]);
    }
    write(s, from) {
        const n = this.slots.req[s];
        if (n <= 0)
            return;
        const b = this.t.bus.appBytes(this.addr(s), n);
        const sd = this.seeds[s];
        for (let j = from; j < n; j++)
            b[j] = patternByte(sd, j);
    }
    mismatch(s, n) {
        if (n <= 0)
            return -1;
        const b = this.t.bus.appBytes(this.addr(s), n);
        const sd = this.seeds[s];
        for (let j = 0; j < n; j++)
            if (b[j] !== patternByte(sd, j))
                return j;
        return -1;
    }
    /** Verifies slot s's payload before `why` (free, realloc, lock); throws CheckFailure. */
    verify(s, why) {
        const j = this.mismatch(s, this.slots.req[s]);
        if (j >= 0)
            throw this.corrupt(s, j, `before ${why}`);
    }
    /** After a successful realloc from `old` bytes: the kept prefix must survive; refill the rest. */
    afterRealloc(s, old) {
        const keep = Math.min(old, this.slots.req[s]);
        const j = this.mismatch(s, keep);
        if (j >= 0)
            throw this.corrupt(s, j, `after realloc from ${old} bytes`);
        this.write(s, keep);
        this.touched.push(s);
    }
    /** After a compaction: every live payload must be intact at its (new) address. */
    afterMove(i) {
        this.stale = true;
        const p = this.verifyAll();
        if (p)
            throw new CheckFailure(`${p.message} (after compaction at op ${i})`, p.addr);
    }
    /**
     * The checks after op i: what the op touched at every op, the whole heap when i ends a
     * stride (`every` ops) or `last` is set; null when healthy.
     */
    afterOp(i, last) {
        const p = this.local();
        this.touched.length = 0;
        this.near.length = 0;
        if (p)
            return p;
        if (this.every === 1 || last || (i + 1) % this.every === 0)
            return this.heap();
        return null;
    }
    /** The op's local checks (see the file comment). */
    local() {
        const a = this.t.allocator;
        if (a.stepFailures) {
            const f = a.stepFailures();
            if (f.length)
                return { message: `allocator check(): ${f.join('; ')}`, addr: 0 };
        }
        if (this.stale)
            return this.rebuild();
        const sl = this.slots;
        for (const s of this.touched) {
            if (sl.state[s] !== ids_1.ID_LIVE)
                continue;
            this.ranges.remove(s);
            const p = this.placed(s);
            if (p)
                return p;
            const j = this.ranges.insert(s, this.addr(s));
            const q = this.around(j);
            if (q)
                return q;
        }
        for (const s of this.near) {
            if (sl.state[s] !== ids_1.ID_LIVE)
                continue;
            const q = this.intact(s, 'next to a block freed by this op');
            if (q)
                return q;
        }
        return null;
    }
    /** Slot s's block where the full check would look at it: aligned, in a heap, large enough. */
    placed(s) {
        const a = this.t.allocator;
        const h = this.slots.handle[s];
        const p = a.addressOf(h);
        const u = a.usableSize(h);
        const req = this.slots.req[s];
        const what = `id ${this.slots.idOfSlot(s)} (payload ${(0, units_1.hex)(p, 0)}, usable ${u})`;
        if (p % this.t.alignment !== 0)
            return { message: `${what}: payload ${(0, units_1.hex)(p, 0)} is not ${this.t.alignment}-byte aligned`, addr: p };
        if (!this.t.heaps.some((x) => p >= x.base && p + Math.max(req, u) <= x.base + x.size))
            return { message: `${what}: lies outside every managed heap`, addr: p };
        if (u < req)
            return { message: `${what}: usable ${u} < requested ${req}`, addr: p };
        return null;
    }
    /** The range at index j against its neighbours: no overlap, their payloads intact. */
    around(j) {
        const r = this.ranges;
        if (!this.current(j - 1) || !this.current(j + 1))
            return this.rebuild();
        const s = r.slot[j];
        const a = r.addr[j];
        const req = this.slots.req[s];
        if (j > 0) {
            const ps = r.slot[j - 1];
            const pend = r.addr[j - 1] + this.slots.req[ps];
            if (req > 0 && pend > a)
                return { message: `payload of id ${this.slots.idOfSlot(s)} at ${(0, units_1.hex)(a, 0)} overlaps id ${this.slots.idOfSlot(ps)} (ends at ${(0, units_1.hex)(pend, 0)})`, addr: a };
            const q = this.intact(ps, `next to id ${this.slots.idOfSlot(s)}`);
            if (q)
                return q;
        }
        if (j + 1 < r.n) {
            const ns = r.slot[j + 1];
            if (req > 0 && this.slots.req[ns] > 0 && a + req > r.addr[j + 1])
                return { message: `payload of id ${this.slots.idOfSlot(s)} at ${(0, units_1.hex)(a, 0)} (${req} bytes) overlaps id ${this.slots.idOfSlot(ns)} at ${(0, units_1.hex)(r.addr[j + 1], 0)}`, addr: a };
            const q = this.intact(ns, `next to id ${this.slots.idOfSlot(s)}`);
            if (q)
                return q;
        }
        return null;
    }
    /** Whether index j (if any) still names its block's address (a moving allocator may move blocks outside compact()). */
    current(j) {
        const r = this.ranges;
        if (j < 0 || j >= r.n || !this.t.allocator.moving)
            return true;
        return this.addr(r.slot[j]) === r.addr[j];
    }
    intact(s, where) {
        const j = this.mismatch(s, this.slots.req[s]);
        if (j < 0)
            return null;
        const e = this.corrupt(s, j, where);
        return { message: e.message, addr: e.addr };
    }
    /** Re-reads every live block's address (after blocks moved), checking each and every adjacent pair. */
    rebuild() {
        this.stale = false;
        const st = this.slots.state;
        const live = [];
        const at = new Float64Array(st.length);
        for (let s = 0; s < st.length; s++) {
            if (st[s] !== ids_1.ID_LIVE)
                continue;
            const p = this.placed(s);
            if (p)
                return p;
            at[s] = this.addr(s);
            live.push(s);
        }
        live.sort((x, y) => at[x] - at[y]);
        const r = this.ranges;
        r.load(live, at);
        for (let j = 1; j < r.n; j++) {
            const ps = r.slot[j - 1];
            const s = r.slot[j];
            if (this.slots.req[s] > 0 && r.addr[j - 1] + this.slots.req[ps] > r.addr[j])
                return { message: `payload of id ${this.slots.idOfSlot(s)} at ${(0, units_1.hex)(r.addr[j], 0)} overlaps id ${this.slots.idOfSlot(ps)}`, addr: r.addr[j] };
        }
        return null;
    }
    verifyAll() {
        const st = this.slots.state;
        for (let s = 0; s < st.length; s++) {
            if (st[s] !== ids_1.ID_LIVE)
                continue;
            const j = this.mismatch(s, this.slots.req[s]);
            if (j >= 0) {
                const e = this.corrupt(s, j, 'at verification');
                return { message: e.message, addr: e.addr };
            }
        }
        return null;
    }
    corrupt(s, j, when) {
        const a = this.addr(s);
        return new CheckFailure(`payload of id ${this.slots.idOfSlot(s)} (${this.slots.req[s]} bytes at ${(0, units_1.hex)(a, 0)}) corrupted at byte ${j} ${when}`, a + j);
    }
    /** The structural checks of the whole heap; null when healthy. */
    heap() {
        return heapProblems(this.t.allocator, this.expect, 1)[0] ?? null;
    }
}
exports.Checker = Checker;
/** walk() blocks around `addr`, one line each (±4 blocks), with the engine's id for used ones. */
function listingAround(t, addr) {
    const lines = [];
    const sl = t.slots;
    t.allocator.walk((b) => {
        let text = `@${(0, units_1.hex)(b.addr, 0)} size ${b.size} ${b.state}`;
        if (b.state === 'used') {
            const s = sl.slotOfHandle(b.handle);
            text += ` handle ${(0, units_1.hex)(b.handle, 0)} payload ${(0, units_1.hex)(b.payload, 0)} usable ${b.usable}`;
            text += s < 0 ? ' (no live id)' : ` id ${sl.idOfSlot(s)} requested ${sl.req[s]}`;
            if (b.locked)
                text += ' locked';
        }
        lines.push({ addr: b.addr, text });
    });
    let at = lines.findIndex((l, j) => l.addr <= addr && (j + 1 === lines.length || lines[j + 1].addr > addr));
    if (at < 0)
        at = 0;
    const mark = lines[at];
    return lines.slice(Math.max(0, at - 4), at + 5).map((l) => (l === mark ? `> ${l.text}` : `  ${l.text}`));
}
