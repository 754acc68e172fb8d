"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.inShard = void 0;
exports.parseShard = parseShard;
exports.traceHash = traceHash;
exports.fingerprint = fingerprint;
exports.readPartials = readPartials;
exports.reviveInfinity = reviveInfinity;
exports.encodeExact = encodeExact;
exports.decodeExact = decodeExact;
exports.recordSlice = recordSlice;
exports.serveRecorded = serveRecorded;
/**
 * Sweeps that outgrow one machine: `--shard K/N` runs a deterministic slice of a command's jobs
 * and writes a partial JSON; `rmalloc-sim merge P...` combines the N partials into exactly the
 * output of the unsharded run. Any batch runner can drive it (GNU parallel, a Kubernetes Indexed
 * Job, a Slurm array: README "Sweeps"); nothing here schedules anything.
 *
 * A partial records the command, a fingerprint of its inputs (device, options, the traces'
 * names and content hashes), K and N; merge refuses partials whose fingerprints or N differ, a
 * missing or repeated K, and says which.
 */
const crypto = __importStar(require("node:crypto"));
const fs = __importStar(require("node:fs"));
const errors_1 = require("../errors");
const parallel_1 = require("../sim/parallel");
/** Parses `K/N` (1 <= K <= N). */
function parseShard(v) {
    if (v === undefined)
        return undefined;
    const m = /^(\d+)\/(\d+)$/.exec(String(v));
    const k = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
    if (!m || !(n >= 1 && k >= 1 && k <= n))
        throw new errors_1.SimError('USAGE', `--shard: "${String(v)}" is not K/N with 1 <= K <= N`);
    return { k, n };
}
/** Whether job (or setting) number i (0-based) belongs to shard K of N: round robin. */
const inShard = (i, s) => !s || i % s.n === s.k - 1;
exports.inShard = inShard;
/** A content hash of a packed trace (ops and name), so merge can tell the inputs were the same. */
function traceHash(t) {
    const h = crypto.createHash('sha256');
    const n = t.ops.n;
    h.update(t.info.name);
    h.update(Buffer.from(t.ops.kind.buffer, t.ops.kind.byteOffset, n));
    hashF64(h, t.ops.id, n);
    hashF64(h, t.ops.arg, n);
    return h.digest('hex').slice(0, 16);
}
/** Hashes col[0, n) as float64 bytes whatever its packed type (the same hash for a narrow column). */
function hashF64(h, col, n) {
    if (col instanceof Float64Array) {
        h.update(Buffer.from(col.buffer, col.byteOffset, n * 8));
        return;
    }
    const buf = new Float64Array(Math.min(n, 65536));
    for (let i = 0; i < n; i += buf.length) {
        const k = Math.min(buf.length, n - i);
        buf.set(col.subarray(i, i + k));
        h.update(Buffer.from(buf.buffer, 0, k * 8));
    }
}
/** A stable hash of the inputs that decide a command's output. */
function fingerprint(inputs) {
    return crypto.createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}
