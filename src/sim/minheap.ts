/**
 * min-heap (design §8): the smallest first-heap size, at the device's alignment granularity,
 * in which a trace runs with zero OOMs under the chosen policy.
 *
 * How it works. A first run at the device's own heap size (as a what-if, so it may exceed the
 * region) gives peakLive and maxUsed; if it OOMs, the size doubles until a run is clean (up to
 * MAX_HEAP). Sizes below peakLive cannot work for a single-heap allocator. The search then
 * gallops up from a first guess of 1.02 × maxUsed (steps of 4 %, doubling) to the first clean
 * size, and bisects between the last failing and the first clean size, keeping "hi is clean"
 * as its invariant. Search runs are lean (freeBytes() is their only observer call) and stop at
 * the first unrecovered OOM, so failing sizes are cheap. A heap too small for the allocator's
 * own metadata (SimError HEAP_TOO_SMALL) counts as failing; an invariant violation aborts the
 * search with an error.
 *
 * Verification: a full run at the answer (must have 0 OOMs) and one alignment step below (must
 * OOM). OOM-freedom is not always monotonic in the heap size (a different layout can dodge or
 * hit a bad split): when the size below also runs clean the search continues below it, a
 * bounded number of times, and the result says so (`verify.monotonic` false, `verify.note`).
 * The answer is therefore the lowest clean size this search found with a failing size one
 * step below it: a boundary, not a proof that no smaller heap works.
 *
 * A multi-heap allocator on a device with several heaps is searched with the first heap alone
 * (`verify.note` says so), so its answer compares with the single-heap allocators'. The upper
 * bound stops at MAX_HEAP or at what the device's pointers can address (64 KiB on AVR); a trace
 * that still OOMs there is an error (exit 1) naming the first failing request.
 *
 * idealFootprint comes from the clean run at the answer; Robson's bound from peakLive and the
 * smallest and largest request of the trace.
 */
import { SimError } from '../errors';
import { heapSpans } from '../device';
import { getFactory, resolveParams } from '../alloc';
import type { AllocatorFactory } from '../alloc';
import type { PackedTrace } from '../trace';
import { robsonBound } from '../metrics';
import { alignDown, alignUp } from '../util';
import { replay } from './engine';
import { applyLocks } from './lockmodel';
import { traceFacts } from './prepass';
import type { MinHeapResult, MinHeapRun, RunConfig, RunResult } from './types';

export { robsonBound };

/** The search gives up above this first-heap size (the bus backs every byte in an ArrayBuffer). */
export const MAX_HEAP = 256 * 1024 * 1024;
/** Extra downward searches when OOM-freedom turns out not to be monotonic. */
const MAX_RESEARCH = 4;

export interface MinHeapOptions {
  /**
   * Relative tolerance (e.g. 0.005): bisection stops once the verified-clean upper end is within
   * this fraction of the largest size seen failing, so the answer is a clean size at most this far
   * above the true boundary. 0 (default): exact, at the device's alignment granularity.
   */
  tolerance?: number;
  /** The band checked above the answer (default DEFAULT_BAND); `{ stretch: 0, samples: 0 }` skips it. */
  band?: BandOptions;
  /**
   * A run of the same configuration at the device heap done already (the study's device-heap
   * replay), used as the search's first probe instead of running it again; with
   * `probeHighWater`, the highest block end that run saw (see highWaterRun).
   */
  probe?: RunResult;
  probeHighWater?: number;
}

/** How much of the band above an answer the search checks (see the file header). */
export interface BandOptions {
  /** Every alignment step from answer + 1 step up to answer + stretch steps. */
  stretch: number;
  /** Then this many sizes spread evenly over the next 2 % above the answer (where layouts change most). */
  near?: number;
  /** Then this many sizes spread geometrically from there up to the device heap (included). */
  samples: number;
}

/** The min-heap command's band: 32 alignment steps, 32 sizes over the next 2 %, then 8 sampled sizes up to the device heap. */
export const DEFAULT_BAND: BandOptions = { stretch: 32, near: 32, samples: 8 };

