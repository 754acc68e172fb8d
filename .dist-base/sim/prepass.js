"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.traceFacts = traceFacts;
/**
 * One cheap pass over a packed trace before replaying it: op counts, the request-size
 * distribution (median for typFrag, extremes for Robson's bound) and the id range (the engine
 * sizes its per-id typed arrays from it). Cached per PackedTrace object: a min-heap search
 * replays one trace dozens of times.
 */
const types_1 = require("../trace/types");
const cache = new WeakMap();
function traceFacts(trace) {
    const hit = cache.get(trace);
    if (hit)
        return hit;
    const { n, kind, id, arg } = trace.ops;
    let allocs = 0, frees = 0, reallocs = 0, locks = 0, maxId = -1;
    let minRequest = Infinity, maxRequest = 0;
    for (let i = 0; i < n; i++) {
        const k = kind[i];
        if (k === types_1.OP_ALLOC)
            allocs++;
        else if (k === types_1.OP_FREE)
            frees++;
        else if (k === types_1.OP_REALLOC)
            reallocs++;
        else if (k === types_1.OP_LOCK)
            locks++;
        if (k <= 4) {
            const x = id[i];
            if (x > maxId)
                maxId = x;
        }
        if (k === types_1.OP_ALLOC || k === types_1.OP_REALLOC) {
            const s = arg[i];
            if (s > 0 && s < minRequest)
                minRequest = s;
            if (s > maxRequest)
                maxRequest = s;
        }
    }
    // The median by counting: sizes below 64 KiB in a dense table, larger ones sorted apart.
    const requests = allocs + reallocs;
    let medianRequest = 0;
    if (requests > 0) {
        const small = new Uint32Array(65536);
        const big = [];
        for (let i = 0; i < n; i++) {
            const k = kind[i];
            if (k !== types_1.OP_ALLOC && k !== types_1.OP_REALLOC)
                continue;
            const s = arg[i];
            if (s < 65536)
                small[s]++;
            else
                big.push(s);
        }
        const rank = Math.floor((requests - 1) / 2); // lower median, 0-based rank
        let seen = 0;
        medianRequest = -1;
        for (let s = 0; s < 65536; s++) {
            seen += small[s];
            if (seen > rank) {
                medianRequest = s;
                break;
            }
        }
        if (medianRequest < 0) {
            big.sort((a, b) => a - b);
            medianRequest = big[rank - seen];
        }
    }
    const skipped = trace.skipped.reduce((s, x) => s + x.count, 0);
    const f = {
        ops: n, allocs, frees, reallocs, locks, medianRequest,
        minRequest: minRequest === Infinity ? 0 : minRequest, maxRequest, maxId, skipped,
    };
    cache.set(trace, f);
    return f;
}
