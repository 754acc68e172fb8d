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
exports.STUDY_BAND = exports.MIN_HEAP_TOLERANCE = exports.FIRMWARE_TRACES_DIR = void 0;
exports.loadStudyTraces = loadStudyTraces;
exports.skippedLines = skippedLines;
exports.runSettings = runSettings;
exports.heapScope = heapScope;
exports.resolveAllocators = resolveAllocators;
exports.fitVerdict = fitVerdict;
exports.tracePeakLive = tracePeakLive;
exports.studyRunBase = studyRunBase;
exports.runStudy = runStudy;
/**
 * The study: the one workflow behind every answer the tool gives about "which allocator, how
 * much heap" (design §2). The default command, `compare`, `report` and every compare JSON/CSV
 * call it, so the same inputs always give the same tables, ranking and advice; src/cli/ only
 * parses flags and prints what comes back.
 *
 * API (keep it small; squeeze and tune build on it):
 *
 *   loadStudyTraces(paths?, { strict? })        → PackedTrace[]
 *       Files or folders (default: the bundled firmware-traces/), in order. Skipped trace lines
 *       are kept on each trace (`trace.skipped`); `skippedLines(traces)` lists them so the CLI
 *       prints the counts on stderr. With `strict` a skipped line is an error (exit 2).
 *   resolveAllocators(dev, names?, paramFlags, userOom?) → StudyAllocator[]
 *       The allocators to run (default: all registered), each with its parameters (a --param
 *       goes to the allocators that have it), its run settings (`runSettings`) and the heaps it
 *       can use (`heapScope`).
 *   runSettings(factory, userOom?)              → { oom, why }
 *       How the allocator runs when its real counterpart would: moving allocators compact when
 *       an allocation fails (their natural policy), the others fail; a user's --oom applies to
 *       all alike.
 *   heapScope(factory, dev)                     → { scope: 'all heaps' | 'first heap only' | 'one heap', bytes }
 *       The memory the allocator can use on the device: every heap for allocators that manage
 *       several pools (heap5, ...), the first heap for the rest.
 *   runStudy(spec: StudySpec)                   → Promise<Study>
 *       Loads, resolves, replays every trace × allocator at the device heap, searches each
 *       min heap (src/sim/minheap.ts, with the band check above the answer), then replays each
 *       cell once more, lean, at 90 % of its min heap for the tight-memory line (./tight.ts;
 *       `tight: false` skips it), ranks and explains. `study.report` is the compare JSON
 *       (schema 1) with its advice; `study.runs` the device-heap runs (charts); `study.probes`
 *       the 90 % replays' figures (squeeze reuses them); `study.failures` the crashes (exit 1).
 *
 * A study never writes to stdout or files: that is the CLI's business.
 */
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const alloc_1 = require("../alloc");
const device_1 = require("../device");
const errors_1 = require("../errors");
const log_1 = require("../log");
const report_1 = require("../report");
const tight_1 = require("./tight");
const sim_1 = require("../sim");
const parallel_1 = require("../sim/parallel");
const trace_1 = require("../trace");
const types_1 = require("../trace/types");
/** The bundled traces folder (works from src/ under ts-node and from dist/). */
exports.FIRMWARE_TRACES_DIR = path.resolve(__dirname, '..', '..', 'firmware-traces');
/** The compare's min-heap tolerance: 0 (exact, at the device alignment). */
exports.MIN_HEAP_TOLERANCE = 0;
/**
 * The band a study checks above each min heap (besides the search's own probes above the
 * answer, which count too): 4 alignment steps, then 2 sizes up to the device heap.
 */
