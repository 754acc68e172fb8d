/**
 * The replay engine (design §7).
 *
 * How it works. `replay` builds the rig (device → bus → allocator, ./rig.ts) and makes one pass
 * over the packed trace. Per op: execute it against the allocator through its API (./slots.ts
 * keeps id → handle, requested size, lock count), charge the bus cycles it took, let the metrics
 * see the heap (src/metrics/run.ts; the definitions are in src/metrics/index.ts), run a
 * compaction trigger, and with `check` verify the heap (./check.ts). The hot loop allocates
 * nothing.
 *
 * OOMs become events and are handled by the run's policy. Allocator misuse
 * (AllocatorUsageError) is an error event and the run goes on; a BusFault or a failed check is a
 * violation that stops it.
 */
import { BusFault } from '../bus';
import type { BusCounters, CacheCounters, MemoryBus } from '../bus';
import type { HeapSpan } from '../device';
import { AllocatorUsageError } from '../alloc';
import type { Allocator, CompactResult, Params } from '../alloc';
import { OP_ALLOC, OP_FREE, OP_IDLE, OP_LOCK, OP_REALLOC, OP_UNLOCK } from '../trace';
import type { PackedOps, PackedTrace, TraceInfo } from '../trace';
import { RunMetrics } from '../metrics';
import { traceFacts, TraceFacts } from './prepass';
import { applyLocks } from './lockmodel';
import { Checker, CheckFailure, listingAround } from './check';
import { ID_FAILED, ID_LIVE, ID_NONE } from './ids';
import { buildRig } from './rig';
import { Slots } from './slots';
import { OldestFirst, RELEASE_MAX } from './release';
import type { ErrorEvent, OomEvent, ReplayObserver, RunBusCounters, RunConfig, RunResult, RunStatus, RunView, Violation } from './types';

const EMPTY_OPS: PackedOps = { n: 0, kind: new Uint8Array(0), id: new Float64Array(0), arg: new Float64Array(0), line: new Float64Array(0) };

/** Default series resolution. */
export const SERIES_POINTS = 2000;
/** Error events kept in the result (all are counted). */
const MAX_ERROR_EVENTS = 1000;
/** OOM events kept in the result (all are counted). */
const MAX_OOM_EVENTS = 10000;

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
    ...(b.heapHighWater > 0 ? { heapHighWater: b.heapHighWater } : {}),
    ...(b.cache ? { cache: cacheDelta(a.cache, b.cache) } : {}),
  };
}

function cacheDelta(a: CacheCounters | undefined, b: CacheCounters): CacheCounters {
  const z = a ?? { readHits: 0, writeHits: 0, readMisses: 0, writeMisses: 0, writeBacks: 0, cycles: 0 };
  return {
    readHits: b.readHits - z.readHits, writeHits: b.writeHits - z.writeHits, readMisses: b.readMisses - z.readMisses,
    writeMisses: b.writeMisses - z.writeMisses, writeBacks: b.writeBacks - z.writeBacks, cycles: b.cycles - z.cycles,
  };
}

export function replay(trace: PackedTrace, cfg: RunConfig, observer?: ReplayObserver): RunResult {
  const lockSpec = cfg.locks ?? 'none';
  const t = applyLocks(trace, lockSpec, cfg.seed ?? 1);
  const r = new Replay(t.info, traceFacts(t), t, cfg, lockSpec, observer);
  r.start();
  r.pass(t.ops, 0, 0, r.n);
  return r.finish();
}

/**
 * A replay run slice by slice (src/sim/stream.ts drives it): the same run as `replay`, op for
 * op, but the caller regains control between slices, so a long replay can give the event loop
 * a turn (signal handlers) or read the next batch of a streamed trace.
 *
 * `from` is the packed trace, or for a streamed one its info and facts: then the ids must be
 * dense (needsRemap(facts) false: no per-op remap) and the stream carries cfg.locks already
 * (src/sim/locks.ts lockedSource; stream.ts replayStream checks it).
 */