/**
 * Allocators whose placement does not depend on the heap size below their high-water mark:
 * address-ordered first fit that cuts from the front of a free block (first-fit with
 * order=address, cut=front; FreeRTOS heap_4 and heap_5 on one heap; uClibc's free-area list),
 * and dlmalloc, whose top chunk (the untouched end of the arena) is split only when no bin and
 * not the designated victim can serve, so the heap size enters only as "does top hold nb".
 * A run in a heap of size H is the same run as in any larger heap until a block would end past
 * H, so one clean replay in a large heap gives the exact boundary: the smallest size that holds
 * the highest block end, plus whatever the allocator keeps after it (found by stepping up from
 * there), checked: clean at the answer, OOM one step below. A realloc that grows in place in a
 * large heap but has to move in a small one breaks the premise (the mark is then too high, and
 * the size below it is clean too): the search then bisects as before. tests/sim-minheap-band
 * and bench/minheap-hwm.bench.ts show the route's answer equals the bisection's.
 */
export function highWaterExact(allocator: string, params: Readonly<Record<string, unknown>>): boolean {
  if (allocator === 'heap4' || allocator === 'heap5' || allocator === 'uclibc' || allocator === 'dlmalloc') return true;
  if (allocator === 'first-fit') return String(params.order ?? 'address') === 'address' && String(params.cut ?? 'front') === 'front';
  return false;
}

/** Wraps a factory so the allocator records the highest end address (payload + usable) of any block it returned. */
function highWaterFactory(f: AllocatorFactory, mark: { end: number }): AllocatorFactory {
  return {
    ...f,
    create(ctx) {
      const a = f.create(ctx);
      const alloc = a.alloc.bind(a);
      const realloc = a.realloc.bind(a);
      const note = (h: number): number => {
        if (h !== 0) {
          const end = a.addressOf(h) + a.usableSize(h);
          if (end > mark.end) mark.end = end;
        }
        return h;
      };
      a.alloc = (size: number) => note(alloc(size));
      a.realloc = (h: number, size: number) => note(realloc(h, size));
      return a;
    },
  };
}

/**
 * One replay of `cfg` (the study's device-heap run) that also records the highest block end
 * when the allocator qualifies for the high-water route (else `highWater` is 0), so minHeap can
 * start from it (MinHeapOptions.probe).
 */
export function highWaterRun(trace: PackedTrace, cfg: RunConfig): { run: RunResult; highWater: number } {
  const f = cfg.factory ?? getFactory(cfg.allocator);
  const dev = cfg.device;
  const eligible = !(f.multiHeap && dev.heaps.length > 1) && cfg.oom !== 'compact' && highWaterExact(f.name, resolveParams(f, dev.allocators?.[f.name], cfg.params ?? {}));
  const mark = { end: 0 };
  const run = replay(trace, eligible ? { ...cfg, factory: highWaterFactory(f, mark) } : cfg);
  return { run, highWater: mark.end };
}

/**
 * What a replay that only asks where blocks go and whether allocations fail (the search's
 * probes, the tight-memory and squeeze replays) runs with: a bus that charges nothing
 * (bus/placement.ts: no cycle accounting, no data cache). Costs change what an access costs,
 * never what an allocator does, unless the allocator reads the cycle counter to decide: a
 * compaction budget (`compactBudget`), or compaction in idle time (the trace's idle ops are
 * cycle budgets). Those runs keep the configured bus. tests/sim-placement.test.ts shows that
 * every allocator places every block of the bundled traces alike on both buses.
 */
export function placementOnly(trace: PackedTrace, cfg: Pick<RunConfig, 'compactBudget'>): { costs?: false } {
  return cfg.compactBudget !== undefined || traceFacts(trace).idles > 0 ? {} : { costs: false };
}

