"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.bestFitFactory = exports.BestFit = void 0;
const freelist_1 = require("./freelist");
class BestFit extends freelist_1.FreeListAllocator {
    constructor(ctx) {
        super(ctx, 'best-fit', false, 3); // a step: compare with need, compare with best, branch
    }
    findFit(need) {
        const w = this.fitWalk;
        let best = 0;
        let bestSize = Infinity;
        for (let c = this.bus.readPtr(this.headAddr); c !== 0; c = w.w1) {
            w.visit(c);
            const s = w.w0;
            if (s >= need && s < bestSize) {
                best = c;
                bestSize = s;
                if (s === need)
                    break;
            }
        }
        w.flush();
        this.fitSize = bestSize;
        return best;
    }
}
exports.BestFit = BestFit;
exports.bestFitFactory = {
    name: 'best-fit',
    summary: 'free list searched whole for the smallest block that fits, immediate coalescing',
    moving: false,
    multiHeap: false,
    params: (0, freelist_1.listParams)('address'),
    create: (ctx) => new BestFit(ctx),
};
