/**
 * Lock inference: turns a trace without (enough) lock ops into one where blocks are locked
 * while the program would be using them, so a moving allocator (rmalloc) is measured with
 * blocks it must not move. The result is a new PackedTrace with `l`/`u` ops inserted; each
 * inserted op carries the source line of the op it derives from.
 *
 * Models (`--locks`):
 * - `none`: the trace unchanged.
 * - `pinned:<p>`: a seeded fraction p of allocations is locked for life: `l` right after the
 *   `a`, `u` right before the `f` (or at the end of the trace). A realloc of such a block
 *   becomes `u`, `r`, `l`, so the allocator may move it while it is being resized.
 * - `lifetime:<f>`: the rmalloc thesis's coarse rule: blocks whose lifetime (ops from alloc to
 *   free, or to the end of the trace) is under f × trace length are locked for life. A
 *   pre-pass finds the lifetimes.
 * - `access`: the thesis's fine rule for access traces (OP_ACCESS ops from thesis memtraces):
 *   each block has a score, +1 for each access to it and -0.5 for each access to any other
 *   block, never below 0; the block is locked while its score is above 0. Access ops are
 *   stripped from the output; `l` is emitted where a score leaves 0 and `u` where it returns
 *   to 0.
 *
 * The access rule in O(ops): rather than lowering every live block's score on every access,
 * each block keeps its score v as of its own last access and the global access count A_b at
 * that moment; its score now is max(0, v - 0.5 (A - A_b)). So it reaches 0 exactly when the
 * global count reaches A_b + 2v, an integer. The block is filed in a bucket under that
 * deadline (a map from deadline to a short list); when the global count reaches a deadline the
 * bucket's still-current entries are unlocked. Every access files at most one entry, so the
 * whole pass is amortised O(ops).
 *
 * Lock ops already in the trace are held locks and stay where they are; inferred locks nest
 * with them (the allocator keeps a count), so a block the trace locks and the model locks is
 * movable only when both have unlocked it.
 */
import { SimError } from '../errors';
import { Prng } from '../util';
import {
  newBatch,
  newOps,
  pushOp,
  widthsOf,
  OP_ACCESS,
  OP_ALLOC,
  OP_FREE,
  OP_LOCK,
  OP_REALLOC,
  OP_UNLOCK,
  type OpBatch,
  type PackedOps,
  type OpKind,
  type PackedTrace,
  type TraceInfo,
  type TraceSource,
} from '../trace';

export type LockModel =
  | { kind: 'none' }
  | { kind: 'pinned'; p: number }
  | { kind: 'lifetime'; f: number }
  | { kind: 'access' };

/** Parses a `--locks` spec; a bad one is SimError('USAGE'). */
export function parseLockModel(spec: string): LockModel {
  const s = spec.trim();
  if (s === 'none') return { kind: 'none' };
  if (s === 'access') return { kind: 'access' };
  const m = /^(pinned|lifetime):(.*)$/.exec(s);
  if (m) {
    const v = m[2]!.trim() === '' ? NaN : Number(m[2]);
    if (Number.isFinite(v) && v >= 0 && v <= 1) return m[1] === 'pinned' ? { kind: 'pinned', p: v } : { kind: 'lifetime', f: v };
    throw new SimError('USAGE', `lock model "${spec}": ${m[1]}:<x> needs a number from 0 to 1, got "${m[2]}"`);
  }
  throw new SimError('USAGE', `unknown lock model "${spec}"; expected none, pinned:<p>, lifetime:<f> or access`);
}

/** Where a lock model writes its ops. */
interface OpsOut {
  push(kind: number, id: number, arg: number, line: number): void;
}

/**
 * Writes ops into exact columns. A model runs twice over its source (it is deterministic for
 * its seed): first into a counter (ops null), then into columns of exactly that length, so the
 * lock-applied trace is packed like a loaded one (13 bytes per op, shared memory) with nothing
 * held beside it.
 */
class PackedOut implements OpsOut {
  n = 0;
  private readonly ops: PackedOps | null;
  constructor(ops: PackedOps | null) {
    this.ops = ops;
  }
  push(kind: number, id: number, arg: number, line: number): void {
    const i = this.n++;
    const o = this.ops;
    if (o === null) return;
    o.kind[i] = kind;
    o.id[i] = id;
    o.arg[i] = arg;
    o.line[i] = line;
  }
}

/** A lock model as a transform of the op stream: source ops in, in order; the trace's ops with inferred locks out. */
interface LockTransform {
  /** Source op i. */
  op(i: number, k: OpKind, id: number, arg: number, line: number): void;
  /** After the last source op: unlocks of the blocks still locked. */
  end(): void;
}

