"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseLockModel = parseLockModel;
exports.applyLockModel = applyLockModel;
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
const errors_1 = require("../errors");
const trace_1 = require("../trace");
const prng_1 = require("../util/prng");
const types_1 = require("../trace/types");
/** Parses a `--locks` spec; a bad one is SimError('USAGE'). */
function parseLockModel(spec) {
    const s = spec.trim();
    if (s === 'none')
        return { kind: 'none' };
    if (s === 'access')
        return { kind: 'access' };
    const m = /^(pinned|lifetime):(.*)$/.exec(s);
    if (m) {
        const v = m[2].trim() === '' ? NaN : Number(m[2]);
        if (Number.isFinite(v) && v >= 0 && v <= 1)
            return m[1] === 'pinned' ? { kind: 'pinned', p: v } : { kind: 'lifetime', f: v };
        throw new errors_1.SimError('USAGE', `lock model "${spec}": ${m[1]}:<x> needs a number from 0 to 1, got "${m[2]}"`);
    }
    throw new errors_1.SimError('USAGE', `unknown lock model "${spec}"; expected none, pinned:<p>, lifetime:<f> or access`);
}
/** A growable op batch. */
class Builder {
    n = 0;
    kind;
    id;
    arg;
    line;
    constructor(cap) {
        const c = Math.max(16, cap);
        this.kind = new Uint8Array(c);
        this.id = new Float64Array(c);
        this.arg = new Float64Array(c);
        this.line = new Float64Array(c);
    }
    push(kind, id, arg, line) {
        if (this.n === this.kind.length)
            this.grow();
        const i = this.n++;
        this.kind[i] = kind;
        this.id[i] = id;
        this.arg[i] = arg;
        this.line[i] = line;
    }
    grow() {
        const c = this.kind.length * 2;
        const k = new Uint8Array(c);
        k.set(this.kind);
        this.kind = k;
        const d = new Float64Array(c);
        d.set(this.id);
        this.id = d;
        const a = new Float64Array(c);
        a.set(this.arg);
        this.arg = a;
        const l = new Float64Array(c);
        l.set(this.line);
        this.line = l;
    }
    batch() {
        return {
            n: this.n,
            kind: this.kind.subarray(0, this.n),
            id: this.id.subarray(0, this.n),
            arg: this.arg.subarray(0, this.n),
            line: this.line.subarray(0, this.n),
        };
    }
}
/** Returns `trace` with inferred lock ops (a new PackedTrace; `none` returns the input). */
function applyLockModel(trace, spec, seed) {
    const model = parseLockModel(spec);
    if (model.kind === 'none')
        return trace;
    const ops = model.kind === 'access' ? accessModel(trace.ops) : lifeModel(trace.ops, model, seed);
    return {
        info: { ...trace.info, header: [...trace.info.header, ` lock model: ${spec} (seed ${seed})`] },
        ops: (0, trace_1.narrowOps)(ops),
        skipped: trace.skipped,
    };
}
/** pinned and lifetime: a per-allocation decision, locked from alloc to free. */
function lifeModel(src, model, seed) {
    const n = src.n;
    let decide;
    if (model.kind === 'pinned') {
        const rng = new prng_1.Prng(seed);
        const p = model.p;
        decide = () => rng.next() < p;
    }
    else {
        const short = lifetimePass(src, model.kind === 'lifetime' ? model.f * n : 0);
        decide = (i) => short[i] === 1;
    }
    const out = new Builder(n + (n >> 2) + 16);
    /** id -> line of the op that allocated it, sign: + locked by the model, - not locked. */
    const live = new Map();
    for (let i = 0; i < n; i++) {
        const k = src.kind[i];
        const id = src.id[i];
        const line = src.line[i];
        switch (k) {
            case types_1.OP_ALLOC: {
                out.push(k, id, src.arg[i], line);
                if (live.has(id))
                    break; // an alloc of a live id: the engine skips it; keep our state
                const lock = decide(i);
                live.set(id, lock ? line : -line);
                if (lock)
                    out.push(types_1.OP_LOCK, id, 0, line);
                break;
            }
            case types_1.OP_FREE: {
                const st = live.get(id);
                if (st !== undefined) {
                    if (st > 0)
                        out.push(types_1.OP_UNLOCK, id, 0, line);
                    live.delete(id);
                }
                out.push(k, id, 0, line);
                break;
            }
            case types_1.OP_REALLOC: {
                const st = live.get(id);
                if (st === undefined) {
                    // realloc of an unknown id allocates: decide as for an alloc.
                    out.push(k, id, src.arg[i], line);
                    const lock = decide(i);
                    live.set(id, lock ? line : -line);
                    if (lock)
                        out.push(types_1.OP_LOCK, id, 0, line);
                }
                else if (st > 0) {
                    out.push(types_1.OP_UNLOCK, id, 0, line);
                    out.push(k, id, src.arg[i], line);
                    out.push(types_1.OP_LOCK, id, 0, line);
                }
                else
                    out.push(k, id, src.arg[i], line);
                break;
            }
            default:
                out.push(k, id, src.arg[i], line);
        }
    }
    for (const [id, st] of live)
        if (st > 0)
            out.push(types_1.OP_UNLOCK, id, 0, st);
    return out.batch();
}
/**
 * Pre-pass for `lifetime:f`: flags[i] = 1 when the block allocated by op i lives fewer than
 * `limit` ops (to its free, or to the end of the trace).
 */