export function minHeap(trace: PackedTrace, cfg: Omit<RunConfig, 'heapSize' | 'whatIf'>, opts: MinHeapOptions = {}): MinHeapResult {
  const tol = Math.max(0, opts.tolerance ?? 0);
  const band = opts.band ?? DEFAULT_BAND;
  const dev = cfg.device;
  const align = dev.alignment;
  const locks = cfg.locks ?? 'none';
  // Apply the lock model once; the replays below reuse the cached result.
  applyLocks(trace, locks, cfg.seed ?? 1);
  const spans = heapSpans(dev);
  const first = spans[0]!;
  const f = cfg.factory ?? getFactory(cfg.allocator);
  // A multi-heap allocator is searched on the first heap alone, so its answer compares with
  // the single-heap allocators' (with every heap it would "need" only what spills over).
  const multi = f.multiHeap && dev.heaps.length > 1;
  const searchCfg = multi ? { ...cfg, device: { ...dev, heaps: [dev.heaps[0]!] as typeof dev.heaps } } : cfg;
  const otherHeapsBytes = 0;
  // The device heap (not the region around it) is what the allocator gets.
  const deviceLimit = first.size;
  // Heaps beyond what the device's pointers can address are not worth simulating.
  const addrLimit = dev.cpu.pointerBytes === 2 ? 0x10000 : 2 ** 32;
  const maxHeap = Math.max(align, Math.min(MAX_HEAP, alignDown(addrLimit - first.base, align)));
  const resolved = resolveParams(f, dev.allocators?.[f.name], cfg.params ?? {});
  const hwm = !multi && cfg.oom !== 'compact' && highWaterExact(f.name, resolved);
  const mark = { end: 0 };
  const placement = placementOnly(trace, cfg);

  let runs = 0;
  const attempt = (size: number, full: boolean, track = false): RunResult | null => {
    runs++;
    let r: RunResult;
    try {
      r = replay(trace, {
        ...searchCfg, ...placement, heapSize: size, whatIf: true, series: false,
        lean: !full, stopAtFirstOom: !full,
        ...(track ? { factory: highWaterFactory(f, mark) } : {}),
      });
    } catch (e) {
      if (e instanceof SimError && e.code === 'HEAP_TOO_SMALL') return null;
      throw e;
    }
    if (r.status === 'violation') throw violationError(cfg, r, size);
    return r;
  };
  const clean = (r: RunResult | null): boolean => r !== null && r.summary.ooms === 0 && r.status !== 'violation' && r.status !== 'aborted';
  /** The largest size a search run saw fail (for the tolerant search's "below" record). */
  let failedAt: { size: number; r: RunResult | null } | null = null;
  /** Every size a search run saw fail (the band check reads it). */
  const failing = new Set<number>();
  const cleanSizes = new Set<number>();
  /** The clean search runs by size (lean runs still measure peak live and the ideal footprint). */
  const cleanRuns = new Map<number, RunResult>();
  const works = (size: number): boolean => {
    const r = attempt(size, false);
    const ok = clean(r);
    if (ok) {
      cleanSizes.add(size);
      cleanRuns.set(size, r!);
    }
    else failing.add(size);
    if (!ok && (failedAt === null || size > failedAt.size)) failedAt = { size, r };
    return ok;
  };
  /** Close enough: the gap to the largest failing size is within the tolerance of the clean end. */
  const closeEnough = (): boolean => tol > 0 && hi - lo < Math.max(align, Math.floor(tol * hi));

  // Upper bound: the device heap, doubled until clean.
  let hi = Math.min(maxHeap, alignUp(first.size, align));
  const reuse = opts.probe !== undefined && hi === alignUp(first.size, align) && opts.probe.heap.size === hi && !multi;
  let probe: RunResult | null;
  if (reuse) {
    probe = opts.probe!;
    mark.end = opts.probeHighWater ?? 0;
  } else probe = attempt(hi, false, hwm);
  if (!clean(probe)) {
    failedAt = { size: hi, r: probe };
    failing.add(hi);
  }
  while (!clean(probe)) {
    if (hi >= maxHeap) {
      const ev = probe?.oomEvents[0];
      const why = ev ? `; first OOM at op ${ev.op} (line ${ev.line}): ${ev.kind} of ${ev.size} bytes` : '';
      throw new SimError(
        'USAGE',
        `${cfg.allocator} runs out of memory on trace ${trace.info.name} even with a ${maxHeap}-byte heap (the most this search tries on ${dev.name})${why}`,
        { exitCode: 1 },
      );
    }
    hi = Math.min(maxHeap, hi * 2);
    mark.end = 0;
    probe = attempt(hi, false, hwm);
    if (!clean(probe)) {
      failedAt = { size: hi, r: probe };
      failing.add(hi);
    }
  }
  cleanSizes.add(hi);
  cleanRuns.set(hi, probe!);
  const probeSize = hi;
  const peakLive = probe!.summary.peakLive;
  const floor = multi ? align : Math.max(align, alignUp(peakLive, align));
  let lo = Math.min(floor, hi);
  let route: 'high-water' | 'bisection' = 'bisection';

  // The high-water route: the boundary sits at the highest block end of the clean run (plus the
  // allocator's tail); step up from there, and confirm one step below fails.
  if (hwm && mark.end > first.base) {
    let c = Math.max(lo, alignUp(mark.end - first.base, align));
    for (let k = 0; k < 16 && c < hi; k++, c += align) {
      if (!works(c)) continue;
      if (c - align < lo || !works(c - align)) {
        hi = c;
        lo = c;
        route = 'high-water';
      } else hi = c - align; // not the boundary after all: bisect below
      break;
    }
  }

  // Gallop up from a first guess, the most the clean run ever used: most allocators need a
  // little more than that, so the bisection interval shrinks from [peakLive, device heap] to a
  // few percent of the answer. Failing sizes are cheap (the run stops at the first OOM).
  if (route === 'bisection') {
    let guess = alignUp(Math.max(lo, Math.ceil(probe!.summary.maxUsed * 1.02)), align);
    let step = Math.max(align, alignUp(Math.ceil(guess * 0.04), align));
    while (guess < hi && !closeEnough()) {
      if (works(guess)) {
        hi = guess;
        break;
      }
      lo = guess + align;
      guess += step;
      step *= 2;
    }
    lo = Math.min(lo, hi);
  }

  const bisect = (): void => {
    while (lo < hi && !closeEnough()) {
      const mid = Math.max(lo, alignDown(lo + (hi - lo) / 2, align));
      if (works(mid)) hi = mid;
      else lo = mid + align;
    }
  };
  bisect();

  let monotonic = true;
  let note: string | undefined;
  let below: MinHeapRun | null = null;
  if (tol > 0) {
    // Tolerant search: "below" is the largest size seen failing (a search run that stopped at
    // its first OOM, so its OOM count is a lower bound: at least 1).
    const fa = failedAt as { size: number; r: RunResult | null } | null;
    if (fa) below = { heapSize: fa.size, ooms: fa.r ? fa.r.summary.ooms : -1, status: fa.r ? fa.r.status : 'aborted' };
    note = `tolerance ${(tol * 100).toFixed(2)} %: the answer is a verified clean size at most that far above the smallest clean size this search would find`;
  }
  for (let k = 0; tol === 0; k++) {
    const b = hi - align;
    if (b < align) break;
    // One step below the answer must fail (a search run stopping at its first OOM: ooms >= 1).
    const rb = failing.has(b) ? null : attempt(b, false);
    const bClean = !failing.has(b) && clean(rb);
    if (!bClean) failing.add(b);
    below = { heapSize: b, ooms: bClean ? 0 : rb ? rb.summary.ooms : 1, status: rb ? rb.status : 'aborted' };
    if (!bClean) break;
    cleanSizes.add(b);
    monotonic = false;
    if (k >= MAX_RESEARCH) {
      note = `OOM-freedom is not monotonic in the heap size: ${b} bytes also runs clean; stopped searching after ${k + 1} retries`;
      hi = b;
      break;
    }
    hi = b;
    lo = Math.max(align, Math.min(floor, hi));
    bisect();
  }
  if (!monotonic && !note) note = 'OOM-freedom is not monotonic in the heap size: a clean run was found below the first bisection answer';

  // The clean run at the answer (a search run: it ran the whole trace without an OOM).
  const at = cleanRuns.get(hi) ?? attempt(hi, false);
  if (!at || !clean(at)) {
    // Should not happen (hi was clean in a search run); report honestly.
    throw new SimError('USAGE', `min-heap verification failed: ${cfg.allocator} at ${hi} bytes is not clean on a full run`);
  }
  const minHeap = hi;

  // The band above the answer: does the heap keep working when it grows?
  // Every size run above the answer counts as evidence: the band's and the search's own probes.
  const bandSizes = bandAbove(minHeap, align, Math.max(probeSize, alignUp(first.size, align)), band);
  for (const sz of bandSizes) if (!cleanSizes.has(sz) && !failing.has(sz)) works(sz);
  const checked = new Set([...cleanSizes, ...failing].filter((x) => x > minHeap)).size;
  let bad = 0;
  for (const sz of failing) if (sz > minHeap) bad = Math.max(bad, sz);
  // The smallest size from which every checked size (band and search runs) was clean.
  let safeFrom = minHeap;
  if (bad > 0) {
    const above = [...bandSizes, ...cleanSizes].filter((x) => x > bad && !failing.has(x)).sort((x, y) => x - y);
    safeFrom = above[0] ?? bad + align;
    monotonic = false;
    const n = [...failing].filter((x) => x > minHeap).length;
    note = [note, `OOM-freedom is not monotonic in the heap size: ${n} checked size${n === 1 ? '' : 's'} above ${minHeap} bytes OOM (the largest ${bad}); every checked size from ${safeFrom} bytes was clean`].filter(Boolean).join('; ');
  }

  const facts = traceFacts(trace);
  return {
    schema: 1,
    device: dev.name,
    allocator: cfg.allocator,
    trace: trace.info.name,
    policy: cfg.oom,
    locks,
    peakLive: at.summary.peakLive,
    minHeap,
    ratio: at.summary.peakLive > 0 ? minHeap / at.summary.peakLive : 0,
    idealFootprint: at.summary.idealFootprint,
    robsonBound: robsonBound(at.summary.peakLive, facts.minRequest, facts.maxRequest),
    fitsDevice: safeFrom <= deviceLimit,
    deviceLimit,
    otherHeapsBytes,
    alignment: align,
    safeFrom,
    checkedSizes: checked,
    route,
    verify: {
      atMinHeap: { heapSize: hi, ooms: at.summary.ooms, status: at.status },
      below,
      monotonic,
      ...(note || multi ? { note: [note, multi ? `multi-heap allocator searched with the first heap (${first.name}) alone` : ''].filter(Boolean).join('; ') } : {}),
    },
    runs,
    ...(tol > 0 ? { tolerance: tol } : {}),
  };
}

