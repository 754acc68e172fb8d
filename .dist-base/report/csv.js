"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RUN_CSV_HEADER = exports.COMPARE_CSV_HEADER = exports.csvLine = void 0;
exports.csvField = csvField;
exports.compareCsv = compareCsv;
exports.runCsv = runCsv;
const advice_1 = require("./advice");
function csvField(v) {
    if (v === undefined || v === null)
        return '';
    if (typeof v === 'number')
        return Number.isFinite(v) ? String(Number.isInteger(v) ? v : +v.toPrecision(10)) : '';
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvLine = (fields) => fields.map(csvField).join(',') + '\n';
exports.csvLine = csvLine;
exports.COMPARE_CSV_HEADER = [
    'trace', 'allocator', 'status', 'heap', 'peak_live', 'failed_ooms', 'recovered_ooms', 'fragmentation_ooms',
    'min_heap', 'min_heap_ratio', 'fits_device', 'ideal_footprint', 'robson_bound', 'max_used', 'utilization', 'jw3', 'jw4',
    'max_ext_frag', 'max_umm_frag', 'min_ever_free', 'cycles_mean', 'cycles_p99', 'cycles_max', 'us_per_op',
    'compaction_runs', 'compaction_cycles', 'error', 'min_heap_error',
    // tight memory (src/study/tight.ts): where failures start, and the replay at 90 % of the min heap
    'starts_failing_below', 'tight_probe', 'tight_failures', 'tight_failed_bytes', 'tight_fragmentation', 'tight_first_failure_at',
];
function compareCsv(rep) {
    let out = (0, exports.csvLine)(exports.COMPARE_CSV_HEADER);
    for (const t of rep.traces) {
        for (const c of t.results) {
            const s = c.summary;
            const m = c.minHeap;
            const ops = c.cycles?.ops;
            out += (0, exports.csvLine)([
                t.trace, c.allocator, c.status, c.heap.size, t.peakLive,
                s ? (0, advice_1.failedOoms)(c) : undefined, s?.recoveredOoms, s?.fragmentationOoms,
                m?.minHeap, m?.ratio, m ? m.fitsDevice : undefined, m?.idealFootprint, m?.robsonBound,
                s?.maxUsed, s?.utilization, s?.jw3, s?.jw4, s?.maxExtFrag, s?.maxUmmFrag, s?.minEverFree,
                ops?.mean, ops?.p99, ops?.max, ops?.meanUs,
                c.compaction?.runs, c.compaction?.cycles, c.error, c.minHeapError,
                c.tight?.startsFailingBelow, c.tight?.probe, c.tight?.failures, c.tight?.failedBytes, c.tight?.fragmentation, c.tight?.firstFailureAt,
            ]);
        }
    }
    return out;
}
exports.RUN_CSV_HEADER = [
    'op', 'live', 'used', 'free', 'largest', 'internal', 'metadata', 'ext_frag', 'umm_frag', 'typ_frag',
    'max_live', 'max_used', 'min_free', 'min_largest', 'max_ext_frag', 'cycles_mean', 'cycles_max', 'ooms', 'compactions',
];
/** The run's series; empty (header only) when the run had no series. */
function runCsv(r) {
    let out = (0, exports.csvLine)(exports.RUN_CSV_HEADER);
    for (const p of r.series?.points ?? [])
        out += (0, exports.csvLine)([
            p.op, p.live, p.used, p.free, p.largest, p.internal, p.metadata, p.extFrag, p.ummFrag, p.typFrag,
            p.maxLive, p.maxUsed, p.minFree, p.minLargest, p.maxExtFrag, p.cyclesMean, p.cyclesMax, p.ooms, p.compactions,
        ]);
    return out;
}
