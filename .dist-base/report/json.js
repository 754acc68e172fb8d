"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.writeFilesAtomic = exports.writeFileAtomic = exports.SCHEMA = void 0;
exports.runStatus = runStatus;
exports.runJson = runJson;
exports.minHeapJson = minHeapJson;
exports.compareCell = compareCell;
exports.stringify = stringify;
exports.SCHEMA = 1;
/** A run's status as reported: 'oom' when allocations failed and the run went on (exit 0 unless --fail-on-oom). */
function runStatus(r) {
    return r.status === 'ok' && r.summary.ooms > 0 ? 'oom' : r.status;
}
/** Run JSON: the RunResult without wallMs (so two identical runs give identical bytes). */
function runJson(r) {
    const { wallMs, ...rest } = r;
    void wallMs;
    return { ...rest, status: runStatus(r) };
}
function minHeapJson(m) {
    return m;
}
/** One compare cell from a device-heap run and the min-heap answer. */
function compareCell(r, m) {
    let minHeap = null;
    if (m) {
        const { schema, device, allocator, trace, ...rest } = m;
        void schema;
        void device;
        void allocator;
        void trace;
        minHeap = rest;
    }
    const cell = {
        allocator: r.allocator,
        params: r.params,
        heap: r.heap,
        status: runStatus(r),
        summary: r.summary,
        cycles: r.cycles,
        compaction: r.compaction,
        bus: r.bus,
        minHeap,
    };
    if (r.status === 'violation' && r.violation)
        cell.error = `op ${r.violation.op} (line ${r.violation.line}): ${r.violation.message}`;
    return cell;
}
/** Replaces non-finite numbers (Infinity from an empty geometric mean) by null: JSON has none. */
function stringify(v) {
    return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2) + '\n';
}
/** Reports are written whole or not at all (temp file + rename; removed on a signal): src/util/atomic.ts. */
var atomic_1 = require("../util/atomic");
Object.defineProperty(exports, "writeFileAtomic", { enumerable: true, get: function () { return atomic_1.writeFileAtomic; } });
Object.defineProperty(exports, "writeFilesAtomic", { enumerable: true, get: function () { return atomic_1.writeFilesAtomic; } });
