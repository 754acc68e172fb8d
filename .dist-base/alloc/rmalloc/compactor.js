"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Compactor = void 0;
const blocks_1 = require("./blocks");
const state_1 = require("./state");
class Compactor extends blocks_1.BlockLayer {
    /** Scratch of estimateStep (no allocation per step). */
    est = { cost: 0, move: false };
    compact(budgetCycles) {
        const bus = this.bus;
        const start = bus.cycles;
        const startMoved = this.stats.bytesMoved;
        const full = budgetCycles === undefined || !Number.isFinite(budgetCycles);
        const lc = this.lastCall;
        lc.moves = 0;
        lc.steps = 0;
        lc.maxMoveCycles = 0;
        lc.maxStepCycles = 0;
        if (full) {
            // A whole pass (minor first in the generational variant; major if that was not enough).
            this.beginCycle(true, !this.generational);
            this.runToEnd();
            if (this.generational && this.lastFailed > 0 && this.largestAllocatable() < this.lastFailed) {
                this.beginCycle(true, true);
                this.runToEnd();
            }
            this.lastFailed = 0;
            this.trimHandles();
            if (this.pendingLift !== 0) {
                this.liftToTop(this.pendingLift);
                this.pendingLift = 0;
            }
        }
        else {
            const budget = Math.max(0, budgetCycles);
            if (!this.cycleActive) {
                if (!this.hasHoles())
                    return this.finishCall(start, startMoved, true);
                const major = !this.generational || (this.stats.compactions + 1) % this.majorEvery === 0;
                this.beginCycle(false, major);
            }
            // Never start a step that could take the call past the budget, except the first one:
            // a pause is at most max(B, one step), and every call makes progress.
            while (this.cycleActive) {
                const est = this.estimateStep();
                const spent = bus.cycles - start;
                if (lc.steps > 0 && spent + est.cost > budget)
                    break;
                const c0 = bus.cycles;
                this.step();
                const dc = bus.cycles - c0;
                if (dc > lc.maxStepCycles)
                    lc.maxStepCycles = dc;
            }
        }
        return this.finishCall(start, startMoved, !this.cycleActive);
    }
    idle(cycles) {
        if (!this.idleCompact || cycles <= 0)
            return undefined;
        if (!this.cycleActive && !this.hasHoles())
            return undefined;
        return this.compact(cycles);
    }
    /**
     * After a full pass, moves the block of a realloc that failed to the end of the block area
     * (the blocks above it slide down by its size), so the retry can grow it in place into the
     * gap: the realloc then needs only the growth, not a second copy of the block. The rotation
     * runs through the gap as a bounce buffer (Gries-Mills block swaps when the gap is smaller
     * than both parts), so it needs no free space beyond one unit. Given up when a block above
     * is locked or free, or when the gap already holds the grown block.
     */
    liftToTop(h) {
        if (!(h >= this.tableLow && h < this.tableEnd) || (this.tableEnd - h) % this.P !== 0)
            return;
        const bus = this.bus;
        const e = bus.readPtr(h);
        if ((e & state_1.E_FREE) !== 0 || (0, state_1.locks)(e) !== 0)
            return;
        const U = this.U;
        const ext = (e & state_1.E_EXT) !== 0;
        const b = this.payloadOf(e) - (ext ? this.hsExt : this.hsSmall);
        const tx = bus.readPtr(b);
        const F = this.usedSize(b, tx);
        const g = Math.floor((this.tableLow - this.top) / U) * U;
        if (g < U || g >= this.lastLiftNeed)
            return;
        // Everything above must be used and unlocked.
        let p = b + F;
        while (p < this.top) {
            const t = bus.readPtr(p);
            if ((t & state_1.F_FREE) !== 0)
                return;
            if (this.blockLocked(p, t, bus))
                return;
            p += this.usedSize(p, t);
        }
        const L = this.top - b - F;
        if (L === 0)
            return;
        this.rotateLeft(b, F, L, this.top, g);
        // Fix the entries and prevFree bits: the blocks above now start at b, X at b + L.
        p = b;
        const end = b + L;
        while (p < end) {
            const t = bus.readPtr(p);
            const a = this.entryAddr(this.handleIndex(p, t, bus));
            bus.writePtr(a, bus.readPtr(a) - (F / U) * 2 ** state_1.E_OFF_SHIFT);
            if (p === b)
                bus.writePtr(p, ((t & ~state_1.F_PREV_FREE) | (tx & state_1.F_PREV_FREE)) >>> 0);
            p += this.usedSize(p, t);
        }
        bus.writePtr(end, (tx & ~state_1.F_PREV_FREE) >>> 0);
        bus.writePtr(h, e + (L / U) * 2 ** state_1.E_OFF_SHIFT);
        if (this.lowHole > b && this.lowHole < this.top)
            this.lowHole = b;
        if (this.oldTop > b && this.oldTop < this.top)
            this.oldTop = b;
        for (let i = 0; i < this.marks.length; i++)
            if (this.marks[i] > b && this.marks[i] < this.top)
                this.marks[i] = b;
        this.stats.bytesMoved += F + L;
        this.stats.moves++;
    }
    /** Size the failed realloc wanted (its block size): lifting only helps when the gap is smaller. */
    get lastLiftNeed() {
        return Math.ceil((this.hsExt + this.lastFailedRealloc) / this.U) * this.U;
    }
    /** Rotates [s, s+a+b) left by a (the first a bytes go to the end) with a g-byte buffer at buf. */
    rotateLeft(s, a, b, buf, g) {
        const bus = this.bus;
        for (;;) {
            if (a === 0 || b === 0)
                return;
            if (a <= g) {
                bus.copy(buf, s, a);
                bus.copy(s, s + a, b);
                bus.copy(s + b, buf, a);
                return;
            }
            if (b <= g) {
                bus.copy(buf, s + a, b);
                bus.copy(s + b, s, a);
                bus.copy(s, buf, b);
                return;
            }
            if (a <= b) {
                // [A][B1][B2] with |B2| = a: swap A and B2, then rotate [B2][B1] left by a.
                this.swapRanges(s, s + b, a, buf, g);
                b -= a;
            }
            else {
                // [A1][A2][B] with |A1| = b: swap A1 and B, then rotate [A2][A1] left by a - b.
                this.swapRanges(s, s + a, b, buf, g);
                s += b;
                a -= b;
            }
        }
    }
    swapRanges(x, y, n, buf, g) {
        const bus = this.bus;
        for (let off = 0; off < n; off += g) {
            const k = Math.min(g, n - off);
            bus.copy(buf, x + off, k);
            bus.copy(x + off, y + off, k);
            bus.copy(y + off, buf, k);
        }
    }
    hasHoles() {
        return this.freeTotal > this.tableLow - this.top;
    }
    beginCycle(full, major) {
        this.cycleFull = full;
        this.cycleMajor = major;
        const startAt = major ? this.first : this.oldTop;
        // A pass that replaces one in progress inherits the holes at and after its cursor: fold the
        // cursor (a block start) into lowHole, so holes a minor pass starting above it leaves
        // behind stay at or above lowHole for the next major pass.
        if (this.cycleActive && this.cur < this.lowHole)
            this.lowHole = this.cur;
        let cur = Math.min(this.lowHole, this.top);
        if (cur < startAt)
            cur = startAt;
        this.cur = cur;
        if (this.lowHole >= cur)
            this.lowHole = Infinity;
        this.cycleActive = true;
        this.stats.compactions++;
        if (major)
            this.stats.major++;
        else
            this.stats.minor++;
    }
    runToEnd() {
        while (this.cycleActive)
            this.step();
    }
    endCycle() {
        this.cycleActive = false;
        if (!this.generational)
            return;
        if (this.cycleMajor) {
            this.oldTop = this.top;
            this.marks.length = 0;
        }
        else {
            this.marks.push(this.top);
            if (this.marks.length >= this.promoteAfter) {
                const m = this.marks.shift();
                if (m > this.oldTop)
                    this.oldTop = m;
            }
        }
    }
    /** An upper bound of the next step's cycles (from uncounted peeks), and whether it moves. */
    estimateStep() {
        const est = this.est;
        const bus = this.bus;
        const cur = this.cur;
        if (cur >= this.top) {
            est.cost = 0;
            est.move = false;
            return est;
        }
        const t = bus.peekPtr(cur);
        if ((t & state_1.F_FREE) === 0) {
            est.cost = 4 * this.maxAccess + 4;
            est.move = false;
            return est;
        }
        const F = this.sizeOfFree(t);
        const n = cur + F;
        const o = bus.observer;
        const nt = o.readPtr(n);
        const ns = this.usedSize(n, nt, o);
        if (!this.blockLocked(n, nt, o)) {
            est.cost = 24 * this.maxAccess + 16 + bus.copyBound(this.base, ns);
        }
        else {
            // The search reads at most fillScan headers and the entries of those that fit.
            est.cost = (24 + 2 * this.fillScan) * this.maxAccess + 16 + this.fillScan + bus.copyBound(this.base, F);
        }
        est.move = true;
        return est;
    }
    /** One step of the walk. */
    step() {
        const bus = this.bus;
        const cur = this.cur;
        if (cur >= this.top) {
            this.endCycle();
            return state_1.STEP_DONE;
        }
        this.lastCall.steps++;
        const t = bus.readPtr(cur);
        if ((t & state_1.F_FREE) === 0) {
            this.cur = cur + this.usedSize(cur, t);
            bus.work(1);
            return state_1.STEP_SKIP;
        }
        const F = this.sizeOfFree(t);
        const n = cur + F;
        const nt = bus.readPtr(n);
        const NF = this.usedSize(n, nt);
        const ea = this.entryAddr(this.handleIndex(n, nt, bus));
        const e = bus.readPtr(ea);
        bus.work(2);
        if ((0, state_1.locks)(e) === 0) {
            // Slide the block at n down into the hole at cur.
            const c0 = bus.cycles;
            this.listRemove(cur, F);
            bus.copy(cur, n, NF);
            bus.writePtr(cur, (nt & ~state_1.F_PREV_FREE) >>> 0);
            bus.writePtr(ea, e - (n - cur) / this.U * 2 ** state_1.E_OFF_SHIFT);
            for (let i = 0; i < this.marks.length; i++)
                if (this.marks[i] === n)
                    this.marks[i] = cur;
            if (this.oldTop === n)
                this.oldTop = cur;
            const fb = cur + NF;
            // lowHole may have named the moved block (a bound, not a hole): keep it a block start.
            if (this.lowHole > cur && this.lowHole < fb)
                this.lowHole = cur;
            this.cur = fb;
            // The hole [fb, fb+F) now sits before the block that followed n.
            this.holeAfterMove(fb, F);
            this.noteMove(NF, bus.cycles - c0);
            return state_1.STEP_MOVE;
        }
        // The next block is locked: fill the hole with a later block that fits.
        let m = n + NF;
        let found = 0;
        let mt = 0;
        let ms = 0;
        let me = 0;
        let mea = 0;
        for (let k = 0; k < this.fillScan && m < this.top; k++) {
            const tt = bus.readPtr(m);
            bus.work(1);
            if ((tt & state_1.F_FREE) !== 0) {
                m += this.sizeOfFree(tt);
                continue;
            }
            const s = this.usedSize(m, tt);
            if (s === F || (s < F && F - s >= this.minBlock)) {
                const a = this.entryAddr(this.handleIndex(m, tt, bus));
                const ee = bus.readPtr(a);
                if ((0, state_1.locks)(ee) === 0) {
                    found = m;
                    mt = tt;
                    ms = s;
                    me = ee;
                    mea = a;
                    break;
                }
            }
            m += s;
        }
        if (found === 0) {
            if (cur < this.lowHole)
                this.lowHole = cur;
            this.cur = n + NF;
            return state_1.STEP_SKIP;
        }
        const c0 = bus.cycles;
        this.listRemove(cur, F);
        bus.copy(cur, found, ms);
        bus.writePtr(cur, (mt & ~state_1.F_PREV_FREE) >>> 0);
        bus.writePtr(mea, me - (found - cur) / this.U * 2 ** state_1.E_OFF_SHIFT);
        const rem = F - ms;
        if (rem > 0)
            this.writeFree(cur + ms, rem);
        else
            this.setPrevFree(n, false);
        this.freeRegion(found, ms, (mt & state_1.F_PREV_FREE) !== 0, false);
        this.cur = cur + ms;
        this.noteMove(ms, bus.cycles - c0);
        return state_1.STEP_MOVE;
    }
    /** After a slide: [fb, fb+F) is free and is followed by whatever followed the moved block. */
    holeAfterMove(fb, F) {
        const bus = this.bus;
        const m = fb + F;
        let s = F;
        if (m >= this.top) {
            this.top = fb;
            this.clampPointers();
            return;
        }
        const mt = bus.readPtr(m);
        if ((mt & state_1.F_FREE) !== 0) {
            const MF = this.sizeOfFree(mt);
            this.listRemove(m, MF);
            s += MF;
            if (fb + s === this.top) {
                this.top = fb;
                this.clampPointers();
                return;
            }
        }
        else
            bus.writePtr(m, (mt | state_1.F_PREV_FREE) >>> 0);
        this.writeFree(fb, s);
        this.repoint(fb, s);
    }
    noteMove(bytes, cycles) {
        const lc = this.lastCall;
        lc.moves++;
        lc.bytesMoved += bytes;
        if (cycles > lc.maxMoveCycles)
            lc.maxMoveCycles = cycles;
        this.stats.moves++;
        this.stats.bytesMoved += bytes;
    }
    finishCall(start, startMoved, done) {
        const cycles = this.bus.cycles - start;
        const moved = this.stats.bytesMoved - startMoved;
        this.lastCall.bytesMoved = moved;
        this.stats.compactCycles += cycles;
        if (cycles > this.stats.longestPause)
            this.stats.longestPause = cycles;
        return { bytesMoved: moved, cycles, done };
    }
}
exports.Compactor = Compactor;
