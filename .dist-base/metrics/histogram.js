"use strict";
/**
 * Cycle histograms: count, total, mean, p50, p99 and max of per-op cycle costs without keeping
 * one number per op.
 *
 * What is exact. count, total, mean and max are always exact. Values below EXACT_LIMIT
 * (65 536 cycles) are counted in one bucket per integer value, so any percentile that falls
 * there is exact. Larger values go to logarithmic buckets (256 sub-buckets per power of two,
 * relative width 1/256); a percentile landing in one of those reports the bucket's upper edge
 * clamped to the exact max, and `exact` turns false. Costs are rounded to the nearest integer
 * for bucketing only (the bus charges whole cycles, so nothing is lost in practice).
 *
 * Percentiles use the nearest-rank definition: pX is the smallest value v such that at least
 * ceil(X/100 · count) values are <= v.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.CycleHistogram = exports.EXACT_LIMIT = void 0;
exports.EXACT_LIMIT = 65536;
const SUB_BITS = 8;
const SUB = 1 << SUB_BITS;
class CycleHistogram {
    count = 0;
    total = 0;
    max = 0;
    /** Exact buckets, grown by doubling up to EXACT_LIMIT. */
    exactBuckets = new Uint32Array(256);
    /** Log buckets for values >= EXACT_LIMIT: index (exponent - 16) * SUB + sub-bucket. */
    logBuckets = null;
    overflow = 0;
    add(v) {
        this.count++;
        this.total += v;
        if (v > this.max)
            this.max = v;
        let r = Math.round(v);
        if (r < 0)
            r = 0;
        if (r < exports.EXACT_LIMIT) {
            let b = this.exactBuckets;
            if (r >= b.length)
                b = this.grow(r);
            b[r]++;
            return;
        }
        this.overflow++;
        const lb = (this.logBuckets ??= new Uint32Array(48 * SUB));
        lb[logIndex(r)]++;
    }
    grow(r) {
        let n = this.exactBuckets.length;
        while (n <= r)
            n *= 2;
        const b = new Uint32Array(Math.min(n, exports.EXACT_LIMIT));
        b.set(this.exactBuckets);
        this.exactBuckets = b;
        return b;
    }
    /** Nearest-rank percentile (p in (0, 100]); second value: exact or not. */
    percentile(p) {
        if (this.count === 0)
            return [0, true];
        const rank = Math.max(1, Math.ceil((p / 100) * this.count));
        let seen = 0;
        const b = this.exactBuckets;
        for (let v = 0; v < b.length; v++) {
            seen += b[v];
            if (seen >= rank)
                return [v, true];
        }
        const lb = this.logBuckets;
        for (let i = 0; i < lb.length; i++) {
            seen += lb[i];
            if (seen >= rank)
                return [Math.min(this.max, logUpper(i)), false];
        }
        return [this.max, false];
    }
    stats() {
        const [p50, e50] = this.percentile(50);
        const [p99, e99] = this.percentile(99);
        return {
            count: this.count,
            total: this.total,
            mean: this.count ? this.total / this.count : 0,
            p50,
            p99,
            max: this.max,
            exact: e50 && e99,
        };
    }
}
exports.CycleHistogram = CycleHistogram;
function logIndex(r) {
    const e = Math.floor(Math.log2(r)); // >= 16
    const sub = Math.floor((r / 2 ** e - 1) * SUB);
    return Math.min(47, e - 16) * SUB + Math.min(SUB - 1, sub);
}
function logUpper(i) {
    const e = Math.floor(i / SUB) + 16;
    const sub = i % SUB;
    return Math.ceil(2 ** e * (1 + (sub + 1) / SUB)) - 1;
}
