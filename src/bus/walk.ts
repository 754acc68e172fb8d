/**
 * ListWalk: a counted walk along a linked list of heap nodes, charged exactly and fast.
 *
 * A step at node c is the same small loop body every time: one or two word reads at fixed
 * offsets from c (the second at off0 + W continues the first, sequential), with `alu` cycles of
 * work after the first `aluAfter` reads (0: before the reads; default: after all). A word is
 * pointer-sized unless the walk names its width (umm's 16-bit links on a 32-bit device).
 * `visit(c)` runs the step and leaves the words read in `w0` and `w1`; the caller writes its
 * loop like K&R:
 *
 *     for (c = head; c !== 0; c = walk.w1) { walk.visit(c); if (walk.w0 >= need) break; }
 *     walk.flush();
 *
 * A walk whose last step stops after its first read (the node that fits ends the search before
 * its link is loaded) looks at the node first with `peek0(c)` (uncharged) and then runs either
 * `visit(c)` or `visitHead(c)` (the first read and its ALU work only).
 *
 * Every counter ends exactly as if each step had gone through read16/read32 and work(): a step
 * whose reads are plain (inside the current heap span, aligned: they can neither fault nor
 * split) and whose first read cannot continue the access before it is peeked and counted as
 * pending; pending steps are charged together in one bus.chargeReadLoop call at flush(), or
 * before the next step that goes through counted reads. Call flush() before the next counted
 * access after the walk.
 *
 * Speed: the plain test and the peeks read the current span's bounds and word views directly
 * (bus.wordView(), when the device's byte order is the host's): one range test and one
 * typed-array load per word, no call into the bus per read.
 */
/** A heap span's memory as a walk reads it directly (the bus's current span). */
export interface WordView {
  readonly base: number;
  readonly end: number;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  readonly dv: DataView;
}

/** What a walk needs of the bus (MemoryBus has it; no import of the bus module, so no cycle). */
export interface WalkBus {
  readonly pointerBytes: number;
  readonly littleEndian: boolean;
  plainAccess(a: number, w: number): boolean;
  continuesRead(a: number): boolean;
  /** The current span's view when the device's byte order is the host's, else null. */
  wordView(): WordView | null;
  /** The alignment mask a plain w-byte access must clear (from cpu.accessAlignment). */
  accessMask(w: number): number;
  peek16(a: number): number;
  peek32(a: number): number;
  read16(a: number): number;
  read32(a: number): number;
  work(n: number): void;
  chargeReadLoop(a: number, w: number, reads: number, alu: number, n: number, aluAfter?: number, endsAt?: number, seqReads?: number): void;
}

export class ListWalk {
  /** The words the last visit read (w1: 0 when the step makes one read). */
  w0 = 0;
  w1 = 0;
  private readonly bus: WalkBus;
  /** Word width in bytes (2 or 4). */
  private readonly W: number;
  private readonly mask: number;
  private readonly off0: number;
  private readonly off1: number;
  private readonly reads: number;
  private readonly alu: number;
  private readonly aluAfter: number;
  private readonly seqReads: number;
  /** A step's first read is non-sequential whatever came before (it follows ALU work). */
  private readonly afterWork: boolean;
  /** A step ends with a read (not with ALU work): its end address matters to the next. */
  private readonly endsWithRead: boolean;
  /** End address of a step's last read, relative to its node. */
  private readonly lastEnd: number;
  /** The lowest and highest offset a step reads from its node (for the one range test). */
  private readonly lo: number;
  private readonly hi: number;
  /** Second read's offset from the first (off1 - off0). */
  private readonly d: number;
  /** Alignment mask of a word in the view (W - 1). */
  private readonly wm: number;
  /** The common step must not continue the last step's last read: c !== last + seqGap. */
  private readonly seqCheck: boolean;
  private readonly seqGap: number;
  private pending = 0;
  private last = 0;
  /** The span the pending steps were peeked in (the bus's current span at the first of them). */
  private view: WordView | null = null;
  /** The common step's bounds on c (empty when it cannot apply) and the view's memory. */
  private vBase = 0;
  private cLo = 1;
  private cHi = 0;
  private u16: Uint16Array = new Uint16Array(0);
  private u32: Uint32Array = new Uint32Array(0);

