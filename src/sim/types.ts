/**
 * Public types of the replay engine (design §7) and of its results (design §9 `run` and
 * `min-heap` JSON). Key names of RunResult and MinHeapResult are a versioned contract
 * (`schema: 1`): add keys freely, rename none.
 */
import type { Allocator, AllocatorFactory, CompactResult, Params } from '../alloc';
import type { DeviceProfile, HeapSpan } from '../device';
import type { CacheCounters, MemoryBus } from '../bus';
import type { KindStats, SeriesPoint } from '../metrics';

export type { KindStats, SeriesPoint };

/**
 * What the engine does when alloc/realloc returns 0 (what the program does after a NULL).
 * The three NULL-handling modes of issue 11 are `fail`, `release` and `abort`; `fail` is the
 * default everywhere except where a study picks an allocator's natural policy (`compact` for
 * moving allocators).
 * - `fail`: the program drops that object: the request fails; a failed alloc's id is dead until
 *   allocated again (its later free/realloc/lock/unlock ops are skipped and counted); a failed
 *   realloc leaves the old block live and untouched, as C's realloc does.
 * - `compact`: a full allocator.compact() (no budget), then one retry; then as `fail`.
 *   Allocators without compact() behave as under `fail`.
 * - `release`: the program frees something and retries: a moving allocator compacts first (as
 *   under `compact`); then the program releases its oldest live objects (allocation order; never
 *   a locked one nor the one being reallocated) one at a time, retrying after each, until the
 *   request succeeds or RELEASE_MAX (16) were released (src/sim/release.ts); then as `fail`.
 *   Released objects are dead to the program: their later ops are skipped and counted. The
 *   frees and retries are charged to the failing op.
 * - `abort`: the run stops after this op with status 'aborted' (time to first failure).
 */
export type OomPolicy = 'fail' | 'compact' | 'release' | 'abort';

export interface RunConfig {
  device: DeviceProfile;
  allocator: string;
  /** An allocator outside the registry (tests, experiments); `allocator` is then only its name. */
  factory?: AllocatorFactory;
  /** Allocator parameters from flags; merged with the device profile and defaults by resolveParams. */
  params?: Params;
  /** Overrides the size of the device's first heap (bytes). */
  heapSize?: number;
  /** Let the first heap grow past its region (a what-if; min-heap search uses it). */
  whatIf?: boolean;
  oom: OomPolicy;
  /** Lock model: 'none' | 'pinned:<p>' | 'lifetime:<f>' | 'access' (src/sim/locks.ts). */
  locks?: string;
  /** Seed of the lock model (default 1). */
  seed?: number;
  /** Integrity checking (src/sim/check.ts): what each op touched after every op, the whole heap every `checkEvery` ops. */
  check?: boolean;
  /** With `check`: the whole-heap check every this many ops and at the end (default 1: after every op). */
  checkEvery?: number;
  /** false: run without the device's data cache (--no-cache); default: the cache where the device has one. */
  cache?: boolean;
  /**
   * false: a placement-only run (minheap.ts placementOnly): the bus charges nothing, so every
   * cycle figure of the result is 0 and only where blocks went and what failed is meaningful.
   */
  costs?: boolean;
  /** Series bucket width in ops; default: ceil(ops / 2000). */
  sample?: number;
  /** Include `series` in the result (default true). */
  series?: boolean;
  /** Call allocator.compact(compactBudget) every k ops. */
  compactEvery?: number;
  /** Call allocator.compact(compactBudget) after an op that leaves extFrag above this (0..1). */
  compactAboveExtFrag?: number;
  /** Cycle budget per compaction call (incremental compaction); default: unlimited. */
  compactBudget?: number;
  /** Exit status 1 when any OOM happened: the CLI's business (it reads summary.ooms); the engine ignores it. */
  failOnOom?: boolean;
  /**
   * Walk-based metrics (ummFrag, typFrag) at every op instead of the default adaptive stride
   * (see src/metrics/index.ts). `sample: 1` implies it.
   */
  exactWalk?: boolean;
  /** Stop after this many ops (for `heapmap --at`); default: all. */
  stopAfter?: number;
  /**
   * Stop at the first OOM the policy could not recover (status 'aborted'); used by the min-heap
   * search, which only needs to know whether a heap size works.
   */
  stopAtFirstOom?: boolean;
  /**
   * Search runs (min-heap): freeBytes() is the only per-op observer call; no walks, no series,
   * no conservation check. Meaningful: live, peakLive, internal, maxUsed, minEverFree, jw3,
   * jw4, utilization, idealFootprint, OOMs and their events, cycles; not the largest-,
   * metadata- or walk-based fields.
   */
  lean?: boolean;
}

