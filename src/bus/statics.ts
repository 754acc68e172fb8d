/**
 * An allocator's statics on the bus: its global variables (umm's heap descriptor, heap_5's
 * xStart and pxEnd, the pointer a TLSF port keeps to its control structure) live in device RAM
 * outside the heap, as a C allocator's .data/.bss do. One rule places them for built-in models
 * and C allocators alike (src/wasm/runtime.ts): the fastest region other than the heap's that
 * holds them (the nds's DTCM), else the heap's own region just below the heap (or after it).
 *
 * A StaticsPort charges each access through bus.chargeStatics (counted apart from the heap's
 * metadata traffic, in every run's `bus.statics`) at the place's cost: N, or S when the access
 * continues the previous statics access (same direction, next address), as the C runtime does.
 */
import type { DeviceProfile, HeapSpan, RegionSpec } from '../device';

export interface StaticsPlace {
  region: string;
  /** Device address of the statics' first byte. */
  base: number;
  /** The region's 12-entry cost table (costTable). */
  costs: Float64Array;
}

/** Where `bytes` of allocator statics live beside `heap`; `costs` is the bus's costTable. */
export function placeStatics(dev: DeviceProfile, heap: HeapSpan, bytes: number, costs: (r: RegionSpec) => Float64Array): StaticsPlace {
  const heapReg = dev.regions.find((r) => r.name === heap.region)!;
  const others = dev.regions.filter((r) => r.name !== heap.region && r.size >= bytes);
  others.sort((a, b) => costs(a)[4]! - costs(b)[4]!);
  const fast = others[0];
  if (fast && costs(fast)[4]! <= costs(heapReg)[4]!) return { region: fast.name, base: fast.base, costs: costs(fast) };
  const below = heap.base - bytes;
  const base = below >= heapReg.base ? below & ~15 : heap.base + heap.size;
  return { region: heapReg.name, base, costs: costs(heapReg) };
}

/** What a StaticsPort needs of the bus. */
export interface StaticsBus {
  chargeStatics(cycles: number, write: boolean, bytes: number): void;
}

/** Charged reads and writes of an allocator's globals, addressed by byte offset into them. */
export class StaticsPort {
  private readonly bus: StaticsBus;
  private readonly costs: Float64Array;
  readonly place: StaticsPlace;
  private last = -1;
  private lastDir = 0;

  constructor(bus: StaticsBus, place: StaticsPlace) {
    this.bus = bus;
    this.place = place;
    this.costs = place.costs;
  }

  /** A read of `w` bytes (1, 2 or 4) at byte offset `off` of the statics. */
  read(off: number, w: 1 | 2 | 4): void {
    this.charge(off, w, 0);
  }

  write(off: number, w: 1 | 2 | 4): void {
    this.charge(off, w, 1);
  }

  private charge(off: number, w: number, dir: number): void {
    const seq = off === this.last && dir === this.lastDir ? 1 : 0;
    this.bus.chargeStatics(this.costs[dir * 6 + (w === 1 ? 0 : w === 2 ? 2 : 4) + seq]!, dir === 1, w);
    this.last = off + w;
    this.lastDir = dir;
  }
}
