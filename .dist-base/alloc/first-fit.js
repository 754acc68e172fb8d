"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.firstFitFactory = exports.FirstFit = void 0;
const freelist_1 = require("./freelist");
class FirstFit extends freelist_1.FreeListAllocator {
    constructor(ctx) {
        super(ctx, 'first-fit', false, 2); // a step: compare size with need, branch
    }
    findFit(need) {
        const w = this.fitWalk;
        for (let c = this.bus.readPtr(this.headAddr); c !== 0; c = w.w1) {
            w.visit(c);
            if (w.w0 >= need) {
                w.flush();
                this.fitSize = w.w0;
                return c;
            }
        }
        w.flush();
        return 0;
    }
}
exports.FirstFit = FirstFit;
exports.firstFitFactory = {
    name: 'first-fit',
    summary: 'address-ordered free list, first block that fits, immediate coalescing (K&R/SLOB)',
    moving: false,
    multiHeap: false,
    params: (0, freelist_1.listParams)('address'),
    create: (ctx) => new FirstFit(ctx),
};
