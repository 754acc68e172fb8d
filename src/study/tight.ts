/**
 * Tight memory in one line per allocator (issue 11 item 4): how an allocator fails when its heap
 * is a little too small. Shared by the study (the default command, compare, report: one extra
 * lean replay per trace × allocator) and squeeze (the same replay is its ladder's second size),
 * so every command that shows the answer gives the same figures.
 *
 *   "starts failing below 128.6 KiB; at 90 % of min heap: 29 failures, 97 % fragmentation,
 *    first at 27 % of the trace"
 *
 * - starts failing below: shrinking the heap from the device's, the first failures come below
 *   this size: the verified min heap, or, when a checked size above it failed (OOM-freedom is
 *   not always monotonic in the heap size), `safeFrom`, the size from which every checked size
 *   ran clean; the line then says where it is clean again.
 * - the probe: one whole-trace replay at SUMMARY_FRACTION × min heap (aligned down), lean (the
 *   OOM events carry every figure), under the run's NULL handling (moving allocators compact
 *   first): failures = requests the policy could not satisfy; fragmentation = those with enough
 *   free bytes but no block large enough; first failure = its op / the trace's ops.
 *
 * SqueezePoint / squeezePoint: the figures of one such replay at any size (squeeze's rows).
 */
import type { OomEvent, RunResult } from '../sim';
import { alignDown } from '../util';

/** The summary line's probe: this fraction of the allocator's min heap. */
export const SUMMARY_FRACTION = 0.9;

/** The probe size for a min heap: SUMMARY_FRACTION × minHeap, aligned down (at least one alignment step). */
export function probeSize(minHeap: number, align: number): number {
  return Math.max(align, alignDown(SUMMARY_FRACTION * minHeap, align));
}

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
export function errorPoint(heap: number, minHeap: number | null, peakLive: number, error: string): SqueezePoint {
  return {
    heap, managed: NaN, ofMinHeap: minHeap ? heap / minHeap : NaN, ofPeakLive: peakLive > 0 ? heap / peakLive : NaN, status: 'error',
    failures: NaN, failedBytes: NaN, fragmentation: NaN, exhaustion: NaN, recovered: 0, released: 0, skippedOps: 0, opsRun: 0,
    firstFailure: null, error,
  };
}

/** The one-line summary's figures (compare JSON `tight`, squeeze JSON `summary`). */
export interface TightSummary {
  /** Shrinking the heap, the first failures come below this size (safeFrom, else the min heap). */
  startsFailingBelow: number;
  /** The verified min heap (the smallest clean size found; below startsFailingBelow when not monotonic). */
  minHeap: number;
  /** The probe size (SUMMARY_FRACTION × min heap, aligned down). */
  probe: number;
  /** Failed requests at the probe (NaN when it could not run: `error` says why). */
  failures: number;
  /** Σ requested bytes of those requests. */
  failedBytes: number;
  /** How many of them were fragmentation (enough free bytes, no block large enough). */
  fragmentation: number;
  /** fragmentation / failures (0 when there were none). */
  fragmentationShare: number;
  /** Share of the trace run before the first failure (1 when none). */
  firstFailureAt: number;
  /** Why the probe could not run. */
  error?: string;
}

/** The summary from the min-heap answer and the probe's point. */
export function tightSummary(m: { minHeap: number; safeFrom?: number }, p: SqueezePoint): TightSummary {
  const s: TightSummary = {
    startsFailingBelow: Math.max(m.minHeap, m.safeFrom ?? m.minHeap),
    minHeap: m.minHeap,
    probe: p.heap,
    failures: p.failures,
    failedBytes: p.failedBytes,
    fragmentation: p.fragmentation,
    fragmentationShare: p.failures > 0 ? p.fragmentation / p.failures : 0,
    firstFailureAt: p.firstFailure ? p.firstFailure.at : 1,
  };
  if (p.status === 'error') s.error = p.error ?? 'cannot run';
  return s;
}