exports.STUDY_BAND = { stretch: 4, samples: 2 };
/** Loads the traces named (files or folders; default the bundled ones), in order. */
async function loadStudyTraces(paths, opts = {}) {
    const given = paths && paths.length > 0 ? [...paths] : [exports.FIRMWARE_TRACES_DIR];
    if (!paths?.length && !fs.existsSync(exports.FIRMWARE_TRACES_DIR))
        throw new errors_1.SimError('TRACE_NOT_FOUND', 'no bundled traces (firmware-traces/ is missing); name some with --trace', { file: exports.FIRMWARE_TRACES_DIR });
    const out = [];
    for (const f of (0, trace_1.findTraceFiles)(given))
        out.push(await (0, trace_1.loadTrace)(f, { strict: opts.strict === true }));
    return out;
}
/** Every trace's skipped lines (file, counts), for the one stderr line per reason. */
function skippedLines(traces) {
    return traces.filter((t) => t.skipped.length > 0).map((t) => ({ file: t.info.path, skipped: t.skipped }));
}
/** The OOM policy an allocator runs with: the user's --oom for all, else its real counterpart's. */
function runSettings(f, userOom) {
    if (userOom !== undefined)
        return { oom: userOom, why: `--oom ${userOom} (for every allocator)` };
    if (f.moving)
        return { oom: 'compact', why: 'compacts when an allocation fails, then retries (its natural policy)' };
    return { oom: 'fail', why: 'an allocation that does not fit fails (NULL), as in C' };
}
/** The heap memory an allocator can use on the device. */
function heapScope(f, dev, heapSize) {
    const spans = (0, device_1.heapSpans)(dev, heapSize, false);
    if (spans.length <= 1)
        return { scope: 'one heap', usable: spans[0].size };
    if (f.multiHeap)
        return { scope: 'all heaps', usable: spans.reduce((s, h) => s + h.size, 0) };
    return { scope: 'first heap only', usable: spans[0].size };
}
/**
 * The allocators to run, checked, with each one's flag parameters (a `--param` goes to the
 * allocators that have that parameter; an error when none has it) and run settings.
 */
function resolveAllocators(dev, names, flags, userOom, heapSize, extra = []) {
    const list = names && names.length > 0 ? [...new Set(names)] : (0, alloc_1.allocatorNames)();
    if (list.length === 0)
        throw new errors_1.SimError('ALLOCATOR_UNKNOWN', 'no allocators are registered');
    const factories = list.map((n) => extra.find((f) => f.name === n) ?? (0, alloc_1.getFactory)(n));
    for (const k of Object.keys(flags))
        if (!factories.some((f) => f.params.some((p) => p.name === k)))
            throw new errors_1.SimError('ALLOCATOR_PARAM', `--param ${k}: none of ${list.join(', ')} has a parameter "${k}"`);
    return factories.map((f) => {
        const mine = {};
        for (const [k, v] of Object.entries(flags))
            if (f.params.some((p) => p.name === k))
                mine[k] = v;
        (0, alloc_1.resolveParams)(f, dev.allocators?.[f.name], mine); // validates names and values now, before any work
        const s = runSettings(f, userOom);
        const h = heapScope(f, dev, heapSize);
        return { name: f.name, params: mine, factory: f, oom: s.oom, oomWhy: s.why, scope: h.scope, usable: h.usable };
    });
}
/**
 * Does the allocator fit the device on this trace? Against the memory it can use: its own heap
 * (the min heap is at most the heap's size; the region beyond the heap does not count), or for
 * an allocator managing every heap, its run at the device heaps without a failed allocation.
 * Without a min-heap answer, the device-heap run decides.
 */
