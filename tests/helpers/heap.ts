/**
 * Test helpers shared by every allocator test: build a bus + allocator on a device with a
 * given heap size, and an independent invariant checker that does not trust the allocator's
 * own bookkeeping beyond what walk() claims.
 */
import type { MemoryBus } from '../../src/bus';
import { loadDevice, DeviceProfile, HeapSpan } from '../../src/device';
import type { Allocator, BlockInfo, Params } from '../../src/alloc';
import { buildRig, heapProblems } from '../../src/sim';
import { Prng } from '../../src/util/prng';

export interface TestHeap {
  dev: DeviceProfile;
  bus: MemoryBus;
  heaps: HeapSpan[];
  alloc: Allocator;
}

/** An allocator on `device` (default nds) with the first heap resized to `heapSize` bytes. */
export function makeHeap(name: string, heapSize?: number, params: Params = {}, device: string | DeviceProfile = 'nds', heaps?: HeapSpan[]): TestHeap {
  const dev = typeof device === 'string' ? loadDevice(device) : device;
  // Uncached: the allocator tests state cycles in the region's own N/S costs (the data cache has
  // its own tests: bus-cache, bus-cached).
  const r = buildRig(dev, name, { heapSize, params, whatIf: true, heaps, cache: false });
  return { dev, bus: r.bus, heaps: r.heaps, alloc: r.allocator };
}

export function walkList(a: Allocator): BlockInfo[] {
  const out: BlockInfo[] = [];
  a.walk((b) => out.push({ ...b }));
  return out;
}

/**
 * The shared invariant checker (src/sim/check.ts heapProblems, the one the engine's --check
 * runs) over the handles a test holds: `live` maps each live handle to its requested size.
 * Returns every violation found (empty = healthy).
 */
export function invariantViolations(h: TestHeap, live: Map<number, number>): string[] {
  return heapProblems(h.alloc, {
    heaps: h.heaps,
    alignment: h.dev.alignment,
    requested: (hd) => live.get(hd),
    liveHandles: () => live.keys(),
  }).map((p) => p.message);
}

/** Fills a payload with an id-derived pattern through the uncounted port. */
export function fillPattern(h: TestHeap, addr: number, n: number, seed: number): void {
  const b = h.bus.appBytes(addr, n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7) & 0xff;
}

/** Index of the first byte that differs from the pattern, or -1. */
export function patternMismatch(h: TestHeap, addr: number, n: number, seed: number): number {
  const b = h.bus.appBytes(addr, n);
  for (let i = 0; i < n; i++) if (b[i] !== ((seed * 31 + i * 7) & 0xff)) return i;
  return -1;
}

export interface RandomRunOptions {
  seed: number;
  ops: number;
  heapSize: number;
  /** Largest request (default heapSize/4). Sizes are log-uniform in [1, maxSize]. */
  maxSize?: number;
  params?: Params;
  device?: string;
  /** Run the full invariant check every k ops (1 = every op). */
  checkEvery?: number;
  /** Probability of a realloc among non-alloc ops. */
  reallocRate?: number;
  /** Probe largestAllocatable exactly (alloc(L) succeeds, alloc(L+1) fails) every k ops; 0 = never. */
  probeLargestEvery?: number;
  /**
   * Moving allocators: call compact(compactBudget) every k ops (0/undefined = never), then
   * verify every live payload pattern and that no locked block moved.
   */
  compactEvery?: number;
  /** Cycle budget passed to those compact() calls (undefined = full compaction). */
  compactBudget?: number;
  /** On an alloc that fails, compact() and retry once (the engine's OOM policy `compact`). */
  compactOnOom?: boolean;
  /**
   * Fraction of new blocks locked for life (lock right after alloc; unlock before free, and
   * around realloc: unlock, realloc, relock). Drawn from a separate PRNG, so the op sequence
   * is the same as without it.
   */
  lockFraction?: number;
}