export function replaySlices(cfg: RunConfig, from: PackedTrace | { info: TraceInfo; facts: TraceFacts }): ReplaySlices {
  const lockSpec = cfg.locks ?? 'none';
  let r: Replay;
  if ('ops' in from) {
    const t = applyLocks(from, lockSpec, cfg.seed ?? 1);
    r = new Replay(t.info, traceFacts(t), t, cfg, lockSpec, undefined);
  } else r = new Replay(from.info, from.facts, null, cfg, lockSpec, undefined);
  r.start();
  return r;
}

/** A started replay run slice by slice (replaySlices). */
export interface ReplaySlices {
  /** Ops to run: the trace's, or fewer with cfg.stopAfter. */
  readonly n: number;
  /** The packed ops (lock model applied) when the replay has a packed trace. */
  readonly packed: PackedOps | null;
  /**
   * Replays ops [from, to) (indices in the whole trace) from `ops`, whose element 0 is op
   * `base`. Returns false once the run has stopped (a violation, an abort): no more slices.
   */
  pass(ops: PackedOps, base: number, from: number, to: number): boolean;
  /** The final checks and the result (after the last slice, or after pass returned false). */
  finish(): RunResult;
}

/** One replay: the rig, the id bookkeeping, the metrics, the events. Also the observers' view. */
class Replay implements RunView, ReplaySlices {
  readonly info: TraceInfo;
  readonly packed: PackedOps | null;
  readonly cfg: RunConfig;
  readonly lockSpec: string;
  readonly facts: TraceFacts;
  readonly observer: ReplayObserver | undefined;
  readonly bus: MemoryBus;
  readonly allocator: Allocator;
  readonly heaps: HeapSpan[];
  readonly alignment: number;
  readonly params: Params;
  readonly multiHeap: boolean;
  readonly slots: Slots;
  readonly metrics: RunMetrics;
  readonly checker: Checker | null;

  skippedOps = 0;
  errorCount = 0;
  /** NULL handling: bytes of failed requests; policy `release`: objects released and their bytes. */
  failedBytes = 0;
  releasedObjects = 0;
  releasedBytes = 0;
  /** Allocation order, kept only under policy `release`. */
  oldest: OldestFirst | null = null;
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
  /** Ops to run (min(trace ops, stopAfter)) and ops run so far. */
  readonly n: number;
  opsRun = 0;
  /** The ops being replayed (pass) and the index of their element 0 in the trace. */
  private window: PackedOps = EMPTY_OPS;
  private base = 0;
  /** One past the last op index of the window that was run. */
  private windowEnd = 0;
  private t0 = 0;

  constructor(info: TraceInfo, facts: TraceFacts, trace: PackedTrace | null, cfg: RunConfig, lockSpec: string, observer: ReplayObserver | undefined) {
    this.info = info;
    this.packed = trace === null ? null : trace.ops;
    this.cfg = cfg;
    this.lockSpec = lockSpec;
    this.observer = observer;
    this.facts = facts;
    const rig = buildRig(cfg.device, cfg.allocator, { factory: cfg.factory, params: cfg.params, heapSize: cfg.heapSize, whatIf: cfg.whatIf, check: cfg.check === true, cache: cfg.cache, costs: cfg.costs });
    this.params = rig.params;
    this.multiHeap = rig.factory.multiHeap;
    this.heaps = rig.heaps;
    this.alignment = cfg.device.alignment;
    this.bus = rig.bus;
    this.allocator = rig.allocator;
    this.slots = new Slots(trace, this.facts, this.allocator);
    const ops = Math.min(facts.ops, cfg.stopAfter ?? Infinity);
    this.n = ops;
    const median = this.facts.medianRequest;
    this.metrics = new RunMetrics({
      heapSize: rig.heapSize,
      ops,
      every: Math.max(1, Math.floor(cfg.sample ?? Math.ceil(Math.max(1, this.facts.ops) / SERIES_POINTS))),
      series: cfg.series ?? true,
      lean: cfg.lean === true,
      exactWalk: cfg.exactWalk === true,
      checking: cfg.check === true,
      compactAbove: cfg.compactAboveExtFrag ?? Infinity,
      typThreshold: median > 0 ? this.allocator.blockFootprint(median) : 0,
    });
    this.checker = cfg.check ? new Checker(this, cfg.checkEvery ?? 1) : null;
    if (cfg.oom === 'release') this.oldest = new OldestFirst(this.slots.count);
  }

