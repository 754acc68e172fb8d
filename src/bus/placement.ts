/**
 * PlacementBus: the memory bus of a replay whose only question is where blocks go and whether
 * allocations fail (the min-heap search's probes, the tight-memory and squeeze replays; see
 * sim/minheap.ts placementOnly). It holds the same memory and raises the same faults as
 * MemoryBus, but charges nothing: every cycle and access counter stays 0, and there is no data
 * cache. An allocator that never reads the cycle counter does exactly the same on it as on a
 * counted bus (tests/sim-placement.test.ts replays every allocator both ways and compares).
 *
 * The fast paths below are MemoryBus's accesses without the accounting: an aligned access
 * inside the span of the last access, in the host's byte order, of a width the region takes.
 * Anything else (another span, a misaligned or split access, a fault) goes through MemoryBus,
 * whose charges are then made and never read.
 */
import { MemoryBus } from './memory';

export class PlacementBus extends MemoryBus {
  override read16(a: number): number {
    const s = this.cur;
    if (this.nativeOrder && a >= s.base && a + 2 <= s.end && (a & 1) === 0) return s.u16[(a - s.base) >>> 1]!;
    return super.read16(a);
  }

  override read32(a: number): number {
    const s = this.cur;
    if (this.nativeOrder && a >= s.base && a + 4 <= s.end && (a & 3) === 0) return s.u32[(a - s.base) >>> 2]!;
    return super.read32(a);
  }

  // Pointer-sized accesses restated here (as in CachedBus) so their calls bind to this class's reads and writes.
  override readPtr(a: number): number {
    return this.pointerBytes === 4 ? this.read32(a) : this.read16(a);
  }

  override write16(a: number, v: number): void {
    const s = this.cur;
    if (this.nativeOrder && a >= s.base && a + 2 <= s.end && (a & 1) === 0 && (s.writeMask & 2) !== 0) {
      s.u16[(a - s.base) >>> 1] = v;
      return;
    }
    super.write16(a, v);
  }

  override write32(a: number, v: number): void {
    const s = this.cur;
    if (this.nativeOrder && a >= s.base && a + 4 <= s.end && (a & 3) === 0 && (s.writeMask & 4) !== 0) {
      s.u32[(a - s.base) >>> 2] = v;
      return;
    }
    super.write32(a, v);
  }

  override writePtr(a: number, v: number): void {
    if (this.pointerBytes === 4) this.write32(a, v);
    else this.write16(a, v);
  }

  override copy(dst: number, src: number, n: number): void {
    if (n > 0) this.move(this.span(src, n), this.span(dst, n), dst, src, n);
  }

  override work(_n: number): void {}
  override fls(): void {}
  override ffs(): void {}
  override alu(): void {}
  override chargeReadLoop(): void {}
  override chargeStatics(): void {}
}