/** What an observer sees: the allocator and the engine's id bookkeeping, read-only. */
export interface RunView {
  allocator: Allocator;
  /** The simulated memory (observers read it with peek*; tests may poke it). */
  bus: MemoryBus;
  heaps: HeapSpan[];
  /** Requested size of the live block behind `handle` (0 when no live id holds it). */
  requestedOf(handle: number): number;
  /** Trace id holding `handle` (-1 when none). */
  idOf(handle: number): number;
  /** Lock count (from trace `l`/`u` ops or the lock model) of the id holding `handle`. */
  lockCountOf(handle: number): number;
  /** Σ requested sizes of live ids. */
  live: number;
}

export interface ReplayObserver {
  afterOp?(i: number, view: RunView): void;
  beforeCompact?(i: number, view: RunView): void;
  afterCompact?(i: number, view: RunView, r: CompactResult): void;
}

export interface OomEvent {
  /** 0-based op index in the (lock-model-applied) trace. */
  op: number;
  /** Source line of the op. */
  line: number;
  kind: 'alloc' | 'realloc';
  id: number;
  size: number;
  free: number;
  largest: number;
  live: number;
  /** 'failed' (the request failed), 'recovered' (compacted, retry succeeded), 'aborted' (run stopped). */
  outcome: 'failed' | 'recovered' | 'aborted';
  /** Policy `release`: objects the program released for this request. */
  released?: number;
  /** free >= size at the time of the failure: fragmentation, not exhaustion. */
  fragmentation: boolean;
}

export interface ErrorEvent {
  op: number;
  line: number;
  message: string;
}

export type CycleKind = 'alloc' | 'free' | 'realloc' | 'lock' | 'unlock' | 'compact';

export interface Violation {
  op: number;
  line: number;
  message: string;
  /** walk() blocks around the problem, one line each. */
  blocks: string[];
}

/**
 * 'ok', 'aborted' (stopped at the first OOM under --oom abort), 'violation'; the reports show
 * 'oom' for a run that went on after failed allocations (src/report runStatus).
 */
export type RunStatus = 'ok' | 'aborted' | 'violation' | 'oom';

export interface RunResult {
  schema: 1;
  device: string;
  allocator: string;
  params: Params;
  /** The first heap (base) and the bytes the allocator manages (sum over its heaps). */
  heap: { base: number; size: number };
  /** Every heap the allocator manages (several for multi-heap allocators). */
  heaps: HeapSpan[];
  multiHeap: boolean;
  trace: {
    name: string;
    ops: number;
    allocs: number;
    frees: number;
    reallocs: number;
    locks: number;
    /** Events the reader skipped. */
    skipped: number;
    /** Lock model applied ('none' when the trace ran as given). */
    lockModel: string;
  };
  status: RunStatus;
  summary: {
    peakLive: number;
    maxUsed: number;
    utilization: number;
    jw3: number;
    jw4: number;
    minEverFree: number;
    maxExtFrag: number;
    maxUmmFrag: number;
    internalAtPeak: number;
    metadataAtPeak: number;
    ooms: number;
    fragmentationOoms: number;
    /** Extra keys. */
    recoveredOoms: number;
    /** Σ requested sizes of the requests that failed (alloc and realloc; not recovered ones). */
    failedBytes: number;
    /** Policy `release`: objects released to make room, and their requested bytes. */
    releasedObjects: number;
    releasedBytes: number;
    minLargest: number;
    maxTypFrag: number;
    medianRequest: number;
    /** Ops executed (less than trace.ops when aborted or stopped). */
    opsRun: number;
    /** Ops skipped because their id's earlier request failed or the op was invalid. */
    skippedOps: number;
    errors: number;
    /** Mean allocator microseconds per trace op (alloc/free/realloc/lock/unlock). */
    usPerOp: number;
    /** How many ops evaluated walk-based metrics (ummFrag, typFrag). */
    walkEvaluations: number;
    /**
     * Peak over ops of fixedMetadataBytes() + Σ blockFootprint(requested) over live ids: what a
     * perfect compaction of this allocator would need (design §8 idealFootprint).
     */
    idealFootprint: number;
  };
  oomEvents: OomEvent[];
  /** Allocator usage errors (free of a locked block, ...): the run went on. */
  errors: ErrorEvent[];
  cycles: {
    clockHz: number;
    /** Cycles of the replay: trace ops, compactions and idle work (not the heap's initialisation). */
    total: number;
    /** Cycles the allocator spent initialising the heap before the first op. */
    init: number;
    byKind: Record<CycleKind, KindStats>;
    /** All trace ops together (alloc, free, realloc, lock, unlock; not compaction). */
    ops: KindStats;
  };
  compaction: { runs: number; bytesMoved: number; cycles: number; longestPause: number };
  /** The bus's counters over the replay (the heap's initialisation excluded), by kind. */
  bus: RunBusCounters;
  /** Conservation identity at every op: live + internal + metadata + free + unusable = heap size. */
  conservation: { ok: boolean; checkedOps: number; firstViolation?: { op: number; message: string } };
  violation?: Violation;
  series?: { every: number; points: SeriesPoint[] };
  /** Wall time of the replay in ms (not deterministic; excluded from determinism tests). */
  wallMs: number;
}

