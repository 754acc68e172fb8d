/**
 * The simulated memory bus.
 *
 * Allocators keep all their state (headers, free lists, bitmaps, handle tables) in simulated
 * RAM and reach it only through this bus, which charges every access in CPU cycles from the
 * device profile and counts accesses by kind (metadata, payload copy, ALU) and by region.
 *
 * Cycle model. Each region has a bus width and, per access width, a cost in CPU cycles for a
 * non-sequential (N) and a sequential (S) access. An access is sequential when it continues the
 * previous access of the same direction at the next address with no ALU work in between: what an
 * LDM/STM burst or a compiler-merged pair of adjacent field loads does. Everything else is
 * non-sequential. An access wider than the bus is split by the memory controller into one N and
 * then S accesses of the bus width (N32 = N16 + S16 and S32 = 2·S16 on a 16-bit bus) unless the
 * profile gives the wide cost explicitly; a narrower access costs the bus-width access unless the
 * profile gives its own. Writes cost the same as reads unless the region has `writeCycles`.
 * `copy` (memmove) moves word-aligned data in bursts of `copyBurstBytes`: each burst is one N and
 * then S word reads from the source region, one N and then S word writes to the destination
 * region, plus `copyLoopCycles` of loop overhead; the unaligned head and tail, and buffers that
 * are misaligned to each other, go one element at a time (N read + N write + loop overhead per
 * element; an element is a byte, or a halfword into a region that takes no byte writes).
 * `work(n)` charges n cycles of simple ALU work (add, shift, logic: one cycle each); the
 * operations whose cost depends on the core are named and charged from the CPU cost table
 * (cpu.ts): `fls()`, `ffs()` (bit scans: one CLZ where the core has it, a software loop where
 * not) and `alu(kind)` (multiply, compare-and-branch).
 *
 * Only the heap spans are backed by memory: an allocator access outside its heaps is a
 * BusFault ('outside-heap' inside a region, 'unmapped' elsewhere), as is an access crossing
 * the end of a heap ('out-of-region'), a misaligned access on a device whose profile says
 * `unaligned: "fault"` (an access of w bytes must be aligned to min(w, cpu.accessAlignment)),
 * and a write of a width the region does not accept ('write-width').
 *
 * The application side (the replay engine writing and checking payload patterns) uses the
 * uncounted `appBytes` view; observers (walk, check, metrics) use the uncounted `peek*`.
 *
 * Memory port. Allocators write each helper once against `MemPort` (port.ts): the bus itself
 * is the counted port, `bus.observer` the uncounted one (peeks and pokes, no cycles), so one
 * `sizeOf(m, b)` serves alloc (counted) and check() (uncounted) alike. List walks charge
 * through `ListWalk` (walk.ts), which peeks the plain steps and charges them in one
 * chargeReadLoop call: the same cycles and counters as a counted walk, written once.
 */
import type { DeviceProfile, HeapSpan, RegionSpec } from '../device';
import { hex } from '../util';
import { cpuCosts, type AluKind, type CpuCosts } from './cpu';
import { ObserverPort, type MemPort } from './port';
import type { CacheCounters } from './cache';
import type { WordView } from './walk';
import { StaticsPort, placeStatics } from './statics';

export type BusFaultKind = 'unmapped' | 'outside-heap' | 'out-of-region' | 'misaligned' | 'write-width';

export class BusFault extends Error {
  readonly kind: BusFaultKind;
  readonly addr: number;
  readonly region: string | undefined;
  constructor(kind: BusFaultKind, addr: number, width: number, region: string | undefined, detail = '') {
    const where = region ? ` in region "${region}"` : '';
    super(`bus fault (${kind}): ${width * 8}-bit access at ${hex(addr)}${where}${detail ? ': ' + detail : ''}`);
    this.name = 'BusFault';
    this.kind = kind;
    this.addr = addr;
    this.region = region;
  }
}

const W8 = 0, W16 = 1, W32 = 2;
const READ = 0, WRITE = 1;
/** Index into a cost table: dir * 6 + widthIndex * 2 + seq. */
const at = (dir: number, wi: number, seq: number): number => dir * 6 + wi * 2 + seq;
const widthIndex = (bytes: number): number => (bytes === 1 ? W8 : bytes === 2 ? W16 : W32);
/** Is the host little-endian (typed-array word views then read a little-endian device's words)? */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Heap buffers of finished replays (MemoryBus.release), by byte length, for the next bus of the
 * same size: a fresh multi-MiB ArrayBuffer costs page faults and external-memory GC, about 100×
 * the zeroing of a reused one (a min-heap search makes hundreds of replays at a few sizes).
 * Per thread; at most SPARE_BYTES held.
 */
