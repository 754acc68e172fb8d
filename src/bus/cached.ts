/**
 * CachedBus: the memory bus with the device's data cache (cache.ts) in front of its cacheable
 * regions. Accesses to other regions, and every uncounted access (observers, the application's
 * bytes), are exactly those of MemoryBus: a device without a cache, or a run with --no-cache,
 * uses MemoryBus itself.
 *
 * Counted reads and writes in a cacheable region are charged by the cache (a hit, or a line fill
 * and write-backs; a write miss or a write-through write at the uncached price, sequential when it
 * continues the previous access as on MemoryBus). Faults (misaligned, write width, outside the
 * heaps) are MemoryBus's: the checks run first. List walks take the counted path here
 * (plainAccess is false in a cached span), since the cache needs every address. copy() keeps
 * MemoryBus's schedule (element head and tail, word bursts with loop overhead) and sends each
 * element through the cache in order: the reads of a burst, then its writes.
 */
import type { DeviceProfile, HeapSpan } from '../device';
import { BusFault, MemoryBus, type BusCounters, type Span } from './memory';
import type { WordView } from './walk';
import { DataCache, type DataCacheSpec } from './cache';
import { PlacementBus } from './placement';

const READ = 0, WRITE = 1;
const widthIndex = (bytes: number): number => (bytes === 1 ? 0 : bytes === 2 ? 1 : 2);

export class CachedBus extends MemoryBus {
  readonly cache: DataCache;
  /** Per region index: is it cached? */
  private readonly cachedRegion: boolean[];

  constructor(device: DeviceProfile, heaps: readonly HeapSpan[], spec: DataCacheSpec) {
    super(device, heaps);
    this.cache = new DataCache(spec);
    this.cachedRegion = device.regions.map((r) => spec.regions.includes(r.name));
  }

  private cached(s: Span): boolean {
    return this.cachedRegion[s.regionIndex] === true;
  }

  private mask(w: number): number {
    return w === 1 ? 0 : w === 2 ? this.mask16 : this.mask32;
  }

  private cachedRead(a: number, w: number): Span | undefined {
    const s = this.span(a, w);
    if (!this.cached(s) || (a & this.mask(w)) !== 0) return undefined; // MemoryBus's path (splits come back here)
    this.book(s, this.cache.read(a, s.costs), READ, a, w);
    return s;
  }

  override read8(a: number): number {
    return this.cachedRead(a, 1) ? this.peek8(a) : super.read8(a);
  }

  // The fast paths of read16/read32/write16/write32 are cachedRead/cachedWrite + book + the
  // peek or poke inlined, for an aligned access inside the span of the last access in a cached
  // region (this is the simulator's innermost loop on a device with a cache); the rest goes the
  // general way above.

  override read16(a: number): number {
    const s = this.cur;
    if (a >= s.base && a + 2 <= s.end && (a & this.mask16) === 0 && this.cachedRegion[s.regionIndex] === true) {
      this.book(s, this.cache.read(a, s.costs), READ, a, 2);
      const o = a - s.base;
      return this.nativeOrder && (o & 1) === 0 ? s.u16[o >>> 1]! : s.dv.getUint16(o, this.littleEndian);
    }
    return this.cachedRead(a, 2) ? this.peek16(a) : super.read16(a);
  }

  override read32(a: number): number {
    const s = this.cur;
    if (a >= s.base && a + 4 <= s.end && (a & this.mask32) === 0 && this.cachedRegion[s.regionIndex] === true) {
      this.book(s, this.cache.read(a, s.costs), READ, a, 4);
      const o = a - s.base;
      return this.nativeOrder && (o & 3) === 0 ? s.u32[o >>> 2]! : s.dv.getUint32(o, this.littleEndian);
    }
    return this.cachedRead(a, 4) ? this.peek32(a) : super.read32(a);
  }

  private cachedWrite(a: number, w: number): boolean {
    const s = this.span(a, w);
    if (!this.cached(s) || (a & this.mask(w)) !== 0) return false;
    const bit = w === 1 ? 1 : w === 2 ? 2 : 4;
    if ((s.writeMask & bit) === 0) {
      if (w === 4 && (s.writeMask & 2) !== 0) return false; // MemoryBus splits it into halfwords (cached here)
      throw new BusFault('write-width', a, w, s.region, `region does not accept ${w * 8}-bit writes`);
    }
    const seq = a === this.lastEnd && this.lastDir === WRITE ? 1 : 0;
    const uncached = s.costs[6 + widthIndex(w) * 2 + seq]!;
    this.book(s, this.cache.write(a, uncached), WRITE, a, w);
    return true;
  }

  override write8(a: number, v: number): void {
    if (this.cachedWrite(a, 1)) this.poke8(a, v);
    else super.write8(a, v);
  }

  override write16(a: number, v: number): void {
    const s = this.cur;
    if (a >= s.base && a + 2 <= s.end && (a & this.mask16) === 0 && (s.writeMask & 2) !== 0 && this.cachedRegion[s.regionIndex] === true) {
      this.book(s, this.cache.write(a, s.costs[6 + 2 + (a === this.lastEnd && this.lastDir === WRITE ? 1 : 0)]!), WRITE, a, 2);
      s.dv.setUint16(a - s.base, v & 0xffff, this.littleEndian);
      return;
    }
    if (this.cachedWrite(a, 2)) this.poke16(a, v);
    else super.write16(a, v);
  }

