/**
 * Squeeze: how each allocator fails as the heap shrinks (issue 11, design §9 `squeeze`).
 *
 * How it works
 * ------------
 * For every trace and allocator: the verified min heap (the same search, tolerance and run
 * settings as compare's), then one replay at each size of a ladder of first-heap sizes running
 * from that min heap down to below peak live. Every replay runs the whole trace under the run's
 * NULL-handling policy (`fail` drops the object, `release` frees the program's oldest objects
 * and retries, `abort` stops at the first failure; `compact` lets a moving allocator compact
 * first) and is lean: the OOM events carry all that is needed (op, size, free bytes, largest
 * allocatable, live bytes, outcome), so no per-op walks are paid for.
 *
 * Default ladder (SQUEEZE_STEPS = 10 sizes per allocator): the min heap itself (it is verified
 * clean, so its row needs no replay), 90 % of it, then evenly spaced steps down to 90 % of
 * peak live. `--heaps` gives one explicit ladder for every allocator instead: a list of sizes
 * or FROM:TO:STEP. Sizes are aligned down to the device's alignment.
 *
 * Multi-heap devices: the ladder sizes the first heap (what `--heap` sets), as the min-heap
 * search does; an allocator that can use the device's other heaps (heap5) keeps them at their
 * profile size, so it fails later: that is what it would do on the device. `managed` says how
 * many bytes the allocator had in all.
 *
 * Per size (SqueezePoint): failed requests (allocs and reallocs the policy could not satisfy)
 * and their requested bytes; how many were fragmentation (free bytes >= the request, no block
 * large enough) and how many exhaustion; the first failing op, its share of the trace, and the
 * free bytes and largest allocatable block at that moment; OOMs that compaction recovered
 * (moving allocators under `compact`); objects the program released (`release`); ops skipped
 * because their object had been dropped; the run's status.
 */
import type { AllocatorFactory, Params } from '../alloc';
import type { DeviceProfile } from '../device';
import { SimError } from '../errors';
import type { MinHeapResult, OomEvent, RunConfig, RunResult } from '../sim';
import { runJobs } from '../sim/parallel';
import type { Job, JobOutcome } from '../sim/parallel';
import type { MixInfo, PackedTrace } from '../trace';
import { alignDown, requireSize } from '../util/units';

/** Heap sizes per allocator in the default ladder. */
export const SQUEEZE_STEPS = 10;
/** The default ladder ends at this fraction of peak live (below it every allocator must fail). */
export const SQUEEZE_BOTTOM = 0.9;
/** The summary line's probe: this fraction of the allocator's min heap. */
export const SUMMARY_FRACTION = 0.9;

/** An explicit ladder (`--heaps`): sizes in bytes, as given (aligned when used). */
export type HeapLadder = { sizes: number[] };

export interface SqueezePoint {
  /** First-heap size of this replay (bytes). */
  heap: number;
  /** Bytes the allocator managed (all the heaps it uses). */
  managed: number;
  /** heap / the allocator's min heap (NaN when no min heap was found). */
  ofMinHeap: number;
  /** heap / peak live. */
  ofPeakLive: number;
  status: 'ok' | 'aborted' | 'violation' | 'oom' | 'error';
  /** Requests (alloc + realloc) that failed after the policy did what it could. */
  failures: number;
  /** Σ requested sizes of those requests. */
  failedBytes: number;
  /** Failures with free bytes >= the request (no block large enough). */
  fragmentation: number;
  /** Failures with free bytes < the request. */
  exhaustion: number;
  /** OOMs that compaction recovered (moving allocators, policy `compact` or `release`). */
  recovered: number;
  /** Objects the program released to make room (policy `release`). */
  released: number;
  /** Later ops on dropped or released objects, skipped. */
  skippedOps: number;
  /** Ops run (less than the trace when aborted). */
  opsRun: number;
  firstFailure: null | {
    op: number;
    line: number;
    kind: 'alloc' | 'realloc';
    size: number;
    /** op / trace ops: how far into the trace the first failure came. */
    at: number;
    free: number;
    largest: number;
    live: number;
    fragmentation: boolean;
  };
  /** Why the replay could not run (heap too small for the allocator's own metadata, ...). */
  error?: string;
}

export interface SqueezeAllocator {
  allocator: string;
  params: Params;
  moving: boolean;
  multiHeap: boolean;
  /** The verified min heap (null when the search failed: minHeapError says why). */
  minHeap: number | null;
  minHeapError?: string;
  /** One row per ladder size, largest first. */
  points: SqueezePoint[];
  /** The one-line summary's figures: the replay at SUMMARY_FRACTION of min heap. */
  summary: SqueezeSummary | null;
}

