/**
 * The replay engine (design §7).
 *
 * How it works. `replay` builds the memory bus over the device's heaps and the allocator on it,
 * then makes one pass over the packed trace. Per-id state (handle, requested size, usable size,
 * lock count, liveness, payload pattern seed) lives in typed arrays indexed by the trace id
 * (recorders reuse freed ids, so ids are compact); a trace with huge sparse ids is remapped to
 * compact slots once in a pre-pass. The hot loop allocates nothing and touches the allocator
 * only through its API: cycles are the bus's cycle counter before and after each call.
 *
 * After each op the metrics of design §8 are evaluated (src/metrics/index.ts says which are
 * exact and which sampled), OOMs become events and are handled by the run's policy, and with
 * `check` the heap and every payload are verified. Allocator misuse (AllocatorUsageError) is an
 * error event and the run goes on; a BusFault or a failed check is a violation that stops it.
 */
import { BusFault, MemoryBus } from '../bus';
import { heapSpans, HeapSpan } from '../device';
import { AllocatorUsageError, getFactory, resolveParams } from '../alloc';
import type { Allocator, CompactResult, Params } from '../alloc';
import { OP_ALLOC, OP_FREE, OP_IDLE, OP_LOCK, OP_REALLOC, OP_UNLOCK, PackedTrace } from '../trace/types';
import { CycleHistogram, WalkMetrics, WALK_BLOCKS_PER_OP } from '../metrics';
import type { HistogramStats } from '../metrics';
import { traceFacts, TraceFacts } from './prepass';
import { applyLocks } from './lockmodel';
import { Checker, CheckFailure, listingAround } from './check';
import { ID_FAILED, ID_LIVE, ID_NONE } from './ids';
import type { BusCounters } from '../bus';
import type {
  CycleKind, ErrorEvent, KindStats, OomEvent, ReplayObserver, RunBusCounters, RunConfig, RunResult, RunStatus, RunView,
  SeriesPoint, Violation,
} from './types';

/** Default series resolution. */
export const SERIES_POINTS = 2000;
/** Dense per-id arrays up to this many ids (or 4 × ops, whichever is larger); remap beyond. */
const DENSE_IDS = 1 << 20;
/** Error events kept in the result (all are counted). */
const MAX_ERROR_EVENTS = 1000;
/** OOM events kept in the result (all are counted). */
const MAX_OOM_EVENTS = 10000;

const KIND_NAMES: readonly CycleKind[] = ['alloc', 'free', 'realloc', 'lock', 'unlock', 'compact'];
const H_COMPACT = 5;
/** extFrag must beat the record at the last record-triggered walk by this much to walk again. */
const EF_WALK_STEP = 0.01;

/** Maps ids to compact slots when they are too sparse for dense arrays. Cached per trace. */
const remapCache = new WeakMap<PackedTrace, { slotOf: Int32Array; slotToId: Float64Array }>();

function remap(trace: PackedTrace): { slotOf: Int32Array; slotToId: Float64Array } {
  const hit = remapCache.get(trace);
  if (hit) return hit;
  const { n, kind, id } = trace.ops;
  const slotOf = new Int32Array(n);
  const m = new Map<number, number>();
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    if (kind[i]! > OP_UNLOCK) continue;
    const x = id[i]!;
    let s = m.get(x);
    if (s === undefined) {
      s = ids.length;
      m.set(x, s);
      ids.push(x);
    }
    slotOf[i] = s;
  }
  const r = { slotOf, slotToId: Float64Array.from(ids) };
  remapCache.set(trace, r);
  return r;
}

