"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RmallocState = exports.STEP_MOVE = exports.STEP_SKIP = exports.STEP_DONE = exports.locks = exports.E_OFF_SHIFT = exports.E_LOCK_MAX = exports.E_LOCK_SHIFT = exports.E_EXT = exports.E_FREE = exports.TAG_SHIFT = exports.F_EXT = exports.F_PREV_FREE = exports.F_FREE = void 0;
/**
 * rmalloc, part 1 of 5: the heap's layout and the allocator's globals (see index.ts for how
 * rmalloc works). The parts are layers, each a class extending the one below:
 *   state.ts     RmallocState   layout constants, header and entry bit fields, globals, and the
 *                               walk pointers (compaction cursor, lowest hole, old-area top,
 *                               promotion marks) that every layer keeps on block starts
 *   handles.ts   HandleTable    master-pointer entries: address, encode, validate, grow, trim
 *   blocks.ts    BlockLayer     block headers and footers, the segregated free lists, coalescing
 *   compactor.ts Compactor      the resumable compaction walk, lifting a block to the top
 *   index.ts     Rmalloc        the public operations, observers and check()
 */
const errors_1 = require("../../errors");
exports.F_FREE = 1;
exports.F_PREV_FREE = 2;
exports.F_EXT = 4;
exports.TAG_SHIFT = 3;
exports.E_FREE = 1;
exports.E_EXT = 2;
exports.E_LOCK_SHIFT = 2;
exports.E_LOCK_MAX = 15;
exports.E_OFF_SHIFT = 6;
/** The lock count of an entry word. */
const locks = (e) => (e >>> exports.E_LOCK_SHIFT) & exports.E_LOCK_MAX;
exports.locks = locks;
/** A step of the compaction walk. */
exports.STEP_DONE = 0;
exports.STEP_SKIP = 1;
exports.STEP_MOVE = 2;
/** Layout and globals of one rmalloc heap. */
class RmallocState {
    name;
    moving = true;
    bus;
    /** Pointer bytes, device alignment, block-size unit. */
    P;
    A;
    U;
    base;
    heapEnd;
    /** The handle table ends here (heap end rounded down to P). */
    tableEnd;
    /** Address of the first block. */
    first;
    nClass;
    hsSmall;
    hsExt;
    sizeBits;
    sizeMask;
    idxMax;
    minBlock;
    minListed;
    chunk;
    fillScan;
    idleCompact;
    generational;
    promoteAfter;
    majorEvery;
    /** Upper bound of one metadata access, for step estimates. */
    maxAccess;
    // ---- globals of the C allocator (JS scalars; their bytes are reserved in the control block)
    top;
    tableLow;
    tableCount = 0;
    /** Index+1 of the first free handle entry; 0 = none. */
    hFree = 0;
    /** Bit c set when free list c is non-empty. */
    bitmap = 0;
    /**
     * Observer memo (not used by the algorithm, charges nothing): the largest free block on the
     * list of class `lcClass` is `lcMax` bytes (-1: no memo). Kept exact by listInsert/listRemove;
     * a C port would keep it in two globals. check() recomputes it.
     */
    lcClass = -1;
    lcMax = 0;
    freeTotal;
    /** Statistics counters for the observers. */
    usedCount = 0;
    usedHeaderBytes = 0;
    /** Compaction state. */
    cur = 0;
    cycleActive = false;
    cycleMajor = true;
    cycleFull = false;
    cycles = 0;
    /** Lowest address that may start a hole (a block start or Infinity). */
    lowHole = Infinity;
    /** Generational: start of the young area, and the promotion marks. */
    oldTop;
    marks = [];
    /** Size of the last request that failed (the OOM path uses it to choose minor vs major). */
    lastFailed = 0;
    /** Handle of the last realloc that failed (0 = none): the next full compaction lifts it to the top. */
    pendingLift = 0;
    /** Size the last failed realloc asked for (lifting its block only helps when the gap is smaller). */
    lastFailedRealloc = 0;
    /** Figures of the last compact() call, for tests and reports. */
    lastCall = { moves: 0, steps: 0, maxMoveCycles: 0, maxStepCycles: 0, bytesMoved: 0 };
    /** Totals over the allocator's life. */
    stats = { compactions: 0, minor: 0, major: 0, bytesMoved: 0, moves: 0, compactCycles: 0, longestPause: 0 };
    constructor(ctx, name, opts) {
        this.name = name;
        const bus = ctx.bus;
        this.bus = bus;
        const heap = ctx.heaps[0];
        if (!heap)
            throw new errors_1.SimError('USAGE', `${name}: no heap to manage`);
        const P = bus.pointerBytes;
        const A = ctx.alignment;
        const U = Math.max(A, P);
        this.P = P;
        this.A = A;
        this.U = U;
        this.base = heap.base;
        this.heapEnd = heap.base + heap.size;
        this.tableEnd = this.heapEnd - ((this.heapEnd - this.base) % P);
        const bits = 8 * P;
        this.sizeBits = Math.floor((bits - exports.TAG_SHIFT) / 2);
        this.sizeMask = 2 ** this.sizeBits - 1;
        this.idxMax = 2 ** (bits - exports.TAG_SHIFT - this.sizeBits) - 1;
        this.hsSmall = P;
        this.hsExt = P + Math.ceil((2 * P) / A) * A;
        this.minBlock = Math.ceil((2 * P) / U) * U;
        this.minListed = Math.ceil((4 * P) / U) * U;
        const units = Math.floor(heap.size / U);
        this.nClass = Math.max(1, Math.floor(Math.log2(Math.max(1, units))) + 1);
        if (units >= 2 ** (bits - exports.TAG_SHIFT) || units >= 2 ** (bits - exports.E_OFF_SHIFT))
            throw new errors_1.SimError('HEAP_TOO_LARGE', `${name}: a heap of ${heap.size} bytes is too large for ${P}-byte handle entries (at most ${(2 ** (bits - exports.E_OFF_SHIFT) - 1) * U} bytes)`);
        const p = ctx.params;
        this.chunk = Math.max(1, Math.floor(Number(p.chunk ?? 32)));
        this.fillScan = Math.max(0, Math.floor(Number(p.fillScan ?? 64)));
        this.idleCompact = p.idle === undefined ? true : Boolean(p.idle);
        this.generational = opts.generational;
        this.promoteAfter = Math.max(1, Math.floor(Number(p.promoteAfter ?? 2)));
        this.majorEvery = Math.max(1, Math.floor(Number(p.majorEvery ?? 8)));
        // Control block: the free-list heads plus 8 words of globals (top, table low, table count,
        // free-entry head, bitmap, free bytes, compaction cursor, old-area top).
        const ctrl = (this.nClass + 8) * P;
        // First block: at or after the control block, with its payload (first + P) aligned to A
        // and a multiple of U from the base, so entries can store payload offsets in units of U.
        let first = this.base + ctrl;
        while ((first + P) % A !== 0 || (first + P - this.base) % U !== 0)
            first++;
        this.first = first;
        this.top = first;
        this.tableLow = this.tableEnd;
        this.oldTop = first;
        if (this.first + this.minBlock + P > this.tableEnd)
            throw new errors_1.SimError('HEAP_TOO_SMALL', `${name}: a heap of ${heap.size} bytes cannot hold the control block (${first - this.base} bytes) and one block`);
        this.freeTotal = this.tableLow - this.top;
        // The list heads start zeroed (fresh simulated RAM is zero-filled).
        this.maxAccess = bus.maxAccessCycles(heap.base);
    }
}
exports.RmallocState = RmallocState;
