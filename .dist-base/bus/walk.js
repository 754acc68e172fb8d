"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ListWalk = void 0;
class ListWalk {
    /** The words the last visit read (w1: 0 when the step makes one read). */
    w0 = 0;
    w1 = 0;
    bus;
    /** Word width in bytes (2 or 4). */
    W;
    mask;
    off0;
    off1;
    reads;
    alu;
    aluAfter;
    seqReads;
    /** A step's first read is non-sequential whatever came before (it follows ALU work). */
    afterWork;
    /** A step ends with a read (not with ALU work): its end address matters to the next. */
    endsWithRead;
    /** End address of a step's last read, relative to its node. */
    lastEnd;
    /** The lowest and highest offset a step reads from its node (for the one range test). */
    lo;
    hi;
    /** Second read's offset from the first (off1 - off0). */
    d;
    /** Alignment mask of a word in the view (W - 1). */
    wm;
    /** The common step must not continue the last step's last read: c !== last + seqGap. */
    seqCheck;
    seqGap;
    pending = 0;
    last = 0;
    /** The span the pending steps were peeked in (the bus's current span at the first of them). */
    view = null;
    /** The common step's bounds on c (empty when it cannot apply) and the view's memory. */
    vBase = 0;
    cLo = 1;
    cHi = 0;
    u16 = new Uint16Array(0);
    u32 = new Uint32Array(0);
    /**
     * @param off0 offset of the first read from the node, @param off1 of the second (-1: none),
     * @param alu ALU cycles per step, charged after the first `aluAfter` reads,
     * @param width bytes per read (default: the device's pointer size).
     */
    constructor(bus, off0, off1, alu, aluAfter = off1 < 0 ? 1 : 2, width = bus.pointerBytes) {
        this.bus = bus;
        this.W = width;
        this.mask = bus.accessMask(width);
        this.off0 = off0;
        this.off1 = off1;
        this.reads = off1 < 0 ? 1 : 2;
        this.alu = alu;
        this.aluAfter = aluAfter;
        this.seqReads = this.reads === 2 && off1 === off0 + width && aluAfter !== 1 ? 1 : 0;
        this.afterWork = aluAfter === 0 && alu > 0;
        this.endsWithRead = !(aluAfter === this.reads && alu > 0);
        this.lastEnd = (this.reads === 2 ? off1 : off0) + width;
        this.lo = this.reads === 2 ? Math.min(off0, off1) : off0;
        this.hi = (this.reads === 2 ? Math.max(off0, off1) : off0) + width;
        this.d = this.reads === 2 ? off1 - off0 : 0;
        this.wm = width - 1;
        this.seqCheck = !this.afterWork && this.endsWithRead;
        this.seqGap = this.lastEnd - off0;
    }
    /** The word at c + off0, uncounted (to decide between visit and visitHead). */
    peek0(c) {
        return this.W === 4 ? this.bus.peek32(c + this.off0) : this.bus.peek16(c + this.off0);
    }
    /** Runs one step at node c (see the header). */
    visit(c) {
        // The common step, small enough to be inlined into the caller's loop: a step after a plain
        // one, in the same span (c within [cLo, cHi]), word-aligned, not continuing the last read.
        if (this.pending > 0 && c >= this.cLo && c <= this.cHi && ((c + this.off0 - this.vBase) & this.wm) === 0 && !(this.seqCheck && c === this.last + this.seqGap)) {
            const o = c + this.off0 - this.vBase;
            if (this.W === 4) {
                this.w0 = this.u32[o >>> 2];
                if (this.reads === 2)
                    this.w1 = this.u32[(o + this.d) >>> 2];
            }
            else {
                this.w0 = this.u16[o >>> 1];
                if (this.reads === 2)
                    this.w1 = this.u16[(o + this.d) >>> 1];
            }
            this.pending++;
            this.last = c;
            return;
        }
        this.visitFirst(c);
    }
    /** A step that is not the common case: the first of a run of plain steps, or a counted one. */
    visitFirst(c) {
        if (this.pending === 0)
            this.setView(this.bus.wordView());
        const v = this.view;
        if (v !== null) {
            const a0 = c + this.off0;
            if (c + this.lo >= v.base && c + this.hi <= v.end &&
                (a0 & this.mask) === 0 && (this.reads === 1 || ((c + this.off1) & this.mask) === 0) &&
                (this.afterWork || (this.pending > 0 ? !(this.endsWithRead && a0 === this.last + this.lastEnd) : !this.bus.continuesRead(a0)))) {
                this.w0 = this.peekIn(v, a0);
                this.w1 = this.reads === 2 ? this.peekIn(v, c + this.off1) : 0;
                this.pending++;
                this.last = c;
                return;
            }
        }
        else if (this.plainStep(c)) {
            this.w0 = this.W === 4 ? this.bus.peek32(c + this.off0) : this.bus.peek16(c + this.off0);
            this.w1 = this.reads === 2 ? (this.W === 4 ? this.bus.peek32(c + this.off1) : this.bus.peek16(c + this.off1)) : 0;
            this.pending++;
            this.last = c;
            return;
        }
        this.countedStep(c);
    }
    /** Takes the span view the next plain steps are peeked in, and the common step's bounds. */
    setView(v) {
        this.view = v;
        // The common step needs the view, word-aligned offsets giving device-aligned addresses, and
        // both reads aligned alike (the second is d bytes after the first).
        if (v === null || v.base % this.W !== 0 || (this.d & (this.W - 1)) !== 0) {
            this.cLo = 1;
            this.cHi = 0;
            return;
        }
        this.vBase = v.base;
        this.cLo = v.base - this.lo;
        this.cHi = v.end - this.hi;
        this.u16 = v.u16;
        this.u32 = v.u32;
    }
    peekIn(v, a) {
        const o = a - v.base;
        if (this.W === 4)
            return (o & 3) === 0 ? v.u32[o >>> 2] : v.dv.getUint32(o, this.bus.littleEndian);
        return (o & 1) === 0 ? v.u16[o >>> 1] : v.dv.getUint16(o, this.bus.littleEndian);
    }
    /**
     * A step at node c that stops after its first read and the ALU work that follows it (the
     * node that ends the search): charged through counted reads, after the pending steps.
     */
    visitHead(c) {
        this.flush();
        const bus = this.bus;
        if (this.aluAfter === 0)
            bus.work(this.alu);
        this.w0 = this.read(c + this.off0);
        if (this.aluAfter >= 1)
            bus.work(this.alu);
        this.w1 = 0;
    }
    /**
     * Adds k plain steps that the caller knows without visiting them (a free-list index: the
     * nodes after the one just visited, up to `last`), leaving w0/w1 as a visit of `last` would.
     * The caller guarantees what visit() would have tested: every node of them lies in the span
     * of the step before and is aligned. Only for walks whose steps cannot continue one another's
     * reads (a step that starts or ends with ALU work), so no skipped step is sequential.
     */
    skip(k, last) {
        if (k <= 0)
            return;
        if (!this.afterWork && this.endsWithRead)
            throw new Error('ListWalk.skip: this walk\'s steps may be sequential; visit them');
        if (this.pending === 0) {
            // The step before went through counted reads: the skipped steps are peeked in its span.
            this.setView(this.bus.wordView());
        }
        this.pending += k;
        this.last = last;
        this.w0 = this.W === 4 ? this.bus.peek32(last + this.off0) : this.bus.peek16(last + this.off0);
        this.w1 = this.reads === 2 ? (this.W === 4 ? this.bus.peek32(last + this.off1) : this.bus.peek16(last + this.off1)) : 0;
    }
    /** Charges the pending steps (exactly as counted steps would have been charged). */
    flush() {
        if (this.pending === 0)
            return;
        const c = this.last;
        this.bus.chargeReadLoop(c + this.off0, this.W, this.reads, this.alu, this.pending, this.aluAfter, this.endsWithRead ? c + this.lastEnd : -1, this.seqReads);
        this.pending = 0;
    }
    /** The plain test through the bus (devices whose byte order differs from the host's). */
    plainStep(c) {
        const bus = this.bus;
        const a0 = c + this.off0;
        return bus.plainAccess(a0, this.W) && (this.reads === 1 || bus.plainAccess(c + this.off1, this.W)) &&
            (this.afterWork || (this.pending > 0 ? !(this.endsWithRead && a0 === this.last + this.lastEnd) : !bus.continuesRead(a0)));
    }
    /** The step through counted reads (it may fault, split or continue a burst). */
    countedStep(c) {
        this.flush();
        const bus = this.bus;
        if (this.aluAfter === 0)
            bus.work(this.alu);
        this.w0 = this.read(c + this.off0);
        if (this.aluAfter === 1)
            bus.work(this.alu);
        this.w1 = this.reads === 2 ? this.read(c + this.off1) : 0;
        if (this.aluAfter === 2)
            bus.work(this.alu);
    }
    read(a) {
        return this.W === 4 ? this.bus.read32(a) : this.bus.read16(a);
    }
}
exports.ListWalk = ListWalk;
