/**
 * The memory port: the one interface an allocator writes its helpers against.
 *
 * Two ports stand behind it. The `MemoryBus` itself is the counted port: every read and write
 * is charged in device cycles and counted, and the ALU calls (work, fls, ffs, alu) charge the
 * core's costs. `bus.observer` is the uncounted port over the same memory: reads are peeks,
 * writes are pokes, ALU calls charge nothing. A helper such as `sizeOf(m, b)` is written once;
 * the operations pass the bus, the observers (walk, check, usableSize) and the uncharged
 * initialisation pass `bus.observer`.
 */
import type { AluKind } from './cpu';

export interface MemPort {
  /** True for the counted bus, false for the observer view. */
  readonly counted: boolean;
  read8(a: number): number;
  read16(a: number): number;
  read32(a: number): number;
  /** A pointer-sized load (16-bit on AVR, 32-bit elsewhere). */
  readPtr(a: number): number;
  write8(a: number, v: number): void;
  write16(a: number, v: number): void;
  write32(a: number, v: number): void;
  writePtr(a: number, v: number): void;
  /** n cycles of simple ALU work. */
  work(n: number): void;
  /** A bit scan for the highest / lowest set bit, at the core's cost. */
  fls(): void;
  ffs(): void;
  /** A named ALU operation at the core's cost, `times` times in a row (default once). */
  alu(kind: AluKind, times?: number): void;
}

/** What the observer port needs of the bus: its uncounted accesses. */
interface Peekable {
  peek8(a: number): number;
  peek16(a: number): number;
  peek32(a: number): number;
  peekPtr(a: number): number;
  poke8(a: number, v: number): void;
  poke16(a: number, v: number): void;
  poke32(a: number, v: number): void;
  pokePtr(a: number, v: number): void;
}

/** The uncounted port: peeks and pokes of the bus's memory, free ALU calls. */
export class ObserverPort implements MemPort {
  readonly counted = false;
  private readonly m: Peekable;
  constructor(m: Peekable) {
    this.m = m;
  }
  read8(a: number): number {
    return this.m.peek8(a);
  }
  read16(a: number): number {
    return this.m.peek16(a);
  }
  read32(a: number): number {
    return this.m.peek32(a);
  }
  readPtr(a: number): number {
    return this.m.peekPtr(a);
  }
  write8(a: number, v: number): void {
    this.m.poke8(a, v);
  }
  write16(a: number, v: number): void {
    this.m.poke16(a, v);
  }
  write32(a: number, v: number): void {
    this.m.poke32(a, v);
  }
  writePtr(a: number, v: number): void {
    this.m.pokePtr(a, v);
  }
  work(_n: number): void {}
  fls(): void {}
  ffs(): void {}
  alu(_kind: AluKind, _times?: number): void {}
}
