"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ADVICE_MARGIN = exports.cellFits = exports.failedOoms = exports.GOALS = void 0;
exports.unfittableTraces = unfittableTraces;
exports.unfittableText = unfittableText;
exports.rankAllocators = rankAllocators;
exports.goalScore = goalScore;
exports.lockAssumption = lockAssumption;
exports.buildAdvice = buildAdvice;
exports.generationsNote = generationsNote;
/**
 * The ranked recommendation of `rmalloc-sim compare` and the default command.
 *
 * Scoring rule (lower score is better; the README repeats it):
 * 1. Fitting first: allocators with an error or integrity violation on any trace go last; the
 *    others are ordered by the number of traces on which an allocation failed at the device
 *    heap (OOMs that compaction recovered do not count), fewest first. Tier 0 = fails on no
 *    trace, tier 1 = fails on some, tier 2 = error.
 * 2. Inside a tier, by the goal's score:
 *    space    = geometric mean over traces of minHeap / peakLive;
 *    speed    = geometric mean over traces of mean cycles per op;
 *    realtime = worst single malloc or free (or lock/unlock) over all traces in cycles, or the
 *               longest compaction pause if longer, ties broken by the worst p99 of those;
 *               reallocs are reported apart (their copies grow with the block size);
 *    balanced = sqrt(space × relative speed), where relative speed is the geometric mean over
 *               traces of (mean cycles per op / the best mean cycles per op on that trace).
 * 3. Ties (to 1e-9 relative) fall back to the other goals' scores, then to the name.
 * 0. Traces that no allocator can fit (peak live bytes above the device heap) are left out of
 *    the ranking altogether (they stay in the tables, marked); the advice names them.
 * Traces with peakLive 0 (nothing allocated) are left out of the space mean; without min-heap
 * searches (compare --no-min-heap) space is 1 for everyone.
 */
exports.GOALS = ['balanced', 'space', 'speed', 'realtime'];
const geomean = (xs) => (xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : NaN);
/** The engine's summary.ooms already excludes OOMs that compaction recovered (engine.ts counts them apart). */
const failedOoms = (c) => (c.summary ? c.summary.ooms : 0);
exports.failedOoms = failedOoms;
/** The device heap a trace's runs used (0 when no cell says). */
const traceHeap = (t) => t.results.find((c) => c.heap.size > 0)?.heap.size ?? 0;
/** A cell's run fits the device: it ran at the device heap (all heaps it can use) without a failed allocation. */
const cellFits = (c) => !c.error && c.status !== 'violation' && !!c.cycles && (0, exports.failedOoms)(c) === 0;
exports.cellFits = cellFits;
/**
 * Traces that fit no allocator: every allocator's run at the device heap failed an allocation
 * (or its peak live bytes exceed every heap an allocator could use). `need` is the least any
 * allocator would need (its verified min heap), when searched.
 */