/** The bus's counters between two snapshots, by kind (RunResult.bus). */
export function busDelta(a: BusCounters, b: BusCounters): RunBusCounters {
  return {
    cycles: b.cycles - a.cycles,
    metadata: {
      reads: b.reads - a.reads, writes: b.writes - a.writes, bytesRead: b.bytesRead - a.bytesRead,
      bytesWritten: b.bytesWritten - a.bytesWritten, cycles: b.metaCycles - a.metaCycles,
    },
    copy: { bytes: b.copyBytes - a.copyBytes, accesses: b.copyAccesses - a.copyAccesses, cycles: b.copyCycles - a.copyCycles },
    statics: {
      reads: b.statics.reads - a.statics.reads, writes: b.statics.writes - a.statics.writes,
      bytesRead: b.statics.bytesRead - a.statics.bytesRead, bytesWritten: b.statics.bytesWritten - a.statics.bytesWritten,
      cycles: b.statics.cycles - a.statics.cycles,
    },
    aluCycles: b.aluCycles - a.aluCycles,
    aluEstimated: b.aluEstimated,
  };
}

export function replay(trace: PackedTrace, cfg: RunConfig, observer?: ReplayObserver): RunResult {
  const lockSpec = cfg.locks ?? 'none';
  const t = applyLocks(trace, lockSpec, cfg.seed ?? 1);
  const r = new Replayer(t, cfg, lockSpec, observer);
  return r.run();
}

/**
 * One replay. Public fields are read by the checker and the observer view; nothing outside
 * src/sim should depend on them.
 */
export class Replayer implements RunView {
  readonly trace: PackedTrace;
  readonly cfg: RunConfig;
  readonly lockSpec: string;
  readonly facts: TraceFacts;
  readonly observer: ReplayObserver | undefined;
  readonly bus: MemoryBus;
  readonly allocator: Allocator;
  readonly heaps: HeapSpan[];
  readonly heapSize: number;
  readonly alignment: number;
  readonly params: Params;
  readonly multiHeap: boolean;

  // Per-slot state.
  readonly handle: Float64Array;
  readonly req: Float64Array;
  readonly usable: Float64Array;
  readonly state: Uint8Array;
  readonly locks: Int32Array;
  readonly slotOf: Int32Array | null;
  readonly slotToId: Float64Array | null;

  live = 0;
  internal = 0;
  /** Σ blockFootprint(requested) over live ids, and its peak (plus fixed metadata). */
  footprint = 0;
  peakFootprint = 0;
  /** blockFootprint per slot (subtracted at free) and a cache by size for small sizes. */
  readonly fp: Float64Array;
  private readonly fpCache: Float64Array = new Float64Array(4096).fill(-1);
  readonly fixedMeta: number;
  /** Bumped whenever the handle set changes (for the observer's reverse map). */
  version = 0;

  // Counters and extremes.
  skippedOps = 0;
  errorCount = 0;
  oomCount = 0;
  fragOoms = 0;
  recoveredOoms = 0;
  peakLive = 0;
  internalAtPeak = 0;
  metadataAtPeak = 0;
  maxUsed = 0;
  liveAtMaxUsed = 0;
  minFree = Infinity;
  minLargest = Infinity;
  maxExtFrag = 0;
  maxUmm = 0;
  maxTyp = 0;
  walkEvaluations = 0;
  efAtLastWalk = -1;
  nextWalk = 0;
  consOk = true;
  consFirst: { op: number; message: string } | undefined = undefined;
  cycleHists: CycleHistogram[];
  opsHist: CycleHistogram;
  compactRuns = 0;
  compactBytes = 0;
  compactCycles = 0;
  longestPause = 0;
  /** Compaction cycles charged during the current op (excluded from the op's own cost). */
  opCompactCycles = 0;
  opCompactions = 0;
  oomThisOp = false;
  /** Cycles the allocator spent initialising its heap (before op 0). */
  initCycles = 0;
  /** The bus's counters before op 0 (after the heap's initialisation). */
  initCounters: BusCounters | undefined = undefined;
  readonly oomEvents: OomEvent[] = [];
  readonly errors: ErrorEvent[] = [];
  status: RunStatus = 'ok';
  violation: Violation | undefined = undefined;
  readonly checker: Checker | null;
  readonly walkMetrics: WalkMetrics;

