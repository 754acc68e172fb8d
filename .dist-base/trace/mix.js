"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.mixTraces = mixTraces;
exports.loadMix = loadMix;
/**
 * `--mix T1,T2,...`: several programs sharing one heap (a no-MMU system such as DSLinux, where
 * the shell and the user's program draw on the same physical memory). A trace-layer transform:
 * the packed traces go in, one packed trace comes out, and everything downstream (replay,
 * min-heap, squeeze, compare, report) sees an ordinary trace.
 *
 * How it works
 * ------------
 * Time model: op count. Every program runs from its first op to its last over the same span of
 * mixed ops, each at its own steady rate: after k of the N mixed ops, program j has executed
 * about k · n_j / N of its n_j ops. The order within that is a seeded random merge: at each
 * step the next op is taken from program j with probability (ops j has left) / (ops all have
 * left). Every interleaving that keeps each program's own order is equally likely, and the
 * same seed always gives the same mix. Idle ops (`i <cycles>`) are carried as they are: they
 * are time the allocator may use, not a clock the programs share.
 *
 * Ids are kept apart: program j's ids are shifted by the sum of (largest id + 1) of the
 * programs before it, so recorders' compact ids stay compact and no two programs share an id.
 * Lines keep their source line numbers (an error names the program through the header).
 *
 * The header says what was mixed: `mix: <k> programs, interleaved by op count (seeded random
 * merge, seed S)`, then one `mix: <name> <ops> ops, ids +<offset>` line per program, then the
 * programs' own header lines prefixed with their names.
 */
const errors_1 = require("../errors");
const prng_1 = require("../util/prng");
const reader_1 = require("./reader");
const types_1 = require("./types");
/** The id offset of each program: Σ (largest id + 1) of the programs before it. */
function idOffsets(traces) {
    const out = [];
    let next = 0;
    for (const t of traces) {
        out.push(next);
        const { n, kind, id } = t.ops;
        let max = -1;
        for (let i = 0; i < n; i++)
            if (kind[i] <= types_1.OP_UNLOCK || kind[i] > types_1.OP_IDLE)
                max = Math.max(max, id[i]);
        next += max + 1;
    }
    return out;
}
/**
 * Interleaves `traces` into one (see the file comment). The result's name is the programs'
 * names joined with '+'; its path is `mix:` followed by their paths joined with ','.
 */
function mixTraces(traces, opts = {}) {
    const seed = opts.seed ?? 1;
    const m = traces.length;
    const offsets = idOffsets(traces);
    const total = traces.reduce((s, t) => s + t.ops.n, 0);
    const kind = new Uint8Array(total);
    const id = new Float64Array(total);
    const arg = new Float64Array(total);
    const line = new Float64Array(total);
    const pos = new Array(m).fill(0);
    const rng = new prng_1.Prng(seed);
    let left = total;
    for (let k = 0; k < total; k++) {
        // Program j with probability (its ops left) / (all ops left).
        let r = Math.floor(rng.next() * left);
        let j = 0;
        for (; j < m - 1; j++) {
            const lj = traces[j].ops.n - pos[j];
            if (r < lj)
                break;
            r -= lj;
        }
        const src = traces[j].ops;
        const i = pos[j]++;
        const kd = src.kind[i];
        kind[k] = kd;
        id[k] = kd === types_1.OP_IDLE ? src.id[i] : src.id[i] + offsets[j];
        arg[k] = src.arg[i];
        line[k] = src.line[i];
        left--;
    }
    const parts = traces.map((t, j) => ({ name: t.info.name, ops: t.ops.n, idOffset: offsets[j] }));
    const header = [
        ` mix: ${m} programs, interleaved by op count (seeded random merge, seed ${seed})`,
        ...parts.map((p) => ` mix: ${p.name} ${p.ops} ops, ids +${p.idOffset}`),
        ...traces.flatMap((t) => t.info.header.map((h) => ` ${t.info.name}:${h}`)),
    ];
    const skipped = traces.flatMap((t) => t.skipped.map((s) => ({ ...s, reason: `${t.info.name}: ${s.reason}` })));
    return {
        info: { path: `mix:${traces.map((t) => t.info.path).join(',')}`, name: traces.map((t) => t.info.name).join('+'), header },
        ops: { n: total, kind, id, arg, line },
        skipped,
        mix: { seed, parts },
    };
}
/**
 * Parses a `--mix` value (`T1,T2,...`: trace files, at least two) and loads the mixed trace.
 * Repeating the flag gives several mixes.
 */
async function loadMix(spec, opts = {}) {
    const files = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (files.length < 2)
        throw new errors_1.SimError('USAGE', `--mix "${spec}": name at least two traces, separated by commas`);
    const traces = [];
    for (const f of files)
        traces.push(await (0, reader_1.loadTrace)(f));
    return mixTraces(traces, opts);
}
