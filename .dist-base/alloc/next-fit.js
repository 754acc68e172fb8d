"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.nextFitFactory = exports.NextFit = void 0;
const freelist_1 = require("./freelist");
class NextFit extends freelist_1.FreeListAllocator {
    constructor(ctx) {
        super(ctx, 'next-fit', true, 3); // a step: compare size with need, branch; wrap at the end
    }
    findFit(need) {
        const bus = this.bus;
        const head = bus.readPtr(this.headAddr);
        if (head === 0)
            return 0;
        let start = bus.readPtr(this.roverAddr);
        bus.work(1); // rover == 0 ? head : rover
        if (start === 0)
            start = head;
        const w = this.fitWalk;
        const ix = this.ix;
        if (ix) {
            // The walk visits, circularly from the rover, every free block up to the first that fits
            // (or all of them): the first step as before, the rest from the index (a simulator
            // speed-up, same charges).
            const ps = ix.pos(start);
            let f = ix.firstFit(ps, need);
            let steps;
            let last;
            if (f >= 0) {
                steps = ix.countBelow(f + 1) - ix.countBelow(ps);
                last = f;
            }
            else {
                f = ix.firstFit(0, need);
                if (f >= ps)
                    f = -1;
                const upper = ix.count - ix.countBelow(ps);
                steps = f >= 0 ? upper + ix.countBelow(f + 1) : ix.count;
                last = f >= 0 ? f : ps > 0 && ix.lastBelow(ps) >= 0 ? ix.lastBelow(ps) : ix.lastBelow(Infinity);
            }
            w.visit(start);
            w.skip(steps - 1, ix.addr(last));
            w.flush();
            if (f < 0)
                return 0;
            const c = ix.addr(f);
            this.fitSize = w.w0;
            bus.writePtr(this.roverAddr, c);
            return c;
        }
        let c = start;
        do {
            w.visit(c);
            if (w.w0 >= need) {
                w.flush();
                this.fitSize = w.w0;
                bus.writePtr(this.roverAddr, c);
                return c;
            }
            c = w.w1 === 0 ? head : w.w1;
        } while (c !== start);
        w.flush();
        return 0;
    }
}
exports.NextFit = NextFit;
exports.nextFitFactory = {
    name: 'next-fit',
    summary: 'free list searched circularly from a roving pointer, immediate coalescing',
    moving: false,
    multiHeap: false,
    params: (0, freelist_1.listParams)('address'),
    create: (ctx) => new NextFit(ctx),
};
