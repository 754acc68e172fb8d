"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SUMMARY_FRACTION = void 0;
exports.probeSize = probeSize;
exports.squeezePoint = squeezePoint;
exports.errorPoint = errorPoint;
exports.tightSummary = tightSummary;
const units_1 = require("../util/units");
/** The summary line's probe: this fraction of the allocator's min heap. */
exports.SUMMARY_FRACTION = 0.9;
/** The probe size for a min heap: SUMMARY_FRACTION × minHeap, aligned down (at least one alignment step). */
function probeSize(minHeap, align) {
    return Math.max(align, (0, units_1.alignDown)(exports.SUMMARY_FRACTION * minHeap, align));
}
const failed = (e) => e.outcome !== 'recovered';
/** The squeeze figures of one replay at first-heap size `heap`. */
function squeezePoint(r, heap, minHeap, peakLive) {
    const s = r.summary;
    const first = r.oomEvents.find(failed);
    return {
        heap,
        managed: r.heap.size,
        ofMinHeap: minHeap ? heap / minHeap : NaN,
        ofPeakLive: peakLive > 0 ? heap / peakLive : NaN,
        status: r.status,
        failures: s.ooms,
        failedBytes: s.failedBytes,
        fragmentation: s.fragmentationOoms,
        exhaustion: s.ooms - s.fragmentationOoms,
        recovered: s.recoveredOoms,
        released: s.releasedObjects,
        skippedOps: s.skippedOps,
        opsRun: s.opsRun,
        firstFailure: first
            ? {
                op: first.op, line: first.line, kind: first.kind, size: first.size, at: r.trace.ops > 0 ? first.op / r.trace.ops : 0,
                free: first.free, largest: first.largest, live: first.live, fragmentation: first.fragmentation,
            }
            : null,
    };
}
/** The row of a size that could not run at all. */
function errorPoint(heap, minHeap, peakLive, error) {
    return {
        heap, managed: NaN, ofMinHeap: minHeap ? heap / minHeap : NaN, ofPeakLive: peakLive > 0 ? heap / peakLive : NaN, status: 'error',
        failures: NaN, failedBytes: NaN, fragmentation: NaN, exhaustion: NaN, recovered: 0, released: 0, skippedOps: 0, opsRun: 0,
        firstFailure: null, error,
    };
}
/** The summary from the min-heap answer and the probe's point. */
function tightSummary(m, p) {
    const s = {
        startsFailingBelow: Math.max(m.minHeap, m.safeFrom ?? m.minHeap),
        minHeap: m.minHeap,
        probe: p.heap,
        failures: p.failures,
        failedBytes: p.failedBytes,
        fragmentation: p.fragmentation,
        fragmentationShare: p.failures > 0 ? p.fragmentation / p.failures : 0,
        firstFailureAt: p.firstFailure ? p.firstFailure.at : 1,
    };
    if (p.status === 'error')
        s.error = p.error ?? 'cannot run';
    return s;
}
