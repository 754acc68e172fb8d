/**
 * Soak runs (issue 15 item 7): millions of seeded random ops through one allocator, every op
 * checked by the engine's integrity checker (`check: true`: allocator check(), walk()
 * cross-check, payload patterns, conservation), reproducible from the seed.
 *
 * The workload: allocations with log-uniform sizes from 1 byte to a quarter of the heap, frees,
 * reallocs (grow and shrink), and for moving allocators lock/unlock pairs (a few blocks held
 * locked at a time, unlocked before they are freed), idle time and compaction every few
 * hundred ops. The live set is steered around half the heap, so the heap fills, fragments and
 * runs out (OOMs are part of the test: the failure paths must keep the heap consistent), then
 * drains. OOM policy alternates per segment between `fail` and, where the allocator can move
 * blocks, `compact`.
 *
 * A run is cut into segments of at most SEGMENT_OPS ops, each a fresh heap with its own seed
 * derived from the run's seed, so memory stays bounded (a segment is a packed trace) and a
 * violation names the segment to replay.
 */
import { getFactory, type AllocatorFactory } from '../alloc';
import type { DeviceProfile } from '../device';
import { OP_ALLOC, OP_FREE, OP_IDLE, OP_LOCK, OP_REALLOC, OP_UNLOCK, type PackedTrace } from '../trace';
import { Prng } from '../util';
import { replay } from './engine';
import { replayAsync } from './stream';
import type { OomPolicy, RunConfig, RunResult, Violation } from './types';

/** Ops per segment (a fresh heap each). */
export const SEGMENT_OPS = 1_000_000;
/** Locked blocks held at most at a time (moving allocators). */
const MAX_LOCKED = 4;

export interface SoakWorkload {
  seed: number;
  ops: number;
  heapSize: number;
  /** Emit lock/unlock and idle ops (moving allocators). */
  moving: boolean;
}

/** The seed of segment k of a run seeded `seed` (k = 0 is the run's own seed). */
export function segmentSeed(seed: number, k: number): number {
  return k === 0 ? seed : (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(k, 0xc2b2ae35)) >>> 0;
}

/** One segment's ops, deterministic for its options. */
export function soakTrace(w: SoakWorkload): PackedTrace {
  const rng = new Prng(w.seed);
  const n = w.ops;
  const kind = new Uint8Array(n);
  const id = new Float64Array(n);
  const arg = new Float64Array(n);
  const line = new Float64Array(n);
  const maxSize = Math.max(1, Math.floor(w.heapSize / 4));
  const lnSpan = Math.log(maxSize + 1);
  const size = (): number => Math.max(1, Math.min(maxSize, Math.floor(Math.exp(rng.next() * lnSpan))));
  const live: number[] = [];
  const sizeOf = new Map<number, number>();
  const locked: number[] = [];
  const freeIds: number[] = [];
  let nextId = 0;
  let liveBytes = 0;
  const target = w.heapSize / 2;
  let i = 0;
  const emit = (k: number, x: number, a: number): void => {
    kind[i] = k;
    id[i] = x;
    arg[i] = a;
    line[i] = i + 1;
    i++;
  };
  while (i < n) {
    const r = rng.next();
    if (w.moving && r < 0.02) {
      emit(OP_IDLE, 0, rng.int(1, 20000));
      continue;
    }
    if (w.moving && r < 0.12 && live.length > 0) {
      // Lock a block, or unlock one held.
      if (locked.length < MAX_LOCKED && (locked.length === 0 || rng.next() < 0.5)) {
        const x = live[rng.int(0, live.length - 1)]!;
        if (!locked.includes(x)) {
          locked.push(x);
          emit(OP_LOCK, x, 0);
          continue;
        }
      }
      if (locked.length > 0) {
        const j = rng.int(0, locked.length - 1);
        emit(OP_UNLOCK, locked[j]!, 0);
        locked.splice(j, 1);
        continue;
      }
    }
    // Steer the live bytes toward half the heap: allocate more below, free more above.
    const pAlloc = live.length === 0 ? 1 : liveBytes < target ? 0.6 : 0.35;
    if (rng.next() < pAlloc) {
      const x = freeIds.length ? freeIds.pop()! : nextId++;
      const s = size();
      emit(OP_ALLOC, x, s);
      live.push(x);
      sizeOf.set(x, s);
      liveBytes += s;
      continue;
    }
    const k = rng.int(0, live.length - 1);
    const x = live[k]!;
    if (rng.next() < 0.25) {
      // Realloc: grow or shrink by up to 4x, within the size range.
      const old = sizeOf.get(x)!;
      const s = Math.max(1, Math.min(maxSize, Math.floor(old * Math.exp((rng.next() * 2 - 1) * Math.log(4)))));
      emit(OP_REALLOC, x, s);
      sizeOf.set(x, s);
      liveBytes += s - old;
      continue;
    }
    const li = locked.indexOf(x);
    if (li >= 0) {
      if (i + 1 >= n) {
        emit(OP_IDLE, 0, 1); // no room for unlock + free: end on an idle op
        continue;
      }
      emit(OP_UNLOCK, x, 0);
      locked.splice(li, 1);
    }
    emit(OP_FREE, x, 0);
    live[k] = live[live.length - 1]!;
    live.pop();
    liveBytes -= sizeOf.get(x)!;
    sizeOf.delete(x);
    freeIds.push(x);
  }
  const name = `soak-${w.seed}`;
  return { info: { path: name, name, header: [`soak workload seed ${w.seed}`] }, ops: { n: i, kind, id, arg, line }, skipped: [] };
}

