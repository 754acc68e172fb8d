"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SQUEEZE_BOTTOM = exports.SQUEEZE_STEPS = exports.squeezePoint = exports.SUMMARY_FRACTION = void 0;
exports.parseHeaps = parseHeaps;
exports.defaultLadder = defaultLadder;
exports.runSqueeze = runSqueeze;
const errors_1 = require("../errors");
const parallel_1 = require("../sim/parallel");
const units_1 = require("../util/units");
const index_1 = require("./index");
const tight_1 = require("./tight");
var tight_2 = require("./tight");
Object.defineProperty(exports, "SUMMARY_FRACTION", { enumerable: true, get: function () { return tight_2.SUMMARY_FRACTION; } });
Object.defineProperty(exports, "squeezePoint", { enumerable: true, get: function () { return tight_2.squeezePoint; } });
/** Heap sizes per allocator in the default ladder. */
exports.SQUEEZE_STEPS = 10;
/** The default ladder ends at this fraction of peak live (below it every allocator must fail). */
exports.SQUEEZE_BOTTOM = 0.9;
// ---- the ladder -------------------------------------------------------------------------
/**
 * Parses `--heaps`: `LIST` (sizes separated by commas) or `FROM:TO:STEP` (both ends included
 * when on the grid; FROM > TO walks down). Sizes take units (64KiB).
 */
function parseHeaps(v) {
    const s = v.trim();
    const range = s.split(':');
    let sizes;
    if (range.length === 3) {
        const [from, to, step] = range.map((x) => (0, units_1.requireSize)(x, '--heaps'));
        if (!(step > 0))
            throw new errors_1.SimError('USAGE', `--heaps "${v}": STEP must be positive`);
        if (Math.abs(to - from) / step > 1000)
            throw new errors_1.SimError('USAGE', `--heaps "${v}": more than 1000 sizes`);
        sizes = [];
        const dir = to >= from ? 1 : -1;
        for (let x = from; dir > 0 ? x <= to : x >= to; x += dir * step)
            sizes.push(x);
    }
    else if (range.length === 1)
        sizes = s.split(',').filter((x) => x.trim() !== '').map((x) => (0, units_1.requireSize)(x, '--heaps'));
    else
        throw new errors_1.SimError('USAGE', `--heaps "${v}": expected a list (64KiB,96KiB) or FROM:TO:STEP`);
    if (sizes.length === 0 || sizes.some((x) => !(x > 0)))
        throw new errors_1.SimError('USAGE', `--heaps "${v}": sizes must be positive`);
    return { sizes };
}
/**
 * The default ladder of one allocator: minHeap, SUMMARY_FRACTION × minHeap, then evenly spaced
 * down to SQUEEZE_BOTTOM × peakLive; `steps` sizes in all, aligned down, distinct, descending.
 */
