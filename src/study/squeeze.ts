/**
 * Squeeze: how each allocator fails as the heap shrinks (issue 11, design §9 `squeeze`).
 *
 * How it works
 * ------------
 * A squeeze is the study (./index.ts), exactly as compare and the default command run it: per
 * trace and allocator the device-heap run, the verified min heap (same search, band, tolerance
 * and run settings) and the tight-memory probe at 90 % of the min heap (./tight.ts), so the
 * "fails below" and "90 % min" figures are the ones under compare's tables. Then one replay at
 * each other size of a ladder of first-heap sizes running from that min heap down to below
 * peak live. Every replay runs the whole trace under the run's
 * NULL-handling policy (`fail` drops the object, `release` frees the program's oldest objects
 * and retries, `abort` stops at the first failure; `compact` lets a moving allocator compact
 * first) and is lean: the OOM events carry all that is needed (op, size, free bytes, largest
 * allocatable, live bytes, outcome), so no per-op walks are paid for.
 *
 * Default ladder (SQUEEZE_STEPS = 10 sizes per allocator): the min heap itself (it is verified
 * clean, so its row needs no replay), 90 % of it (the study's probe, not replayed again), then
 * evenly spaced steps down to 90 % of peak live. `--heaps` gives one explicit ladder for every allocator instead: a list of sizes
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
import type { Params } from '../alloc';
import type { DeviceProfile } from '../device';
import { SimError } from '../errors';
import type { GoalName } from '../report';
import { placementOnly, type RunConfig, runJobs, type Job, type JobOutcome } from '../sim';
import type { MixInfo } from '../trace';
import { alignDown, requireSize } from '../util';
import { MIN_HEAP_TOLERANCE, runStudy, studyRunBase } from './index';
import type { Study, StudySpec } from './index';
import { errorPoint, probeSize, squeezePoint, SUMMARY_FRACTION } from './tight';
import type { SqueezePoint, TightSummary } from './tight';

export { SUMMARY_FRACTION, squeezePoint } from './tight';
export type { RunFigures, SqueezePoint } from './tight';
/** The one-line summary's figures (the compare JSON's `tight`). */
export type SqueezeSummary = TightSummary;

/** Heap sizes per allocator in the default ladder. */
export const SQUEEZE_STEPS = 10;
/** The default ladder ends at this fraction of peak live (below it every allocator must fail). */
export const SQUEEZE_BOTTOM = 0.9;
/** An explicit ladder (`--heaps`): sizes in bytes, as given (aligned when used). */
export type HeapLadder = { sizes: number[] };

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

/** The clean row at the verified min heap (no replay needed: the search verified it). */
function cleanPoint(heap: number, managed: number, peakLive: number, ops: number): SqueezePoint {
  return {
    heap, managed, ofMinHeap: 1, ofPeakLive: peakLive > 0 ? heap / peakLive : NaN, status: 'ok', failures: 0, failedBytes: 0,
    fragmentation: 0, exhaustion: 0, recovered: 0, released: 0, skippedOps: 0, opsRun: ops, firstFailure: null,
  };
}

// ---- the study ----------------------------------------------------------------------------

/**
 * A squeeze is a study (./index.ts: the same traces, allocators, run settings, min-heap search
 * and 90 % probe as compare) plus the ladder's other sizes. No --oom: each allocator's natural
 * policy (moving ones compact, the others fail), reported as `compact`, which is the same thing.
 */
export type SqueezeOptions = Omit<StudySpec, 'series' | 'minHeap' | 'tight' | 'goal' | 'progress'> & {
  goal?: GoalName;
  ladder?: HeapLadder;
  steps?: number;
  onProgress?: (done: number, total: number) => void;
};

export interface SqueezeOutcome {
  report: SqueezeReport;
  /** Crashes and violations (exit 1). */
  failures: string[];
  /** The study it built on (its traces: the CLI's warnings). */
  study: Study;
}

function message(o: JobOutcome): string {
  if (o.ok) return '';
  return o.error instanceof SimError ? `${o.error.message} (${o.error.code})` : o.error.message;
}

