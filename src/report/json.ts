/**
 * JSON reports (design §9, `"schema": 1`) and whole-or-nothing report files.
 *
 * `run` and `min-heap` JSON are the engine's RunResult / MinHeapResult as they are (their key
 * names are the contract, see src/sim/types.ts), minus the non-deterministic `wallMs`.
 * `compare` JSON is built here:
 *   { schema, device, goal, heap, clockHz,
 *     traces: [ { trace, ops, peakLive, results: [ { allocator, params, heap, status, summary,
 *                 cycles, compaction, minHeap, error?, minHeapError?,
 *                 tight?: { startsFailingBelow, minHeap, probe, failures, failedBytes, fragmentation,
 *                           fragmentationShare, firstFailureAt, error? } } ], mix? } ],
 *     ranking: [ { allocator, score, reason, rank, tier, ... } ] }
 * A result is a run summary (the run JSON without its per-op parts: series, oomEvents, errors)
 * plus the allocator's min-heap answer for that trace (the min-heap JSON without the keys its
 * parent already names).
 */
import type { MinHeapResult, OomPolicy, RunResult } from '../sim';
import type { TightSummary } from '../study/tight';
import type { MixInfo } from '../trace';
import type { Advice, GoalName, RankEntry } from './advice';

export const SCHEMA = 1 as const;

export type CompareMinHeap = Omit<MinHeapResult, 'schema' | 'device' | 'allocator' | 'trace'>;

export interface CompareCell {
  allocator: string;
  params: RunResult['params'];
  heap: RunResult['heap'];
  status: RunResult['status'] | 'error';
  summary?: RunResult['summary'];
  cycles?: RunResult['cycles'];
  compaction?: RunResult['compaction'];
  /** The bus's counters by kind (metadata, copy, C statics/stack, ALU). */
  bus?: RunResult['bus'];
  minHeap: CompareMinHeap | null;
  /** Set when the allocator cannot run, crashed or violated an invariant on this trace. */
  error?: string;
  /** Why minHeap is null when the device-heap run worked (e.g. no heap up to the search limit suffices). */
  minHeapError?: string;
  /**
   * The fit verdict against the memory this allocator can use (src/study): its heap (min heap
   * <= heap size, not the region), or every heap for allocators managing several pools (the run
   * at the device heaps without a failed allocation). `heaps` says which.
   */
  fits?: boolean;
  heaps?: 'one heap' | 'all heaps' | 'first heap only';
  /** Tight memory in one line (src/study/tight.ts): where failures start and a replay at 90 % of the min heap. */
  tight?: TightSummary;
}

export interface CompareTrace {
  trace: string;
  ops: number;
  peakLive: number;
  /** Lock/unlock ops the trace itself holds (before any lock model). */
  lockOps?: number;
  /** A mixed trace (--mix): what was mixed, and the seed. */
  mix?: MixInfo;
  results: CompareCell[];
}

export interface CompareReport {
  schema: typeof SCHEMA;
  device: string;
  goal: GoalName;
  /** The device heap every run used (the first heap; bytes). */
  heap: { base: number; size: number };
  clockHz: number;
  traces: CompareTrace[];
  ranking: RankEntry[];
  /** Relative tolerance of every min-heap figure (0.005: a verified clean size at most 0.5 % above the boundary); absent = exact. */
  minHeapTolerance?: number;
  /** How each allocator ran (src/study runSettings / heapScope), in allocator order. */
  settings?: StudySetting[];
  /** The lock model in force (--locks). */
  locks?: string;
  /** The answer, first line first (src/report/advice.ts buildAdvice). */
  advice?: Advice;
}

/** How one allocator ran in a study: its OOM policy (and why) and the heap memory it can use. */
export interface StudySetting {
  allocator: string;
  oom: OomPolicy;
  oomWhy: string;
  moving: boolean;
  /** 'one heap' (the device has one), 'all heaps' (manages every heap) or 'first heap only'. */
  heaps: 'one heap' | 'all heaps' | 'first heap only';
  /** Bytes of heap it can use at the device heap (the sum over its heaps). */
  usableHeap: number;
}

/** A run's status as reported: 'oom' when allocations failed and the run went on (exit 0 unless --fail-on-oom). */
export function runStatus(r: Pick<RunResult, 'status' | 'summary'>): RunResult['status'] {
  return r.status === 'ok' && r.summary.ooms > 0 ? 'oom' : r.status;
}

/** Run JSON: the RunResult without wallMs (so two identical runs give identical bytes). */
export function runJson(r: RunResult): Omit<RunResult, 'wallMs'> {
  const { wallMs, ...rest } = r;
  void wallMs;
  return { ...rest, status: runStatus(r) };
}

export function minHeapJson(m: MinHeapResult): MinHeapResult {
  return m;
}

/** One compare cell from a device-heap run and the min-heap answer. */
export function compareCell(r: RunResult, m: MinHeapResult | null): CompareCell {
  let minHeap: CompareMinHeap | null = null;
  if (m) {
    const { schema, device, allocator, trace, ...rest } = m;
    void schema; void device; void allocator; void trace;
    minHeap = rest;
  }
  const cell: CompareCell = {
    allocator: r.allocator,
    params: r.params,
    heap: r.heap,
    status: runStatus(r),
    summary: r.summary,
    cycles: r.cycles,
    compaction: r.compaction,
    bus: r.bus,
    minHeap,
  };
  if (r.status === 'violation' && r.violation) cell.error = `op ${r.violation.op} (line ${r.violation.line}): ${r.violation.message}`;
  return cell;
}

/** Replaces non-finite numbers (Infinity from an empty geometric mean) by null: JSON has none. */
export function stringify(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2) + '\n';
}

/** Reports are written whole or not at all (temp file + rename; removed on a signal): src/util/atomic.ts. */
export { writeFileAtomic, writeFilesAtomic } from '../util';