function unfittableTraces(traces) {
    return traces
        .filter((t) => traceHeap(t) > 0 && t.results.length > 0 && !t.results.some(exports.cellFits))
        .map((t) => {
        let need;
        for (const c of t.results) {
            const b = c.minHeap ? (c.minHeap.safeFrom ?? c.minHeap.minHeap) : Infinity;
            if (Number.isFinite(b) && (!need || b < need.bytes))
                need = { allocator: c.allocator, bytes: b };
        }
        return { trace: t.trace, peakLive: t.peakLive, heap: traceHeap(t), ...(need ? { need } : {}) };
    });
}
/** The advice line for an unfittable trace. */
function unfittableText(u, device) {
    const take = u.need ? `; it would take a heap of ${int(u.need.bytes)} bytes (${u.need.allocator})` : '';
    return `${u.trace} needs ${short(u.peakLive)} live at peak: no allocator fits it in ${device}'s ${short(u.heap)} heap (not ranked)${take}`;
}
/** Ranks the allocators that appear in `traces` for `goal`; see the file header for the rule. */
function rankAllocators(allTraces, goal) {
    const skip = new Set(unfittableTraces(allTraces).map((u) => u.trace));
    const traces = allTraces.filter((t) => !skip.has(t.trace));
    const names = [];
    for (const t of allTraces)
        for (const c of t.results)
            if (!names.includes(c.allocator))
                names.push(c.allocator);
    // Without any min-heap answer (compare --no-min-heap) space is left out of every score.
    const searched = traces.some((t) => t.results.some((c) => c.minHeap));
    // Best mean cycles per op on each trace, over the allocators that ran it without error.
    const bestMean = traces.map((t) => {
        let best = Infinity;
        for (const c of t.results)
            if (!c.error && c.cycles && c.cycles.ops.mean > 0)
                best = Math.min(best, c.cycles.ops.mean);
        return best;
    });
    const entries = names.map((name) => {
        const ratios = [];
        const means = [];
        const rel = [];
        let worst = 0;
        let worstP99 = 0;
        let worstRealloc = 0;
        let tier = 0;
        let oomTraces = 0;
        traces.forEach((t, ti) => {
            const c = t.results.find((r) => r.allocator === name);
            if (!c)
                return;
            if (c.error || c.status === 'violation' || !c.cycles) {
                tier = 2;
                return;
            }
            if ((0, exports.failedOoms)(c) > 0) {
                oomTraces++;
                if (tier < 1)
                    tier = 1;
            }
            if (searched && t.peakLive > 0)
                ratios.push(c.minHeap && Number.isFinite(c.minHeap.ratio) ? c.minHeap.ratio : Infinity);
            const mean = Math.max(c.cycles.ops.mean, 1e-9);
            means.push(mean);
            rel.push(Number.isFinite(bestMean[ti]) ? mean / bestMean[ti] : 1);
            const w = worstMallocFree(c);
            worst = Math.max(worst, w.max, c.compaction?.longestPause ?? 0);
            worstP99 = Math.max(worstP99, w.p99);
            worstRealloc = Math.max(worstRealloc, c.cycles.byKind?.realloc?.max ?? 0);
        });
        const space = ratios.length ? geomean(ratios) : 1;
        const speed = means.length ? geomean(means) : Infinity;
        const relSpeed = rel.length ? geomean(rel) : Infinity;
        const e = {
            allocator: name,
            score: 0,
            reason: '',
            rank: 0,
            tier,
            oomTraces,
            space,
            speed,
            relSpeed,
            worstCycles: tier === 2 ? Infinity : worst,
            worstP99: tier === 2 ? Infinity : worstP99,
            worstRealloc: tier === 2 ? Infinity : worstRealloc,
        };
        e.score = goalScore(e, goal);
        return e;
    });
    const order = [goal, ...['balanced', 'space', 'speed', 'realtime'].filter((g) => g !== goal)];
    entries.sort((a, b) => {
        if (a.tier !== b.tier && (a.tier === 2 || b.tier === 2))
            return a.tier - b.tier;
        if (a.oomTraces !== b.oomTraces)
            return a.oomTraces - b.oomTraces;
        for (const g of order) {
            const d = cmp(goalScore(a, g), goalScore(b, g));
            if (d !== 0)
                return d;
        }
        if (goal === 'realtime') {
            const d = cmp(a.worstP99, b.worstP99);
            if (d !== 0)
                return d;
        }
        return a.allocator < b.allocator ? -1 : a.allocator > b.allocator ? 1 : 0;
    });
    entries.forEach((e, i) => {
        e.rank = i + 1;
        e.reason = reasonFor(e, traces, goal, searched);
        // Nothing to rank on: no trace fits any allocator, so none runs "every trace".
        if (traces.length === 0 && e.tier === 0) {
            e.tier = 1;
            e.score = NaN;
            e.reason = 'no trace fits any allocator: nothing to rank on';
        }
    });
    return entries;
}
/** The worst malloc/free (and lock/unlock) of a cell: max and p99 over those kinds (all ops when the kinds are not given). */
function worstMallocFree(c) {
    const k = c.cycles?.byKind;
    if (!k)
        return { max: c.cycles?.ops.max ?? 0, p99: c.cycles?.ops.p99 ?? 0 };
    let max = 0;
    let p99 = 0;
    for (const n of ['alloc', 'free', 'lock', 'unlock']) {
        const x = k[n];
        if (!x || x.count === 0)
            continue;
        max = Math.max(max, x.max);
        p99 = Math.max(p99, x.p99);
    }
    return { max, p99 };
}
function goalScore(e, goal) {
    switch (goal) {
        case 'space':
            return e.space;
        case 'speed':
            return e.speed;
        case 'realtime':
            return e.worstCycles;
        case 'balanced':
            return Math.sqrt(e.space * e.relSpeed);
    }
}
/** Compares two scores, equal within 1e-9 relative (so float noise does not decide a rank). */
function cmp(a, b) {
    if (a === b)
        return 0;
    if (!Number.isFinite(a) || !Number.isFinite(b))
        return a < b ? -1 : a > b ? 1 : 0;
    if (Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)))
        return 0;
    return a < b ? -1 : 1;
}
const int = (n) => Math.round(n).toLocaleString('en-US');
function mib(n) {
    if (n < 1024)
        return `${n} B`;
    if (n < 1024 ** 2)
        return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / 1024 ** 2).toFixed(2)} MiB`;
}
/** Short: one decimal, trailing .0 dropped (7.2 MiB, 2 MiB). */
const short = (n) => (n >= 1024 ** 2 ? `${+(n / 1024 ** 2).toFixed(1)} MiB` : `${+(n / 1024).toFixed(1)} KiB`);
/** One line: why this allocator is where it is. */
function reasonFor(e, traces, goal, searched) {
    const cells = traces.map((t) => ({ t, c: t.results.find((r) => r.allocator === e.allocator) })).filter((x) => x.c);
    if (e.tier === 2) {
        const bad = cells.find((x) => x.c.error || x.c.status === 'violation' || !x.c.cycles);
        return `failed on ${bad.t.trace}: ${bad.c.error ?? 'integrity violation'}`;
    }
    const parts = [];
    if (e.tier === 1) {
        const oomCells = cells.filter((x) => (0, exports.failedOoms)(x.c) > 0);
        const worst = oomCells.reduce((a, b) => ((b.c.minHeap?.minHeap ?? Infinity) > (a.c.minHeap?.minHeap ?? Infinity) ? b : a));
        const need = worst.c.minHeap ? `; needs ${mib(worst.c.minHeap.minHeap)} for ${worst.t.trace}` : '';
        parts.push(`OOMs at the ${mib(worst.c.heap.size)} heap on ${oomCells.length} of ${cells.length} trace${cells.length === 1 ? '' : 's'}${need}`);
    }
    else {
        const heap = cells[0]?.c.heap.size ?? 0;
        let maxNeed = 0;
        for (const x of cells)
            maxNeed = Math.max(maxNeed, x.c.minHeap?.minHeap ?? 0);
        const headroom = heap > 0 ? Math.round(100 * (1 - maxNeed / heap)) : 0;
        parts.push(searched ? `fits every trace with ${headroom} % headroom` : 'no OOM on any trace');
    }
    const space = !searched ? 'min heap not searched' : Number.isFinite(e.space) ? `min heap ${e.space.toFixed(2)}× peak live` : 'min heap not found';
    const mean = `mean ${int(e.speed)} cycles/op`;
    const rt = `worst malloc/free ${int(e.worstCycles)} cycles, p99 ${int(e.worstP99)}; realloc apart: worst ${int(e.worstRealloc)} (copies)`;
    if (goal === 'space')
        parts.push(space, mean);
    else if (goal === 'speed')
        parts.push(`${mean} (${e.relSpeed.toFixed(2)}× the fastest)`, space);
    else if (goal === 'realtime')
        parts.push(rt, mean);
    else
        parts.push(space, `${e.relSpeed.toFixed(2)}× the fastest mean`, `p99 ${int(e.worstP99)} cycles`);
    return parts.join('; ');
}
// ---- the advice: the answer a user acts on -------------------------------------------------
/** Default safety margin on top of the verified min heap in "Use X with a heap of at least N bytes". */
exports.ADVICE_MARGIN = 0.1;
const withMargin = (bytes, margin, align = 8) => Math.ceil(Math.ceil(bytes * (1 + margin)) / align) * align;
/** The lock assumption in force, in words. */
function lockAssumption(locks, traceHasLocks = false) {
    const l = locks ?? 'none';
    if (traceHasLocks)
        return `locks: the trace's own lock/unlock ops${l !== 'none' ? ` plus --locks ${l}` : ''}`;
    if (l === 'none')
        return 'locks: none: handles assumed unlocked between uses: a best case for moving allocators';
    if (l === 'access')
        return 'locks: access (locked while in use, from the trace\'s access ops; lock/unlock calls charged)';
    if (l.startsWith('pinned:'))
        return `locks: ${l} (a seeded ${+(Number(l.slice(7)) * 100).toFixed(1)} % of blocks locked for life; lock/unlock calls charged)`;
    return `locks: ${l} (short-lived blocks locked for life, the thesis' coarse rule; lock/unlock calls charged)`;
}
/** Writes the advice of a ranked compare report; see README "How the ranking works". */
function buildAdvice(rep, margin = exports.ADVICE_MARGIN) {
    const skip = new Set(unfittableTraces(rep.traces).map((u) => u.trace));
    const ranked = rep.traces.filter((t) => !skip.has(t.trace));
    const searched = ranked.some((t) => t.results.some((c) => c.minHeap));
    const bestPerGoal = {};
    for (const g of exports.GOALS) {
        const top = g === rep.goal ? rep.ranking[0] : rankAllocators(rep.traces, g)[0];
        bestPerGoal[g] = top && top.tier === 0 && ranked.length > 0 ? top.allocator : null;
    }
    const best = rep.ranking[0];
    const lines = [];
    const advice = { allocator: null, heapBytes: null, margin, decidedBy: null, perTrace: [], bestPerGoal, lines };
    const pct = `${+(margin * 100).toFixed(1)} %`;
    const settingOf = (a) => rep.settings?.find((s) => s.allocator === a);
    if (!best || best.tier !== 0 || ranked.length === 0) {
        // No winner: say what it would take.
        let take = null;
        for (const e of rep.ranking) {
            if (e.tier === 2)
                continue;
            let worst = null;
            for (const t of rep.traces) {
                const c = t.results.find((r) => r.allocator === e.allocator);
                const b = c?.minHeap ? (c.minHeap.safeFrom ?? c.minHeap.minHeap) : null;
                if (b === null) {
                    worst = null;
                    break;
                }
                if (!worst || b > worst.bytes)
                    worst = { bytes: b, trace: t.trace };
            }
            if (worst && (!take || worst.bytes < take.bytes))
                take = { allocator: e.allocator, ...worst };
        }
        const heapName = rep.settings?.some((s) => s.heaps === 'first heap only') ? 'first heap' : 'heap';
        lines.push(take
            ? `No allocator runs every trace in ${rep.device}'s ${int(rep.heap.size)}-byte ${heapName}: it would take a ${heapName} of at least ${int(withMargin(take.bytes, margin))} bytes (${take.allocator}: verified min heap ${int(take.bytes)} bytes on ${take.trace} + ${pct} margin)`
            : `No allocator runs every trace in ${rep.device}'s ${int(rep.heap.size)}-byte ${heapName}${searched ? '' : ' (min heaps not searched: run without --no-min-heap to see what it would take)'}`);
    }
    else {
        advice.allocator = best.allocator;
        let decide = null;
        let complete = searched;
        for (const t of ranked) {
            const c = t.results.find((r) => r.allocator === best.allocator);
            const m = c?.minHeap ? (c.minHeap.safeFrom ?? c.minHeap.minHeap) : null;
            advice.perTrace.push({ trace: t.trace, minHeap: m, heapBytes: m === null ? null : withMargin(m, margin) });
            if (m === null)
                complete = false;
            else if (!decide || m > decide.minHeap)
                decide = { trace: t.trace, minHeap: m };
        }
        const s = settingOf(best.allocator);
        const usable = s?.usableHeap ?? rep.heap.size;
        if (complete && decide) {
            let n = withMargin(decide.minHeap, margin);
            const capped = n > usable && decide.minHeap <= usable;
            if (capped)
                n = usable;
            advice.heapBytes = n;
            advice.decidedBy = decide;
            lines.push(`Use ${best.allocator} with a heap of at least ${int(n)} bytes${s?.heaps === 'all heaps' ? ' (over all heaps)' : ''}`);
            lines.push(`  decided by ${decide.trace}: verified min heap ${int(decide.minHeap)} bytes + ${pct} margin${capped ? ` (capped at the device's ${int(usable)} bytes)` : ''}; goal ${rep.goal}: ${best.reason}`);
            lines.push(`  per trace (min heap + ${pct}): ${advice.perTrace.map((p) => `${p.trace} ${int(p.heapBytes ?? 0)}`).join(', ')}`);
        }
        else {
            lines.push(`Use ${best.allocator} with the device heap (${int(usable)} bytes): min heaps not searched, so no smaller size is verified`);
            lines.push(`  goal ${rep.goal}: ${best.reason}`);
        }
    }
    lines.push(`  best per goal: ${exports.GOALS.map((g) => `${g} ${bestPerGoal[g] ?? '(none fits)'}`).join(', ')}`);
    const moving = (rep.settings ?? []).filter((x) => x.moving && rep.ranking.some((e) => e.allocator === x.allocator));
    if (moving.length > 0) {
        const names = moving.map((m) => m.allocator).join(', ');
        lines.push(`  ${names}: ${lockAssumption(rep.locks)}; ${moving.every((m) => m.oom === 'compact') ? 'compact on OOM' : `oom ${moving[0].oom}`}`);
        lines.push(`  ${names} hand out handles, not pointers: code must lock(h) for an address and unlock(h) after use (not a drop-in malloc)`);
    }
    const gen = generationsNote(rep.traces);
    if (gen)
        lines.push(`  ${gen}`);
    return advice;
}
/**
 * Does rmalloc-gen differ from rmalloc here? Its generations only change which blocks a
 * compaction pass moves, so where no compaction ran the two are the same allocator. Says where
 * they differ, or why they do not (null when the pair is not in the study).
 */
function generationsNote(traces) {
    const pairs = traces
        .map((t) => ({ t, a: t.results.find((c) => c.allocator === 'rmalloc'), b: t.results.find((c) => c.allocator === 'rmalloc-gen') }))
        .filter((x) => x.a && x.b);
    if (pairs.length === 0)
        return null;
    const same = (a, b) => (a.minHeap?.minHeap ?? null) === (b.minHeap?.minHeap ?? null) &&
        (a.cycles?.ops.mean ?? null) === (b.cycles?.ops.mean ?? null) &&
        (a.compaction?.bytesMoved ?? 0) === (b.compaction?.bytesMoved ?? 0);
    const differ = pairs.filter((x) => !same(x.a, x.b)).map((x) => x.t.trace);
    const compacted = pairs.filter((x) => (x.a.compaction?.runs ?? 0) + (x.b.compaction?.runs ?? 0) > 0).map((x) => x.t.trace);
    if (differ.length > 0)
        return `rmalloc-gen differs from rmalloc on ${differ.length} of ${pairs.length} trace${pairs.length === 1 ? '' : 's'} (${differ.join(', ')}): its minor passes move only young blocks`;
    if (compacted.length === 0)
        return 'rmalloc-gen = rmalloc on every trace here: generations only change what a compaction moves, and no compaction ran at the device heap (try a smaller --heap, --compact-every N or --compact-above X)';
    return `rmalloc-gen = rmalloc on every trace here: compaction ran (${compacted.join(', ')}) but only on the OOM path, where a failed request falls back to a whole-heap pass in both`;
}
