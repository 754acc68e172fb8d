"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RunMetrics = exports.CYCLE_KINDS = void 0;
const histogram_1 = require("./histogram");
const walk_1 = require("./walk");
/** extFrag must beat the record at the last record-triggered walk by this much to walk again. */
const EF_WALK_STEP = 0.01;
/** Cycle histogram of compactions (after the five trace op kinds). */
const H_COMPACT = 5;
exports.CYCLE_KINDS = ['alloc', 'free', 'realloc', 'lock', 'unlock', 'compact'];
class RunMetrics {
    heapSize;
    lean;
    exactWalk;
    checking;
    compactAbove;
    lastOp;
    every;
    wantSeries;
    // The last observed values.
    free = 0;
    largest = 0;
    meta = 0;
    /** False while `largest` is a lower bound kept across a free. */
    largestExact = true;
    /** extFrag of the last observation (meaningful when largestExact). */
    ef = 0;
    // Summary extremes.
    peakLive = 0;
    internalAtPeak = 0;
    metadataAtPeak = 0;
    maxUsed = 0;
    liveAtMaxUsed = 0;
    minFree = Infinity;
    minLargest = Infinity;
    maxExtFrag = 0;
    maxUmm = 0;
    maxTyp = 0;
    walkEvaluations = 0;
    efAtLastWalk = -1;
    nextWalk = 0;
    newMaxEF = false;
    walk;
    // Conservation.
    consOk = true;
    consFirst = undefined;
    /** With `checking`: what the last observe found wrong (a free lowering largest, conservation). */
    problem = undefined;
    // Events.
    ooms = 0;
    fragOoms = 0;
    recoveredOoms = 0;
    compactRuns = 0;
    compactBytes = 0;
    compactCycles = 0;
    longestPause = 0;
    cycleHists;
    opsHist;
    // Series.
    points = [];
    bucketLeft;
    bMaxLive = 0;
    bMaxUsed = 0;
    bMinFree = Infinity;
    bMinLargest = Infinity;
    bMaxEF = 0;
    bCycSum = 0;
    bCycN = 0;
    bCycMax = 0;
    bOoms = 0;
    bCompactions = 0;
    constructor(o) {
        this.heapSize = o.heapSize;
        this.lean = o.lean;
        this.exactWalk = o.exactWalk || o.every === 1;
        this.checking = o.checking;
        this.compactAbove = o.compactAbove;
        this.lastOp = o.ops - 1;
        this.every = o.every;
        this.bucketLeft = o.every;
        this.wantSeries = o.series && !o.lean;
        this.walk = new walk_1.WalkMetrics(o.typThreshold);
        this.cycleHists = exports.CYCLE_KINDS.map(() => new histogram_1.CycleHistogram());
        this.opsHist = new histogram_1.CycleHistogram();
    }
    /** The empty heap before op 0. */
    start(a) {
        this.free = a.freeBytes();
        this.largest = a.largestAllocatable();
        this.meta = a.metadataBytes();
        this.largestExact = true;
    }
    /** Allocator cycles of an executed trace op of kind k (OP_ALLOC..OP_UNLOCK). */
    opCycles(k, c) {
        this.cycleHists[k].add(c);
        this.opsHist.add(c);
        this.bCycSum += c;
        this.bCycN++;
        if (c > this.bCycMax)
            this.bCycMax = c;
    }
    compaction(dc, bytesMoved) {
        this.compactRuns++;
        this.compactBytes += bytesMoved;
        this.compactCycles += dc;
        if (dc > this.longestPause)
            this.longestPause = dc;
        this.cycleHists[H_COMPACT].add(dc);
        this.bCompactions++;
    }
    /** An OOM the policy recovered from (a retry after compaction succeeded) or not. */
    oom(recovered, fragmentation) {
        this.bOoms++;
        if (recovered)
            this.recoveredOoms++;
        else {
            this.ooms++;
            if (fragmentation)
                this.fragOoms++;
        }
    }
    /**
     * The heap after op i. `changed`: the op could have changed the heap (else the last values
     * stand, unless the bucket ends). `afterFree`: the op was an executed free with no compaction
     * (a free never lowers largestAllocatable, so largest may be kept as a lower bound). `last`:
     * the op ends the run (last op, or the run stops after it).
     */
    observe(a, i, changed, afterFree, last, live, internal) {
        const bucketEnd = this.bucketLeft === 1 || last;
        if (this.lean) {
            if (changed)
                this.free = a.freeBytes();
        }
        else if (changed || bucketEnd) {
            const free = (this.free = a.freeBytes());
            this.meta = a.metadataBytes();
            if (this.checking || bucketEnd || !afterFree) {
                const l = a.largestAllocatable();
                if (this.checking && afterFree && this.largestExact && l < this.largest)
                    this.problem = `largestAllocatable fell from ${this.largest} to ${l} on a free (the engine assumes a free never lowers it)`;
                this.largest = l;
                this.largestExact = true;
            }
            else {
                // largest >= its value before the free: bound extFrag from above.
                const ub = (0, walk_1.extFrag)(free, this.largest);
                if (ub > this.bMaxEF || ub > this.compactAbove) {
                    this.largest = a.largestAllocatable();
                    this.largestExact = true;
                }
                else
                    this.largestExact = false;
            }
        }
        const free = this.free;
        const largest = this.largest;
        const meta = this.meta;
        const used = this.heapSize - free;
        if (live > this.peakLive) {
            this.peakLive = live;
            this.internalAtPeak = internal;
            this.metadataAtPeak = meta;
        }
        if (used > this.maxUsed) {
            this.maxUsed = used;
            this.liveAtMaxUsed = live;
        }
        if (free < this.minFree)
            this.minFree = free;
        if (largest < this.minLargest)
            this.minLargest = largest;
        const ef = (this.ef = (0, walk_1.extFrag)(free, largest));
        if (this.largestExact && ef > this.maxExtFrag) {
            this.maxExtFrag = ef;
            // A new extFrag record is where ummFrag/typFrag records tend to be: walk there too,
            // when it beats the record at the last such walk by a point or more.
            if (ef >= this.efAtLastWalk + EF_WALK_STEP) {
                this.newMaxEF = true;
                this.efAtLastWalk = ef;
            }
        }
        const unusable = this.heapSize - live - internal - meta - free;
        if (!this.lean && (unusable < 0 || meta < 0 || free < 0 || internal < 0 || (this.largestExact && largest > free)) && this.consOk)
            this.conservationFail(i, live, internal, unusable);
        // Series bucket extremes.
        if (live > this.bMaxLive)
            this.bMaxLive = live;
        if (used > this.bMaxUsed)
            this.bMaxUsed = used;
        if (free < this.bMinFree)
            this.bMinFree = free;
        if (largest < this.bMinLargest)
            this.bMinLargest = largest;
        if (this.largestExact && ef > this.bMaxEF)
            this.bMaxEF = ef;
    }
    /** Closes op i: the walk-based metrics when due (always at an OOM and the last op), the series bucket. */
    endOp(a, i, last, oom, live, internal) {
        if (!this.lean && (this.exactWalk || i >= this.nextWalk || oom || this.newMaxEF || i === this.lastOp))
            this.measureWalk(a, i);
        this.newMaxEF = false;
        if (--this.bucketLeft === 0 || last) {
            this.bucketLeft = this.every;
            if (this.wantSeries)
                this.pushPoint(i, live, internal);
        }
    }
    measureWalk(a, i) {
        const w = this.walk;
        w.measure(a);
        this.walkEvaluations++;
        const u = w.umm;
        const t = w.typ;
        if (u > this.maxUmm)
            this.maxUmm = u;
        if (t > this.maxTyp)
            this.maxTyp = t;
        this.nextWalk = i + Math.max(1, Math.ceil(w.blocks / walk_1.WALK_BLOCKS_PER_OP));
    }
    pushPoint(i, live, internal) {
        const free = this.free;
        this.points.push({
            op: i, live, used: this.heapSize - free, free, largest: this.largest, internal, metadata: this.meta, extFrag: this.ef,
            ummFrag: this.walk.umm, typFrag: this.walk.typ,
            maxLive: this.bMaxLive, maxUsed: this.bMaxUsed, minFree: this.bMinFree, minLargest: this.bMinLargest,
            maxExtFrag: this.bMaxEF, cyclesMean: this.bCycN ? this.bCycSum / this.bCycN : 0, cyclesMax: this.bCycMax,
            ooms: this.bOoms, compactions: this.bCompactions,
        });
        this.bMaxLive = 0;
        this.bMaxUsed = 0;
        this.bMinFree = Infinity;
        this.bMinLargest = Infinity;
        this.bMaxEF = 0;
        this.bCycSum = 0;
        this.bCycN = 0;
        this.bCycMax = 0;
        this.bOoms = 0;
        this.bCompactions = 0;
    }
    conservationFail(i, live, internal, unusable) {
        this.consOk = false;
        const { free, largest, meta } = this;
        this.consFirst = {
            op: i,
            message: `live ${live} + internal ${internal} + metadata ${meta} + free ${free} + unusable ${unusable} = heap ${this.heapSize}` +
                (largest > free ? `; largest ${largest} > free ${free}` : '') + ': a term is negative',
        };
        if (this.checking)
            this.problem = `conservation: ${this.consFirst.message}`;
    }
    /** The design §9 summary keys this module owns (in their JSON order), given the run's facts. */
    summary(f) {
        const peak = this.peakLive;
        const ran = f.opsRun > 0;
        return {
            peakLive: peak,
            maxUsed: this.maxUsed,
            utilization: this.maxUsed > 0 ? peak / this.maxUsed : 0,
            jw3: this.liveAtMaxUsed > 0 ? this.maxUsed / this.liveAtMaxUsed - 1 : 0,
            jw4: peak > 0 ? this.maxUsed / peak - 1 : 0,
            minEverFree: ran ? this.minFree : f.allocator.freeBytes(),
            maxExtFrag: this.maxExtFrag,
            maxUmmFrag: this.maxUmm,
            internalAtPeak: this.internalAtPeak,
            metadataAtPeak: this.metadataAtPeak,
            ooms: this.ooms,
            fragmentationOoms: this.fragOoms,
            recoveredOoms: this.recoveredOoms,
            minLargest: ran ? this.minLargest : f.allocator.largestAllocatable(),
            maxTypFrag: this.maxTyp,
            medianRequest: f.medianRequest,
            opsRun: f.opsRun,
            skippedOps: f.skippedOps,
            errors: f.errors,
            usPerOp: f.usPerOp,
            walkEvaluations: this.walkEvaluations,
            idealFootprint: Math.ceil(f.idealFootprint),
        };
    }
    /** Cycle statistics per kind, in device cycles and microseconds at clockHz. */
    cycles(clockHz) {
        const us = (c) => (c * 1e6) / clockHz;
        const ks = (h) => ({
            count: h.count, total: h.total, mean: h.mean, p50: h.p50, p99: h.p99, max: h.max,
            meanUs: us(h.mean), p50Us: us(h.p50), p99Us: us(h.p99), maxUs: us(h.max), exact: h.exact,
        });
        const byKind = {};
        exports.CYCLE_KINDS.forEach((name, j) => (byKind[name] = ks(this.cycleHists[j].stats())));
        return { byKind, ops: ks(this.opsHist.stats()) };
    }
}
exports.RunMetrics = RunMetrics;
