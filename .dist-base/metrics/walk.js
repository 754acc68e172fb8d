"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.WalkMetrics = exports.WALK_BLOCKS_PER_OP = void 0;
exports.extFrag = extFrag;
exports.ummFrag = ummFrag;
exports.typFrag = typFrag;
/** Walk budget: blocks visited per op, amortised, by the adaptive stride. */
exports.WALK_BLOCKS_PER_OP = 1;
function extFrag(free, largest) {
    return free > 0 ? 1 - largest / free : 0;
}
function ummFrag(sumF, sumF2) {
    return sumF > 0 ? 100 - (100 * Math.sqrt(sumF2)) / sumF : 0;
}
/** typFrag from the bytes of free blocks below the median footprint and all free bytes. */
function typFrag(smallF, sumF) {
    return sumF > 0 ? smallF / sumF : 0;
}
/**
 * Walk-based metrics over an allocator's free blocks. One instance per run; the visitor is
 * created once so a walk allocates nothing.
 */
class WalkMetrics {
    /** Free blocks smaller than this cannot serve a median-size request. */
    typThreshold;
    blocks = 0;
    freeBlocks = 0;
    sumF = 0;
    sumF2 = 0;
    smallF = 0;
    visit;
    constructor(typThreshold) {
        this.typThreshold = typThreshold;
        this.visit = (b) => {
            this.blocks++;
            if (b.state !== 'free')
                return;
            const f = b.size;
            this.freeBlocks++;
            this.sumF += f;
            this.sumF2 += f * f;
            if (f < this.typThreshold)
                this.smallF += f;
        };
    }
    /** Walks the heap and updates the sums. */
    measure(a) {
        this.blocks = 0;
        this.freeBlocks = 0;
        this.sumF = 0;
        this.sumF2 = 0;
        this.smallF = 0;
        a.walk(this.visit);
    }
    get umm() {
        return ummFrag(this.sumF, this.sumF2);
    }
    get typ() {
        return typFrag(this.smallF, this.sumF);
    }
}
exports.WalkMetrics = WalkMetrics;
