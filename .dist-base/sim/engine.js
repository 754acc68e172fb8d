"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SERIES_POINTS = void 0;
exports.busDelta = busDelta;
exports.replay = replay;
/**
 * The replay engine (design §7).
 *
 * How it works. `replay` builds the rig (device → bus → allocator, ./rig.ts) and makes one pass
 * over the packed trace. Per op: execute it against the allocator through its API (./slots.ts
 * keeps id → handle, requested size, lock count), charge the bus cycles it took, let the metrics
 * see the heap (src/metrics/run.ts; the definitions are in src/metrics/index.ts), run a
 * compaction trigger, and with `check` verify the heap (./check.ts). The hot loop allocates
 * nothing.
 *
 * OOMs become events and are handled by the run's policy. Allocator misuse
 * (AllocatorUsageError) is an error event and the run goes on; a BusFault or a failed check is a
 * violation that stops it.
 */
const bus_1 = require("../bus");
const alloc_1 = require("../alloc");
const types_1 = require("../trace/types");
const metrics_1 = require("../metrics");
const prepass_1 = require("./prepass");
const lockmodel_1 = require("./lockmodel");
const check_1 = require("./check");
const ids_1 = require("./ids");
const rig_1 = require("./rig");
const slots_1 = require("./slots");
const release_1 = require("./release");
/** Default series resolution. */
exports.SERIES_POINTS = 2000;
/** Error events kept in the result (all are counted). */
const MAX_ERROR_EVENTS = 1000;
/** OOM events kept in the result (all are counted). */
const MAX_OOM_EVENTS = 10000;
/** The bus's counters between two snapshots, by kind (RunResult.bus). */
function busDelta(a, b) {
    return {
        cycles: b.cycles - a.cycles,
        metadata: {
            reads: b.reads - a.reads, writes: b.writes - a.writes, bytesRead: b.bytesRead - a.bytesRead,
            bytesWritten: b.bytesWritten - a.bytesWritten, cycles: b.metaCycles - a.metaCycles,
        },
        copy: { bytes: b.copyBytes - a.copyBytes, accesses: b.copyAccesses - a.copyAccesses, cycles: b.copyCycles - a.copyCycles },
        statics: {
            reads: b.statics.reads - a.statics.reads, writes: b.statics.writes - a.statics.writes,
            bytesRead: b.statics.bytesRead - a.statics.bytesRead, bytesWritten: b.statics.bytesWritten - a.statics.bytesWritten,
            cycles: b.statics.cycles - a.statics.cycles,
        },
        aluCycles: b.aluCycles - a.aluCycles,
        aluEstimated: b.aluEstimated,
        ...(b.heapHighWater > 0 ? { heapHighWater: b.heapHighWater } : {}),
        ...(b.cache ? { cache: cacheDelta(a.cache, b.cache) } : {}),
    };
}
function cacheDelta(a, b) {
    const z = a ?? { readHits: 0, writeHits: 0, readMisses: 0, writeMisses: 0, writeBacks: 0, cycles: 0 };
    return {
        readHits: b.readHits - z.readHits, writeHits: b.writeHits - z.writeHits, readMisses: b.readMisses - z.readMisses,
        writeMisses: b.writeMisses - z.writeMisses, writeBacks: b.writeBacks - z.writeBacks, cycles: b.cycles - z.cycles,
    };
}
function replay(trace, cfg, observer) {
    const lockSpec = cfg.locks ?? 'none';
    const t = (0, lockmodel_1.applyLocks)(trace, lockSpec, cfg.seed ?? 1);
    return new Replay(t, cfg, lockSpec, observer).run();
}
/** One replay: the rig, the id bookkeeping, the metrics, the events. Also the observers' view. */
class Replay {
    trace;
    cfg;
    lockSpec;
    facts;
    observer;
    bus;
    allocator;
    heaps;
    alignment;
    params;
    multiHeap;
    slots;
    metrics;
    checker;
    skippedOps = 0;
    errorCount = 0;
    /** NULL handling: bytes of failed requests; policy `release`: objects released and their bytes. */
    failedBytes = 0;
    releasedObjects = 0;
    releasedBytes = 0;
    /** Allocation order, kept only under policy `release`. */
    oldest = null;
    /** Compaction cycles charged during the current op (excluded from the op's own cost). */
    opCompactCycles = 0;
    opCompactions = 0;
    oomThisOp = false;
    /** Cycles the allocator spent initialising its heap (before op 0). */
    initCycles = 0;
    /** The bus's counters before op 0 (after the heap's initialisation). */
    initCounters = undefined;
    oomEvents = [];
    errors = [];
    status = 'ok';
    violation = undefined;
    constructor(trace, cfg, lockSpec, observer) {
        this.trace = trace;
        this.cfg = cfg;
        this.lockSpec = lockSpec;
        this.observer = observer;
        this.facts = (0, prepass_1.traceFacts)(trace);
        const rig = (0, rig_1.buildRig)(cfg.device, cfg.allocator, { factory: cfg.factory, params: cfg.params, heapSize: cfg.heapSize, whatIf: cfg.whatIf, check: cfg.check === true, cache: cfg.cache });
        this.params = rig.params;
        this.multiHeap = rig.factory.multiHeap;
        this.heaps = rig.heaps;
        this.alignment = cfg.device.alignment;
        this.bus = rig.bus;
        this.allocator = rig.allocator;
        this.slots = new slots_1.Slots(trace, this.facts, this.allocator);
        const ops = Math.min(trace.ops.n, cfg.stopAfter ?? Infinity);
        const median = this.facts.medianRequest;
        this.metrics = new metrics_1.RunMetrics({
            heapSize: rig.heapSize,
            ops,
            every: Math.max(1, Math.floor(cfg.sample ?? Math.ceil(Math.max(1, this.facts.ops) / exports.SERIES_POINTS))),
            series: cfg.series ?? true,
            lean: cfg.lean === true,
            exactWalk: cfg.exactWalk === true,
            checking: cfg.check === true,
            compactAbove: cfg.compactAboveExtFrag ?? Infinity,
            typThreshold: median > 0 ? this.allocator.blockFootprint(median) : 0,
        });
        this.checker = cfg.check ? new check_1.Checker(this, cfg.checkEvery ?? 1) : null;
        if (cfg.oom === 'release')
            this.oldest = new release_1.OldestFirst(this.slots.count);
    }
    // ---- RunView ---------------------------------------------------------------------------
    get live() {
        return this.slots.live;
    }
    requestedOf(h) {
        const s = this.slots.slotOfHandle(h);
        return s < 0 ? 0 : this.slots.req[s];
    }
    idOf(h) {
        const s = this.slots.slotOfHandle(h);
        return s < 0 ? -1 : this.slots.idOfSlot(s);
    }
    lockCountOf(h) {
        const s = this.slots.slotOfHandle(h);
        return s < 0 ? 0 : this.slots.locks[s];
    }
    // ---- the pass --------------------------------------------------------------------------
    run() {
        const t0 = performance.now();
        this.initCycles = this.bus.cycles;
        this.initCounters = this.bus.counters();
        const { kind, id, arg } = this.trace.ops;
        const n = Math.min(this.trace.ops.n, this.cfg.stopAfter ?? Infinity);
        const a = this.allocator;
        const bus = this.bus;
        const slots = this.slots;
        const slotOf = slots.slotOf;
        const m = this.metrics;
        const stopAtOom = this.cfg.stopAtFirstOom === true;
        const compactEvery = this.cfg.compactEvery ?? 0;
        const compactAbove = this.cfg.compactAboveExtFrag ?? Infinity;
        const canCompact = typeof a.compact === 'function';
        const observer = this.observer;
        const moving = a.moving;
        const checker = this.checker;
        let opsRun = 0;
        m.start(a);
        for (let i = 0; i < n; i++) {
            const k = kind[i];
            const s = slotOf ? slotOf[i] : id[i];
            const c0 = bus.cycles;
            this.opCompactCycles = 0;
            this.opCompactions = 0;
            this.oomThisOp = false;
            let executed = false;
            try {
                executed = this.step(i, k, s, arg[i]);
            }
            catch (e) {
                this.onThrow(i, e);
            }
            opsRun = i + 1;
            if (this.violation)
                break;
            if (executed && k <= types_1.OP_UNLOCK)
                m.opCycles(k, bus.cycles - c0 - this.opCompactCycles);
            // The heap can only have changed through an executed alloc/free/realloc, a lock/unlock of a
            // moving allocator, a compaction, or the policy's work on an OOM.
            const compacted = this.opCompactions > 0;
            const changed = executed ? k <= types_1.OP_REALLOC || (moving && k <= types_1.OP_UNLOCK) || compacted : this.oomThisOp;
            const last = i === n - 1 || this.status !== 'ok';
            m.observe(a, i, changed, executed && k === types_1.OP_FREE && !compacted, last, slots.live, slots.internal);
            if (m.problem !== undefined)
                this.setViolation(i, m.problem, 0);
            // ---- compaction triggers: part of op i, so the metrics see the heap after them too ----
            if (canCompact && !this.violation && this.status === 'ok' && !(stopAtOom && m.ooms > 0) &&
                ((compactEvery > 0 && (i + 1) % compactEvery === 0) || (m.largestExact && m.ef > compactAbove))) {
                try {
                    this.compact(i, this.cfg.compactBudget);
                }
                catch (e) {
                    this.onThrow(i, e);
                }
                if (!this.violation) {
                    m.observe(a, i, true, false, last, slots.live, slots.internal);
                    if (m.problem !== undefined)
                        this.setViolation(i, m.problem, 0);
                }
            }
            m.endOp(a, i, last, this.oomThisOp, slots.live, slots.internal);
            if (this.violation || this.status !== 'ok')
                break;
            if (stopAtOom && m.ooms > 0) {
                this.status = 'aborted';
                break;
            }
            if (checker) {
                const v = checker.afterOp(i, last);
                if (v) {
                    this.setViolation(i, v.message, v.addr);
                    break;
                }
            }
            if (observer?.afterOp)
                observer.afterOp(i, this);
        }
        if (checker && !this.violation && this.status === 'ok') {
            const v = checker.verifyAll();
            if (v)
                this.setViolation(opsRun - 1, v.message, v.addr);
        }
        return this.result(opsRun, performance.now() - t0);
    }
    /** Executes op i; returns false when it was skipped. */
    step(i, k, s, x) {
        const a = this.allocator;
        const sl = this.slots;
        const st = sl.state;
        const checker = this.checker;
        switch (k) {
            case types_1.OP_ALLOC: {
                if (st[s] === ids_1.ID_LIVE) {
                    this.skip(i, `alloc of id ${sl.idOfSlot(s)} which is still live`);
                    return false;
                }
                let h = a.alloc(x);
                if (h === 0)
                    h = this.oom(i, 'alloc', s, x, 0);
                if (h !== 0) {
                    sl.bind(s, h, x);
                    if (this.oldest)
                        this.oldest.allocated(s);
                    if (checker)
                        checker.fill(s);
                }
                else
                    st[s] = ids_1.ID_FAILED;
                return true;
            }
            case types_1.OP_FREE: {
                const cur = st[s];
                if (cur !== ids_1.ID_LIVE) {
                    if (cur === ids_1.ID_FAILED) {
                        st[s] = ids_1.ID_NONE;
                        this.skippedOps++;
                    }
                    else
                        this.skip(i, `free of id ${sl.idOfSlot(s)} which is not live`);
                    return false;
                }
                if (checker)
                    checker.beforeFree(s);
                a.free(sl.handle[s]);
                sl.release(s);
                return true;
            }
            case types_1.OP_REALLOC: {
                const cur = st[s];
                if (cur !== ids_1.ID_LIVE) {
                    if (cur === ids_1.ID_FAILED)
                        this.skippedOps++;
                    else
                        this.skip(i, `realloc of id ${sl.idOfSlot(s)} which is not live`);
                    return false;
                }
                if (checker)
                    checker.verify(s, 'realloc');
                const h = sl.handle[s];
                let nh = a.realloc(h, x);
                if (nh === 0)
                    nh = this.oom(i, 'realloc', s, x, h);
                if (nh !== 0) {
                    const old = sl.req[s];
                    sl.unbind(s);
                    sl.bind(s, nh, x);
                    if (checker)
                        checker.afterRealloc(s, old);
                }
                // A failed realloc leaves the old block live and untouched (C semantics).
                return true;
            }
            case types_1.OP_LOCK: {
                if (st[s] !== ids_1.ID_LIVE) {
                    this.skippedOps++;
                    return false;
                }
                if (checker)
                    checker.verify(s, 'lock');
                a.lock(sl.handle[s]);
                sl.locks[s]++;
                return true;
            }
            case types_1.OP_UNLOCK: {
                if (st[s] !== ids_1.ID_LIVE) {
                    this.skippedOps++;
                    return false;
                }
                a.unlock(sl.handle[s]);
                if (sl.locks[s] > 0)
                    sl.locks[s]--;
                return true;
            }
            case types_1.OP_IDLE: {
                if (a.idle) {
                    const c0 = this.bus.cycles;
                    const r = a.idle(x);
                    const dc = this.bus.cycles - c0;
                    if (r && (r.bytesMoved > 0 || dc > 0))
                        this.recordCompaction(i, r, dc);
                }
                return true;
            }
            default:
                return false; // access ops: consumed by the 'access' lock model, nothing to do here
        }
    }
    skip(i, message) {
        this.skippedOps++;
        this.addError(i, message);
    }
    addError(i, message) {
        this.errorCount++;
        if (this.errors.length < MAX_ERROR_EVENTS)
            this.errors.push({ op: i, line: this.trace.ops.line[i], message });
    }
    onThrow(i, e) {
        if (e instanceof alloc_1.AllocatorUsageError) {
            this.addError(i, e.message);
            return;
        }
        if (e instanceof bus_1.BusFault) {
            this.setViolation(i, `allocator bug: ${e.message}`, e.addr);
            return;
        }
        if (e instanceof check_1.CheckFailure) {
            this.setViolation(i, e.message, e.addr);
            return;
        }
        throw e;
    }
    setViolation(i, message, addr) {
        this.status = 'violation';
        const line = i >= 0 && i < this.trace.ops.n ? this.trace.ops.line[i] : 0;
        let blocks = [];
        try {
            blocks = (0, check_1.listingAround)(this, addr);
        }
        catch (e) {
            blocks = [`(walk() failed: ${e.message})`];
        }
        this.violation = { op: i, line, message, blocks };
    }
    /** An OOM: record the event, apply the policy; returns the handle of a successful retry or 0. */
    oom(i, kind, s, size, h) {
        const a = this.allocator;
        const free = a.freeBytes();
        const largest = a.largestAllocatable();
        const ev = {
            op: i, line: this.trace.ops.line[i], kind, id: this.slots.idOfSlot(s), size, free, largest, live: this.slots.live,
            outcome: 'failed', fragmentation: free >= size,
        };
        this.oomThisOp = true;
        let got = 0;
        const policy = this.cfg.oom;
        if ((policy === 'compact' || policy === 'release') && typeof a.compact === 'function') {
            this.compact(i, undefined);
            got = kind === 'alloc' ? a.alloc(size) : a.realloc(h, size);
        }
        else if (policy === 'abort') {
            ev.outcome = 'aborted';
            this.status = 'aborted';
        }
        if (got === 0 && policy === 'release')
            got = this.releaseAndRetry(kind, s, size, h, ev);
        if (got !== 0)
            ev.outcome = 'recovered';
        else
            this.failedBytes += size;
        this.metrics.oom(got !== 0, ev.fragmentation);
        if (this.oomEvents.length < MAX_OOM_EVENTS)
            this.oomEvents.push(ev);
        return got;
    }
    /** Policy `release`: free the oldest live unlocked objects (not s) one by one, retrying after each. */
    releaseAndRetry(kind, s, size, h, ev) {
        const a = this.allocator;
        const sl = this.slots;
        const live = (x) => sl.state[x] === ids_1.ID_LIVE;
        const unlocked = (x) => sl.locks[x] === 0;
        let got = 0;
        let n = 0;
        while (got === 0 && n < release_1.RELEASE_MAX) {
            const v = this.oldest.oldest(live, unlocked, s);
            if (v < 0)
                break;
            if (this.checker)
                this.checker.beforeFree(v);
            a.free(sl.handle[v]);
            this.releasedBytes += sl.req[v];
            sl.release(v);
            sl.state[v] = ids_1.ID_FAILED; // dead to the program: its later ops are skipped and counted
            this.oldest.released(v);
            n++;
            got = kind === 'alloc' ? a.alloc(size) : a.realloc(h, size);
        }
        this.releasedObjects += n;
        if (n > 0)
            ev.released = n;
        return got;
    }
    compact(i, budget) {
        const a = this.allocator;
        if (!a.compact)
            return;
        if (this.observer?.beforeCompact)
            this.observer.beforeCompact(i, this);
        const c0 = this.bus.cycles;
        const r = a.compact(budget);
        this.recordCompaction(i, r, this.bus.cycles - c0);
    }
    recordCompaction(i, r, dc) {
        this.metrics.compaction(dc, r.bytesMoved);
        this.opCompactCycles += dc;
        this.opCompactions++;
        if (this.checker)
            this.checker.afterMove(i);
        if (this.observer?.afterCompact)
            this.observer.afterCompact(i, this, r);
    }
    result(opsRun, wallMs) {
        const m = this.metrics;
        const f = this.facts;
        const clockHz = this.cfg.device.cpu.clockHz;
        const { byKind, ops } = m.cycles(clockHz);
        const res = {
            schema: 1,
            device: this.cfg.device.name,
            allocator: this.cfg.allocator,
            params: this.params,
            heap: { base: this.heaps[0].base, size: m.heapSize },
            heaps: this.heaps,
            multiHeap: this.multiHeap,
            trace: {
                name: this.trace.info.name, ops: f.ops, allocs: f.allocs, frees: f.frees, reallocs: f.reallocs, locks: f.locks,
                skipped: f.skipped, lockModel: this.lockSpec,
            },
            status: this.status,
            summary: {
                ...m.summary({
                    opsRun, allocator: this.allocator, medianRequest: f.medianRequest, skippedOps: this.skippedOps, errors: this.errorCount,
                    usPerOp: ops.meanUs, idealFootprint: this.slots.peakFootprint,
                }),
                failedBytes: this.failedBytes, releasedObjects: this.releasedObjects, releasedBytes: this.releasedBytes,
            },
            oomEvents: this.oomEvents,
            errors: this.errors,
            cycles: { clockHz, total: this.bus.cycles - this.initCycles, init: this.initCycles, byKind, ops },
            compaction: { runs: m.compactRuns, bytesMoved: m.compactBytes, cycles: m.compactCycles, longestPause: m.longestPause },
            bus: busDelta(this.initCounters ?? this.bus.counters(), this.bus.counters()),
            conservation: { ok: m.consOk, checkedOps: opsRun, ...(m.consFirst ? { firstViolation: m.consFirst } : {}) },
            wallMs,
        };
        if (this.violation)
            res.violation = this.violation;
        if (m.wantSeries)
            res.series = { every: m.every, points: m.points };
        return res;
    }
}