export interface SqueezeSummary {
  /** The allocator runs clean at minHeap and starts failing below it. */
  startsFailingBelow: number;
  /** The probe size (SUMMARY_FRACTION × min heap, aligned). */
  probe: number;
  failures: number;
  /** fragmentation / failures (0 when there were none). */
  fragmentationShare: number;
  /** Share of the trace run before the first failure (1 when none). */
  firstFailureAt: number;
}

export interface SqueezeTrace {
  trace: string;
  ops: number;
  peakLive: number;
  mix?: MixInfo;
  allocators: SqueezeAllocator[];
}

export interface SqueezeReport {
  schema: 1;
  kind: 'squeeze';
  device: string;
  /** The device's first heap as the profile gives it. */
  deviceHeap: number;
  policy: string;
  locks: string;
  /** 'default' or the explicit ladder. */
  ladder: 'default' | number[];
  minHeapTolerance: number;
  traces: SqueezeTrace[];
}

// ---- the ladder -------------------------------------------------------------------------

/**
 * Parses `--heaps`: `LIST` (sizes separated by commas) or `FROM:TO:STEP` (both ends included
 * when on the grid; FROM > TO walks down). Sizes take units (64KiB).
 */
export function parseHeaps(v: string): HeapLadder {
  const s = v.trim();
  const range = s.split(':');
  let sizes: number[];
  if (range.length === 3) {
    const [from, to, step] = range.map((x) => requireSize(x, '--heaps')) as [number, number, number];
    if (!(step > 0)) throw new SimError('USAGE', `--heaps "${v}": STEP must be positive`);
    if (Math.abs(to - from) / step > 1000) throw new SimError('USAGE', `--heaps "${v}": more than 1000 sizes`);
    sizes = [];
    const dir = to >= from ? 1 : -1;
    for (let x = from; dir > 0 ? x <= to : x >= to; x += dir * step) sizes.push(x);
  } else if (range.length === 1) sizes = s.split(',').filter((x) => x.trim() !== '').map((x) => requireSize(x, '--heaps'));
  else throw new SimError('USAGE', `--heaps "${v}": expected a list (64KiB,96KiB) or FROM:TO:STEP`);
  if (sizes.length === 0 || sizes.some((x) => !(x > 0))) throw new SimError('USAGE', `--heaps "${v}": sizes must be positive`);
  return { sizes };
}

/**
 * The default ladder of one allocator: minHeap, SUMMARY_FRACTION × minHeap, then evenly spaced
 * down to SQUEEZE_BOTTOM × peakLive; `steps` sizes in all, aligned down, distinct, descending.
 */
export function defaultLadder(minHeap: number, peakLive: number, align: number, steps = SQUEEZE_STEPS): number[] {
  const top = minHeap;
  const second = SUMMARY_FRACTION * minHeap;
  const bottom = Math.min(second, SQUEEZE_BOTTOM * peakLive);
  const out = [top];
  const rest = Math.max(1, steps - 1);
  for (let k = 0; k < rest; k++) out.push(rest === 1 ? second : second - ((second - bottom) * k) / (rest - 1));
  return distinctDescending(out.map((x) => Math.max(align, alignDown(x, align))));
}

function distinctDescending(xs: number[]): number[] {
  return [...new Set(xs)].sort((a, b) => b - a);
}

// ---- one replay's figures -----------------------------------------------------------------

/** What squeezePoint reads of a replay (a RunResult, or the engine's lean result). */
export type RunFigures = Pick<RunResult, 'status' | 'oomEvents' | 'heap' | 'compaction'> & {
  summary: Pick<RunResult['summary'], 'ooms' | 'fragmentationOoms' | 'recoveredOoms' | 'skippedOps' | 'opsRun' | 'failedBytes' | 'releasedObjects'>;
  trace: { ops: number };
};

const failed = (e: OomEvent): boolean => e.outcome !== 'recovered';

/** The squeeze figures of one replay at first-heap size `heap`. */
export function squeezePoint(r: RunFigures, heap: number, minHeap: number | null, peakLive: number): SqueezePoint {
  const s = r.summary;
  const first = r.oomEvents.find(failed);
  return {
    heap,
    managed: r.heap.size,
    ofMinHeap: minHeap ? heap / minHeap : NaN,
    ofPeakLive: peakLive > 0 ? heap / peakLive : NaN,
    status: r.status,
    failures: s.ooms,
    failedBytes: s.failedBytes,
    fragmentation: s.fragmentationOoms,
    exhaustion: s.ooms - s.fragmentationOoms,
    recovered: s.recoveredOoms,
    released: s.releasedObjects,
    skippedOps: s.skippedOps,
    opsRun: s.opsRun,
    firstFailure: first
      ? {
          op: first.op, line: first.line, kind: first.kind, size: first.size, at: r.trace.ops > 0 ? first.op / r.trace.ops : 0,
          free: first.free, largest: first.largest, live: first.live, fragmentation: first.fragmentation,
        }
      : null,
  };
}