const spare = new Map<number, ArrayBuffer[]>();
let spareBytes = 0;
const SPARE_BYTES = 64 * 1024 * 1024;

function heapBuffer(bytes: number): ArrayBuffer {
  const b = spare.get(bytes)?.pop();
  if (b === undefined) return new ArrayBuffer(bytes);
  spareBytes -= bytes;
  new Uint8Array(b).fill(0);
  return b;
}

function spareBuffer(b: ArrayBuffer): void {
  if (spareBytes + b.byteLength > SPARE_BYTES) return;
  let l = spare.get(b.byteLength);
  if (!l) spare.set(b.byteLength, (l = []));
  l.push(b);
  spareBytes += b.byteLength;
}

const NO_BYTES = new ArrayBuffer(0);
/** The current span of a released bus: covers no address, so every access takes span() and faults. */
const RELEASED = Object.freeze({ base: 0, end: 0 }) as unknown as Span;

/** A backed heap span with the cost table of its region. */
export class Span {
  readonly base: number;
  readonly end: number;
  u8: Uint8Array;
  dv: DataView;
  /** Word views of the same memory (for aligned accesses when device and host byte order agree). */
  u16: Uint16Array;
  u32: Uint32Array;
  readonly region: string;
  readonly regionIndex: number;
  /** costs[dir * 6 + widthIndex * 2 + seq] in CPU cycles. */
  readonly costs: Float64Array;
  /** Accepted write widths as a bit mask (bit 0: 8, bit 1: 16, bit 2: 32). */
  readonly writeMask: number;
  /** Smallest write the region accepts, in bytes (1 unless the region takes no byte writes). */
  readonly minWrite: number;
  cycles = 0;
  accesses = 0;
  /** The buffer this span allocated (null once rebound to external memory or released). */
  private own: ArrayBuffer | null;
  constructor(h: HeapSpan, reg: RegionSpec, regionIndex: number) {
    this.base = h.base;
    this.end = h.base + h.size;
    const buf = heapBuffer(Math.ceil(h.size / 4) * 4);
    this.own = buf;
    this.u8 = new Uint8Array(buf, 0, h.size);
    this.dv = new DataView(buf, 0, h.size);
    this.u16 = new Uint16Array(buf);
    this.u32 = new Uint32Array(buf);
    this.region = reg.name;
    this.regionIndex = regionIndex;
    this.costs = costTable(reg);
    this.writeMask = reg.writeWidths ? reg.writeWidths.reduce((m, w) => m | (w === 8 ? 1 : w === 16 ? 2 : 4), 0) : 7;
    this.minWrite = (this.writeMask & 1) !== 0 ? 1 : (this.writeMask & 2) !== 0 ? 2 : 4;
  }

  /** Moves the span onto `mem` (its current bytes copied there); mem must start 4-byte aligned in its buffer. */
  rebind(mem: Uint8Array): void {
    const n = this.u8.length;
    mem.set(this.u8);
    this.own = null;
    const buf = mem.buffer as ArrayBuffer;
    const off = mem.byteOffset;
    this.u8 = new Uint8Array(buf, off, n);
    this.dv = new DataView(buf, off, n);
    this.u16 = new Uint16Array(buf, off, Math.floor(Math.min(buf.byteLength - off, Math.ceil(n / 4) * 4) / 2));
    this.u32 = new Uint32Array(buf, off, Math.floor(Math.min(buf.byteLength - off, Math.ceil(n / 4) * 4) / 4));
  }

  /** Hands the span's own buffer back for reuse; the span holds no bytes after. */
  release(): void {
    if (this.own) spareBuffer(this.own);
    this.own = null;
    this.u8 = new Uint8Array(NO_BYTES);
    this.dv = new DataView(NO_BYTES);
    this.u16 = new Uint16Array(NO_BYTES);
    this.u32 = new Uint32Array(NO_BYTES);
  }
}

/**
 * Expands a region's cost spec to the 12-entry table (read/write × 8/16/32 × N/S), in CPU
 * cycles: index `dir * 6 + widthIndex * 2 + seq` with dir 0 read / 1 write, widthIndex 0/1/2
 * for 8/16/32 bits, seq 0 for N / 1 for S.
 */
export function costTable(reg: RegionSpec): Float64Array {
  const t = new Float64Array(12);
  const bus = reg.busBits;
  [8, 16, 32].forEach((w, wi) => {
    for (const dir of [READ, WRITE]) {
      const spec = dir === WRITE && reg.writeCycles ? reg.writeCycles : reg.cycles;
      const n = spec[`n${w}` as 'n16'];
      const s = spec[`s${w}` as 's16'];
      const bn = spec[`n${bus}` as 'n16']!;
      const bs = spec[`s${bus}` as 's16']!;
      const k = Math.max(1, w / bus);
      t[at(dir, wi, 0)] = n ?? (w <= bus ? bn : bn + (k - 1) * bs);
      t[at(dir, wi, 1)] = s ?? (w <= bus ? bs : k * bs);
    }
  });
  return t;
}