/** Reads and checks partials: one command, one fingerprint, one N, every K exactly once. */
function readPartials(files) {
    if (files.length === 0)
        throw new errors_1.SimError('USAGE', 'merge: name the partial JSON files to merge');
    const parts = files.map((file) => {
        let raw;
        try {
            raw = JSON.parse(fs.readFileSync(file, 'utf8'));
        }
        catch (e) {
            throw new errors_1.SimError('USAGE', `not a partial JSON file: ${e.message}`, { file });
        }
        const p = raw;
        if (!p || p.partial !== true || typeof p.fingerprint !== 'string' || !p.shard)
            throw new errors_1.SimError('USAGE', 'not a partial written by --shard K/N', { file });
        return p;
    });
    const first = parts[0];
    parts.forEach((p, i) => {
        if (p.command !== first.command)
            throw new errors_1.SimError('USAGE', `a ${p.command} partial cannot merge with ${first.command} partials`, { file: files[i] });
        if (p.fingerprint !== first.fingerprint || p.shard.n !== first.shard.n)
            throw new errors_1.SimError('USAGE', `made from other inputs than ${files[0]} (inputs or shard count differ)`, { file: files[i] });
    });
    const seen = new Map();
    parts.forEach((p, i) => {
        const had = seen.get(p.shard.k);
        if (had)
            throw new errors_1.SimError('USAGE', `shard ${p.shard.k}/${p.shard.n} given twice (also ${had})`, { file: files[i] });
        seen.set(p.shard.k, files[i]);
    });
    const missing = [];
    for (let k = 1; k <= first.shard.n; k++)
        if (!seen.has(k))
            missing.push(k);
    if (missing.length)
        throw new errors_1.SimError('USAGE', `merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${first.shard.n}`).join(', ')} missing`);
    return parts.sort((a, b) => a.shard.k - b.shard.k);
}
/** Turns the nulls JSON made of non-finite numbers back into Infinity at the given keys. */
function reviveInfinity(v, keys) {
    const walk = (x) => {
        if (Array.isArray(x))
            x.forEach(walk);
        else if (x && typeof x === 'object') {
            const o = x;
            for (const k of Object.keys(o)) {
                if (o[k] === null && keys.includes(k))
                    o[k] = Infinity;
                else
                    walk(o[k]);
            }
        }
    };
    walk(v);
    return v;
}
/** JSON that keeps NaN and ±Infinity (as {"$num": "Infinity"}), so recorded outcomes come back exact. */
function encodeExact(v) {
    return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? { $num: String(x) } : x)));
}
function decodeExact(v) {
    return JSON.parse(JSON.stringify(v), (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1 && typeof x.$num === 'string' ? Number(x.$num) : x));
}
function jobDigest(hashes, j) {
    const { factory, device, ...cfg } = j.cfg;
    void factory;
    return fingerprint({ kind: j.kind, trace: hashes[j.trace], device, cfg, tolerance: j.kind === 'minHeap' ? j.tolerance ?? 0 : undefined });
}
const cellOf = (hashes, j) => fingerprint([hashes[j.trace], j.cfg.allocator, j.cfg.params ?? {}]);
/** Installs the pool hook of `--shard K/N`; returns what it records. */
function recordSlice(shard) {
    const rec = { traces: [], cells: 0, mine: 0, outcomes: {} };
    const cells = new Map();
    const hook = async (traces, jobs, opts) => {
        const hashes = traces.map(traceHash);
        rec.traces = traces.map((t, i) => ({ name: t.info.name, hash: hashes[i] }));
        const idx = [];
        jobs.forEach((j, i) => {
            const c = cellOf(hashes, j);
            if (!cells.has(c))
                cells.set(c, cells.size);
            if ((0, exports.inShard)(cells.get(c), shard))
                idx.push(i);
        });
        rec.cells = cells.size;
        rec.mine = [...cells.values()].filter((i) => (0, exports.inShard)(i, shard)).length;
        const ran = await (0, parallel_1.runJobsHere)(traces, idx.map((i) => jobs[i]), opts);
        const out = jobs.map(() => ({ ok: false, error: new errors_1.SimError('USAGE', `not in shard ${shard.k}/${shard.n}`) }));
        idx.forEach((i, k) => {
            const o = ran[k];
            out[i] = o;
            rec.outcomes[jobDigest(hashes, jobs[i])] = (o.ok ? encodeExact(o) : { ok: false, error: (0, parallel_1.toWire)(o.error) });
        });
        return out;
    };
    (0, parallel_1.setJobsHook)(hook);
    return rec;
}
/** Installs the pool hook of merge: every job is answered from the partials' records. */
function serveRecorded(outcomes) {
    (0, parallel_1.setJobsHook)(async (traces, jobs, opts) => {
        const hashes = traces.map(traceHash);
        const out = jobs.map((j) => {
            const o = outcomes[jobDigest(hashes, j)];
            if (!o)
                throw new errors_1.SimError('USAGE', `merge: the partials hold no result for a ${j.kind} job of ${j.cfg.allocator} on ${traces[j.trace].info.name}: were they made from these traces and options?`);
            return o.ok ? decodeExact(o) : { ok: false, error: (0, parallel_1.fromWire)(o.error) };
        });
        opts.onProgress?.(jobs.length, jobs.length);
        return out;
    });
}