  // ---- RunView ---------------------------------------------------------------------------

  get live(): number {
    return this.slots.live;
  }

  requestedOf(h: number): number {
    const s = this.slots.slotOfHandle(h);
    return s < 0 ? 0 : this.slots.req[s]!;
  }

  idOf(h: number): number {
    const s = this.slots.slotOfHandle(h);
    return s < 0 ? -1 : this.slots.idOfSlot(s);
  }

  lockCountOf(h: number): number {
    const s = this.slots.slotOfHandle(h);
    return s < 0 ? 0 : this.slots.locks[s]!;
  }

  // ---- the pass --------------------------------------------------------------------------

  /** Before op 0: the heap's initialisation cycles and counters, the metrics' start. */
  start(): void {
    this.t0 = performance.now();
    this.initCycles = this.bus.cycles;
    this.initCounters = this.bus.counters();
    this.metrics.start(this.allocator);
  }

  pass(ops: PackedOps, base: number, from: number, to: number): boolean {
    this.window = ops;
    this.base = base;
    this.windowEnd = to;
    const { kind, id, arg } = ops;
    const n = this.n;
    const a = this.allocator;
    const bus = this.bus;
    const slots = this.slots;
    const slotOf = slots.slotOf;
    const m = this.metrics;
    const stopAtOom = this.cfg.stopAtFirstOom === true;
    const compactEvery = this.cfg.compactEvery ?? 0;
    const compactAbove = this.cfg.compactAboveExtFrag ?? Infinity;
    const canCompact = typeof a.compact === 'function';
    const observer = this.observer;
    const moving = a.moving;
    const checker = this.checker;
    let opsRun = this.opsRun;

    for (let i = from; i < to; i++) {
      const j = i - base;
      const k = kind[j]!;
      const s = slotOf ? slotOf[i]! : id[j]!;
      const c0 = bus.cycles;
      this.opCompactCycles = 0;
      this.opCompactions = 0;
      this.oomThisOp = false;
      let executed = false;
      try {
        executed = this.step(i, k, s, arg[j]!);
      } catch (e) {
        this.onThrow(i, e);
      }
      opsRun = i + 1;
      if (this.violation) break;
      if (executed && k <= OP_UNLOCK) m.opCycles(k, bus.cycles - c0 - this.opCompactCycles);

      // The heap can only have changed through an executed alloc/free/realloc, a lock/unlock of a
      // moving allocator, a compaction, or the policy's work on an OOM.
      const compacted = this.opCompactions > 0;
      const changed = executed ? k <= OP_REALLOC || (moving && k <= OP_UNLOCK) || compacted : this.oomThisOp;
      const last = i === n - 1 || this.status !== 'ok';
      m.observe(a, i, changed, executed && k === OP_FREE && !compacted, last, slots.live, slots.internal);
      if (m.problem !== undefined) this.setViolation(i, m.problem, 0);

      // ---- compaction triggers: part of op i, so the metrics see the heap after them too ----
      if (
        canCompact && !this.violation && this.status === 'ok' && !(stopAtOom && m.ooms > 0) &&
        ((compactEvery > 0 && (i + 1) % compactEvery === 0) || (m.largestExact && m.ef > compactAbove))
      ) {
        try {
          this.compact(i, this.cfg.compactBudget);
        } catch (e) {
          this.onThrow(i, e);
        }
        if (!this.violation) {
          m.observe(a, i, true, false, last, slots.live, slots.internal);
          if (m.problem !== undefined) this.setViolation(i, m.problem, 0);
        }
      }
      m.endOp(a, i, last, this.oomThisOp, slots.live, slots.internal);
      if (this.violation || this.status !== 'ok') break;
      if (stopAtOom && m.ooms > 0) {
        this.status = 'aborted';
        break;
      }

      if (checker) {
        const v = checker.afterOp(i, last);
        if (v) {
          this.setViolation(i, v.message, v.addr);
          break;
        }
      }
      if (observer?.afterOp) observer.afterOp(i, this);
    }
    this.opsRun = opsRun;
    return !this.violation && this.status === 'ok';
  }