export interface BusCounters {
  /** All cycles charged to the allocator: metaCycles + copyCycles + aluCycles + statics.cycles. */
  cycles: number;
  /** Cycles of counted single reads and writes (headers, links, bitmaps). */
  metaCycles: number;
  /** Cycles of copy() (memmove). */
  copyCycles: number;
  /** Cycles of work() (ALU). */
  aluCycles: number;
  /** True when aluCycles are estimated from executed instructions (C allocators), not a model's charges. */
  aluEstimated: boolean;
  /** C allocators: bytes from the heap base to the highest heap byte the allocator touched or handed out (0: not tracked). */
  heapHighWater: number;
  /** Counted single reads / writes (copy() accesses are not included: see copyBytes). */
  reads: number;
  writes: number;
  copyBytes: number;
  /** Bytes moved by the counted single reads / writes (metadata). */
  bytesRead: number;
  bytesWritten: number;
  /** Element or word accesses copy() made (each is one read and one write). */
  copyAccesses: number;
  /**
   * Accesses outside the heaps charged through chargeStatics (a C allocator's static data and C
   * stack): count, bytes and cycles, apart from the heap's metadata traffic.
   */
  statics: { reads: number; writes: number; bytesRead: number; bytesWritten: number; cycles: number };
  /** Memory cycles and bus accesses per region (reads, writes and copy traffic; no ALU). */
  byRegion: Record<string, { cycles: number; accesses: number }>;
  /** The data cache's hits, misses and write-backs (a CachedBus: the device has one and it is on). */
  cache?: CacheCounters;
}

export class MemoryBus implements MemPort {
  readonly device: DeviceProfile;
  /** The core's ALU costs (bit scans, multiply, ...). */
  readonly cpu: CpuCosts;
  /** The uncounted view of the same memory (peeks and pokes; ALU calls charge nothing). */
  readonly observer: MemPort;
  readonly counted = true;
  readonly heaps: readonly HeapSpan[];
  readonly littleEndian: boolean;
  readonly pointerBytes: 2 | 4;
  readonly wordBytes: number;
  /** Total cycles charged so far (metadata accesses + copies + ALU work). */
  cycles = 0;
  metaCycles = 0;
  copyCycles = 0;
  aluCycles = 0;
  reads = 0;
  writes = 0;
  copyBytes = 0;
  bytesRead = 0;
  bytesWritten = 0;
  copyAccesses = 0;
  staticReads = 0;
  staticWrites = 0;
  staticBytesRead = 0;
  staticBytesWritten = 0;
  staticCycles = 0;
  /** Set by allocators whose ALU work is an estimate from executed instructions (src/wasm). */
  aluEstimated = false;
  /** Kept by C allocators (src/wasm): see BusCounters.heapHighWater. */
  heapHighWater = 0;

  protected readonly spans: Span[];
  /** Buffers handed out by scratchBuffer (given back at release). */
  private readonly scratch: ArrayBuffer[] = [];
  protected cur: Span;
  protected lastEnd = -1;
  protected lastDir = READ;
  private readonly splitUnaligned: boolean;
  /** Device byte order equals the host's: aligned words may use the typed-array views. */
  protected readonly nativeOrder: boolean;
  /** Alignment masks for 16- and 32-bit accesses (from cpu.accessAlignment). */
  protected readonly mask16: number;
  protected readonly mask32: number;
  protected readonly burstBytes: number;
  protected readonly loopCycles: number;
  /** Scratch accumulators of copy() (fields, so a copy allocates nothing). */
  private cRead = 0;
  private cWrite = 0;
  private cLoop = 0;
  private cAccesses = 0;
  /** Bit-scan costs of the core (copied from cpu for the hot path). */
  private readonly flsCycles: number;
  private readonly ffsCycles: number;

  constructor(device: DeviceProfile, heaps: readonly HeapSpan[]) {
    this.device = device;
    this.cpu = cpuCosts(device);
    this.flsCycles = this.cpu.fls;
    this.ffsCycles = this.cpu.ffs;
    this.heaps = heaps;
    this.littleEndian = device.cpu.endianness === 'little';
    this.pointerBytes = device.cpu.pointerBytes;
    this.wordBytes = device.cpu.wordBytes;
    this.splitUnaligned = device.cpu.unaligned === 'split';
    this.nativeOrder = this.littleEndian === HOST_LE;
    const aa = device.cpu.accessAlignment ?? 4;
    this.mask16 = Math.min(2, aa) - 1;
    this.mask32 = Math.min(4, aa) - 1;
    this.burstBytes = device.cpu.copyBurstBytes ?? 16;
    this.loopCycles = device.cpu.copyLoopCycles ?? 2;
    this.spans = heaps.map((h) => {
      const ri = device.regions.findIndex((r) => r.name === h.region);
      if (ri < 0) throw new Error(`heap ${h.name} names unknown region ${h.region}`);
      return new Span(h, device.regions[ri]!, ri);
    });
    this.cur = this.spans[0]!;
    this.observer = new ObserverPort(this);
  }