/** The row of a size that could not run at all. */
function errorPoint(heap: number, minHeap: number | null, peakLive: number, error: string): SqueezePoint {
  return {
    heap, managed: NaN, ofMinHeap: minHeap ? heap / minHeap : NaN, ofPeakLive: peakLive > 0 ? heap / peakLive : NaN, status: 'error',
    failures: NaN, failedBytes: NaN, fragmentation: NaN, exhaustion: NaN, recovered: 0, released: 0, skippedOps: 0, opsRun: 0,
    firstFailure: null, error,
  };
}

/** The clean row at the verified min heap (no replay needed: the search verified it). */
function cleanPoint(heap: number, managed: number, peakLive: number, ops: number): SqueezePoint {
  return {
    heap, managed, ofMinHeap: 1, ofPeakLive: peakLive > 0 ? heap / peakLive : NaN, status: 'ok', failures: 0, failedBytes: 0,
    fragmentation: 0, exhaustion: 0, recovered: 0, released: 0, skippedOps: 0, opsRun: ops, firstFailure: null,
  };
}

/** The summary line's figures from the allocator's ladder (the point at SUMMARY_FRACTION × min heap). */
export function squeezeSummary(a: Pick<SqueezeAllocator, 'minHeap' | 'points'>, align: number): SqueezeSummary | null {
  if (a.minHeap === null) return null;
  const probe = Math.max(align, alignDown(SUMMARY_FRACTION * a.minHeap, align));
  const p = a.points.find((x) => x.heap === probe);
  if (!p || p.status === 'error') return null;
  return {
    startsFailingBelow: a.minHeap,
    probe,
    failures: p.failures,
    fragmentationShare: p.failures > 0 ? p.fragmentation / p.failures : 0,
    firstFailureAt: p.firstFailure ? p.firstFailure.at : 1,
  };
}

// ---- the study ----------------------------------------------------------------------------