/**
 * What the allocator did on the bus during a replay, by kind, for built-in and C allocators
 * alike (design §4): so two allocators can be compared access for access.
 */
export interface RunBusCounters {
  /** Every cycle charged: metadata + copy + statics + ALU. */
  cycles: number;
  /** Counted single reads and writes of heap words (headers, links, bitmaps). */
  metadata: { reads: number; writes: number; bytesRead: number; bytesWritten: number; cycles: number };
  /** memmove traffic (realloc, compaction): bytes moved, element/word accesses, cycles. */
  copy: { bytes: number; accesses: number; cycles: number };
  /** A C allocator's static data and C stack (device RAM outside the heap); zero for built-ins. */
  statics: { reads: number; writes: number; bytesRead: number; bytesWritten: number; cycles: number };
  aluCycles: number;
  /** True for C allocators: aluCycles estimated from executed wasm instructions. */
  aluEstimated: boolean;
  /**
   * The data cache's share of the counted accesses (devices with a cache, unless --no-cache):
   * read/write hits and misses, dirty half lines written back, and the cycles of all of it.
   */
  cache?: CacheCounters;
  /**
   * C allocators only: the heap's high water mark, bytes from the heap base to the highest byte
   * the allocator touched or handed out (since the heap was created).
   */
  heapHighWater?: number;
}

export interface MinHeapRun {
  heapSize: number;
  ooms: number;
  status: RunStatus;
}

export interface MinHeapResult {
  schema: 1;
  device: string;
  allocator: string;
  trace: string;
  policy: OomPolicy;
  locks: string;
  peakLive: number;
  /** Smallest first-heap size (bytes, alignment granularity) with zero OOMs. */
  minHeap: number;
  /** minHeap / peakLive. */
  ratio: number;
  idealFootprint: number;
  robsonBound: number;
  /** Extra keys. */
  /** Present when the search stopped within a relative tolerance (e.g. 0.005) instead of at alignment granularity. */
  tolerance?: number;
  fitsDevice: boolean;
  /** Bytes the device's region offers the first heap. */
  deviceLimit: number;
  /** Always 0: multi-heap allocators are searched with the first heap alone (see verify.note). */
  otherHeapsBytes: number;
  alignment: number;
  verify: { atMinHeap: MinHeapRun; below: MinHeapRun | null; monotonic: boolean; note?: string };
  /**
   * The size from which every checked larger size ran clean (>= minHeap; the heap to recommend
   * is built on it) and how many sizes above the answer the band check ran (src/sim/minheap.ts).
   */
  safeFrom?: number;
  checkedSizes?: number;
  /** How the answer was found: 'bisection', or 'high-water' (one clean replay's highest block end, verified; minheap.ts highWaterExact). */
  route?: 'high-water' | 'bisection';
  /** Replays the search used. */
  runs: number;
}