  // ---- counted accesses (allocator side) -------------------------------------------------

  // The counted accesses inline span() and charge() on their fast path (same arithmetic: see
  // charge() for the cycle model); this is the simulator's innermost loop.

  read8(a: number): number {
    let s = this.cur;
    if (a < s.base || a + 1 > s.end) s = this.span(a, 1);
    const c = s.costs[W8 * 2 + (a === this.lastEnd && this.lastDir === READ ? 1 : 0)]!;
    this.cycles += c;
    this.metaCycles += c;
    s.cycles += c;
    s.accesses++;
    this.reads++;
    this.bytesRead++;
    this.lastEnd = a + 1;
    this.lastDir = READ;
    return s.u8[a - s.base]!;
  }

  read16(a: number): number {
    let s = this.cur;
    if (a < s.base || a + 2 > s.end) s = this.span(a, 2);
    if ((a & this.mask16) !== 0) return this.unalignedRead(s, a, 2);
    const c = s.costs[W16 * 2 + (a === this.lastEnd && this.lastDir === READ ? 1 : 0)]!;
    this.cycles += c;
    this.metaCycles += c;
    s.cycles += c;
    s.accesses++;
    this.reads++;
    this.bytesRead += 2;
    this.lastEnd = a + 2;
    this.lastDir = READ;
    const o = a - s.base;
    return this.nativeOrder && (o & 1) === 0 ? s.u16[o >>> 1]! : s.dv.getUint16(o, this.littleEndian);
  }

  read32(a: number): number {
    let s = this.cur;
    if (a < s.base || a + 4 > s.end) s = this.span(a, 4);
    if ((a & this.mask32) !== 0) return this.unalignedRead(s, a, 4);
    const c = s.costs[W32 * 2 + (a === this.lastEnd && this.lastDir === READ ? 1 : 0)]!;
    this.cycles += c;
    this.metaCycles += c;
    s.cycles += c;
    s.accesses++;
    this.reads++;
    this.bytesRead += 4;
    this.lastEnd = a + 4;
    this.lastDir = READ;
    const o = a - s.base;
    return this.nativeOrder && (o & 3) === 0 ? s.u32[o >>> 2]! : s.dv.getUint32(o, this.littleEndian);
  }

  write8(a: number, v: number): void {
    const s = this.span(a, 1);
    if ((s.writeMask & 1) === 0) throw new BusFault('write-width', a, 1, s.region, 'region does not accept 8-bit writes');
    this.charge(s, WRITE, W8, a, 1);
    s.u8[a - s.base] = v;
  }

  write16(a: number, v: number): void {
    let s = this.cur;
    if (a < s.base || a + 2 > s.end) s = this.span(a, 2);
    if ((a & this.mask16) !== 0) return this.unalignedWrite(s, a, 2, v);
    if ((s.writeMask & 2) === 0) throw new BusFault('write-width', a, 2, s.region, 'region does not accept 16-bit writes');
    const c = s.costs[6 + W16 * 2 + (a === this.lastEnd && this.lastDir === WRITE ? 1 : 0)]!;
    this.cycles += c;
    this.metaCycles += c;
    s.cycles += c;
    s.accesses++;
    this.writes++;
    this.bytesWritten += 2;
    this.lastEnd = a + 2;
    this.lastDir = WRITE;
    const o = a - s.base;
    if (this.nativeOrder && (o & 1) === 0) s.u16[o >>> 1] = v;
    else s.dv.setUint16(o, v, this.littleEndian);
  }