  /**
   * @param off0 offset of the first read from the node, @param off1 of the second (-1: none),
   * @param alu ALU cycles per step, charged after the first `aluAfter` reads,
   * @param width bytes per read (default: the device's pointer size).
   */
  constructor(bus: WalkBus, off0: number, off1: number, alu: number, aluAfter = off1 < 0 ? 1 : 2, width = bus.pointerBytes) {
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
  peek0(c: number): number {
    return this.W === 4 ? this.bus.peek32(c + this.off0) : this.bus.peek16(c + this.off0);
  }

  /** Runs one step at node c (see the header). */
  visit(c: number): void {
    // The common step, small enough to be inlined into the caller's loop: a step after a plain
    // one, in the same span (c within [cLo, cHi]), word-aligned, not continuing the last read.
    if (this.pending > 0 && c >= this.cLo && c <= this.cHi && ((c + this.off0 - this.vBase) & this.wm) === 0 && !(this.seqCheck && c === this.last + this.seqGap)) {
      const o = c + this.off0 - this.vBase;
      if (this.W === 4) {
        this.w0 = this.u32[o >>> 2]!;
        if (this.reads === 2) this.w1 = this.u32[(o + this.d) >>> 2]!;
      } else {
        this.w0 = this.u16[o >>> 1]!;
        if (this.reads === 2) this.w1 = this.u16[(o + this.d) >>> 1]!;
      }
      this.pending++;
      this.last = c;
      return;
    }
    this.visitFirst(c);
  }

  /** A step that is not the common case: the first of a run of plain steps, or a counted one. */
  private visitFirst(c: number): void {
    if (this.pending === 0) this.setView(this.bus.wordView());
    const v = this.view;
    if (v !== null) {
      const a0 = c + this.off0;
      if (
        c + this.lo >= v.base && c + this.hi <= v.end &&
        (a0 & this.mask) === 0 && (this.reads === 1 || ((c + this.off1) & this.mask) === 0) &&
        (this.afterWork || (this.pending > 0 ? !(this.endsWithRead && a0 === this.last + this.lastEnd) : !this.bus.continuesRead(a0)))
      ) {
        this.w0 = this.peekIn(v, a0);
        this.w1 = this.reads === 2 ? this.peekIn(v, c + this.off1) : 0;
        this.pending++;
        this.last = c;
        return;
      }
    } else if (this.plainStep(c)) {
      this.w0 = this.W === 4 ? this.bus.peek32(c + this.off0) : this.bus.peek16(c + this.off0);
      this.w1 = this.reads === 2 ? (this.W === 4 ? this.bus.peek32(c + this.off1) : this.bus.peek16(c + this.off1)) : 0;
      this.pending++;
      this.last = c;
      return;
    }
    this.countedStep(c);
  }

  /** Takes the span view the next plain steps are peeked in, and the common step's bounds. */
  private setView(v: WordView | null): void {
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

  private peekIn(v: WordView, a: number): number {
    const o = a - v.base;
    if (this.W === 4) return (o & 3) === 0 ? v.u32[o >>> 2]! : v.dv.getUint32(o, this.bus.littleEndian);
    return (o & 1) === 0 ? v.u16[o >>> 1]! : v.dv.getUint16(o, this.bus.littleEndian);
  }

  /**
   * A step at node c that stops after its first read and the ALU work that follows it (the
   * node that ends the search): charged through counted reads, after the pending steps.
   */
  visitHead(c: number): void {
    this.flush();
    const bus = this.bus;
    if (this.aluAfter === 0) bus.work(this.alu);
    this.w0 = this.read(c + this.off0);
    if (this.aluAfter >= 1) bus.work(this.alu);
    this.w1 = 0;
  }

  /**
   * Adds k plain steps that the caller knows without visiting them (a free-list index: the
   * nodes after the one just visited, up to `last`), leaving w0/w1 as a visit of `last` would.
   * The caller guarantees what visit() would have tested: every node of them lies in the span
   * of the step before and is aligned. Only for walks whose steps cannot continue one another's
   * reads (a step that starts or ends with ALU work), so no skipped step is sequential.
   */
  skip(k: number, last: number): void {
    if (k <= 0) return;
    if (!this.afterWork && this.endsWithRead) throw new Error('ListWalk.skip: this walk\'s steps may be sequential; visit them');
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
  flush(): void {
    if (this.pending === 0) return;
    const c = this.last;
    this.bus.chargeReadLoop(c + this.off0, this.W, this.reads, this.alu, this.pending, this.aluAfter,
      this.endsWithRead ? c + this.lastEnd : -1, this.seqReads);
    this.pending = 0;
  }

  /** The plain test through the bus (devices whose byte order differs from the host's). */
  private plainStep(c: number): boolean {
    const bus = this.bus;
    const a0 = c + this.off0;
    return bus.plainAccess(a0, this.W) && (this.reads === 1 || bus.plainAccess(c + this.off1, this.W)) &&
      (this.afterWork || (this.pending > 0 ? !(this.endsWithRead && a0 === this.last + this.lastEnd) : !bus.continuesRead(a0)));
  }

  /** The step through counted reads (it may fault, split or continue a burst). */
  private countedStep(c: number): void {
    this.flush();
    const bus = this.bus;
    if (this.aluAfter === 0) bus.work(this.alu);
    this.w0 = this.read(c + this.off0);
    if (this.aluAfter === 1) bus.work(this.alu);
    this.w1 = this.reads === 2 ? this.read(c + this.off1) : 0;
    if (this.aluAfter === 2) bus.work(this.alu);
  }

  private read(a: number): number {
    return this.W === 4 ? this.bus.read32(a) : this.bus.read16(a);
  }
}