  override write32(a: number, v: number): void {
    const s = this.cur;
    if (a >= s.base && a + 4 <= s.end && (a & this.mask32) === 0 && (s.writeMask & 4) !== 0 && this.cachedRegion[s.regionIndex] === true) {
      this.book(s, this.cache.write(a, s.costs[6 + 4 + (a === this.lastEnd && this.lastDir === WRITE ? 1 : 0)]!), WRITE, a, 4);
      const o = a - s.base;
      if (this.nativeOrder && (o & 3) === 0) s.u32[o >>> 2] = v;
      else s.dv.setUint32(o, v >>> 0, this.littleEndian);
      return;
    }
    if (this.cachedWrite(a, 4)) this.poke32(a, v);
    else super.write32(a, v);
  }

  // Pointer-sized accesses restated here so their calls bind to this class's reads and writes.
  override readPtr(a: number): number {
    return this.pointerBytes === 4 ? this.read32(a) : this.read16(a);
  }

  override writePtr(a: number, v: number): void {
    if (this.pointerBytes === 4) this.write32(a, v);
    else this.write16(a, v);
  }

  /** A cached span needs every address: walks take the counted path there. */
  override plainAccess(a: number, w: number): boolean {
    const c = this.cur;
    if (a >= c.base && a + w <= c.end && this.cachedRegion[c.regionIndex] === true) return false; // the common case, decided at once
    return super.plainAccess(a, w) && !this.cached(this.span(a, w));
  }

  /** Nor may a walk peek a cached span through its word views. */
  override wordView(): WordView | null {
    const v = super.wordView();
    return v !== null && this.cached(v as Span) ? null : v;
  }

  override chargeReadLoop(a: number, w: number, reads: number, alu: number, n: number, aluAfter?: number, endsAt?: number, seqReads?: number): void {
    if (n > 0 && this.cached(this.span(a, w))) throw new Error('chargeReadLoop in a cached region: walks there must use counted reads (plainAccess is false)');
    super.chargeReadLoop(a, w, reads, alu, n, aluAfter, endsAt, seqReads);
  }

  override copy(dst: number, src: number, n: number): void {
    if (n <= 0) return;
    const ss = this.span(src, n);
    const ds = this.span(dst, n);
    if (!this.cached(ss) && !this.cached(ds)) return super.copy(dst, src, n);
    this.move(ss, ds, dst, src, n);
    const u = ds.minWrite;

    // MemoryBus's schedule, each element through the cache (see the header): elements one at a
    // time (runs of 1), words in bursts of burstBytes.
    const wb = Math.max(u, Math.min(4, this.wordBytes));
    this.xReadC = this.xWriteC = this.xLoopC = this.xAccesses = 0;
    if ((src - dst) % wb === 0 && wb > u) {
      const head = Math.min(n, (wb - (dst % wb)) % wb);
      const words = Math.floor((n - head) / wb);
      this.runs(ss, ds, src, dst, 0, head / u, u, 1);
      this.runs(ss, ds, src, dst, head, words, wb, Math.max(1, Math.floor(this.burstBytes / wb)));
      this.runs(ss, ds, src, dst, head + words * wb, (n - head - words * wb) / u, u, 1);
    } else if (wb === u) {
      this.runs(ss, ds, src, dst, 0, n / u, u, Math.max(1, Math.floor(this.burstBytes / u)));
    } else {
      this.runs(ss, ds, src, dst, 0, n / u, u, 1);
    }
    const readC = this.xReadC, writeC = this.xWriteC, loopC = this.xLoopC, accesses = this.xAccesses;
    const c = readC + writeC + loopC;
    this.cycles += c;
    this.copyCycles += c;
    this.copyBytes += n;
    this.copyAccesses += accesses;
    ss.cycles += readC;
    ss.accesses += accesses;
    ds.cycles += writeC + loopC;
    ds.accesses += accesses;
    this.lastEnd = -1;
  }

  /** Scratch accumulators of copy() (fields: a copy allocates nothing). */
  private xReadC = 0;
  private xWriteC = 0;
  private xLoopC = 0;
  private xAccesses = 0;

  /**
   * Moves `units` elements of `bytes` from src + at to dst + at in runs of `per` (a burst: its
   * reads, then its writes, then the loop overhead), each access through the cache where the
   * region is cached, else at the region's N (first of a run) / S price.
   */
  private runs(ss: Span, ds: Span, src: number, dst: number, at: number, units: number, bytes: number, per: number): void {
    const wi = widthIndex(bytes);
    const cs = this.cached(ss), cd = this.cached(ds);
    for (let k = 0; k < units; k += per) {
      const count = Math.min(per, units - k);
      const base = at + k * bytes;
      for (let i = 0; i < count; i++) this.xReadC += cs ? this.cache.read(src + base + i * bytes, ss.costs) : ss.costs[wi * 2 + (i > 0 ? 1 : 0)]!;
      for (let i = 0; i < count; i++) {
        const uncached = ds.costs[6 + wi * 2 + (i > 0 ? 1 : 0)]!;
        this.xWriteC += cd ? this.cache.write(dst + base + i * bytes, uncached) : uncached;
      }
      this.xLoopC += this.loopCycles;
      this.xAccesses += count;
    }
  }

  override counters(): BusCounters {
    return { ...super.counters(), cache: this.cache.counters() };
  }
}

/**
 * The bus a run uses: a CachedBus when the device profile has a data cache and `cache` is not
 * false (--no-cache), else a MemoryBus.
 */
export function makeBus(device: DeviceProfile, heaps: readonly HeapSpan[], opts: { cache?: boolean; costs?: boolean } = {}): MemoryBus {
  if (opts.costs === false) return new PlacementBus(device, heaps);
  const dc = device.dataCache;
  if (opts.cache === false || !dc || !('sizeBytes' in dc)) return new MemoryBus(device, heaps);
  return new CachedBus(device, heaps, dc);
}