export interface RandomRunResult {
  allocs: number;
  ooms: number;
  maxLive: number;
  violations: string[];
}

/**
 * Seeded random alloc/free/realloc sequence with payload patterns, stopping at the first
 * violation (reported with the op index).
 */
export function randomRun(name: string, o: RandomRunOptions): RandomRunResult {
  const h = makeHeap(name, o.heapSize, o.params ?? {}, o.device ?? 'nds');
  const a = h.alloc;
  const rng = new Prng(o.seed);
  const maxSize = o.maxSize ?? Math.floor(o.heapSize / 4);
  const live = new Map<number, number>();
  const seeds = new Map<number, number>();
  const handles: number[] = [];
  let allocs = 0, ooms = 0, maxLive = 0, liveBytes = 0, nextSeed = 1;
  const every = o.checkEvery ?? 1;
  const size = () => Math.max(1, Math.floor(Math.exp(rng.next() * Math.log(maxSize + 1))));
  const fail = (i: number, what: string[]): RandomRunResult => ({
    allocs, ooms, maxLive, violations: what.map((w) => `seed ${o.seed} op ${i}: ${w}`),
  });
  const lockRng = new Prng(o.seed ^ 0x5bd1e995);
  const locked = new Set<number>();
  const tryAlloc = (s: number): number => {
    let hd = a.alloc(s);
    if (hd === 0 && o.compactOnOom && a.compact) {
      a.compact();
      hd = a.alloc(s);
    }
    return hd;
  };
  for (let i = 0; i < o.ops; i++) {
    const r = rng.next();
    // Bias toward allocation while the heap is fairly empty, toward frees when it is full.
    const fullness = liveBytes / o.heapSize;
    if (handles.length === 0 || r < 0.55 - fullness * 0.5) {
      const s = size();
      const hd = tryAlloc(s);
      if (hd === 0) ooms++;
      else {
        if (live.has(hd)) return fail(i, [`alloc returned live handle ${hd}`]);
        allocs++;
        live.set(hd, s);
        const sd = nextSeed++;
        seeds.set(hd, sd);
        handles.push(hd);
        liveBytes += s;
        fillPattern(h, a.addressOf(hd), s, sd);
        if (o.lockFraction && lockRng.next() < o.lockFraction) {
          a.lock(hd);
          locked.add(hd);
        }
      }
    } else {
      const k = rng.int(0, handles.length - 1);
      const hd = handles[k]!;
      const s = live.get(hd)!;
      const sd = seeds.get(hd)!;
      const bad = patternMismatch(h, a.addressOf(hd), s, sd);
      if (bad >= 0) return fail(i, [`payload of handle ${hd} (${s} bytes) corrupted at byte ${bad}`]);
      if (rng.next() < (o.reallocRate ?? 0.15)) {
        const ns = size();
        const wasLocked = locked.has(hd);
        if (wasLocked) a.unlock(hd);
        let nh = a.realloc(hd, ns);
        if (nh === 0 && o.compactOnOom && a.compact) {
          a.compact();
          nh = a.realloc(hd, ns);
        }
        if (wasLocked) {
          locked.delete(hd);
          a.lock(nh === 0 ? hd : nh);
          locked.add(nh === 0 ? hd : nh);
        }
        if (nh === 0) {
          ooms++;
          const bad2 = patternMismatch(h, a.addressOf(hd), s, sd);
          if (bad2 >= 0) return fail(i, [`failed realloc changed handle ${hd} payload at byte ${bad2}`]);
        } else {
          const keep = Math.min(s, ns);
          const bad3 = patternMismatch(h, a.addressOf(nh), keep, sd);
          if (bad3 >= 0) return fail(i, [`realloc ${s}->${ns} lost payload byte ${bad3}`]);
          live.delete(hd);
          seeds.delete(hd);
          live.set(nh, ns);
          seeds.set(nh, sd);
          handles[k] = nh;
          liveBytes += ns - s;
          fillPattern(h, a.addressOf(nh), ns, sd);
        }
      } else {
        if (locked.delete(hd)) a.unlock(hd);
        a.free(hd);
        live.delete(hd);
        seeds.delete(hd);
        handles[k] = handles[handles.length - 1]!;
        handles.pop();
        liveBytes -= s;
      }
    }
    maxLive = Math.max(maxLive, liveBytes);
    if (o.compactEvery && a.compact && i % o.compactEvery === 0) {
      const before = new Map<number, number>();
      for (const hd of locked) before.set(hd, a.addressOf(hd));
      a.compact(o.compactBudget);
      for (const [hd, addr] of before) if (a.addressOf(hd) !== addr) return fail(i, [`locked handle ${hd} moved during compact()`]);
      for (const [hd, s] of live) {
        const bad = patternMismatch(h, a.addressOf(hd), s, seeds.get(hd)!);
        if (bad >= 0) return fail(i, [`compact() corrupted handle ${hd} (${s} bytes) at byte ${bad}`]);
      }
    }
    if (i % every === 0 || i === o.ops - 1) {
      const v = invariantViolations(h, live);
      if (v.length) return fail(i, v);
    }
    if (o.probeLargestEvery && i % o.probeLargestEvery === 0) {
      const L = a.largestAllocatable();
      if (L > 0) {
        const t = a.alloc(L);
        if (t === 0) return fail(i, [`largestAllocatable ${L} but alloc(${L}) failed`]);
        a.free(t);
      }
      const t2 = a.alloc(L + 1);
      if (t2 !== 0) {
        a.free(t2);
        return fail(i, [`largestAllocatable ${L} but alloc(${L + 1}) succeeded`]);
      }
    }
  }
  return { allocs, ooms, maxLive, violations: [] };
}

