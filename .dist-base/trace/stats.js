"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.StatsAccumulator = void 0;
exports.log2Bucket = log2Bucket;
exports.traceStats = traceStats;
/**
 * Trace statistics (`rmalloc-sim trace stats`, JSON schema 1 of design §9), from one pass
 * over the validated ops:
 * - ops by kind; `ids`: distinct ids ever allocated;
 * - `peakLive`: maximum over the trace of the running sum of requested sizes of live ids (an
 *   alloc adds its size, a free subtracts the id's size, a realloc adds new minus old);
 * - `maxSize`: largest request (alloc or realloc);
 * - `sizeHistogram`: requests (alloc and realloc sizes) in log2 buckets: [0, 0], [1, 1],
 *   [2, 3], [4, 7], ... each `{ min, max, count }`, from the first to the last non-empty one;
 * - `lifetimeHistogram`: for every freed block, op index of its free minus op index of its
 *   allocation (all op kinds count; a realloc keeps the block alive), same log2 buckets;
 * - `liveAtEnd` bytes and `liveIdsAtEnd` ids still allocated at the end;
 * - `skipped`: the reader's skip counts.
 */
const types_1 = require("./types");
const DENSE = 1 << 24;
const BUCKETS = 56;
/** log2 bucket of a non-negative integer: 0 → 0, 1 → 1, 2..3 → 2, 4..7 → 3, ... */
function log2Bucket(v) {
    if (v < 1)
        return 0;
    if (v < 4294967296)
        return 32 - Math.clz32(v);
    let b = Math.floor(Math.log2(v)) + 1;
    if (2 ** (b - 1) > v)
        b--;
    else if (2 ** b <= v)
        b++;
    return b;
}
function bucketsOut(counts) {
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < counts.length; i++)
        if (counts[i] > 0) {
            if (lo < 0)
                lo = i;
            hi = i;
        }
    const out = [];
    if (lo < 0)
        return out;
    for (let i = lo; i <= hi; i++)
        out.push({ min: i === 0 ? 0 : 2 ** (i - 1), max: i === 0 ? 0 : 2 ** i - 1, count: counts[i] });
    return out;
}
/** Per-id size and birth op, dense for small ids. */
class IdTable {
    size = new Float64Array(1024);
    birth = new Float64Array(1024);
    seen = new Uint8Array(1024);
    bigSize = new Map();
    bigBirth = new Map();
    bigSeen = new Set();
    distinct = 0;
    grow(id) {
        let n = this.size.length;
        while (n <= id)
            n *= 2;
        const s = new Float64Array(n);
        s.set(this.size);
        const b = new Float64Array(n);
        b.set(this.birth);
        const e = new Uint8Array(n);
        e.set(this.seen);
        this.size = s;
        this.birth = b;
        this.seen = e;
    }
    born(id, size, op) {
        if (id < DENSE) {
            if (id >= this.size.length)
                this.grow(id);
            this.size[id] = size;
            this.birth[id] = op;
            if (this.seen[id] === 0) {
                this.seen[id] = 1;
                this.distinct++;
            }
        }
        else {
            this.bigSize.set(id, size);
            this.bigBirth.set(id, op);
            if (!this.bigSeen.has(id)) {
                this.bigSeen.add(id);
                this.distinct++;
            }
        }
    }
    getSize(id) {
        return id < DENSE ? this.size[id] : (this.bigSize.get(id) ?? 0);
    }
    setSize(id, size) {
        if (id < DENSE)
            this.size[id] = size;
        else
            this.bigSize.set(id, size);
    }
    getBirth(id) {
        return id < DENSE ? this.birth[id] : (this.bigBirth.get(id) ?? 0);
    }
}
/** Accumulates statistics batch by batch. */
class StatsAccumulator {
    t = new IdTable();
    sizes = new Float64Array(BUCKETS);
    lifetimes = new Float64Array(BUCKETS);
    byKind = new Float64Array(7);
    opIndex = 0;
    live = 0;
    liveIds = 0;
    peak = 0;
    peakOp = 0;
    peakIds = 0;
    maxSize = 0;
    idleCycles = 0;
    add(b) {
        const { kind, id, arg } = b;
        const t = this.t;
        for (let i = 0; i < b.n; i++, this.opIndex++) {
            const k = kind[i];
            this.byKind[k]++;
            const x = id[i];
            const a = arg[i];
            switch (k) {
                case types_1.OP_ALLOC:
                    t.born(x, a, this.opIndex);
                    this.live += a;
                    this.liveIds++;
                    if (this.liveIds > this.peakIds)
                        this.peakIds = this.liveIds;
                    this.request(a);
                    break;
                case types_1.OP_REALLOC:
                    this.live += a - t.getSize(x);
                    t.setSize(x, a);
                    this.request(a);
                    break;
                case types_1.OP_FREE:
                    this.live -= t.getSize(x);
                    this.liveIds--;
                    this.lifetimes[log2Bucket(this.opIndex - t.getBirth(x))]++;
                    break;
                case types_1.OP_IDLE:
                    this.idleCycles += a;
                    break;
            }
            if (this.live > this.peak) {
                this.peak = this.live;
                this.peakOp = this.opIndex;
            }
        }
    }
    request(size) {
        if (size > this.maxSize)
            this.maxSize = size;
        this.sizes[log2Bucket(size)]++;
    }
    finish(info, skipped) {
        const k = this.byKind;
        return {
            schema: 1,
            trace: info.name,
            path: info.path,
            header: info.header,
            ops: this.opIndex,
            allocs: k[types_1.OP_ALLOC],
            frees: k[types_1.OP_FREE],
            reallocs: k[types_1.OP_REALLOC],
            locks: k[types_1.OP_LOCK],
            unlocks: k[types_1.OP_UNLOCK],
            idles: k[types_1.OP_IDLE],
            accesses: k[types_1.OP_ACCESS],
            idleCycles: this.idleCycles,
            ids: this.t.distinct,
            peakLive: this.peak,
            peakLiveOp: this.peakOp,
            peakLiveIds: this.peakIds,
            maxSize: this.maxSize,
            liveAtEnd: this.live,
            liveIdsAtEnd: this.liveIds,
            sizeHistogram: bucketsOut(this.sizes),
            lifetimeHistogram: bucketsOut(this.lifetimes),
            skipped,
        };
    }
}
exports.StatsAccumulator = StatsAccumulator;
/** Statistics of a streaming source (one pass) or of a packed trace. */
async function traceStats(source) {
    const acc = new StatsAccumulator();
    if ('batches' in source) {
        for await (const b of source.batches())
            acc.add(b);
        return acc.finish(source.info, source.skipped());
    }
    acc.add(source.ops);
    return acc.finish(source.info, source.skipped);
}
