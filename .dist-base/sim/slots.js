"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Slots = void 0;
const types_1 = require("../trace/types");
const ids_1 = require("./ids");
/** Dense per-id arrays up to this many ids (or 4 × ops, whichever is larger); remap beyond. */
const DENSE_IDS = 1 << 20;
const remapCache = new WeakMap();
function remap(trace) {
    const hit = remapCache.get(trace);
    if (hit)
        return hit;
    const { n, kind, id } = trace.ops;
    const slotOf = new Int32Array(n);
    const m = new Map();
    const ids = [];
    for (let i = 0; i < n; i++) {
        if (kind[i] > types_1.OP_UNLOCK)
            continue;
        const x = id[i];
        let s = m.get(x);
        if (s === undefined) {
            s = ids.length;
            m.set(x, s);
            ids.push(x);
        }
        slotOf[i] = s;
    }
    const r = { slotOf, slotToId: Float64Array.from(ids) };
    remapCache.set(trace, r);
    return r;
}
class Slots {
    handle;
    req;
    usable;
    /** ID_NONE, ID_LIVE or ID_FAILED. */
    state;
    locks;
    /** blockFootprint(requested) per slot (subtracted at free). */
    fp;
    /** Op index → slot when remapped, else null (the slot is the id). */
    slotOf;
    slotToId;
    live = 0;
    internal = 0;
    footprint = 0;
    /** Peak of fixedMeta + footprint. */
    peakFootprint = 0;
    /** Bumped whenever the handle set changes (for the reverse map). */
    version = 0;
    allocator;
    fixedMeta;
    fpCache = new Float64Array(4096).fill(-1);
    viewVersion = -1;
    viewMap = new Map();
    constructor(trace, facts, allocator) {
        this.allocator = allocator;
        this.fixedMeta = allocator.fixedMetadataBytes();
        let slots;
        if (facts.maxId + 1 <= Math.max(DENSE_IDS, 4 * facts.ops) && Number.isInteger(facts.maxId)) {
            slots = facts.maxId + 1;
            this.slotOf = null;
            this.slotToId = null;
        }
        else {
            const m = remap(trace);
            this.slotOf = m.slotOf;
            this.slotToId = m.slotToId;
            slots = m.slotToId.length;
        }
        slots = Math.max(1, slots);
        this.handle = new Float64Array(slots);
        this.req = new Float64Array(slots);
        this.usable = new Float64Array(slots);
        this.state = new Uint8Array(slots);
        this.locks = new Int32Array(slots);
        this.fp = new Float64Array(slots);
    }
    get count() {
        return this.state.length;
    }
    idOfSlot(s) {
        return this.slotToId ? this.slotToId[s] : s;
    }
    /** Slot s now holds handle h for a request of `size` bytes (after alloc or realloc). */
    bind(s, h, size) {
        this.handle[s] = h;
        this.req[s] = size;
        const u = this.allocator.usableSize(h);
        this.usable[s] = u;
        this.internal += u - size;
        this.live += size;
        const fp = this.footprintOf(size);
        this.fp[s] = fp;
        this.footprint += fp;
        if (this.footprint + this.fixedMeta > this.peakFootprint)
            this.peakFootprint = this.footprint + this.fixedMeta;
        if (this.state[s] !== ids_1.ID_LIVE)
            this.locks[s] = 0;
        this.state[s] = ids_1.ID_LIVE;
        this.version++;
    }
    /** Takes slot s's block out of the sums (before a rebind by realloc, or at free). */
    unbind(s) {
        const r = this.req[s];
        this.live -= r;
        this.internal -= this.usable[s] - r;
        this.footprint -= this.fp[s];
    }
    /** Slot s was freed. */
    release(s) {
        this.unbind(s);
        this.state[s] = ids_1.ID_NONE;
        this.locks[s] = 0;
        this.version++;
    }
    footprintOf(size) {
        const c = this.fpCache;
        if (size < c.length) {
            const v = c[size];
            if (v >= 0)
                return v;
            return (c[size] = this.allocator.blockFootprint(size));
        }
        return this.allocator.blockFootprint(size);
    }
    /** The slot of the live id holding handle h, or -1 (reverse map, rebuilt lazily). */
    slotOfHandle(h) {
        if (this.viewVersion !== this.version) {
            this.viewMap.clear();
            const st = this.state;
            for (let s = 0; s < st.length; s++)
                if (st[s] === ids_1.ID_LIVE)
                    this.viewMap.set(this.handle[s], s);
            this.viewVersion = this.version;
        }
        return this.viewMap.get(h) ?? -1;
    }
}
exports.Slots = Slots;