  // Series.
  readonly every: number;
  readonly wantSeries: boolean;
  readonly points: SeriesPoint[] = [];
  bMaxLive = 0;
  bMaxUsed = 0;
  bMinFree = Infinity;
  bMinLargest = Infinity;
  bMaxEF = 0;
  bCycSum = 0;
  bCycN = 0;
  bCycMax = 0;
  bOoms = 0;
  bCompactions = 0;

  // Observer view: reverse map handle -> slot, rebuilt lazily.
  private viewVersion = -1;
  private viewMap: Map<number, number> = new Map();

  constructor(trace: PackedTrace, cfg: RunConfig, lockSpec: string, observer: ReplayObserver | undefined) {
    this.trace = trace;
    this.cfg = cfg;
    this.lockSpec = lockSpec;
    this.observer = observer;
    this.facts = traceFacts(trace);
    const dev = cfg.device;
    const f = cfg.factory ?? getFactory(cfg.allocator);
    this.params = resolveParams(f, dev.allocators?.[cfg.allocator], cfg.params);
    const all = heapSpans(dev, cfg.heapSize, cfg.whatIf ?? false);
    this.multiHeap = f.multiHeap;
    this.heaps = f.multiHeap ? all : all.slice(0, 1);
    this.heapSize = this.heaps.reduce((s, h) => s + h.size, 0);
    this.alignment = dev.alignment;
    this.bus = new MemoryBus(dev, this.heaps);
    this.allocator = f.create({ bus: this.bus, heaps: this.heaps, alignment: dev.alignment, params: this.params });
    this.fixedMeta = this.allocator.fixedMetadataBytes();

    const ops = this.facts.ops;
    let slots: number;
    if (this.facts.maxId + 1 <= Math.max(DENSE_IDS, 4 * ops) && Number.isInteger(this.facts.maxId)) {
      slots = this.facts.maxId + 1;
      this.slotOf = null;
      this.slotToId = null;
    } else {
      const m = remap(trace);
      this.slotOf = m.slotOf;
      this.slotToId = m.slotToId;
      slots = m.slotToId.length;
    }
    slots = Math.max(1, slots);
    this.handle = new Float64Array(slots);
    this.req = new Float64Array(slots);
    this.usable = new Float64Array(slots);
    this.state = new Uint8Array(slots);
    this.locks = new Int32Array(slots);
    this.fp = new Float64Array(slots);

    this.cycleHists = KIND_NAMES.map(() => new CycleHistogram());
    this.opsHist = new CycleHistogram();
    const fp = this.facts.medianRequest > 0 ? this.allocator.blockFootprint(this.facts.medianRequest) : 0;
    this.walkMetrics = new WalkMetrics(fp);
    this.every = Math.max(1, Math.floor(cfg.sample ?? Math.ceil(Math.max(1, ops) / SERIES_POINTS)));
    this.wantSeries = (cfg.series ?? true) && !cfg.lean;
    this.checker = cfg.check ? new Checker(this) : null;
  }

  // ---- RunView ---------------------------------------------------------------------------

  private slotOfHandle(h: number): number {
    if (this.viewVersion !== this.version) {
      this.viewMap.clear();
      const st = this.state;
      for (let s = 0; s < st.length; s++) if (st[s] === ID_LIVE) this.viewMap.set(this.handle[s]!, s);
      this.viewVersion = this.version;
    }
    return this.viewMap.get(h) ?? -1;
  }

  requestedOf(h: number): number {
    const s = this.slotOfHandle(h);
    return s < 0 ? 0 : this.req[s]!;
  }

  idOf(h: number): number {
    const s = this.slotOfHandle(h);
    return s < 0 ? -1 : this.idOfSlot(s);
  }

  lockCountOf(h: number): number {
    const s = this.slotOfHandle(h);
    return s < 0 ? 0 : this.locks[s]!;
  }