function fitVerdict(run, mh, a) {
    const runClean = run.status !== 'violation' && run.summary.ooms === 0;
    if (a.scope === 'all heaps')
        return runClean;
    if (!mh)
        return runClean;
    return (mh.safeFrom ?? mh.minHeap) <= a.usable && runClean;
}
/** Σ requested sizes of live ids at their maximum over the trace, as the trace asks (no allocator involved). */
function tracePeakLive(trace) {
    const { n, kind, id, arg } = trace.ops;
    const size = new Map();
    let live = 0;
    let peak = 0;
    for (let i = 0; i < n; i++) {
        const k = kind[i];
        if (k === types_1.OP_ALLOC) {
            const x = id[i];
            live += arg[i] - (size.get(x) ?? 0);
            size.set(x, arg[i]);
        }
        else if (k === types_1.OP_REALLOC) {
            const x = id[i];
            live += arg[i] - (size.get(x) ?? 0);
            if (arg[i] === 0)
                size.delete(x);
            else
                size.set(x, arg[i]);
        }
        else if (k === types_1.OP_FREE) {
            const x = id[i];
            live -= size.get(x) ?? 0;
            size.delete(x);
        }
        else
            continue;
        if (live > peak)
            peak = live;
    }
    return peak;
}
/** The run settings every replay and search of a study shares (squeeze's ladder too). */
function studyRunBase(spec, dev) {
    return {
        device: dev, locks: spec.locks, seed: spec.seed, check: spec.check,
        ...(spec.checkEvery !== undefined ? { checkEvery: spec.checkEvery } : {}),
        ...(spec.cache === false ? { cache: false } : {}), ...(spec.compaction ?? {}),
    };
}
/** Runs the whole study; see the file header. */
async function runStudy(spec) {
    const dev = typeof spec.device === 'string' ? (0, device_1.loadDevice)(spec.device) : spec.device;
    const allocs = resolveAllocators(dev, spec.allocators, spec.params, spec.oom, spec.heapSize, spec.factories);
    const first = (0, device_1.heapSpans)(dev, spec.heapSize, false)[0]; // HEAP_TOO_LARGE before any work
    const mixes = spec.mixes ?? [];
    const traces = spec.traces && spec.traces.length > 0 && typeof spec.traces[0] !== 'string'
        ? [...spec.traces, ...mixes]
        : [
            ...(spec.traces?.length || mixes.length === 0 ? await loadStudyTraces(spec.traces, { strict: spec.strict === true }) : []),
            ...mixes,
        ];
    const searching = spec.minHeap !== false;
    const probing = searching && spec.tight !== false;
    const tol = spec.minHeapTolerance ?? exports.MIN_HEAP_TOLERANCE;
    const base = studyRunBase(spec, dev);
    const external = new Set(spec.factories ?? []);
    const own = (a) => ({ allocator: a.name, params: a.params, ...(external.has(a.factory) ? { factory: a.factory } : {}) });
    const jobs = [];
    traces.forEach((_, ti) => {
        for (const a of allocs) {
            const run = { ...base, oom: a.oom, ...own(a), series: spec.series };
            if (spec.heapSize !== undefined)
                run.heapSize = spec.heapSize;
            if (spec.sample !== undefined)
                run.sample = spec.sample;
            // With the search, one job per cell: the device-heap replay is also the search's first probe.
            if (searching)
                jobs.push({ kind: 'cell', trace: ti, cfg: run, tolerance: tol, band: spec.band ?? exports.STUDY_BAND });
            else
                jobs.push({ kind: 'replay', trace: ti, cfg: run });
        }
    });
    // Progress counts the probes too (one per cell, once the searches are done).
    const outcomes = await (0, parallel_1.runJobs)(traces, jobs, { threads: spec.jobs, onProgress: (d, t) => spec.progress?.update(d, probing ? 2 * t : t) });
    // A SimError is a limit of the configuration, not a crash: the allocator cannot run this
    // heap (too small for its metadata, too large for its block indexes) or no heap up to the
    // search limit is enough. When every device-heap run fails that way the input is bad (exit 2,
    // the first such error in job order); otherwise the cell says why and the others go on.
    const firstSim = outcomes.find((r) => !r.ok && r.error instanceof errors_1.SimError);
    if (firstSim && !firstSim.ok && outcomes.every((r) => !r.ok && r.error instanceof errors_1.SimError))
        throw firstSim.error;
    const failures = [];
    const runs = [];
    const out = traces.map((t, ti) => {
        const row = [];
        const results = allocs.map((a, ai) => {
            const o = outcomes[ti * allocs.length + ai];
            if (!o.ok) {
                row.push(null);
                let msg;
                if (o.error instanceof errors_1.SimError)
                    msg = `cannot run: ${o.error.message} (${o.error.code})`;
                else {
                    msg = o.error.message;
                    log_1.log.error({ allocator: a.name, trace: t.info.name, stack: o.error.stack }, 'replay crashed');
                    failures.push(`${a.name} on ${t.info.name}: ${msg}`);
                }
                return { allocator: a.name, params: a.params, heap: { base: first.base, size: a.usable }, status: 'error', minHeap: null, error: msg };
            }
            const run = o.kind === 'cell' ? o.value.run : o.value;
            const mh = o.kind === 'cell' ? o.value.minHeap : null;
            row.push(run);
            const cell = (0, report_1.compareCell)(run, mh);
            cell.heaps = a.scope;
            cell.fits = fitVerdict(run, mh, a);
            if (cell.minHeap)
                cell.minHeap.fitsDevice = cell.fits;
            if (cell.error)
                failures.push(`${a.name} on ${t.info.name}: ${cell.error}`);
            if (o.kind === 'cell' && o.value.minHeapError) {
                const e = (0, parallel_1.fromWire)(o.value.minHeapError);
                cell.minHeapError = e.message;
                if (!(e instanceof errors_1.SimError)) {
                    log_1.log.error({ allocator: a.name, trace: t.info.name, stack: o.value.minHeapError.stack }, 'min-heap search crashed');
                    failures.push(`${a.name} on ${t.info.name}: min-heap search: ${e.message}`);
                }
            }
            return cell;
        });
        runs.push(row);
        // Peak live is a property of the trace (a run whose allocations failed saw less of it).
        const peak = tracePeakLive(t);
        const mix = t.mix;
        return { trace: t.info.name, ops: t.ops.n, peakLive: peak, lockOps: (0, sim_1.traceFacts)(t).locks, ...(mix ? { mix } : {}), results };
    });
    // The tight-memory line: one lean replay per cell at 90 % of its min heap (./tight.ts).
    const probes = out.map((t) => t.results.map(() => null));
    if (probing) {
        const probeJobs = [];
        const where = [];
        out.forEach((t, ti) => t.results.forEach((c, ai) => {
            if (!c.minHeap)
                return;
            const a = allocs[ai];
            const heapSize = (0, tight_1.probeSize)(c.minHeap.minHeap, dev.alignment);
            probeJobs.push({ kind: 'replay', trace: ti, cfg: { ...base, oom: a.oom, ...own(a), heapSize, whatIf: true, lean: true, series: false } });
            where.push([ti, ai]);
        }));
        const done = jobs.length;
        const ran = await (0, parallel_1.runJobs)(traces, probeJobs, { threads: spec.jobs, onProgress: (d) => spec.progress?.update(done + d, 2 * done) });
        ran.forEach((r, k) => {
            const [ti, ai] = where[k];
            const t = out[ti];
            const c = t.results[ai];
            const heap = (0, tight_1.probeSize)(c.minHeap.minHeap, dev.alignment);
            let p;
            if (r.ok && r.kind === 'replay') {
                p = (0, tight_1.squeezePoint)(r.value, heap, c.minHeap.minHeap, t.peakLive);
                if (r.value.status === 'violation')
                    failures.push(`${c.allocator} on ${t.trace} at ${heap} bytes: ${r.value.violation?.message ?? 'violation'}`);
            }
            else {
                const e = r.ok ? new Error(`unexpected ${r.kind} outcome`) : r.error;
                if (!(e instanceof errors_1.SimError))
                    failures.push(`${c.allocator} on ${t.trace} at ${heap} bytes: ${e.message}`);
                p = (0, tight_1.errorPoint)(heap, c.minHeap.minHeap, t.peakLive, e instanceof errors_1.SimError ? `${e.message} (${e.code})` : e.message);
            }
            probes[ti][ai] = p;
            c.tight = (0, tight_1.tightSummary)(c.minHeap, p);
        });
    }
    spec.progress?.stop();
    const settings = allocs.map((a) => ({ allocator: a.name, oom: a.oom, oomWhy: a.oomWhy, moving: a.factory.moving, heaps: a.scope, usableHeap: a.usable }));
    const report = (0, report_1.buildCompareReport)(dev.name, spec.goal, { base: first.base, size: first.size }, dev.cpu.clockHz, out, {
        settings,
        locks: spec.locks,
        ...(searching && tol > 0 ? { minHeapTolerance: tol } : {}),
        ...(spec.margin !== undefined ? { margin: spec.margin } : {}),
    });
    return { device: dev, traces, allocators: allocs, report, runs, probes, failures };
}
