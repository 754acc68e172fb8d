/**
 * ListWalk: a counted walk along a linked list of heap nodes, charged exactly and fast.
 *
 * A step at node c is the same small loop body every time: one or two pointer-sized reads at
 * fixed offsets from c (the second at off0 + P continues the first, sequential), with `alu`
 * cycles of work after the first `aluAfter` reads (0: before the reads; default: after all).
 * `visit(c)` runs the step and leaves the words read in `w0` and `w1`; the caller writes its
 * loop like K&R:
 *
 *     for (c = head; c !== 0; c = walk.w1) { walk.visit(c); if (walk.w0 >= need) break; }
 *     walk.flush();
 *
 * Every counter ends exactly as if each step had gone through read16/read32 and work(): a step
 * whose reads are plain (inside the current heap span, aligned: they can neither fault nor
 * split) and whose first read cannot continue the access before it is peeked and counted as
 * pending; pending steps are charged together in one bus.chargeReadLoop call at flush(), or
 * before the next step that goes through counted reads. Call flush() before the next counted
 * access after the walk.
 */
/** What a walk needs of the bus (MemoryBus has it; no import of the bus module, so no cycle). */
export interface WalkBus {
  readonly pointerBytes: number;
  plainAccess(a: number, w: number): boolean;
  continuesRead(a: number): boolean;
  peekPtr(a: number): number;
  readPtr(a: number): number;
  work(n: number): void;
  chargeReadLoop(a: number, w: number, reads: number, alu: number, n: number, aluAfter?: number, endsAt?: number, seqReads?: number): void;
}

export class ListWalk {
  /** The words the last visit read (w1: 0 when the step makes one read). */
  w0 = 0;
  w1 = 0;
  private readonly bus: WalkBus;
  private readonly P: number;
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
  private pending = 0;
  private last = 0;

  /**
   * @param off0 offset of the first read from the node, @param off1 of the second (-1: none),
   * @param alu ALU cycles per step, charged after the first `aluAfter` reads.
   */
  constructor(bus: WalkBus, off0: number, off1: number, alu: number, aluAfter = off1 < 0 ? 1 : 2) {
    this.bus = bus;
    this.P = bus.pointerBytes;
    this.off0 = off0;
    this.off1 = off1;
    this.reads = off1 < 0 ? 1 : 2;
    this.alu = alu;
    this.aluAfter = aluAfter;
    this.seqReads = this.reads === 2 && off1 === off0 + this.P && aluAfter !== 1 ? 1 : 0;
    this.afterWork = aluAfter === 0 && alu > 0;
    this.endsWithRead = !(aluAfter === this.reads && alu > 0);
  }

  /** Runs one step at node c (see the header). */
  visit(c: number): void {
    const bus = this.bus;
    const P = this.P;
    const a0 = c + this.off0;
    const a1 = c + this.off1;
    if (
      bus.plainAccess(a0, P) && (this.reads === 1 || bus.plainAccess(a1, P)) &&
      (this.afterWork || (this.pending > 0 ? !(this.endsWithRead && a0 === this.last + this.off1End()) : !bus.continuesRead(a0)))
    ) {
      this.w0 = bus.peekPtr(a0);
      this.w1 = this.reads === 2 ? bus.peekPtr(a1) : 0;
      this.pending++;
      this.last = c;
      return;
    }
    this.flush();
    if (this.aluAfter === 0) bus.work(this.alu);
    this.w0 = bus.readPtr(a0);
    if (this.aluAfter === 1) bus.work(this.alu);
    this.w1 = this.reads === 2 ? bus.readPtr(a1) : 0;
    if (this.aluAfter === 2) bus.work(this.alu);
  }

  /** Charges the pending steps (exactly as counted steps would have been charged). */
  flush(): void {
    if (this.pending === 0) return;
    const c = this.last;
    this.bus.chargeReadLoop(c + this.off0, this.P, this.reads, this.alu, this.pending, this.aluAfter,
      this.endsWithRead ? c + this.off1End() : -1, this.seqReads);
    this.pending = 0;
  }

  /** End address of a step's last read, relative to its node. */
  private off1End(): number {
    return (this.reads === 2 ? this.off1 : this.off0) + this.P;
  }
}