  idOfSlot(s: number): number {
    return this.slotToId ? this.slotToId[s]! : s;
  }

  // ---- the pass --------------------------------------------------------------------------

  run(): RunResult {
    const t0 = performance.now();
    this.initCycles = this.bus.cycles;
    this.initCounters = this.bus.counters();
    const { kind, id, arg } = this.trace.ops;
    const n = Math.min(this.trace.ops.n, this.cfg.stopAfter ?? Infinity);
    const a = this.allocator;
    const bus = this.bus;
    const slotOf = this.slotOf;
    const hists = this.cycleHists;
    const opsHist = this.opsHist;
    const every = this.every;
    const exactWalk = this.cfg.exactWalk === true || this.every === 1;
    const walks = !this.cfg.lean;
    // Lean (search) runs only need the OOM count and maxUsed: freeBytes() is their only
    // per-op observer call.
    const observe = !this.cfg.lean;
    const stopAtOom = this.cfg.stopAtFirstOom === true;
    const compactEvery = this.cfg.compactEvery ?? 0;
    const compactAbove = this.cfg.compactAboveExtFrag ?? Infinity;
    const canCompact = typeof a.compact === 'function';
    const heapSize = this.heapSize;
    const observer = this.observer;
    const moving = a.moving;
    const checking = this.checker !== null;
    let opsRun = 0;
    let bucketLeft = every;
    // The last observed values (the empty heap before op 0).
    let free = a.freeBytes();
    let largest = a.largestAllocatable();
    let meta = a.metadataBytes();
    let largestExact = true;

    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      const s = slotOf ? slotOf[i]! : id[i]!;
      const c0 = bus.cycles;
      this.opCompactCycles = 0;
      this.opCompactions = 0;
      this.oomThisOp = false;
      let executed = false;
      try {
        executed = this.step(i, k, s, arg[i]!);
      } catch (e) {
        this.onThrow(i, e);
      }
      opsRun = i + 1;
      if (this.violation) break;

      if (executed && k <= OP_UNLOCK) {
        const c = bus.cycles - c0 - this.opCompactCycles;
        hists[k]!.add(c);
        opsHist.add(c);
        this.bCycSum += c;
        this.bCycN++;
        if (c > this.bCycMax) this.bCycMax = c;
      }

      // ---- metrics (design §8), every op ----
      // The observers are only asked when the op could have changed the heap: a skipped op, an
      // idle op without compaction, or a lock/unlock of a non-moving allocator reuse the last
      // values. After a free (which never lowers largestAllocatable) largest is only asked when
      // the bound 1 − largest_before/free could set a new extFrag maximum; otherwise the old
      // largest stays as a lower bound (minLargest and maxExtFrag are unaffected, see
      // src/metrics/index.ts). With --check every value is asked every op.
      bucketLeft--;
      const bucketEnd = bucketLeft === 0 || i === n - 1 || this.status !== 'ok';
      const changed = executed ? k <= OP_REALLOC || (moving && k <= OP_UNLOCK) || this.opCompactions > 0 : this.oomThisOp;
      if (!observe) {
        if (changed) free = a.freeBytes();
      } else if (changed || bucketEnd) {
        free = a.freeBytes();
        meta = a.metadataBytes();
        if (checking || bucketEnd || k !== OP_FREE || !executed || this.opCompactions > 0) {
          const l = a.largestAllocatable();
          if (checking && executed && k === OP_FREE && largestExact && l < largest && this.opCompactions === 0)
            this.setViolation(i, `largestAllocatable fell from ${largest} to ${l} on a free (the engine assumes a free never lowers it)`, 0);
          largest = l;
          largestExact = true;
        } else {
          // largest >= its value before the free: bound extFrag from above.
          const ub = free > 0 ? 1 - largest / free : 0;
          if (ub > this.bMaxEF || ub > compactAbove) {
            largest = a.largestAllocatable();
            largestExact = true;
          } else largestExact = false;
        }
      }
      const live = this.live;
      const internal = this.internal;
      const used = heapSize - free;
      if (live > this.peakLive) {
        this.peakLive = live;
        this.internalAtPeak = internal;
        this.metadataAtPeak = meta;
      }
      if (used > this.maxUsed) {
        this.maxUsed = used;
        this.liveAtMaxUsed = live;
      }
      if (free < this.minFree) this.minFree = free;
      if (largest < this.minLargest) this.minLargest = largest;
      const ef = free > 0 ? 1 - largest / free : 0;
      let newMaxEF = false;
      if (largestExact && ef > this.maxExtFrag) {
        this.maxExtFrag = ef;
        // A new extFrag record is where ummFrag/typFrag records tend to be: walk there too,
        // when it beats the record at the last such walk by a point or more.
        if (ef >= this.efAtLastWalk + EF_WALK_STEP) {
          newMaxEF = true;
          this.efAtLastWalk = ef;
        }
      }
      const unusable = heapSize - live - internal - meta - free;
      if (observe && (unusable < 0 || meta < 0 || free < 0 || internal < 0 || (largestExact && largest > free)) && this.consOk)
        this.conservationFail(i, free, largest, meta, unusable);

      // Series bucket extremes.
      if (live > this.bMaxLive) this.bMaxLive = live;
      if (used > this.bMaxUsed) this.bMaxUsed = used;
      if (free < this.bMinFree) this.bMinFree = free;
      if (largest < this.bMinLargest) this.bMinLargest = largest;
      if (largestExact && ef > this.bMaxEF) this.bMaxEF = ef;

      if (walks && (exactWalk || i >= this.nextWalk || this.oomThisOp || newMaxEF || i === n - 1)) this.measureWalk(i);
      if (bucketEnd) {
        bucketLeft = every;
        if (this.wantSeries) this.pushPoint(i, live, used, free, largest, internal, meta, ef);
      }
      if (this.violation) break;

      if (this.status !== 'ok') break;
      if (stopAtOom && this.oomCount > 0) {
        this.status = 'aborted';
        break;
      }

      // ---- compaction triggers ----
      if (canCompact && ((compactEvery > 0 && (i + 1) % compactEvery === 0) || (largestExact && ef > compactAbove))) {
        try {
          this.compact(i, this.cfg.compactBudget);
        } catch (e) {
          this.onThrow(i, e);
          if (this.violation) break;
        }
      }

      if (this.checker) {
        const v = this.checker.afterOp(i);
        if (v) {
          this.setViolation(i, v.message, v.addr);
          break;
        }
      }
      if (observer?.afterOp) observer.afterOp(i, this);
    }
    if (this.checker && !this.violation && this.status === 'ok') {
      const v = this.checker.verifyAll();
      if (v) this.setViolation(opsRun - 1, v.message, v.addr);
    }
    return this.result(opsRun, performance.now() - t0);
  }

  /** Executes op i; returns false when it was skipped. */
  private step(i: number, k: number, s: number, x: number): boolean {
    const a = this.allocator;
    const st = this.state;
    switch (k) {
      case OP_ALLOC: {
        if (st[s] === ID_LIVE) {
          this.skip(i, `alloc of id ${this.idOfSlot(s)} which is still live`);
          return false;
        }
        let h = a.alloc(x);
        if (h === 0) h = this.oom(i, 'alloc', s, x, 0);
        if (h !== 0) {
          this.bind(s, h, x);
          if (this.checker) this.checker.fill(s);
        } else st[s] = ID_FAILED;
        return true;
      }
      case OP_FREE: {
        const cur = st[s];
        if (cur !== ID_LIVE) {
          if (cur === ID_FAILED) {
            st[s] = ID_NONE;
            this.skippedOps++;
          } else this.skip(i, `free of id ${this.idOfSlot(s)} which is not live`);
          return false;
        }
        if (this.checker) this.checker.verify(i, s, 'free');
        a.free(this.handle[s]!);
        const r = this.req[s]!;
        this.live -= r;
        this.internal -= this.usable[s]! - r;
        this.footprint -= this.fp[s]!;
        st[s] = ID_NONE;
        this.locks[s] = 0;
        this.version++;
        return true;
      }
      case OP_REALLOC: {
        const cur = st[s];
        if (cur !== ID_LIVE) {
          if (cur === ID_FAILED) this.skippedOps++;
          else this.skip(i, `realloc of id ${this.idOfSlot(s)} which is not live`);
          return false;
        }
        if (this.checker) this.checker.verify(i, s, 'realloc');
        const h = this.handle[s]!;
        let nh = a.realloc(h, x);
        if (nh === 0) nh = this.oom(i, 'realloc', s, x, h);
        if (nh !== 0) {
          const old = this.req[s]!;
          this.live -= old;
          this.internal -= this.usable[s]! - old;
          this.footprint -= this.fp[s]!;
          this.bind(s, nh, x);
          if (this.checker) this.checker.afterRealloc(i, s, old);
        }
        // A failed realloc leaves the old block live and untouched (C semantics).
        return true;
      }
      case OP_LOCK: {
        if (st[s] !== ID_LIVE) {
          this.skippedOps++;
          return false;
        }
        if (this.checker) this.checker.verify(i, s, 'lock');
        a.lock(this.handle[s]!);
        this.locks[s]!++;
        return true;
      }
      case OP_UNLOCK: {
        if (st[s] !== ID_LIVE) {
          this.skippedOps++;
          return false;
        }
        a.unlock(this.handle[s]!);
        if (this.locks[s]! > 0) this.locks[s]!--;
        return true;
      }
      case OP_IDLE: {
        if (a.idle) {
          const c0 = this.bus.cycles;
          const r = a.idle(x);
          const dc = this.bus.cycles - c0;
          if (r && (r.bytesMoved > 0 || dc > 0)) this.recordCompaction(i, r, dc);
        }
        return true;
      }
      default:
        return false; // access ops: consumed by the 'access' lock model, nothing to do here
    }
  }

  private bind(s: number, h: number, size: number): void {
    this.handle[s] = h;
    this.req[s] = size;
    const u = this.allocator.usableSize(h);
    this.usable[s] = u;
    this.internal += u - size;
    this.live += size;
    const fp = this.footprintOf(size);
    this.fp[s] = fp;
    this.footprint += fp;
    if (this.footprint + this.fixedMeta > this.peakFootprint) this.peakFootprint = this.footprint + this.fixedMeta;
    if (this.state[s] !== ID_LIVE) this.locks[s] = 0;
    this.state[s] = ID_LIVE;
    this.version++;
  }

  private footprintOf(size: number): number {
    const c = this.fpCache;
    if (size < c.length) {
      const v = c[size]!;
      if (v >= 0) return v;
      return (c[size] = this.allocator.blockFootprint(size));
    }
    return this.allocator.blockFootprint(size);
  }

  private skip(i: number, message: string): void {
    this.skippedOps++;
    this.addError(i, message);
  }

  private addError(i: number, message: string): void {
    this.errorCount++;
    if (this.errors.length < MAX_ERROR_EVENTS) this.errors.push({ op: i, line: this.trace.ops.line[i]!, message });
  }

  private onThrow(i: number, e: unknown): void {
    if (e instanceof AllocatorUsageError) {
      this.addError(i, e.message);
      return;
    }
    if (e instanceof BusFault) {
      this.setViolation(i, `allocator bug: ${e.message}`, e.addr);
      return;
    }
    if (e instanceof CheckFailure) {
      this.setViolation(i, e.message, e.addr);
      return;
    }
    throw e;
  }

  setViolation(i: number, message: string, addr: number): void {
    this.status = 'violation';
    const line = i >= 0 && i < this.trace.ops.n ? this.trace.ops.line[i]! : 0;
    let blocks: string[] = [];
    try {
      blocks = listingAround(this, addr);
    } catch (e) {
      blocks = [`(walk() failed: ${(e as Error).message})`];
    }
    this.violation = { op: i, line, message, blocks };
  }

  /** An OOM: record the event, apply the policy; returns the handle of a successful retry or 0. */
  private oom(i: number, kind: 'alloc' | 'realloc', s: number, size: number, h: number): number {
    const a = this.allocator;
    const free = a.freeBytes();
    const largest = a.largestAllocatable();
    const ev: OomEvent = {
      op: i, line: this.trace.ops.line[i]!, kind, id: this.idOfSlot(s), size, free, largest, live: this.live,
      outcome: 'failed', fragmentation: free >= size,
    };
    this.oomThisOp = true;
    this.bOoms++;
    let got = 0;
    const policy = this.cfg.oom;
    if (policy === 'compact' && typeof a.compact === 'function') {
      this.compact(i, undefined);
      got = kind === 'alloc' ? a.alloc(size) : a.realloc(h, size);
      if (got !== 0) ev.outcome = 'recovered';
    } else if (policy === 'abort') {
      ev.outcome = 'aborted';
      this.status = 'aborted';
    }
    if (got === 0) {
      this.oomCount++;
      if (ev.fragmentation) this.fragOoms++;
    } else this.recoveredOoms++;
    if (this.oomEvents.length < MAX_OOM_EVENTS) this.oomEvents.push(ev);
    return got;
  }

  compact(i: number, budget: number | undefined): void {
    const a = this.allocator;
    if (!a.compact) return;
    if (this.observer?.beforeCompact) this.observer.beforeCompact(i, this);
    const c0 = this.bus.cycles;
    const r = a.compact(budget);
    this.recordCompaction(i, r, this.bus.cycles - c0);
  }

  private recordCompaction(i: number, r: CompactResult, dc: number): void {
    this.compactRuns++;
    this.compactBytes += r.bytesMoved;
    this.compactCycles += dc;
    if (dc > this.longestPause) this.longestPause = dc;
    this.cycleHists[H_COMPACT]!.add(dc);
    this.opCompactCycles += dc;
    this.opCompactions++;
    this.bCompactions++;
    if (this.checker) this.checker.afterMove(i);
    if (this.observer?.afterCompact) this.observer.afterCompact(i, this, r);
  }

  private measureWalk(i: number): void {
    const w = this.walkMetrics;
    w.measure(this.allocator);
    this.walkEvaluations++;
    const u = w.umm;
    const t = w.typ;
    if (u > this.maxUmm) this.maxUmm = u;
    if (t > this.maxTyp) this.maxTyp = t;
    this.nextWalk = i + Math.max(1, Math.ceil(w.blocks / WALK_BLOCKS_PER_OP));
  }

  private pushPoint(i: number, live: number, used: number, free: number, largest: number, internal: number, meta: number, ef: number): void {
    this.points.push({
      op: i, live, used, free, largest, internal, metadata: meta, extFrag: ef,
      ummFrag: this.walkMetrics.umm, typFrag: this.walkMetrics.typ,
      maxLive: this.bMaxLive, maxUsed: this.bMaxUsed, minFree: this.bMinFree, minLargest: this.bMinLargest,
      maxExtFrag: this.bMaxEF, cyclesMean: this.bCycN ? this.bCycSum / this.bCycN : 0, cyclesMax: this.bCycMax,
      ooms: this.bOoms, compactions: this.bCompactions,
    });
    this.bMaxLive = 0;
    this.bMaxUsed = 0;
    this.bMinFree = Infinity;
    this.bMinLargest = Infinity;
    this.bMaxEF = 0;
    this.bCycSum = 0;
    this.bCycN = 0;
    this.bCycMax = 0;
    this.bOoms = 0;
    this.bCompactions = 0;
  }

  private conservationFail(i: number, free: number, largest: number, meta: number, unusable: number): void {
    this.consOk = false;
    this.consFirst = {
      op: i,
      message:
        `live ${this.live} + internal ${this.internal} + metadata ${meta} + free ${free} + unusable ${unusable} = heap ${this.heapSize}` +
        (largest > free ? `; largest ${largest} > free ${free}` : '') + ': a term is negative',
    };
    if (this.checker) this.setViolation(i, `conservation: ${this.consFirst.message}`, 0);
  }

  private result(opsRun: number, wallMs: number): RunResult {
    const clockHz = this.cfg.device.cpu.clockHz;
    const us = (c: number): number => (c * 1e6) / clockHz;
    const ks = (h: HistogramStats): KindStats => ({
      count: h.count, total: h.total, mean: h.mean, p50: h.p50, p99: h.p99, max: h.max,
      meanUs: us(h.mean), p50Us: us(h.p50), p99Us: us(h.p99), maxUs: us(h.max), exact: h.exact,
    });
    const byKind = {} as Record<CycleKind, KindStats>;
    KIND_NAMES.forEach((name, j) => (byKind[name] = ks(this.cycleHists[j]!.stats())));
    const ops = ks(this.opsHist.stats());
    const f = this.facts;
    const peak = this.peakLive;
    const ratio = (x: number, y: number): number => (y > 0 ? x / y : 0);
    const ran = opsRun > 0;
    const res: RunResult = {
      schema: 1,
      device: this.cfg.device.name,
      allocator: this.cfg.allocator,
      params: this.params,
      heap: { base: this.heaps[0]!.base, size: this.heapSize },
      heaps: this.heaps,
      multiHeap: this.multiHeap,
      trace: {
        name: this.trace.info.name, ops: f.ops, allocs: f.allocs, frees: f.frees, reallocs: f.reallocs, locks: f.locks,
        skipped: f.skipped, lockModel: this.lockSpec,
      },
      status: this.status,
      summary: {
        peakLive: peak,
        maxUsed: this.maxUsed,
        utilization: ratio(peak, this.maxUsed),
        jw3: this.liveAtMaxUsed > 0 ? this.maxUsed / this.liveAtMaxUsed - 1 : 0,
        jw4: peak > 0 ? this.maxUsed / peak - 1 : 0,
        minEverFree: ran ? this.minFree : this.allocator.freeBytes(),
        maxExtFrag: this.maxExtFrag,
        maxUmmFrag: this.maxUmm,
        internalAtPeak: this.internalAtPeak,
        metadataAtPeak: this.metadataAtPeak,
        ooms: this.oomCount,
        fragmentationOoms: this.fragOoms,
        recoveredOoms: this.recoveredOoms,
        minLargest: ran ? this.minLargest : this.allocator.largestAllocatable(),
        maxTypFrag: this.maxTyp,
        medianRequest: f.medianRequest,
        opsRun,
        skippedOps: this.skippedOps,
        errors: this.errorCount,
        usPerOp: ops.meanUs,
        walkEvaluations: this.walkEvaluations,
        idealFootprint: Math.ceil(this.peakFootprint),
      },
      oomEvents: this.oomEvents,
      errors: this.errors,
      cycles: { clockHz, total: this.bus.cycles - this.initCycles, init: this.initCycles, byKind, ops },
      compaction: { runs: this.compactRuns, bytesMoved: this.compactBytes, cycles: this.compactCycles, longestPause: this.longestPause },
      bus: busDelta(this.initCounters ?? this.bus.counters(), this.bus.counters()),
      conservation: { ok: this.consOk, checkedOps: opsRun, ...(this.consFirst ? { firstViolation: this.consFirst } : {}) },
      wallMs,
    };
    if (this.violation) res.violation = this.violation;
    if (this.wantSeries) res.series = { every: this.every, points: this.points };
    return res;
  }
}
