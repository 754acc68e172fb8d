"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CYCLE_KINDS = exports.RunMetrics = exports.WALK_BLOCKS_PER_OP = exports.WalkMetrics = exports.typFrag = exports.ummFrag = exports.extFrag = exports.EXACT_LIMIT = exports.CycleHistogram = void 0;
exports.robsonBound = robsonBound;
/**
 * Metrics (design §8): exact definitions, and which numbers are exact and which are sampled.
 *
 * Per op t, after the op (and after any compaction it triggered):
 *   live(t)      Σ requested sizes of live ids (the engine's own bookkeeping).
 *   free(t)      allocator.freeBytes().
 *   largest(t)   allocator.largestAllocatable().
 *   used(t)      heapSize − free(t); heapSize is the sum of the heaps the allocator manages.
 *   internal(t)  Σ (usableSize − requested) over live ids, kept incrementally (usable sizes are
 *                read once at alloc/realloc).
 *   metadata(t)  allocator.metadataBytes().
 *   extFrag(t)   1 − largest/free, 0 when free is 0.
 *   unusable(t)  heapSize − live − internal − metadata − free (slivers no request can use).
 *   ummFrag(t)   100 − 100·sqrt(Σ fᵢ²)/Σ fᵢ over the sizes fᵢ of the free blocks walk() lists
 *                (0 with no free block).
 *   typFrag(t)   Σ fᵢ over free blocks with fᵢ < blockFootprint(median request) divided by Σ fᵢ:
 *                the share of free block bytes that cannot hold a block for a request of the
 *                trace's median size (median over all alloc/realloc sizes, lower median).
 * Summary:
 *   peakLive = max live; maxUsed = max used; minEverFree = min free; minLargest = min largest;
 *   maxExtFrag = max extFrag; internalAtPeak / metadataAtPeak at the first op reaching peakLive;
 *   jw3 = used(t*)/live(t*) − 1 at t* = the first op reaching maxUsed; jw4 = maxUsed/peakLive − 1;
 *   utilization = peakLive/maxUsed (CS:APP). Ratios are 0 when their denominator is 0.
 *   Conservation: live + internal + metadata + free + unusable = heapSize with every term >= 0,
 *   checked at every op; the first failure is reported (a bug in an allocator's observers).
 *
 * Exact versus sampled. live, internal, free, used and metadata are exact at EVERY op:
 * the allocator's freeBytes() and metadataBytes() are read after every op that can change the
 * heap (alloc, free, realloc, a compaction, and lock/unlock of moving allocators; a skipped op,
 * an idle op without compaction, or a lock of a non-moving allocator changes nothing and reuses
 * the last values). So peakLive, maxUsed, minEverFree, jw3, jw4, utilization, internalAtPeak,
 * metadataAtPeak and the conservation check are exact.
 * largest (largestAllocatable(), which is a list or bitmap scan in several allocators) is read
 * after every alloc, realloc and compaction, at every series point and on every op with
 * --check. After a free it is read only when it could matter: a free never lowers largest (an
 * assumption --check verifies), so 1 − largest_before/free bounds extFrag from above; when that
 * bound cannot beat the current bucket's extFrag maximum (nor the compactAboveExtFrag
 * threshold) the old largest is kept as a lower bound. minLargest and maxExtFrag (and each
 * series bucket's minLargest and maxExtFrag) are therefore exact as well.
 * ummFrag and typFrag need a walk() of the heap, O(blocks): they are evaluated at every OOM
 * event, at every op where extFrag sets a new record (by at least 0.01 over the record at the
 * last such walk), at the last op, and otherwise on a deterministic adaptive stride: after a
 * walk that saw B blocks the next one comes ceil(B / WALK_BLOCKS_PER_OP) ops later, so walking
 * costs about WALK_BLOCKS_PER_OP block visits per op. A series point carries the values of the
 * latest walk at or before it. maxUmmFrag and maxTypFrag are maxima over
 * those evaluations (`summary.walkEvaluations` says how many; exact when it equals the ops
 * run). RunConfig.exactWalk, or `sample: 1` (the default for traces of up to 2000 ops), walks
 * after every op. Everything depends only on the simulated state, so results are
 * deterministic.
 *
 * Series: one point per bucket of `every` ops (default ceil(ops/2000), so at most ~2000
 * points); each point has the values at the bucket's last op (ummFrag/typFrag: of the latest
 * walk) plus the bucket's extremes
 * (max live, max used, min free, min largest, max extFrag, max cycles of one op) so spikes
 * between points are not lost.
 */
var histogram_1 = require("./histogram");
Object.defineProperty(exports, "CycleHistogram", { enumerable: true, get: function () { return histogram_1.CycleHistogram; } });
Object.defineProperty(exports, "EXACT_LIMIT", { enumerable: true, get: function () { return histogram_1.EXACT_LIMIT; } });
var walk_1 = require("./walk");
Object.defineProperty(exports, "extFrag", { enumerable: true, get: function () { return walk_1.extFrag; } });
Object.defineProperty(exports, "ummFrag", { enumerable: true, get: function () { return walk_1.ummFrag; } });
Object.defineProperty(exports, "typFrag", { enumerable: true, get: function () { return walk_1.typFrag; } });
Object.defineProperty(exports, "WalkMetrics", { enumerable: true, get: function () { return walk_1.WalkMetrics; } });
Object.defineProperty(exports, "WALK_BLOCKS_PER_OP", { enumerable: true, get: function () { return walk_1.WALK_BLOCKS_PER_OP; } });
var run_1 = require("./run");
Object.defineProperty(exports, "RunMetrics", { enumerable: true, get: function () { return run_1.RunMetrics; } });
Object.defineProperty(exports, "CYCLE_KINDS", { enumerable: true, get: function () { return run_1.CYCLE_KINDS; } });
/**
 * Robson's worst-case heap size for any non-moving allocator: M·(1 + ½·log2 n) where M is the
 * peak live bytes and n the ratio of the largest to the smallest request, rounded up to a power
 * of two. J. M. Robson, "An estimate of the store size necessary for dynamic storage
 * allocation", JACM 18(3), 1971, shows that with block sizes restricted to powers of two from
 * 1 to n, M·(1 + ½·log2 n) − n + 1 words always suffice for a suitable allocator and that some
 * request sequence forces that much on every allocator; Robson, "Bounds for some functions
 * concerning dynamic storage allocation", JACM 21(3), 1974, extends the analysis to arbitrary
 * sizes (between about ½·M·log2 n and 0.84·M·log2 n). We report the 1971 form without the
 * −n + 1 term (a bound in bytes, sizes rounded to powers of two) as a reference line, not as a
 * guarantee for a particular allocator.
 */
function robsonBound(peakLive, smallest, largest) {
    if (peakLive <= 0)
        return 0;
    if (smallest <= 0 || largest <= smallest)
        return peakLive;
    const n = 2 ** Math.ceil(Math.log2(largest / smallest));
    return Math.ceil(peakLive * (1 + 0.5 * Math.log2(n)));
}