export async function runSqueeze(o: SqueezeOptions): Promise<SqueezeOutcome> {
  const { ladder, steps = SQUEEZE_STEPS, onProgress, goal, ...spec } = o;
  // Phase 1, the study: device-heap runs, min heaps, the 90 % probes.
  let studyJobs = 0;
  const st = await runStudy({
    ...spec, goal: goal ?? 'balanced', series: false, minHeap: true, tight: true,
    progress: { update: (d, t) => { studyJobs = t; onProgress?.(d, t); }, stop: () => undefined },
  });
  const dev = st.device;
  const align = dev.alignment;
  const failures = [...st.failures];
  const base = studyRunBase(spec, dev);
  const external = new Set(spec.factories ?? []);

  // Phase 2: the ladders' other sizes (the min heap is verified clean, the probe is the study's).
  const ladders: number[][] = [];
  const replays: Job[] = [];
  const where: { cell: number; heap: number }[] = [];
  const nA = st.allocators.length;
  st.report.traces.forEach((t, ti) => {
    st.allocators.forEach((a, ai) => {
      const cell = ti * nA + ai;
      const m = t.results[ai]!.minHeap;
      let sizes: number[];
      if (ladder) sizes = distinctDescending(ladder.sizes.map((x) => Math.max(align, alignDown(x, align))));
      else if (m) sizes = defaultLadder(m.minHeap, t.peakLive, align, steps);
      else sizes = [];
      // The summary's probe is always there (the default ladder has it as its second size).
      if (m && ladder) sizes = distinctDescending([...sizes, probeSize(m.minHeap, align)]);
      ladders.push(sizes);
      for (const heap of sizes) {
        if (m && (heap === m.minHeap || heap === probeSize(m.minHeap, align))) continue;
        const cfg: RunConfig = {
          ...base, oom: a.oom, allocator: a.name, params: a.params, ...(external.has(a.factory) ? { factory: a.factory } : {}),
          heapSize: heap, whatIf: true, lean: true, series: false,
        };
        replays.push({ kind: 'replay', trace: ti, cfg: { ...cfg, ...placementOnly(st.traces[ti]!, cfg) } });
        where.push({ cell, heap });
      }
    });
  });
  const ran = await runJobs(st.traces, replays, { threads: spec.jobs, onProgress: (d, t) => onProgress?.(studyJobs + d, studyJobs + t) });
  const byCell = new Map<string, JobOutcome>();
  ran.forEach((r, k) => byCell.set(`${where[k]!.cell}:${where[k]!.heap}`, r));

  const traces: SqueezeTrace[] = st.report.traces.map((t, ti) => ({
    trace: t.trace,
    ops: t.ops,
    peakLive: t.peakLive,
    ...(t.mix ? { mix: t.mix } : {}),
    allocators: st.allocators.map((a, ai): SqueezeAllocator => {
      const cell = ti * nA + ai;
      const c = t.results[ai]!;
      const mh = c.minHeap ? c.minHeap.minHeap : null;
      const multiHeap = a.factory.multiHeap && dev.heaps.length > 1;
      const points = ladders[cell]!.map((heap): SqueezePoint => {
        const probe = st.probes[ti]![ai];
        if (probe && probe.heap === heap) return probe;
        const r = byCell.get(`${cell}:${heap}`);
        if (!r) return cleanPoint(heap, managedOf(dev, multiHeap, heap), t.peakLive, t.ops);
        if (!r.ok || r.kind !== 'replay') {
          if (!r.ok && !(r.error instanceof SimError)) failures.push(`${a.name} on ${t.trace} at ${heap} bytes: ${r.error.message}`);
          return errorPoint(heap, mh, t.peakLive, message(r));
        }
        if (r.value.status === 'violation') failures.push(`${a.name} on ${t.trace} at ${heap} bytes: ${r.value.violation?.message ?? 'violation'}`);
        return squeezePoint(r.value, heap, mh, t.peakLive);
      });
      const out: SqueezeAllocator = { allocator: a.name, params: a.params, moving: a.factory.moving, multiHeap, minHeap: mh, points, summary: c.tight ?? null };
      if (mh === null) out.minHeapError = c.minHeapError ?? c.error ?? 'not found';
      return out;
    }),
  }));
  const report: SqueezeReport = {
    schema: 1, kind: 'squeeze', device: dev.name, deviceHeap: dev.heaps[0]!.size, policy: spec.oom ?? 'compact', locks: spec.locks,
    ladder: ladder ? ladder.sizes : 'default', minHeapTolerance: spec.minHeapTolerance ?? MIN_HEAP_TOLERANCE, traces,
  };
  return { report, failures, study: st };
}

/** Bytes an allocator manages when the first heap is `heap` (all heaps for multi-heap allocators). */
function managedOf(dev: DeviceProfile, multiHeap: boolean, heap: number): number {
  return multiHeap ? heap + dev.heaps.slice(1).reduce((s, h) => s + h.size, 0) : heap;
}