/**
 * The sizes of the band check above `answer`: every alignment step for `stretch` steps, then
 * `near` sizes evenly over the next 2 % above the answer, then `samples` sizes spread
 * geometrically up to `top` (the device heap, or the clean probe above it), `top` included.
 * Ascending, distinct, all <= top.
 */
export function bandAbove(answer: number, align: number, top: number, band: BandOptions): number[] {
  const out = new Set<number>();
  for (let k = 1; k <= band.stretch; k++) out.add(answer + k * align);
  let from = answer + band.stretch * align;
  const near = band.near ?? 0;
  if (near > 0) {
    const end = Math.max(from, alignUp(Math.ceil(answer * 1.02), align));
    for (let k = 1; k <= near; k++) out.add(alignUp(Math.round(from + ((end - from) * k) / near), align));
    from = end;
  }
  if (band.samples > 0 && from < top) {
    const ratio = top / from;
    for (let k = 1; k <= band.samples; k++) out.add(k === band.samples ? top : alignUp(Math.round(from * ratio ** (k / band.samples)), align));
  }
  return [...out].filter((x) => x > answer && x <= top).sort((x, y) => x - y);
}

function violationError(cfg: Omit<RunConfig, 'heapSize' | 'whatIf'>, r: RunResult, size: number): SimError {
  const v = r.violation!;
  return new SimError('USAGE', `${cfg.allocator} violated an invariant at op ${v.op} (line ${v.line}) with a ${size}-byte heap: ${v.message}`, {
    exitCode: 1,
  });
}
