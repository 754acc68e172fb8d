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
  newOps,
  widthsOf,
  OP_ACCESS,
  OP_ALLOC,
  OP_FREE,
  OP_LOCK,
  OP_REALLOC,
  OP_UNLOCK,
  type PackedOps,
  type OpKind,
  type PackedTrace,
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

/**
 * Where a lock model writes its ops. A model runs twice (it is deterministic for its seed):
 * first into a counter, then into columns of exactly that length, so the lock-applied trace is
 * packed like a loaded one (13 bytes per op, shared memory) with nothing held beside it.
 */
class OpsOut {
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

/** Returns `trace` with inferred lock ops (a new PackedTrace; `none` returns the input). */
export function applyLockModel(trace: PackedTrace, spec: string, seed: number): PackedTrace {
  const model = parseLockModel(spec);
  if (model.kind === 'none') return trace;
  const src = trace.ops;
  const short = model.kind === 'lifetime' ? lifetimePass(src, model.f * src.n) : null;
  const emit = (out: OpsOut): void => {
    if (model.kind === 'access') accessModel(src, out);
    else if (short !== null) lifeModel(src, (i) => short[i] === 1, out);
    else {
      const rng = new Prng(seed);
      const p = model.kind === 'pinned' ? model.p : 0;
      lifeModel(src, () => rng.next() < p, out);
    }
  };
  const count = new OpsOut(null);
  emit(count);
  // Inserted ops carry the ids and lines of source ops and size 0: the source's widths hold them.
  const ops = newOps(count.n, widthsOf(src));
  const fill = new OpsOut(ops);
  emit(fill);
  if (fill.n !== count.n) throw new Error(`lock model ${spec}: ${fill.n} ops on the second pass, ${count.n} on the first`);
  return {
    info: { ...trace.info, header: [...trace.info.header, ` lock model: ${spec} (seed ${seed})`] },
    ops,
    skipped: trace.skipped,
  };
}

/** pinned and lifetime: a per-allocation decision, locked from alloc to free. */
function lifeModel(src: PackedOps, decide: (i: number) => boolean, out: OpsOut): void {
  const n = src.n;
  /** id -> line of the op that allocated it, sign: + locked by the model, - not locked. */
  const live = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = src.kind[i]! as OpKind;
    const id = src.id[i]!;
    const line = src.line[i]!;
    switch (k) {
      case OP_ALLOC: {
        out.push(k, id, src.arg[i]!, line);
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
          out.push(k, id, src.arg[i]!, line);
          const lock = decide(i);
          live.set(id, lock ? line : -line);
          if (lock) out.push(OP_LOCK, id, 0, line);
        } else if (st > 0) {
          out.push(OP_UNLOCK, id, 0, line);
          out.push(k, id, src.arg[i]!, line);
          out.push(OP_LOCK, id, 0, line);
        } else out.push(k, id, src.arg[i]!, line);
        break;
      }
      default:
        out.push(k, id, src.arg[i]!, line);
    }
  }
  for (const [id, st] of live) if (st > 0) out.push(OP_UNLOCK, id, 0, st);
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
function accessModel(src: PackedOps, out: OpsOut): void {
  const n = src.n;
  const live = new Map<number, Score>();
  /** deadline -> ids whose score may reach 0 then (stale entries are skipped). */
  const buckets = new Map<number, number[]>();
  let A = 0;
  const file = (id: number, s: Score) => {
    const list = buckets.get(s.deadline);
    if (list) list.push(id);
    else buckets.set(s.deadline, [id]);
  };
  for (let i = 0; i < n; i++) {
    const k = src.kind[i]! as OpKind;
    const id = src.id[i]!;
    const line = src.line[i]!;
    switch (k) {
      case OP_ACCESS: {
        const s = live.get(id);
        A++;
        if (s) {
          const now = Math.max(0, s.v - 0.5 * (A - 1 - s.at)) + 1;
          s.v = now;
          s.at = A;
          s.deadline = A + 2 * now;
          file(id, s);
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
        out.push(k, id, src.arg[i]!, line);
        if (!live.has(id)) live.set(id, { v: 0, at: A, deadline: A, locked: false });
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
          out.push(k, id, src.arg[i]!, line);
          out.push(OP_LOCK, id, 0, line);
        } else {
          out.push(k, id, src.arg[i]!, line);
          if (!s) live.set(id, { v: 0, at: A, deadline: A, locked: false });
        }
        break;
      }
      default:
        out.push(k, id, src.arg[i]!, line);
    }
  }
  const lastLine = n > 0 ? src.line[n - 1]! : 0;
  for (const [id, s] of live) if (s.locked) out.push(OP_UNLOCK, id, 0, lastLine);
}