/** The transform of a model (not `none`), writing to `out`; `short`: lifetime's pre-pass flags. */
function transformOf(model: LockModel, seed: number, short: Uint8Array | null, out: OpsOut): LockTransform {
  if (model.kind === 'access') return new AccessModel(out);
  if (model.kind === 'lifetime') return new LifeModel((i) => short![i] === 1, out);
  const rng = new Prng(seed);
  const p = model.kind === 'pinned' ? model.p : 0;
  return new LifeModel(() => rng.next() < p, out);
}

/** Feeds ops[0, n) to a transform as source ops base + 0 .. base + n - 1. */
function feed(t: LockTransform, ops: PackedOps, base: number): void {
  const { n, kind, id, arg, line } = ops;
  for (let i = 0; i < n; i++) t.op(base + i, kind[i]! as OpKind, id[i]!, arg[i]!, line[i]!);
}

/** Returns `trace` with inferred lock ops (a new PackedTrace; `none` returns the input). */
export function applyLockModel(trace: PackedTrace, spec: string, seed: number): PackedTrace {
  const model = parseLockModel(spec);
  if (model.kind === 'none') return trace;
  const src = trace.ops;
  const short = model.kind === 'lifetime' ? lifetimePass(src, model.f * src.n) : null;
  const emit = (out: PackedOut): void => {
    const t = transformOf(model, seed, short, out);
    feed(t, src, 0);
    t.end();
  };
  const count = new PackedOut(null);
  emit(count);
  // Inserted ops carry the ids and lines of source ops and size 0: the source's widths hold them.
  const ops = newOps(count.n, widthsOf(src));
  const fill = new PackedOut(ops);
  emit(fill);
  if (fill.n !== count.n) throw new Error(`lock model ${spec}: ${fill.n} ops on the second pass, ${count.n} on the first`);
  return { info: lockedInfo(trace.info, spec, seed), ops, skipped: trace.skipped };
}

function lockedInfo(info: TraceInfo, spec: string, seed: number): TraceInfo {
  return { ...info, header: [...info.header, ` lock model: ${spec} (seed ${seed})`] };
}

/** Whether a lock model can be applied to a trace as it streams (not lifetime: it looks ahead). */
export function streamsLocks(spec: string): boolean {
  return parseLockModel(spec).kind !== 'lifetime';
}

/** A growable, reused batch that a streaming transform writes to. */
class BatchOut implements OpsOut {
  readonly b: OpBatch;
  constructor(cap: number) {
    this.b = newBatch(cap);
  }
  push(kind: number, id: number, arg: number, line: number): void {
    pushOp(this.b, kind, id, arg, line);
  }
}

/** A streamed trace with a lock model applied as it streams (lockedSource). */
export interface LockedSource extends TraceSource {
  /** The lock model the stream carries. */
  readonly lockSpec: string;
}

/**
 * `src` with the lock model `spec` applied batch by batch (streamsLocks(spec) must hold): the
 * same ops as applyLockModel on the packed trace, in constant memory. Every iteration starts
 * the model afresh (the same seed: the same locks).
 */
export function lockedSource(src: TraceSource, spec: string, seed: number): LockedSource {
  const model = parseLockModel(spec);
  if (model.kind === 'lifetime' || model.kind === 'none') throw new Error(`lockedSource: ${spec} does not stream`);
  return {
    lockSpec: spec,
    get info() {
      return lockedInfo(src.info, spec, seed);
    },
    skipped: () => src.skipped(),
    batches: () => ({
      async *[Symbol.asyncIterator]() {
        const out = new BatchOut(1024);
        const t = transformOf(model, seed, null, out);
        let base = 0;
        for await (const b of src.batches()) {
          feed(t, b, base);
          base += b.n;
          if (out.b.n > 0) yield out.b;
          out.b.n = 0;
        }
        t.end();
        if (out.b.n > 0) yield out.b;
        out.b.n = 0;
      },
    }),
  };
}

/** pinned and lifetime: a per-allocation decision, locked from alloc to free. */
class LifeModel implements LockTransform {
  /** id -> line of the op that allocated it, sign: + locked by the model, - not locked. */
  private readonly live = new Map<number, number>();
  private readonly decide: (i: number) => boolean;
  private readonly out: OpsOut;
  constructor(decide: (i: number) => boolean, out: OpsOut) {
    this.decide = decide;
    this.out = out;
  }