export interface SqueezeOptions {
  device: DeviceProfile;
  /** `factory`: an allocator outside the registry (tests; only with jobs = 1, it cannot cross threads). */
  allocators: { name: string; params: Params; moving: boolean; multiHeap: boolean; factory?: AllocatorFactory }[];
  traces: (PackedTrace & { mix?: MixInfo })[];
  /** Run settings shared by every replay and search (policy, locks, seed, compaction). */
  run: Omit<RunConfig, 'device' | 'allocator' | 'params' | 'heapSize' | 'whatIf' | 'factory'>;
  ladder?: HeapLadder;
  steps?: number;
  minHeapTolerance: number;
  jobs: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SqueezeOutcome {
  report: SqueezeReport;
  /** Crashes and violations (exit 1). */
  failures: string[];
}

function message(o: JobOutcome): string {
  if (o.ok) return '';
  return o.error instanceof SimError ? `${o.error.message} (${o.error.code})` : o.error.message;
}

export async function runSqueeze(o: SqueezeOptions): Promise<SqueezeOutcome> {
  const dev = o.device;
  const align = dev.alignment;
  const base = { ...o.run, device: dev };
  const failures: string[] = [];
  const nA = o.allocators.length;
  const own = (a: SqueezeOptions['allocators'][number]) => ({ allocator: a.name, params: a.params, ...(a.factory ? { factory: a.factory } : {}) });

  // Phase 1: the min heaps (also peak live).
  const searches: Job[] = [];
  o.traces.forEach((_, ti) => {
    for (const a of o.allocators)
      searches.push({ kind: 'minHeap', trace: ti, cfg: { ...base, ...own(a), series: false }, tolerance: o.minHeapTolerance });
  });
  const progress = (offset: number, total: () => number) => (d: number) => o.onProgress?.(offset + d, total());
  let total = searches.length * (1 + (o.steps ?? SQUEEZE_STEPS));
  const found = await runJobs(o.traces, searches, { threads: o.jobs, onProgress: progress(0, () => total) });
  const minHeaps: (MinHeapResult | null)[] = found.map((f) => (f.ok && f.kind === 'minHeap' ? f.value : null));
  found.forEach((f, k) => {
    if (!f.ok && !(f.error instanceof SimError))
      failures.push(`${o.allocators[k % nA]!.name} on ${o.traces[Math.floor(k / nA)]!.info.name}: min-heap search: ${f.error.message}`);
  });
  const peaks = o.traces.map((t, ti) => {
    const m = minHeaps.slice(ti * nA, ti * nA + nA).find((x) => x !== null);
    return m ? m.peakLive : peakLiveOf(t);
  });

  // Phase 2: the ladders.
  const ladders: number[][] = [];
  const replays: Job[] = [];
  const where: { cell: number; heap: number }[] = [];
  o.traces.forEach((_, ti) => {
    o.allocators.forEach((a, ai) => {
      const cell = ti * nA + ai;
      const m = minHeaps[cell];
      let sizes: number[];
      if (o.ladder) sizes = distinctDescending(o.ladder.sizes.map((x) => Math.max(align, alignDown(x, align))));
      else if (m) sizes = defaultLadder(m.minHeap, peaks[ti]!, align, o.steps ?? SQUEEZE_STEPS);
      else sizes = [];
      // The summary's probe is always measured (the default ladder has it as its second size).
      if (m && o.ladder) sizes = distinctDescending([...sizes, Math.max(align, alignDown(SUMMARY_FRACTION * m.minHeap, align))]);
      ladders.push(sizes);
      for (const heap of sizes) {
        if (m && heap === m.minHeap && !o.ladder) continue; // verified clean by the search
        replays.push({
          kind: 'replay', trace: ti,
          cfg: { ...base, ...own(a), heapSize: heap, whatIf: true, lean: true, series: false },
        });
        where.push({ cell, heap });
      }
    });
  });
  total = searches.length + replays.length;
  const ran = await runJobs(o.traces, replays, { threads: o.jobs, onProgress: progress(searches.length, () => total) });
  const byCell = new Map<string, JobOutcome>();
  ran.forEach((r, k) => byCell.set(`${where[k]!.cell}:${where[k]!.heap}`, r));

  const traces: SqueezeTrace[] = o.traces.map((t, ti) => ({
    trace: t.info.name,
    ops: t.ops.n,
    peakLive: peaks[ti]!,
    ...(t.mix ? { mix: t.mix } : {}),
    allocators: o.allocators.map((a, ai): SqueezeAllocator => {
      const cell = ti * nA + ai;
      const m = minHeaps[cell] ?? null;
      const mh = m ? m.minHeap : null;
      const points = ladders[cell]!.map((heap): SqueezePoint => {
        const r = byCell.get(`${cell}:${heap}`);
        if (!r) return cleanPoint(heap, managedOf(dev, a.multiHeap, heap), peaks[ti]!, t.ops.n);
        if (!r.ok || r.kind !== 'replay') {
          if (!r.ok && !(r.error instanceof SimError)) failures.push(`${a.name} on ${t.info.name} at ${heap} bytes: ${r.error.message}`);
          return errorPoint(heap, mh, peaks[ti]!, message(r));
        }
        if (r.value.status === 'violation') failures.push(`${a.name} on ${t.info.name} at ${heap} bytes: ${r.value.violation?.message ?? 'violation'}`);
        return squeezePoint(r.value, heap, mh, peaks[ti]!);
      });
      const out: SqueezeAllocator = { allocator: a.name, params: a.params, moving: a.moving, multiHeap: a.multiHeap, minHeap: mh, points, summary: null };
      if (!m) out.minHeapError = message(found[cell]!) || 'not found';
      out.summary = squeezeSummary(out, align);
      return out;
    }),
  }));
  const report: SqueezeReport = {
    schema: 1, kind: 'squeeze', device: dev.name, deviceHeap: dev.heaps[0]!.size, policy: o.run.oom, locks: o.run.locks ?? 'none',
    ladder: o.ladder ? o.ladder.sizes : 'default', minHeapTolerance: o.minHeapTolerance, traces,
  };
  return { report, failures };
}

/** Bytes an allocator manages when the first heap is `heap` (all heaps for multi-heap allocators). */
function managedOf(dev: DeviceProfile, multiHeap: boolean, heap: number): number {
  return multiHeap ? heap + dev.heaps.slice(1).reduce((s, h) => s + h.size, 0) : heap;
}

/** Peak live of a trace (Σ requested sizes of live ids), for traces no search could run. */
function peakLiveOf(t: PackedTrace): number {
  const { n, kind, id, arg } = t.ops;
  const size = new Map<number, number>();
  let live = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const k = kind[i]!;
    if (k === 0) {
      if (size.has(id[i]!)) continue;
      size.set(id[i]!, arg[i]!);
      live += arg[i]!;
    } else if (k === 1) {
      live -= size.get(id[i]!) ?? 0;
      size.delete(id[i]!);
    } else if (k === 2 && size.has(id[i]!)) {
      live += arg[i]! - size.get(id[i]!)!;
      size.set(id[i]!, arg[i]!);
    }
    if (live > peak) peak = live;
  }
  return peak;
}