  write32(a: number, v: number): void {
    let s = this.cur;
    if (a < s.base || a + 4 > s.end) s = this.span(a, 4);
    if ((a & this.mask32) !== 0) return this.unalignedWrite(s, a, 4, v);
    if ((s.writeMask & 4) === 0) {
      // The bus carries a 32-bit store to a 16-bit-only region as two halfword stores (N then S).
      if ((s.writeMask & 2) === 0) throw new BusFault('write-width', a, 4, s.region, 'region does not accept 32-bit writes');
      this.write16(a, this.littleEndian ? v & 0xffff : v >>> 16);
      this.write16(a + 2, this.littleEndian ? v >>> 16 : v & 0xffff);
      return;
    }
    const c = s.costs[6 + W32 * 2 + (a === this.lastEnd && this.lastDir === WRITE ? 1 : 0)]!;
    this.cycles += c;
    this.metaCycles += c;
    s.cycles += c;
    s.accesses++;
    this.writes++;
    this.bytesWritten += 4;
    this.lastEnd = a + 4;
    this.lastDir = WRITE;
    const o = a - s.base;
    if (this.nativeOrder && (o & 3) === 0) s.u32[o >>> 2] = v;
    else s.dv.setUint32(o, v >>> 0, this.littleEndian);
  }

  /** A pointer-sized load (16-bit on AVR, 32-bit elsewhere). */
  readPtr(a: number): number {
    return this.pointerBytes === 4 ? this.read32(a) : this.read16(a);
  }

  writePtr(a: number, v: number): void {
    if (this.pointerBytes === 4) this.write32(a, v);
    else this.write16(a, v);
  }

  /**
   * Whether [a, a+w) lies in the span of the last access and is aligned for a w-byte access:
   * then read16/read32 there would neither fault nor split, and charge that span. Lets a list
   * walk peek its nodes and charge them with chargeReadLoop, falling back to counted reads
   * where this is false.
   */
  plainAccess(a: number, w: number): boolean {
    const c = this.cur;
    return a >= c.base && a + w <= c.end && (a & (w === 2 ? this.mask16 : this.mask32)) === 0;
  }

  /**
   * Charges n iterations of a loop body that makes `reads` non-sequential w-byte reads in the
   * heap span holding `a`, with `alu` cycles of work() after the first `aluAfter` of them
   * (default: after all): every counter ends exactly as if the body had run through
   * read16/read32 and work() n times (multiplied out when the costs and
   * the running totals are integers, which is exact; otherwise each addition in the original order). The caller
   * reads the values with peeks and guarantees the reads were plain (plainAccess) and that no
   * read continues the previous access. Afterwards the next access is non-sequential, as
   * after work(), unless `endsAt` gives the end address of the body's last read (a body that
   * ends with a read): then an access there continues it, as it would have. `seqReads`: the
   * last seqReads reads of the body each continue the read before them (adjacent field loads
   * with no work in between) and cost the sequential price; the first read never does.
   */
  chargeReadLoop(a: number, w: number, reads: number, alu: number, n: number, aluAfter = reads, endsAt = -1, seqReads = 0): void {
    if (n <= 0) return;
    const s = this.span(a, w);
    const c = s.costs[(w === 2 ? W16 : W32) * 2]!;
    const cs = s.costs[(w === 2 ? W16 : W32) * 2 + 1]!;
    const firstSeq = reads - seqReads;
    // Integers added to integer totals are exact in any order (far below 2^53).
    if (Number.isInteger(c) && (seqReads === 0 || Number.isInteger(cs)) && Number.isInteger(alu) && Number.isInteger(this.cycles) && Number.isInteger(this.metaCycles) && Number.isInteger(this.aluCycles) && Number.isInteger(s.cycles)) {
      const m = (c * firstSeq + cs * seqReads) * n;
      const k = alu * n;
      this.cycles += m + k;
      this.metaCycles += m;
      this.aluCycles += k;
      s.cycles += m;
    } else {
      for (let i = 0; i < n; i++) {
        for (let r = 0; r <= reads; r++) {
          if (r === aluAfter) {
            this.cycles += alu;
            this.aluCycles += alu;
          }
          if (r === reads) break;
          const cr = r < firstSeq ? c : cs;
          this.cycles += cr;
          this.metaCycles += cr;
          s.cycles += cr;
        }
      }
    }
    s.accesses += reads * n;
    this.reads += reads * n;
    this.bytesRead += reads * n * w;
    this.lastEnd = endsAt;
    this.lastDir = READ;
  }

  /**
   * A port for a built-in allocator's globals (`bytes` of them), placed and priced as a C
   * allocator's statics are (src/bus/statics.ts); its accesses are counted in `statics`.
   */
  staticsPort(bytes: number): StaticsPort {
    return new StaticsPort(this, placeStatics(this.device, this.heaps[0]!, bytes, costTable));
  }

  /**
   * Charges an access the caller priced itself outside the heaps: a C allocator's static data
   * and C stack (src/wasm), which live in device RAM the bus does not back. Counted apart from
   * the heap's metadata traffic; breaks a burst on the heap.
   */
  chargeStatics(cycles: number, write: boolean, bytes: number): void {
    this.cycles += cycles;
    this.staticCycles += cycles;
    if (write) {
      this.staticWrites++;
      this.staticBytesWritten += bytes;
    } else {
      this.staticReads++;
      this.staticBytesRead += bytes;
    }
    this.lastEnd = -1;
  }

