"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.rmallocGenFactory = exports.RMALLOC_GEN_PARAMS = void 0;
const rmalloc_1 = require("./rmalloc");
exports.RMALLOC_GEN_PARAMS = [
    ...rmalloc_1.RMALLOC_PARAMS,
    { name: 'promoteAfter', description: 'minor compaction passes a block survives before it is promoted to the old area', default: 2, space: { kind: 'int', min: 1, max: 4 } },
    { name: 'majorEvery', description: 'every Nth incremental pass is a major (whole-heap) pass', default: 8, space: { kind: 'pow2', min: 2, max: 16 } },
];
exports.rmallocGenFactory = {
    name: 'rmalloc-gen',
    summary: 'rmalloc with young/old areas: minor passes compact only the young area, survivors are promoted',
    moving: true,
    multiHeap: false,
    params: exports.RMALLOC_GEN_PARAMS,
    runKnobs: rmalloc_1.RMALLOC_RUN_KNOBS,
    create: (ctx) => new rmalloc_1.Rmalloc(ctx, 'rmalloc-gen', { generational: true }),
};
