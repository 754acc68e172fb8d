"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_BAND = exports.MAX_HEAP = exports.robsonBound = void 0;
exports.highWaterExact = highWaterExact;
exports.highWaterRun = highWaterRun;
exports.minHeap = minHeap;
exports.bandAbove = bandAbove;
/**
 * min-heap (design §8): the smallest first-heap size, at the device's alignment granularity,
 * in which a trace runs with zero OOMs under the chosen policy.
 *
 * How it works. A first run at the device's own heap size (as a what-if, so it may exceed the
 * region) gives peakLive and maxUsed; if it OOMs, the size doubles until a run is clean (up to
 * MAX_HEAP). Sizes below peakLive cannot work for a single-heap allocator. The search then
 * gallops up from a first guess of 1.02 × maxUsed (steps of 4 %, doubling) to the first clean
 * size, and bisects between the last failing and the first clean size, keeping "hi is clean"
 * as its invariant. Search runs are lean (freeBytes() is their only observer call) and stop at
 * the first unrecovered OOM, so failing sizes are cheap. A heap too small for the allocator's
 * own metadata (SimError HEAP_TOO_SMALL) counts as failing; an invariant violation aborts the
 * search with an error.
 *
 * Verification: a full run at the answer (must have 0 OOMs) and one alignment step below (must
 * OOM). OOM-freedom is not always monotonic in the heap size (a different layout can dodge or
 * hit a bad split): when the size below also runs clean the search continues below it, a
 * bounded number of times, and the result says so (`verify.monotonic` false, `verify.note`).
 * The answer is therefore the lowest clean size this search found with a failing size one
 * step below it: a boundary, not a proof that no smaller heap works.
 *
 * A multi-heap allocator on a device with several heaps is searched with the first heap alone
 * (`verify.note` says so), so its answer compares with the single-heap allocators'. The upper
 * bound stops at MAX_HEAP or at what the device's pointers can address (64 KiB on AVR); a trace
 * that still OOMs there is an error (exit 1) naming the first failing request.
 *
 * idealFootprint comes from the clean run at the answer; Robson's bound from peakLive and the
 * smallest and largest request of the trace.
 */
const errors_1 = require("../errors");
const device_1 = require("../device");
const alloc_1 = require("../alloc");
const metrics_1 = require("../metrics");
Object.defineProperty(exports, "robsonBound", { enumerable: true, get: function () { return metrics_1.robsonBound; } });
const units_1 = require("../util/units");
const engine_1 = require("./engine");
const lockmodel_1 = require("./lockmodel");
const prepass_1 = require("./prepass");
/** The search gives up above this first-heap size (the bus backs every byte in an ArrayBuffer). */
exports.MAX_HEAP = 256 * 1024 * 1024;
/** Extra downward searches when OOM-freedom turns out not to be monotonic. */
const MAX_RESEARCH = 4;
/** The min-heap command's band: 32 alignment steps, 32 sizes over the next 2 %, then 8 sampled sizes up to the device heap. */
exports.DEFAULT_BAND = { stretch: 32, near: 32, samples: 8 };
/**
 * Allocators whose placement does not depend on the heap size below their high-water mark:
 * address-ordered first fit that cuts from the front of a free block (first-fit with
 * order=address, cut=front; FreeRTOS heap_4 and heap_5 on one heap; uClibc's free-area list).
 * A run in a heap of size H is the same run as in any larger heap until a block would end past
 * H, so one clean replay in a large heap gives the exact boundary: the smallest size that holds
 * the highest block end, plus whatever the allocator keeps after it (found by stepping up from
 * there), checked: clean at the answer, OOM one step below. A realloc that grows in place in a
 * large heap but has to move in a small one breaks the premise (the mark is then too high, and
 * the size below it is clean too): the search then bisects as before. tests/sim-minheap-band
 * and bench/minheap-hwm.bench.ts show the route's answer equals the bisection's.
 */
function highWaterExact(allocator, params) {
    if (allocator === 'heap4' || allocator === 'heap5' || allocator === 'uclibc')
        return true;
    if (allocator === 'first-fit')
        return String(params.order ?? 'address') === 'address' && String(params.cut ?? 'front') === 'front';
    return false;
}
/** Wraps a factory so the allocator records the highest end address (payload + usable) of any block it returned. */
function highWaterFactory(f, mark) {
    return {
        ...f,
        create(ctx) {
            const a = f.create(ctx);
            const alloc = a.alloc.bind(a);
            const realloc = a.realloc.bind(a);
            const note = (h) => {
                if (h !== 0) {
                    const end = a.addressOf(h) + a.usableSize(h);
                    if (end > mark.end)
                        mark.end = end;
                }
                return h;
            };
            a.alloc = (size) => note(alloc(size));
            a.realloc = (h, size) => note(realloc(h, size));
            return a;
        },
    };
}
/**
 * One replay of `cfg` (the study's device-heap run) that also records the highest block end
 * when the allocator qualifies for the high-water route (else `highWater` is 0), so minHeap can
 * start from it (MinHeapOptions.probe).
 */