  /**
   * Moves the heap span starting at `base` onto external memory (a C allocator's wasm linear
   * memory, so the allocator and the application share one copy of the heap). The span's bytes
   * are copied there; `mem` must hold the span and start 4-byte aligned in its buffer.
   */
  adoptHeapMemory(base: number, mem: Uint8Array): void {
    const s = this.spans.find((x) => x.base === base);
    if (!s) throw new Error(`no heap span starts at ${hex(base)}`);
    if (mem.length < s.u8.length || (mem.byteOffset & 3) !== 0) throw new Error('adoptHeapMemory: memory too small or misaligned');
    s.rebind(mem);
  }

  /** n cycles of simple ALU work (one-cycle adds, shifts, logic, moves). Breaks a burst. */
  work(n: number): void {
    this.cycles += n;
    this.aluCycles += n;
    this.lastEnd = -1;
  }

  /** fls: index of the highest set bit, as the core computes it (CLZ, or a software loop). */
  fls(): void {
    this.work(this.flsCycles);
  }

  /** ffs: index of the lowest set bit, as the core computes it. */
  ffs(): void {
    this.work(this.ffsCycles);
  }

  /** A named ALU operation from the core's cost table, `times` times in a row. */
  alu(kind: AluKind, times = 1): void {
    this.work(this.cpu[kind] * times);
  }

  /**
   * The current heap span's memory for a list walk's peeks (ListWalk), when the device's byte
   * order is the host's (its word views then read device words); null otherwise.
   */
  wordView(): WordView | null {
    return this.nativeOrder ? this.cur : null;
  }

  /** The alignment mask a plain w-byte access must clear (w = 2 or 4; cpu.accessAlignment). */
  accessMask(w: number): number {
    return w === 2 ? this.mask16 : this.mask32;
  }

  /** Whether a read at `a` now would continue the previous access (charged sequential). */
  continuesRead(a: number): boolean {
    return a === this.lastEnd && this.lastDir === READ;
  }

  /**
   * An upper bound of copy(dst, src, n) between equally aligned buffers in the region of the
   * heap span holding `a`: ceil(n / burst) full bursts plus 2 words and the odd bytes moved one
   * byte at a time (for a compactor's step budget, before it moves anything).
   */
  copyBound(a: number, n: number): number {
    const s = this.span(a, 1);
    const t = s.costs;
    const w = this.wordBytes >= 4 ? 4 : 2;
    const k = this.burstBytes / w;
    const wi = w === 4 ? W32 : W16;
    const burst = t[at(READ, wi, 0)]! + (k - 1) * t[at(READ, wi, 1)]! + t[at(WRITE, wi, 0)]! + (k - 1) * t[at(WRITE, wi, 1)]! + this.loopCycles;
    const byte = t[at(READ, W8, 0)]! + t[at(WRITE, W8, 0)]! + this.loopCycles;
    return Math.ceil(n / this.burstBytes) * burst + (2 * w + (n % w)) * byte;
  }

  /** The most expensive single access in the region of the heap span holding `a`. */
  maxAccessCycles(a: number): number {
    return Math.max(...this.span(a, 1).costs);
  }

  /**
   * memmove(dst, src, n) inside the heaps, charged as bursts (see the header). Overlapping
   * ranges are handled like memmove: the result is as if the source were first copied aside.
   */
  copy(dst: number, src: number, n: number): void {
    if (n <= 0) return;
    const ss = this.span(src, n);
    const ds = this.span(dst, n);
    this.move(ss, ds, dst, src, n);
    const u = ds.minWrite;

    // Cost: reads charged to the source region, writes (and loop overhead) to the destination.
    const wb = Math.max(u, Math.min(4, this.wordBytes));
    const ui = widthIndex(u);
    this.cRead = this.cWrite = this.cLoop = this.cAccesses = 0;
    if ((src - dst) % wb === 0 && wb > u) {
      // Mutually aligned: element-wise head up to a word boundary, word bursts, element-wise tail.
      const head = Math.min(n, (wb - (dst % wb)) % wb);
      const words = Math.floor((n - head) / wb);
      this.chargeBursts(words, wb, ss.costs, ds.costs);
      this.chargeSingles((n - words * wb) / u, ui, ss.costs, ds.costs);
    } else if (wb === u) {
      this.chargeBursts(n / u, u, ss.costs, ds.costs); // the element is the word: all bursts
    } else {
      this.chargeSingles(n / u, ui, ss.costs, ds.costs); // misaligned to each other
    }
    const readC = this.cRead;
    const writeC = this.cWrite;
    const loopC = this.cLoop;
    const c = readC + writeC + loopC;
    this.cycles += c;
    this.copyCycles += c;
    this.copyBytes += n;
    this.copyAccesses += this.cAccesses;
    // Loop overhead is memory-bound copy time; book it with the writes' region.
    ss.cycles += readC;
    ss.accesses += this.cAccesses;
    ds.cycles += writeC + loopC;
    ds.accesses += this.cAccesses;
    this.lastEnd = -1;
  }