function lifetimePass(src, limit) {
    const n = src.n;
    const flags = new Uint8Array(n);
    const born = new Map();
    for (let i = 0; i < n; i++) {
        const k = src.kind[i];
        const id = src.id[i];
        if (k === types_1.OP_ALLOC || (k === types_1.OP_REALLOC && !born.has(id))) {
            if (!born.has(id))
                born.set(id, i);
        }
        else if (k === types_1.OP_FREE) {
            const b = born.get(id);
            if (b !== undefined) {
                if (i - b < limit)
                    flags[b] = 1;
                born.delete(id);
            }
        }
    }
    for (const b of born.values())
        if (n - b < limit)
            flags[b] = 1;
    return flags;
}
/** The fine rule for access traces, streaming, amortised O(ops). */
function accessModel(src) {
    const n = src.n;
    const out = new Builder(n + 16);
    const live = new Map();
    /** deadline -> ids whose score may reach 0 then (stale entries are skipped). */
    const buckets = new Map();
    let A = 0;
    const file = (id, s) => {
        const list = buckets.get(s.deadline);
        if (list)
            list.push(id);
        else
            buckets.set(s.deadline, [id]);
    };
    for (let i = 0; i < n; i++) {
        const k = src.kind[i];
        const id = src.id[i];
        const line = src.line[i];
        switch (k) {
            case types_1.OP_ACCESS: {
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
                        out.push(types_1.OP_LOCK, id, 0, line);
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
                            out.push(types_1.OP_UNLOCK, d, 0, line);
                        }
                    }
                }
                break;
            }
            case types_1.OP_ALLOC:
                out.push(k, id, src.arg[i], line);
                if (!live.has(id))
                    live.set(id, { v: 0, at: A, deadline: A, locked: false });
                break;
            case types_1.OP_FREE: {
                const s = live.get(id);
                if (s) {
                    if (s.locked)
                        out.push(types_1.OP_UNLOCK, id, 0, line);
                    live.delete(id);
                }
                out.push(k, id, 0, line);
                break;
            }
            case types_1.OP_REALLOC: {
                const s = live.get(id);
                if (s && s.locked) {
                    out.push(types_1.OP_UNLOCK, id, 0, line);
                    out.push(k, id, src.arg[i], line);
                    out.push(types_1.OP_LOCK, id, 0, line);
                }
                else {
                    out.push(k, id, src.arg[i], line);
                    if (!s)
                        live.set(id, { v: 0, at: A, deadline: A, locked: false });
                }
                break;
            }
            default:
                out.push(k, id, src.arg[i], line);
        }
    }
    const lastLine = n > 0 ? src.line[n - 1] : 0;
    for (const [id, s] of live)
        if (s.locked)
            out.push(types_1.OP_UNLOCK, id, 0, lastLine);
    return out.batch();
}