/** The request sizes the footprint tests pack into an exact heap. */
export const FOOTPRINT_SIZES: readonly number[] = [1, 7, 24, 100, 333, 1000, 4000, 13];

/**
 * The idealFootprint metric trusts fixedMetadataBytes() and blockFootprint(): check them by
 * building a heap of exactly fixedMetadataBytes + Σ blockFootprint(size) (iterated to a fixed
 * point, since the control area may depend on the heap size) and allocating `sizes` in order.
 * Returns the violations (empty = every request fit and nothing allocatable was left; with
 * noFreeBytesLeft also freeBytes() = 0) and the heap size.
 */
export function footprintFillsHeap(
  name: string,
  sizes: readonly number[] = FOOTPRINT_SIZES,
  opts: { noFreeBytesLeft?: boolean } = {},
): { heap: number; violations: string[] } {
  const need = (a: Allocator) => a.fixedMetadataBytes() + sizes.reduce((s, n) => s + a.blockFootprint(n), 0);
  let heap = 65536;
  for (let i = 0; i < 6; i++) {
    const next = need(makeHeap(name, heap).alloc);
    if (next === heap) break;
    heap = next;
  }
  const a = makeHeap(name, heap).alloc;
  const v: string[] = [];
  if (need(a) !== heap) return { heap, violations: [`${name}: no fixed point (needs ${need(a)} in a heap of ${heap})`] };
  for (const n of sizes) if (a.alloc(n) === 0) v.push(`${name}: alloc(${n}) failed in a heap of ${heap}`);
  if (a.largestAllocatable() !== 0) v.push(`${name}: largestAllocatable ${a.largestAllocatable()} after filling`);
  if (opts.noFreeBytesLeft && a.freeBytes() !== 0) v.push(`${name}: ${a.freeBytes()} bytes left over`);
  if (a.alloc(1) !== 0) v.push(`${name}: alloc(1) succeeded in a full heap`);
  v.push(...a.check().map((s) => `${name}: check(): ${s}`));
  return { heap, violations: v };
}