  /**
   * The data movement of copy(): the bytes of [src, src+n) (in span ss) to dst (in span ds), as
   * memmove; a region that takes no byte writes needs source, destination and length aligned to
   * its smallest write (else a write-width fault).
   */
  protected move(ss: Span, ds: Span, dst: number, src: number, n: number): void {
    const u = ds.minWrite;
    if (u > 1 && ((dst | src | n) & (u - 1)) !== 0)
      throw new BusFault('write-width', dst, u, ds.region,
        `copy of ${n} bytes from ${hex(src)}: the region takes only ${u * 8}-bit or wider writes, so source, destination and length must be ${u}-byte aligned`);
    const so = src - ss.base;
    const dOff = dst - ds.base;
    if (ss === ds) ds.u8.copyWithin(dOff, so, so + n);
    else ds.u8.set(ss.u8.subarray(so, so + n), dOff);
  }

  /** Adds the cost of moving `units` units of `unitBytes` in LDM/STM-style bursts. */
  private chargeBursts(units: number, unitBytes: number, rc: Float64Array, wc: Float64Array): void {
    if (units <= 0) return;
    const wi = widthIndex(unitBytes);
    const perBurst = Math.max(1, Math.floor(this.burstBytes / unitBytes));
    const full = Math.floor(units / perBurst);
    const rest = units - full * perBurst;
    const nR = rc[at(READ, wi, 0)]!, sR = rc[at(READ, wi, 1)]!;
    const nW = wc[at(WRITE, wi, 0)]!, sW = wc[at(WRITE, wi, 1)]!;
    this.cRead += full * (nR + (perBurst - 1) * sR) + (rest > 0 ? nR + (rest - 1) * sR : 0);
    this.cWrite += full * (nW + (perBurst - 1) * sW) + (rest > 0 ? nW + (rest - 1) * sW : 0);
    this.cLoop += (full + (rest > 0 ? 1 : 0)) * this.loopCycles;
    this.cAccesses += units;
  }

  /** Adds the cost of moving `count` elements one at a time (N read + N write + loop each). */
  private chargeSingles(count: number, wi: number, rc: Float64Array, wc: Float64Array): void {
    if (count <= 0) return;
    this.cRead += count * rc[at(READ, wi, 0)]!;
    this.cWrite += count * wc[at(WRITE, wi, 0)]!;
    this.cLoop += count * this.loopCycles;
    this.cAccesses += count;
  }

  // ---- uncounted access (observers and the application side) -----------------------------

  peek8(a: number): number {
    const s = this.span(a, 1);
    return s.u8[a - s.base]!;
  }

  peek16(a: number): number {
    let s = this.cur;
    if (a < s.base || a + 2 > s.end) s = this.span(a, 2);
    const o = a - s.base;
    return this.nativeOrder && (o & 1) === 0 ? s.u16[o >>> 1]! : s.dv.getUint16(o, this.littleEndian);
  }

  peek32(a: number): number {
    let s = this.cur;
    if (a < s.base || a + 4 > s.end) s = this.span(a, 4);
    const o = a - s.base;
    return this.nativeOrder && (o & 3) === 0 ? s.u32[o >>> 2]! : s.dv.getUint32(o, this.littleEndian);
  }

  peekPtr(a: number): number {
    return this.pointerBytes === 4 ? this.peek32(a) : this.peek16(a);
  }

  /** Uncounted writes, for tests that build or corrupt a heap by hand. */
  poke8(a: number, v: number): void {
    const s = this.span(a, 1);
    s.u8[a - s.base] = v;
  }

  poke16(a: number, v: number): void {
    const s = this.span(a, 2);
    s.dv.setUint16(a - s.base, v & 0xffff, this.littleEndian);
  }

  poke32(a: number, v: number): void {
    const s = this.span(a, 4);
    s.dv.setUint32(a - s.base, v >>> 0, this.littleEndian);
  }

  pokePtr(a: number, v: number): void {
    if (this.pointerBytes === 4) this.poke32(a, v);
    else this.poke16(a, v);
  }

  /** A live, uncounted view of n bytes at a (the application's own loads and stores). */
  appBytes(a: number, n: number): Uint8Array {
    const s = this.span(a, Math.max(1, n));
    return s.u8.subarray(a - s.base, a - s.base + n);
  }