function defaultLadder(minHeap, peakLive, align, steps = exports.SQUEEZE_STEPS) {
    const top = minHeap;
    const second = tight_1.SUMMARY_FRACTION * minHeap;
    const bottom = Math.min(second, exports.SQUEEZE_BOTTOM * peakLive);
    const out = [top];
    const rest = Math.max(1, steps - 1);
    for (let k = 0; k < rest; k++)
        out.push(rest === 1 ? second : second - ((second - bottom) * k) / (rest - 1));
    return distinctDescending(out.map((x) => Math.max(align, (0, units_1.alignDown)(x, align))));
}
function distinctDescending(xs) {
    return [...new Set(xs)].sort((a, b) => b - a);
}
/** The clean row at the verified min heap (no replay needed: the search verified it). */
function cleanPoint(heap, managed, peakLive, ops) {
    return {
        heap, managed, ofMinHeap: 1, ofPeakLive: peakLive > 0 ? heap / peakLive : NaN, status: 'ok', failures: 0, failedBytes: 0,
        fragmentation: 0, exhaustion: 0, recovered: 0, released: 0, skippedOps: 0, opsRun: ops, firstFailure: null,
    };
}
function message(o) {
    if (o.ok)
        return '';
    return o.error instanceof errors_1.SimError ? `${o.error.message} (${o.error.code})` : o.error.message;
}
async function runSqueeze(o) {
    const { ladder, steps = exports.SQUEEZE_STEPS, onProgress, goal, ...spec } = o;
    // Phase 1, the study: device-heap runs, min heaps, the 90 % probes.
    let studyJobs = 0;
    const st = await (0, index_1.runStudy)({
        ...spec, goal: goal ?? 'balanced', series: false, minHeap: true, tight: true,
        progress: { update: (d, t) => { studyJobs = t; onProgress?.(d, t); }, stop: () => undefined },
    });
    const dev = st.device;
    const align = dev.alignment;
    const failures = [...st.failures];
    const base = (0, index_1.studyRunBase)(spec, dev);
    const external = new Set(spec.factories ?? []);
    // Phase 2: the ladders' other sizes (the min heap is verified clean, the probe is the study's).
    const ladders = [];
    const replays = [];
    const where = [];
    const nA = st.allocators.length;
    st.report.traces.forEach((t, ti) => {
        st.allocators.forEach((a, ai) => {
            const cell = ti * nA + ai;
            const m = t.results[ai].minHeap;
            let sizes;
            if (ladder)
                sizes = distinctDescending(ladder.sizes.map((x) => Math.max(align, (0, units_1.alignDown)(x, align))));
            else if (m)
                sizes = defaultLadder(m.minHeap, t.peakLive, align, steps);
            else
                sizes = [];
            // The summary's probe is always there (the default ladder has it as its second size).
            if (m && ladder)
                sizes = distinctDescending([...sizes, (0, tight_1.probeSize)(m.minHeap, align)]);
            ladders.push(sizes);
            for (const heap of sizes) {
                if (m && (heap === m.minHeap || heap === (0, tight_1.probeSize)(m.minHeap, align)))
                    continue;
                replays.push({
                    kind: 'replay', trace: ti,
                    cfg: {
                        ...base, oom: a.oom, allocator: a.name, params: a.params, ...(external.has(a.factory) ? { factory: a.factory } : {}),
                        heapSize: heap, whatIf: true, lean: true, series: false,
                    },
                });
                where.push({ cell, heap });
            }
        });
    });
    const ran = await (0, parallel_1.runJobs)(st.traces, replays, { threads: spec.jobs, onProgress: (d, t) => onProgress?.(studyJobs + d, studyJobs + t) });
    const byCell = new Map();
    ran.forEach((r, k) => byCell.set(`${where[k].cell}:${where[k].heap}`, r));
    const traces = st.report.traces.map((t, ti) => ({
        trace: t.trace,
        ops: t.ops,
        peakLive: t.peakLive,
        ...(t.mix ? { mix: t.mix } : {}),
        allocators: st.allocators.map((a, ai) => {
            const cell = ti * nA + ai;
            const c = t.results[ai];
            const mh = c.minHeap ? c.minHeap.minHeap : null;
            const multiHeap = a.factory.multiHeap && dev.heaps.length > 1;
            const points = ladders[cell].map((heap) => {
                const probe = st.probes[ti][ai];
                if (probe && probe.heap === heap)
                    return probe;
                const r = byCell.get(`${cell}:${heap}`);
                if (!r)
                    return cleanPoint(heap, managedOf(dev, multiHeap, heap), t.peakLive, t.ops);
                if (!r.ok || r.kind !== 'replay') {
                    if (!r.ok && !(r.error instanceof errors_1.SimError))
                        failures.push(`${a.name} on ${t.trace} at ${heap} bytes: ${r.error.message}`);
                    return (0, tight_1.errorPoint)(heap, mh, t.peakLive, message(r));
                }
                if (r.value.status === 'violation')
                    failures.push(`${a.name} on ${t.trace} at ${heap} bytes: ${r.value.violation?.message ?? 'violation'}`);
                return (0, tight_1.squeezePoint)(r.value, heap, mh, t.peakLive);
            });
            const out = { allocator: a.name, params: a.params, moving: a.factory.moving, multiHeap, minHeap: mh, points, summary: c.tight ?? null };
            if (mh === null)
                out.minHeapError = c.minHeapError ?? c.error ?? 'not found';
            return out;
        }),
    }));
    const report = {
        schema: 1, kind: 'squeeze', device: dev.name, deviceHeap: dev.heaps[0].size, policy: spec.oom ?? 'compact', locks: spec.locks,
        ladder: ladder ? ladder.sizes : 'default', minHeapTolerance: spec.minHeapTolerance ?? index_1.MIN_HEAP_TOLERANCE, traces,
    };
    return { report, failures, study: st };
}
/** Bytes an allocator manages when the first heap is `heap` (all heaps for multi-heap allocators). */
function managedOf(dev, multiHeap, heap) {
    return multiHeap ? heap + dev.heaps.slice(1).reduce((s, h) => s + h.size, 0) : heap;
}