  finish(): RunResult {
    const opsRun = this.opsRun;
    if (this.checker && !this.violation && this.status === 'ok') {
      const v = this.checker.verifyAll();
      if (v) this.setViolation(opsRun - 1, v.message, v.addr);
    }
    const result = this.result(opsRun, performance.now() - this.t0);
    // Nobody can look at this heap any more (observers snapshot during the run): its buffers go
    // back for the next replay of the same heap size (bus.release).
    if (!this.observer) this.bus.release();
    return result;
  }

  /** Source line of op i (in the current window: the op being run, or the last one run). */
  private lineOf(i: number): number {
    return i >= this.base && i < this.windowEnd ? this.window.line[i - this.base]! : 0;
  }

  /** Executes op i; returns false when it was skipped. */
  private step(i: number, k: number, s: number, x: number): boolean {
    const a = this.allocator;
    const sl = this.slots;
    const st = sl.state;
    const checker = this.checker;
    switch (k) {
      case OP_ALLOC: {
        if (st[s] === ID_LIVE) {
          this.skip(i, `alloc of id ${sl.idOfSlot(s)} which is still live`);
          return false;
        }
        let h = a.alloc(x);
        if (h === 0) h = this.oom(i, 'alloc', s, x, 0);
        if (h !== 0) {
          sl.bind(s, h, x);
          if (this.oldest) this.oldest.allocated(s);
          if (checker) checker.fill(s);
        } else st[s] = ID_FAILED;
        return true;
      }
      case OP_FREE: {
        const cur = st[s];
        if (cur !== ID_LIVE) {
          if (cur === ID_FAILED) {
            st[s] = ID_NONE;
            this.skippedOps++;
          } else this.skip(i, `free of id ${sl.idOfSlot(s)} which is not live`);
          return false;
        }
        if (checker) checker.beforeFree(s);
        a.free(sl.handle[s]!);
        sl.release(s);
        return true;
      }
      case OP_REALLOC: {
        const cur = st[s];
        if (cur !== ID_LIVE) {
          if (cur === ID_FAILED) this.skippedOps++;
          else this.skip(i, `realloc of id ${sl.idOfSlot(s)} which is not live`);
          return false;
        }
        if (checker) checker.verify(s, 'realloc');
        const h = sl.handle[s]!;
        let nh = a.realloc(h, x);
        if (nh === 0) nh = this.oom(i, 'realloc', s, x, h);
        if (nh !== 0) {
          const old = sl.req[s]!;
          sl.unbind(s);
          sl.bind(s, nh, x);
          if (checker) checker.afterRealloc(s, old);
        }
        // A failed realloc leaves the old block live and untouched (C semantics).
        return true;
      }
      case OP_LOCK: {
        if (st[s] !== ID_LIVE) {
          this.skippedOps++;
          return false;
        }
        if (checker) checker.verify(s, 'lock');
        a.lock(sl.handle[s]!);
        sl.locks[s]!++;
        return true;
      }
      case OP_UNLOCK: {
        if (st[s] !== ID_LIVE) {
          this.skippedOps++;
          return false;
        }
        a.unlock(sl.handle[s]!);
        if (sl.locks[s]! > 0) sl.locks[s]!--;
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

  private skip(i: number, message: string): void {
    this.skippedOps++;
    this.addError(i, message);
  }

  private addError(i: number, message: string): void {
    this.errorCount++;
    if (this.errors.length < MAX_ERROR_EVENTS) this.errors.push({ op: i, line: this.lineOf(i), message });
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

  private setViolation(i: number, message: string, addr: number): void {
    this.status = 'violation';
    const line = this.lineOf(i);
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
      op: i, line: this.lineOf(i), kind, id: this.slots.idOfSlot(s), size, free, largest, live: this.slots.live,
      outcome: 'failed', fragmentation: free >= size,
    };
    this.oomThisOp = true;
    let got = 0;
    const policy = this.cfg.oom;
    if ((policy === 'compact' || policy === 'release') && typeof a.compact === 'function') {
      this.compact(i, undefined);
      got = kind === 'alloc' ? a.alloc(size) : a.realloc(h, size);
    } else if (policy === 'abort') {
      ev.outcome = 'aborted';
      this.status = 'aborted';
    }
    if (got === 0 && policy === 'release') got = this.releaseAndRetry(kind, s, size, h, ev);
    if (got !== 0) ev.outcome = 'recovered';
    else this.failedBytes += size;
    this.metrics.oom(got !== 0, ev.fragmentation);
    if (this.oomEvents.length < MAX_OOM_EVENTS) this.oomEvents.push(ev);
    return got;
  }

  /** Policy `release`: free the oldest live unlocked objects (not s) one by one, retrying after each. */
  private releaseAndRetry(kind: 'alloc' | 'realloc', s: number, size: number, h: number, ev: OomEvent): number {
    const a = this.allocator;
    const sl = this.slots;
    const live = (x: number): boolean => sl.state[x] === ID_LIVE;
    const unlocked = (x: number): boolean => sl.locks[x] === 0;
    let got = 0;
    let n = 0;
    while (got === 0 && n < RELEASE_MAX) {
      const v = this.oldest!.oldest(live, unlocked, s);
      if (v < 0) break;
      if (this.checker) this.checker.beforeFree(v);
      a.free(sl.handle[v]!);
      this.releasedBytes += sl.req[v]!;
      sl.release(v);
      sl.state[v] = ID_FAILED; // dead to the program: its later ops are skipped and counted
      this.oldest!.released(v);
      n++;
      got = kind === 'alloc' ? a.alloc(size) : a.realloc(h, size);
    }
    this.releasedObjects += n;
    if (n > 0) ev.released = n;
    return got;
  }

  private compact(i: number, budget: number | undefined): void {
    const a = this.allocator;
    if (!a.compact) return;
    if (this.observer?.beforeCompact) this.observer.beforeCompact(i, this);
    const c0 = this.bus.cycles;
    const r = a.compact(budget);
    this.recordCompaction(i, r, this.bus.cycles - c0);
  }

  private recordCompaction(i: number, r: CompactResult, dc: number): void {
    this.metrics.compaction(dc, r.bytesMoved);
    this.opCompactCycles += dc;
    this.opCompactions++;
    if (this.checker) this.checker.afterMove(i);
    if (this.observer?.afterCompact) this.observer.afterCompact(i, this, r);
  }

  private result(opsRun: number, wallMs: number): RunResult {
    const m = this.metrics;
    const f = this.facts;
    const clockHz = this.cfg.device.cpu.clockHz;
    const { byKind, ops } = m.cycles(clockHz);
    const res: RunResult = {
      schema: 1,
      device: this.cfg.device.name,
      allocator: this.cfg.allocator,
      params: this.params,
      heap: { base: this.heaps[0]!.base, size: m.heapSize },
      heaps: this.heaps,
      multiHeap: this.multiHeap,
      trace: {
        name: this.info.name, ops: f.ops, allocs: f.allocs, frees: f.frees, reallocs: f.reallocs, locks: f.locks,
        skipped: f.skipped, lockModel: this.lockSpec,
      },
      status: this.status,
      summary: {
        ...m.summary({
          opsRun, allocator: this.allocator, medianRequest: f.medianRequest, skippedOps: this.skippedOps, errors: this.errorCount,
          usPerOp: ops.meanUs, idealFootprint: this.slots.peakFootprint,
        }),
        failedBytes: this.failedBytes, releasedObjects: this.releasedObjects, releasedBytes: this.releasedBytes,
      },
      oomEvents: this.oomEvents,
      errors: this.errors,
      cycles: { clockHz, total: this.bus.cycles - this.initCycles, init: this.initCycles, byKind, ops },
      compaction: { runs: m.compactRuns, bytesMoved: m.compactBytes, cycles: m.compactCycles, longestPause: m.longestPause },
      bus: busDelta(this.initCounters ?? this.bus.counters(), this.bus.counters()),
      conservation: { ok: m.consOk, checkedOps: opsRun, ...(m.consFirst ? { firstViolation: m.consFirst } : {}) },
      wallMs,
    };
    if (this.violation) res.violation = this.violation;
    if (m.wantSeries) res.series = { every: m.every, points: m.points };
    return res;
  }
}