  /** Does [a, a+n) lie inside one heap span? */
  inHeap(a: number, n: number): boolean {
    for (const s of this.spans) if (a >= s.base && a + n <= s.end) return true;
    return false;
  }

  /**
   * A zeroed host buffer for an allocator's simulator-side index (not device memory: it costs
   * no simulated bytes or cycles), taken from the same store as the heaps' buffers and handed
   * back with them at release().
   */
  scratchBuffer(bytes: number): ArrayBuffer {
    const b = heapBuffer(bytes);
    this.scratch.push(b);
    return b;
  }

  /**
   * The run is over: the heaps' buffers go back for the next bus of the same size (bus.release
   * is the engine's, after a replay nobody observes); the bus must not be used after.
   */
  release(): void {
    for (const s of this.spans) s.release();
    for (const b of this.scratch) spareBuffer(b);
    this.scratch.length = 0;
    // Any access after this is a bus fault (no span covers any address).
    this.spans.length = 0;
    this.cur = RELEASED;
  }

  /** Counters so far (a copy). */
  counters(): BusCounters {
    const byRegion: BusCounters['byRegion'] = {};
    for (const s of this.spans) {
      const r = (byRegion[s.region] ??= { cycles: 0, accesses: 0 });
      r.cycles += s.cycles;
      r.accesses += s.accesses;
    }
    return {
      cycles: this.cycles, metaCycles: this.metaCycles, copyCycles: this.copyCycles, aluCycles: this.aluCycles,
      aluEstimated: this.aluEstimated, heapHighWater: this.heapHighWater, reads: this.reads, writes: this.writes, copyBytes: this.copyBytes,
      bytesRead: this.bytesRead, bytesWritten: this.bytesWritten, copyAccesses: this.copyAccesses,
      statics: {
        reads: this.staticReads, writes: this.staticWrites, bytesRead: this.staticBytesRead,
        bytesWritten: this.staticBytesWritten, cycles: this.staticCycles,
      },
      byRegion,
    };
  }

  // ---- internals -------------------------------------------------------------------------

  protected span(a: number, w: number): Span {
    const c = this.cur;
    if (a >= c.base && a + w <= c.end) return c;
    for (const s of this.spans) {
      if (a >= s.base && a < s.end) {
        if (a + w > s.end) throw new BusFault('out-of-region', a, Math.min(w, 4), s.region, `crosses the end of heap "${s.region}" at ${hex(s.end)}`);
        this.cur = s;
        return s;
      }
    }
    const reg = this.device.regions.find((r) => a >= r.base && a < r.base + r.size);
    throw new BusFault(reg ? 'outside-heap' : 'unmapped', a, Math.min(w, 4), reg?.name, reg ? 'no heap covers this address' : 'no region covers this address');
  }

  private charge(s: Span, dir: number, wi: number, a: number, w: number): void {
    const seq = a === this.lastEnd && dir === this.lastDir ? 1 : 0;
    this.book(s, s.costs[dir * 6 + wi * 2 + seq]!, dir, a, w);
  }

  /** Books a counted w-byte access at `a` that costs c cycles (CachedBus prices its own). */
  protected book(s: Span, c: number, dir: number, a: number, w: number): void {
    this.cycles += c;
    this.metaCycles += c;
    s.cycles += c;
    s.accesses++;
    if (dir === READ) {
      this.reads++;
      this.bytesRead += w;
    } else {
      this.writes++;
      this.bytesWritten += w;
    }
    this.lastEnd = a + w;
    this.lastDir = dir;
  }

  private unalignedRead(s: Span, a: number, w: number): number {
    if (!this.splitUnaligned) throw new BusFault('misaligned', a, w, s.region, `needs ${Math.min(w, (w === 2 ? this.mask16 : this.mask32) + 1)}-byte alignment`);
    let v = 0;
    for (let i = 0; i < w; i++) {
      const b = this.read8(a + i);
      v += this.littleEndian ? b * 2 ** (8 * i) : b * 2 ** (8 * (w - 1 - i));
    }
    return v;
  }

  private unalignedWrite(s: Span, a: number, w: number, v: number): void {
    if (!this.splitUnaligned) throw new BusFault('misaligned', a, w, s.region, `needs ${Math.min(w, (w === 2 ? this.mask16 : this.mask32) + 1)}-byte alignment`);
    v >>>= 0;
    for (let i = 0; i < w; i++) {
      const shift = this.littleEndian ? 8 * i : 8 * (w - 1 - i);
      this.write8(a + i, Math.floor(v / 2 ** shift) & 0xff);
    }
  }
}

// Last: cached.ts extends MemoryBus, so it must load after the class is defined (CommonJS order).