export interface SoakOptions {
  device: DeviceProfile;
  allocator: string;
  /** An allocator outside the registry (tests: a deliberately broken one). */
  factory?: AllocatorFactory;
  ops: number;
  seed: number;
  heapSize: number;
  /** The whole-heap check every this many ops (default 1: after every op; the CLI's default is DEFAULT_CHECK_EVERY). */
  checkEvery?: number;
  /** Called after each segment (progress). */
  onSegment?: (s: SoakSegment) => void;
}

export interface SoakSegment {
  index: number;
  seed: number;
  ops: number;
  oom: OomPolicy;
  compactEvery: number | undefined;
  ooms: number;
  compactions: number;
  skipped: number;
  status: string;
  violation?: Violation;
  wallMs: number;
}

export interface SoakResult {
  allocator: string;
  seed: number;
  heapSize: number;
  ops: number;
  ooms: number;
  compactions: number;
  violations: number;
  segments: SoakSegment[];
  /** How the ops were checked. */
  check: string;
  wallMs: number;
}

/** How often a moving allocator is compacted in segment k (undefined: only on OOM/idle). */
function compactEveryFor(rng: Prng): number | undefined {
  return rng.next() < 0.25 ? undefined : rng.int(50, 500);
}

/** How a soak with the whole-heap check every `every` ops checks its ops (SoakResult.check). */
export function checkDescription(every: number): string {
  const full = 'the whole heap (allocator check(), walk() cross-check, conservation)';
  if (every <= 1) return `engine --check after every op: ${full} and payload patterns`;
  return `engine --check: after every op what it touched (step assertions, the block and its neighbours, payload patterns, conservation); ${full} every ${every} ops and at the end of each segment`;
}

/**
 * A soak as the replays it runs: yields each segment's trace and configuration and takes its
 * result back, until `ops` ops ran or a violation stops it (soak and soakAsync drive it).
 */
function* segments(o: SoakOptions): Generator<{ trace: PackedTrace; cfg: RunConfig }, SoakResult, RunResult> {
  const f = o.factory ?? getFactory(o.allocator);
  const moving = f.moving;
  const res: SoakResult = {
    allocator: o.allocator, seed: o.seed, heapSize: o.heapSize, ops: 0, ooms: 0, compactions: 0, violations: 0, segments: [],
    check: checkDescription(o.checkEvery ?? 1), wallMs: 0,
  };
  const t0 = performance.now();
  for (let k = 0; res.ops < o.ops; k++) {
    const seed = segmentSeed(o.seed, k);
    const ops = Math.min(SEGMENT_OPS, o.ops - res.ops);
    const trace = soakTrace({ seed, ops, heapSize: o.heapSize, moving });
    const knobs = new Prng(seed ^ 0x5bd1e995);
    const oom: OomPolicy = moving && k % 2 === 1 ? 'compact' : 'fail';
    const compactEvery = moving ? compactEveryFor(knobs) : undefined;
    const r: RunResult = yield {
      trace,
      cfg: {
        device: o.device, allocator: o.allocator, heapSize: o.heapSize, oom, check: true, checkEvery: o.checkEvery ?? 1, series: false, seed,
        ...(o.factory ? { factory: o.factory } : {}),
        ...(compactEvery !== undefined ? { compactEvery } : {}),
      },
    };
    const seg: SoakSegment = {
      index: k, seed, ops: r.summary.opsRun, oom, compactEvery, ooms: r.summary.ooms, compactions: r.compaction.runs,
      skipped: r.summary.skippedOps, status: r.status, wallMs: r.wallMs,
    };
    if (r.violation) seg.violation = r.violation;
    res.segments.push(seg);
    res.ops += seg.ops;
    res.ooms += seg.ooms;
    res.compactions += seg.compactions;
    o.onSegment?.(seg);
    if (r.status === 'violation') {
      res.violations++;
      break;
    }
    if (seg.ops < ops) break; // the trace generator stopped early (cannot happen with ops >= 2)
  }
  res.wallMs = performance.now() - t0;
  return res;
}

/** Runs a soak: segments until `ops` ops ran or a violation stops it. */
export function soak(o: SoakOptions): SoakResult {
  const g = segments(o);
  let step = g.next();
  while (!step.done) step = g.next(replay(step.value.trace, step.value.cfg));
  return step.value;
}

/**
 * The same soak (the same result), giving the event loop a turn every few tens of
 * milliseconds (src/sim/stream.ts): the CLI's, so Ctrl-C or SIGTERM stops a long soak at once.
 */
export async function soakAsync(o: SoakOptions): Promise<SoakResult> {
  const g = segments(o);
  let step = g.next();
  while (!step.done) step = g.next(await replayAsync(step.value.trace, step.value.cfg));
  return step.value;
}
