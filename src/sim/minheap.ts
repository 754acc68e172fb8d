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
import { getFactory } from '../alloc';
import type { PackedTrace } from '../trace/types';
import { robsonBound } from '../metrics';
import { alignDown, alignUp } from '../util/units';
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
}

export function minHeap(trace: PackedTrace, cfg: Omit<RunConfig, 'heapSize' | 'whatIf'>, opts: MinHeapOptions = {}): MinHeapResult {
  const tol = Math.max(0, opts.tolerance ?? 0);
  const dev = cfg.device;
  const align = dev.alignment;
  const locks = cfg.locks ?? 'none';
  // Apply the lock model once; the replays below reuse the cached result.
  applyLocks(trace, locks, cfg.seed ?? 1);
  const spans = heapSpans(dev);
  const first = spans[0]!;
  const region = dev.regions.find((r) => r.name === first.region)!;
  const deviceLimit = region.base + region.size - first.base;
  const f = cfg.factory ?? getFactory(cfg.allocator);
  // A multi-heap allocator is searched on the first heap alone, so its answer compares with
  // the single-heap allocators' (with every heap it would "need" only what spills over).
  const multi = f.multiHeap && dev.heaps.length > 1;
  const searchCfg = multi ? { ...cfg, device: { ...dev, heaps: [dev.heaps[0]!] as typeof dev.heaps } } : cfg;
  const otherHeapsBytes = 0;
  // Heaps beyond what the device's pointers can address are not worth simulating.
  const addrLimit = dev.cpu.pointerBytes === 2 ? 0x10000 : 2 ** 32;
  const maxHeap = Math.max(align, Math.min(MAX_HEAP, alignDown(addrLimit - first.base, align)));

  let runs = 0;
  const attempt = (size: number, full: boolean): RunResult | null => {
    runs++;
    let r: RunResult;
    try {
      r = replay(trace, {
        ...searchCfg, heapSize: size, whatIf: true, series: false,
        lean: !full, stopAtFirstOom: !full,
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
  const works = (size: number): boolean => {
    const r = attempt(size, false);
    const ok = clean(r);
    if (!ok && (failedAt === null || size > failedAt.size)) failedAt = { size, r };
    return ok;
  };
  /** Close enough: the gap to the largest failing size is within the tolerance of the clean end. */
  const closeEnough = (): boolean => tol > 0 && hi - lo < Math.max(align, Math.floor(tol * hi));

  // Upper bound: the device heap, doubled until clean.
  let hi = Math.min(maxHeap, alignUp(first.size, align));
  let probe = attempt(hi, false);
  if (!clean(probe)) failedAt = { size: hi, r: probe };
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
    probe = attempt(hi, false);
    if (!clean(probe)) failedAt = { size: hi, r: probe };
  }
  const peakLive = probe!.summary.peakLive;
  const floor = f.multiHeap ? align : Math.max(align, alignUp(peakLive, align));
  let lo = Math.min(floor, hi);
  // Gallop up from a first guess, the most the clean run ever used: most allocators need a
  // little more than that, so the bisection interval shrinks from [peakLive, device heap] to a
  // few percent of the answer. Failing sizes are cheap (the run stops at the first OOM).
  const firstHeapUsed = probe!.summary.maxUsed - otherHeapsBytes;
  let guess = alignUp(Math.max(lo, Math.ceil(firstHeapUsed * 1.02)), align);
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
    // Tolerant search: no extra full run below; "below" is the largest size seen failing (a
    // search run that stopped at its first OOM, so its OOM count is a lower bound: at least 1).
    const fa = failedAt as { size: number; r: RunResult | null } | null;
    if (fa) below = { heapSize: fa.size, ooms: fa.r ? fa.r.summary.ooms : -1, status: fa.r ? fa.r.status : 'aborted' };
    note = `tolerance ${(tol * 100).toFixed(2)} %: the answer is a verified clean size at most that far above the smallest clean size this search would find`;
  }
  for (let k = 0; tol === 0; k++) {
    const b = hi - align;
    if (b < align) break;
    const rb = attempt(b, true);
    below = { heapSize: b, ooms: rb ? rb.summary.ooms : -1, status: rb ? rb.status : 'aborted' };
    if (!clean(rb)) break;
    monotonic = false;
    if (k >= MAX_RESEARCH) {
      note = `OOM-freedom is not monotonic in the heap size: ${b} bytes also runs clean; stopped searching after ${k + 1} retries`;
      hi = b;
      break;
    }
    hi = b;
    lo = Math.min(floor, hi);
    // Search below the clean size again; a size below peakLive cannot work.
    lo = Math.max(align, Math.min(lo, hi));
    bisect();
  }
  if (!monotonic && !note) note = 'OOM-freedom is not monotonic in the heap size: a clean run was found below the first bisection answer';

  const at = attempt(hi, true);
  if (!at || !clean(at)) {
    // Should not happen (hi was clean in a search run); report honestly.
    throw new SimError('USAGE', `min-heap verification failed: ${cfg.allocator} at ${hi} bytes is not clean on a full run`);
  }
  const facts = traceFacts(trace);
  const minHeap = hi;
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
    fitsDevice: minHeap <= deviceLimit,
    deviceLimit,
    otherHeapsBytes,
    alignment: align,
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

function violationError(cfg: Omit<RunConfig, 'heapSize' | 'whatIf'>, r: RunResult, size: number): SimError {
  const v = r.violation!;
  return new SimError('USAGE', `${cfg.allocator} violated an invariant at op ${v.op} (line ${v.line}) with a ${size}-byte heap: ${v.message}`, {
    exitCode: 1,
  });
}
