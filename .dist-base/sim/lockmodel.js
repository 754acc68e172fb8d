"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.applyLocks = applyLocks;
const locks_1 = require("./locks");
const cache = new WeakMap();
function applyLocks(trace, spec, seed) {
    if (spec === 'none')
        return trace;
    const key = `${spec}@${seed}`;
    let m = cache.get(trace);
    const hit = m?.get(key);
    if (hit)
        return hit;
    const out = (0, locks_1.applyLockModel)(trace, spec, seed);
    if (!m)
        cache.set(trace, (m = new Map()));
    m.set(key, out);
    return out;
}