function highWaterRun(trace, cfg) {
    const f = cfg.factory ?? (0, alloc_1.getFactory)(cfg.allocator);
    const dev = cfg.device;
    const eligible = !(f.multiHeap && dev.heaps.length > 1) && cfg.oom !== 'compact' && highWaterExact(f.name, (0, alloc_1.resolveParams)(f, dev.allocators?.[f.name], cfg.params ?? {}));
    const mark = { end: 0 };
    const run = (0, engine_1.replay)(trace, eligible ? { ...cfg, factory: highWaterFactory(f, mark) } : cfg);
    return { run, highWater: mark.end };
}
function minHeap(trace, cfg, opts = {}) {
    const tol = Math.max(0, opts.tolerance ?? 0);
    const band = opts.band ?? exports.DEFAULT_BAND;
    const dev = cfg.device;
    const align = dev.alignment;
    const locks = cfg.locks ?? 'none';
    // Apply the lock model once; the replays below reuse the cached result.
    (0, lockmodel_1.applyLocks)(trace, locks, cfg.seed ?? 1);
    const spans = (0, device_1.heapSpans)(dev);
    const first = spans[0];
    const f = cfg.factory ?? (0, alloc_1.getFactory)(cfg.allocator);
    // A multi-heap allocator is searched on the first heap alone, so its answer compares with
    // the single-heap allocators' (with every heap it would "need" only what spills over).
    const multi = f.multiHeap && dev.heaps.length > 1;
    const searchCfg = multi ? { ...cfg, device: { ...dev, heaps: [dev.heaps[0]] } } : cfg;
    const otherHeapsBytes = 0;
    // The device heap (not the region around it) is what the allocator gets.
    const deviceLimit = first.size;
    // Heaps beyond what the device's pointers can address are not worth simulating.
    const addrLimit = dev.cpu.pointerBytes === 2 ? 0x10000 : 2 ** 32;
    const maxHeap = Math.max(align, Math.min(exports.MAX_HEAP, (0, units_1.alignDown)(addrLimit - first.base, align)));
    const resolved = (0, alloc_1.resolveParams)(f, dev.allocators?.[f.name], cfg.params ?? {});
    const hwm = !multi && cfg.oom !== 'compact' && highWaterExact(f.name, resolved);
    const mark = { end: 0 };
    let runs = 0;
    const attempt = (size, full, track = false) => {
        runs++;
        let r;
        try {
            r = (0, engine_1.replay)(trace, {
                ...searchCfg, heapSize: size, whatIf: true, series: false,
                lean: !full, stopAtFirstOom: !full,
                ...(track ? { factory: highWaterFactory(f, mark) } : {}),
            });
        }
        catch (e) {
            if (e instanceof errors_1.SimError && e.code === 'HEAP_TOO_SMALL')
                return null;
            throw e;
        }
        if (r.status === 'violation')
            throw violationError(cfg, r, size);
        return r;
    };
    const clean = (r) => r !== null && r.summary.ooms === 0 && r.status !== 'violation' && r.status !== 'aborted';
    /** The largest size a search run saw fail (for the tolerant search's "below" record). */
    let failedAt = null;
    /** Every size a search run saw fail (the band check reads it). */
    const failing = new Set();
    const cleanSizes = new Set();
    /** The clean search runs by size (lean runs still measure peak live and the ideal footprint). */
    const cleanRuns = new Map();
    const works = (size) => {
        const r = attempt(size, false);
        const ok = clean(r);
        if (ok) {
            cleanSizes.add(size);
            cleanRuns.set(size, r);
        }
        else
            failing.add(size);
        if (!ok && (failedAt === null || size > failedAt.size))
            failedAt = { size, r };
        return ok;
    };
    /** Close enough: the gap to the largest failing size is within the tolerance of the clean end. */
    const closeEnough = () => tol > 0 && hi - lo < Math.max(align, Math.floor(tol * hi));
    // Upper bound: the device heap, doubled until clean.
    let hi = Math.min(maxHeap, (0, units_1.alignUp)(first.size, align));
    const reuse = opts.probe !== undefined && hi === (0, units_1.alignUp)(first.size, align) && opts.probe.heap.size === hi && !multi;
    let probe;
    if (reuse) {
        probe = opts.probe;
        mark.end = opts.probeHighWater ?? 0;
    }
    else
        probe = attempt(hi, false, hwm);
    if (!clean(probe)) {
        failedAt = { size: hi, r: probe };
        failing.add(hi);
    }
    while (!clean(probe)) {
        if (hi >= maxHeap) {
            const ev = probe?.oomEvents[0];
            const why = ev ? `; first OOM at op ${ev.op} (line ${ev.line}): ${ev.kind} of ${ev.size} bytes` : '';
            throw new errors_1.SimError('USAGE', `${cfg.allocator} runs out of memory on trace ${trace.info.name} even with a ${maxHeap}-byte heap (the most this search tries on ${dev.name})${why}`, { exitCode: 1 });
        }
        hi = Math.min(maxHeap, hi * 2);
        mark.end = 0;
        probe = attempt(hi, false, hwm);
        if (!clean(probe)) {
            failedAt = { size: hi, r: probe };
            failing.add(hi);
        }
    }
    cleanSizes.add(hi);
    cleanRuns.set(hi, probe);
    const probeSize = hi;
    const peakLive = probe.summary.peakLive;
    const floor = multi ? align : Math.max(align, (0, units_1.alignUp)(peakLive, align));
    let lo = Math.min(floor, hi);
    let route = 'bisection';
    // The high-water route: the boundary sits at the highest block end of the clean run (plus the
    // allocator's tail); step up from there, and confirm one step below fails.
    if (hwm && mark.end > first.base) {
        let c = Math.max(lo, (0, units_1.alignUp)(mark.end - first.base, align));
        for (let k = 0; k < 16 && c < hi; k++, c += align) {
            if (!works(c))
                continue;
            if (c - align < lo || !works(c - align)) {
                hi = c;
                lo = c;
                route = 'high-water';
            }
            else
                hi = c - align; // not the boundary after all: bisect below
            break;
        }
    }
    // Gallop up from a first guess, the most the clean run ever used: most allocators need a
    // little more than that, so the bisection interval shrinks from [peakLive, device heap] to a
    // few percent of the answer. Failing sizes are cheap (the run stops at the first OOM).
    if (route === 'bisection') {
        let guess = (0, units_1.alignUp)(Math.max(lo, Math.ceil(probe.summary.maxUsed * 1.02)), align);
        let step = Math.max(align, (0, units_1.alignUp)(Math.ceil(guess * 0.04), align));
        while (guess < hi && !closeEnough()) {
            if (works(guess)) {
                hi = guess;
                break;
            }
            lo = guess + align;
            guess += step;
            step *= 2;
        }
        lo = Math.min(lo, hi);
    }
    const bisect = () => {
        while (lo < hi && !closeEnough()) {
            const mid = Math.max(lo, (0, units_1.alignDown)(lo + (hi - lo) / 2, align));
            if (works(mid))
                hi = mid;
            else
                lo = mid + align;
        }
    };
    bisect();
    let monotonic = true;
    let note;
    let below = null;
    if (tol > 0) {
        // Tolerant search: "below" is the largest size seen failing (a search run that stopped at
        // its first OOM, so its OOM count is a lower bound: at least 1).
        const fa = failedAt;
        if (fa)
            below = { heapSize: fa.size, ooms: fa.r ? fa.r.summary.ooms : -1, status: fa.r ? fa.r.status : 'aborted' };
        note = `tolerance ${(tol * 100).toFixed(2)} %: the answer is a verified clean size at most that far above the smallest clean size this search would find`;
    }
    for (let k = 0; tol === 0; k++) {
        const b = hi - align;
        if (b < align)
            break;
        // One step below the answer must fail (a search run stopping at its first OOM: ooms >= 1).
        const rb = failing.has(b) ? null : attempt(b, false);
        const bClean = !failing.has(b) && clean(rb);
        if (!bClean)
            failing.add(b);
        below = { heapSize: b, ooms: bClean ? 0 : rb ? rb.summary.ooms : 1, status: rb ? rb.status : 'aborted' };
        if (!bClean)
            break;
        cleanSizes.add(b);
        monotonic = false;
        if (k >= MAX_RESEARCH) {
            note = `OOM-freedom is not monotonic in the heap size: ${b} bytes also runs clean; stopped searching after ${k + 1} retries`;
            hi = b;
            break;
        }
        hi = b;
        lo = Math.max(align, Math.min(floor, hi));
        bisect();
    }
    if (!monotonic && !note)
        note = 'OOM-freedom is not monotonic in the heap size: a clean run was found below the first bisection answer';
    // The clean run at the answer (a search run: it ran the whole trace without an OOM).
    const at = cleanRuns.get(hi) ?? attempt(hi, false);
    if (!at || !clean(at)) {
        // Should not happen (hi was clean in a search run); report honestly.
        throw new errors_1.SimError('USAGE', `min-heap verification failed: ${cfg.allocator} at ${hi} bytes is not clean on a full run`);
    }
    const minHeap = hi;
    // The band above the answer: does the heap keep working when it grows?
    // Every size run above the answer counts as evidence: the band's and the search's own probes.
    const bandSizes = bandAbove(minHeap, align, Math.max(probeSize, (0, units_1.alignUp)(first.size, align)), band);
    for (const sz of bandSizes)
        if (!cleanSizes.has(sz) && !failing.has(sz))
            works(sz);
    const checked = new Set([...cleanSizes, ...failing].filter((x) => x > minHeap)).size;
    let bad = 0;
    for (const sz of failing)
        if (sz > minHeap)
            bad = Math.max(bad, sz);
    // The smallest size from which every checked size (band and search runs) was clean.
    let safeFrom = minHeap;
    if (bad > 0) {
        const above = [...bandSizes, ...cleanSizes].filter((x) => x > bad && !failing.has(x)).sort((x, y) => x - y);
        safeFrom = above[0] ?? bad + align;
        monotonic = false;
        const n = [...failing].filter((x) => x > minHeap).length;
        note = [note, `OOM-freedom is not monotonic in the heap size: ${n} checked size${n === 1 ? '' : 's'} above ${minHeap} bytes OOM (the largest ${bad}); every checked size from ${safeFrom} bytes was clean`].filter(Boolean).join('; ');
    }
    const facts = (0, prepass_1.traceFacts)(trace);
    return {
        schema: 1,
        device: dev.name,
        allocator: cfg.allocator,
        trace: trace.info.name,
        policy: cfg.oom,
        locks,
        peakLive: at.summary.peakLive,
        minHeap,
        ratio: at.summary.peakLive > 0 ? minHeap / at.summary.peakLive : 0,
        idealFootprint: at.summary.idealFootprint,
        robsonBound: (0, metrics_1.robsonBound)(at.summary.peakLive, facts.minRequest, facts.maxRequest),
        fitsDevice: safeFrom <= deviceLimit,
        deviceLimit,
        otherHeapsBytes,
        alignment: align,
        safeFrom,
        checkedSizes: checked,
        route,
        verify: {
            atMinHeap: { heapSize: hi, ooms: at.summary.ooms, status: at.status },
            below,
            monotonic,
            ...(note || multi ? { note: [note, multi ? `multi-heap allocator searched with the first heap (${first.name}) alone` : ''].filter(Boolean).join('; ') } : {}),
        },
        runs,
        ...(tol > 0 ? { tolerance: tol } : {}),
    };
}
/**
 * The sizes of the band check above `answer`: every alignment step for `stretch` steps, then
 * `near` sizes evenly over the next 2 % above the answer, then `samples` sizes spread
 * geometrically up to `top` (the device heap, or the clean probe above it), `top` included.
 * Ascending, distinct, all <= top.
 */
function bandAbove(answer, align, top, band) {
    const out = new Set();
    for (let k = 1; k <= band.stretch; k++)
        out.add(answer + k * align);
    let from = answer + band.stretch * align;
    const near = band.near ?? 0;
    if (near > 0) {
        const end = Math.max(from, (0, units_1.alignUp)(Math.ceil(answer * 1.02), align));
        for (let k = 1; k <= near; k++)
            out.add((0, units_1.alignUp)(Math.round(from + ((end - from) * k) / near), align));
        from = end;
    }
    if (band.samples > 0 && from < top) {
        const ratio = top / from;
        for (let k = 1; k <= band.samples; k++)
            out.add(k === band.samples ? top : (0, units_1.alignUp)(Math.round(from * ratio ** (k / band.samples)), align));
    }
    return [...out].filter((x) => x > answer && x <= top).sort((x, y) => x - y);
}
function violationError(cfg, r, size) {
    const v = r.violation;
    return new errors_1.SimError('USAGE', `${cfg.allocator} violated an invariant at op ${v.op} (line ${v.line}) with a ${size}-byte heap: ${v.message}`, {
        exitCode: 1,
    });
}