  op(i: number, k: OpKind, id: number, arg: number, line: number): void {
    const { live, out, decide } = this;
    switch (k) {
      case OP_ALLOC: {
        out.push(k, id, arg, line);
        if (live.has(id)) break; // an alloc of a live id: the engine skips it; keep our state
        const lock = decide(i);
        live.set(id, lock ? line : -line);
        if (lock) out.push(OP_LOCK, id, 0, line);
        break;
      }
      case OP_FREE: {
        const st = live.get(id);
        if (st !== undefined) {
          if (st > 0) out.push(OP_UNLOCK, id, 0, line);
          live.delete(id);
        }
        out.push(k, id, 0, line);
        break;
      }
      case OP_REALLOC: {
        const st = live.get(id);
        if (st === undefined) {
          // realloc of an unknown id allocates: decide as for an alloc.
          out.push(k, id, arg, line);
          const lock = decide(i);
          live.set(id, lock ? line : -line);
          if (lock) out.push(OP_LOCK, id, 0, line);
        } else if (st > 0) {
          out.push(OP_UNLOCK, id, 0, line);
          out.push(k, id, arg, line);
          out.push(OP_LOCK, id, 0, line);
        } else out.push(k, id, arg, line);
        break;
      }
      default:
        out.push(k, id, arg, line);
    }
  }

  end(): void {
    for (const [id, st] of this.live) if (st > 0) this.out.push(OP_UNLOCK, id, 0, st);
  }
}

/**
 * Pre-pass for `lifetime:f`: flags[i] = 1 when the block allocated by op i lives fewer than
 * `limit` ops (to its free, or to the end of the trace).
 */
function lifetimePass(src: PackedOps, limit: number): Uint8Array {
  const n = src.n;
  const flags = new Uint8Array(n);
  const born = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = src.kind[i]!;
    const id = src.id[i]!;
    if (k === OP_ALLOC || (k === OP_REALLOC && !born.has(id))) {
      if (!born.has(id)) born.set(id, i);
    } else if (k === OP_FREE) {
      const b = born.get(id);
      if (b !== undefined) {
        if (i - b < limit) flags[b] = 1;
        born.delete(id);
      }
    }
  }
  for (const b of born.values()) if (n - b < limit) flags[b] = 1;
  return flags;
}

/** Per-block state of the access rule. */
interface Score {
  /** Score as of the block's last own access. */
  v: number;
  /** Global access count right after that access. */
  at: number;
  /** at + 2v: the count at which the score is 0 again. */
  deadline: number;
  locked: boolean;
}

/** The fine rule for access traces, streaming, amortised O(ops). */
class AccessModel implements LockTransform {
  private readonly live = new Map<number, Score>();
  /** deadline -> ids whose score may reach 0 then (stale entries are skipped). */
  private readonly buckets = new Map<number, number[]>();
  /** Accesses so far (the global count). */
  private A = 0;
  private lastLine = 0;
  private readonly out: OpsOut;
  constructor(out: OpsOut) {
    this.out = out;
  }

  private file(id: number, s: Score): void {
    const list = this.buckets.get(s.deadline);
    if (list) list.push(id);
    else this.buckets.set(s.deadline, [id]);
  }

  op(_i: number, k: OpKind, id: number, arg: number, line: number): void {
    const { live, buckets, out } = this;
    this.lastLine = line;
    switch (k) {
      case OP_ACCESS: {
        const s = live.get(id);
        const A = ++this.A;
        if (s) {
          const now = Math.max(0, s.v - 0.5 * (A - 1 - s.at)) + 1;
          s.v = now;
          s.at = A;
          s.deadline = A + 2 * now;
          this.file(id, s);
          if (!s.locked) {
            s.locked = true;
            out.push(OP_LOCK, id, 0, line);
          }
        }
        // Every other block lost 0.5: unlock those whose score reaches 0 at this count.
        const due = buckets.get(A);
        if (due) {
          buckets.delete(A);
          for (const d of due) {
            const t = live.get(d);
            if (t && t.locked && t.deadline === A) {
              t.locked = false;
              out.push(OP_UNLOCK, d, 0, line);
            }
          }
        }
        break;
      }
      case OP_ALLOC:
        out.push(k, id, arg, line);
        if (!live.has(id)) live.set(id, { v: 0, at: this.A, deadline: this.A, locked: false });
        break;
      case OP_FREE: {
        const s = live.get(id);
        if (s) {
          if (s.locked) out.push(OP_UNLOCK, id, 0, line);
          live.delete(id);
        }
        out.push(k, id, 0, line);
        break;
      }
      case OP_REALLOC: {
        const s = live.get(id);
        if (s && s.locked) {
          out.push(OP_UNLOCK, id, 0, line);
          out.push(k, id, arg, line);
          out.push(OP_LOCK, id, 0, line);
        } else {
          out.push(k, id, arg, line);
          if (!s) live.set(id, { v: 0, at: this.A, deadline: this.A, locked: false });
        }
        break;
      }
      default:
        out.push(k, id, arg, line);
    }
  }

  end(): void {
    for (const [id, s] of this.live) if (s.locked) this.out.push(OP_UNLOCK, id, 0, this.lastLine);
  }
}
