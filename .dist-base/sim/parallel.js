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
exports.runJob = runJob;
exports.toWire = toWire;
exports.fromWire = fromWire;
exports.shareTrace = shareTrace;
exports.runJobs = runJobs;
exports.setJobsHook = setJobsHook;
exports.runJobsHere = runJobsHere;
/**
 * A worker-thread pool for replay and min-heap jobs (compare, min-heap, the default command).
 *
 * - Traces are copied once into SharedArrayBuffer-backed typed arrays and handed to every worker
 *   at start-up: the workers read the same memory, so a trace of millions of ops costs one copy
 *   however many jobs and workers use it.
 * - Jobs are dispatched longest-first (estimated cost: trace ops, ×20 for a min-heap search) to
 *   whichever worker is idle; each result lands in the slot of its job, so the output order and
 *   content do not depend on the number of workers or on timing. With one job slot the jobs run
 *   in this thread (no workers at all): that is the serial reference the tests compare against.
 * - Workers start from the compiled dist/sim/worker.js, or under ts-node (tests, `npm start`)
 *   from src/sim/worker.ts through a small eval shim that registers ts-node first.
 * - A job's exception comes back as an outcome with the error rebuilt (SimError keeps its code,
 *   file and line, so the CLI prints the same one line it would print for a serial run).
 */
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const node_worker_threads_1 = require("node:worker_threads");
const errors_1 = require("../errors");
const log_1 = require("../log");
const minheap_1 = require("./minheap");
const engine_1 = require("./engine");
/** Runs one job in the current thread. */
function runJob(traces, job) {
    const t = traces[job.trace];
    if (!t)
        throw new Error(`job names trace ${job.trace}, only ${traces.length} given`);
    if (job.kind === 'replay')
        return { ok: true, kind: 'replay', value: (0, engine_1.replay)(t, job.cfg) };
    if (job.kind === 'cell') {
        const { run, highWater } = (0, minheap_1.highWaterRun)(t, job.cfg);
        const { heapSize, whatIf, series, sample, ...search } = job.cfg;
        void heapSize;
        void whatIf;
        void series;
        void sample;
        const opts = { tolerance: job.tolerance ?? 0, ...(job.band ? { band: job.band } : {}), ...(job.cfg.heapSize === undefined ? { probe: run, probeHighWater: highWater } : {}) };
        try {
            return { ok: true, kind: 'cell', value: { run, minHeap: (0, minheap_1.minHeap)(t, { ...search, series: false }, opts) } };
        }
        catch (e) {
            return { ok: true, kind: 'cell', value: { run, minHeap: null, minHeapError: toWire(e) } };
        }
    }
    return { ok: true, kind: 'minHeap', value: (0, minheap_1.minHeap)(t, job.cfg, { tolerance: job.tolerance ?? 0, ...(job.band ? { band: job.band } : {}) }) };
}
function toWire(e) {
    if (e instanceof errors_1.SimError)
        return { name: e.name, message: e.message, stack: e.stack, code: e.code, file: e.file, line: e.line, exitCode: e.exitCode };
    if (e instanceof Error)
        return { name: e.name, message: e.message, stack: e.stack };
    return { name: 'Error', message: String(e) };
}
function fromWire(w) {
    if (w.code !== undefined) {
        const where = {};
        if (w.file !== undefined)
            where.file = w.file;
        if (w.line !== undefined)
            where.line = w.line;
        if (w.exitCode !== undefined)
            where.exitCode = w.exitCode;
        return new errors_1.SimError(w.code, w.message, where);
    }
    const e = new Error(w.message);
    e.name = w.name;
    if (w.stack)
        e.stack = w.stack;
    return e;
}
/** Debug log line per finished job (LOG_LEVEL=debug shows where the time goes). */
function logJob(traces, job, index, ms, ok) {
    if (!log_1.log.isLevelEnabled('debug'))
        return;
    log_1.log.debug({ job: index, kind: job.kind, trace: traces[job.trace]?.info.name, allocator: job.cfg.allocator, ms: Math.round(ms), ok }, 'job done');
}
/** Rough relative cost of a job, for longest-first dispatch. */
function cost(traces, j) {
    return (traces[j.trace]?.ops.n ?? 0) * (j.kind === 'replay' ? 1 : 20) + 1;
}
/** A copy of the trace whose op arrays live in shared memory (only [0, n) is copied). */
function shareTrace(t) {
    const n = t.ops.n;
    const f64 = (src) => {
        // The same element type as the source (packed traces are narrow: src/trace/reader.ts packOps).
        const a = src instanceof Uint32Array ? new Uint32Array(new SharedArrayBuffer(Math.max(4, n * 4)), 0, n) : new Float64Array(new SharedArrayBuffer(Math.max(8, n * 8)), 0, n);
        a.set(src.subarray(0, n));
        return a;
    };
    const kind = new Uint8Array(new SharedArrayBuffer(Math.max(1, n)), 0, n);
    kind.set(t.ops.kind.subarray(0, n));
    return { info: t.info, skipped: t.skipped, ops: { n, kind, id: f64(t.ops.id), arg: f64(t.ops.arg), line: f64(t.ops.line) } };
}
function startWorker(shared) {
    const js = path.join(__dirname, 'worker.js');
    const ts = path.join(__dirname, 'worker.ts');
    const workerData = { traces: shared };
    if (__filename.endsWith('.ts') || !fs.existsSync(js)) {
        // Under ts-node: the worker is a fresh isolate without the require hook; register it first.
        const code = `process.env.TS_NODE_TRANSPILE_ONLY = process.env.TS_NODE_TRANSPILE_ONLY || 'true';\n` +
            `require('ts-node/register');\nrequire(${JSON.stringify(ts)});\n`;
        return new node_worker_threads_1.Worker(code, { eval: true, workerData });
    }
    return new node_worker_threads_1.Worker(js, { workerData });
}
/**
 * Runs `jobs` over `traces` and returns one outcome per job, in job order. Never rejects for a
 * job's own failure (that is its outcome); rejects only when the pool itself breaks.
 */
async function runJobs(traces, jobs, opts) {
    return jobsHook ? jobsHook(traces, jobs, opts) : runJobsHere(traces, jobs, opts);
}
let jobsHook;
/**
 * Routes every runJobs call through `h` (--shard K/N and merge, src/study/shard.ts: run a slice
 * and record it, or serve recorded outcomes); undefined restores the pool. `runJobsHere` is the
 * pool itself.
 */
function setJobsHook(h) {
    jobsHook = h;
}
async function runJobsHere(traces, jobs, opts) {
    const total = jobs.length;
    const results = new Array(total);
    let done = 0;
    const threads = Math.max(1, Math.min(opts.threads, total));
    opts.onProgress?.(0, total);
    if (threads <= 1) {
        for (let i = 0; i < total; i++) {
            const t0 = performance.now();
            try {
                results[i] = runJob(traces, jobs[i]);
            }
            catch (e) {
                results[i] = { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
            }
            logJob(traces, jobs[i], i, performance.now() - t0, results[i].ok);
            done++;
            opts.onProgress?.(done, total);
            // Let a progress timer or signal handler run between jobs.
            await new Promise((r) => setImmediate(r));
        }
        return results;
    }
    const shared = traces.map(shareTrace);
    const queue = jobs.map((_, i) => i).sort((a, b) => cost(traces, jobs[b]) - cost(traces, jobs[a]) || a - b);
    const workers = [];
    await new Promise((resolve, reject) => {
        let failed = false;
        const feed = (w) => {
            const index = queue.shift();
            if (index === undefined)
                return false;
            const msg = { type: 'job', index, job: jobs[index] };
            w.current = index;
            w.since = performance.now();
            w.postMessage(msg);
            return true;
        };
        const finish = () => {
            if (done === total)
                resolve();
        };
        const spawn = () => {
            const w = startWorker(shared);
            workers.push(w);
            w.on('message', (m) => {
                if (failed)
                    return;
                results[m.index] = m.type === 'failed' ? { ok: false, error: fromWire(m.error) } : { ok: true, kind: m.kind, value: m.value };
                logJob(traces, jobs[m.index], m.index, performance.now() - (w.since ?? 0), m.type === 'done');
                w.current = undefined;
                done++;
                opts.onProgress?.(done, total);
                if (!feed(w))
                    finish();
            });
            w.on('error', (e) => {
                // An uncaught exception or resource limit inside the worker: its job failed; replace it.
                if (failed)
                    return;
                const idx = w.current;
                if (idx === undefined) {
                    failed = true;
                    reject(e);
                    return;
                }
                results[idx] = { ok: false, error: e };
                w.current = undefined;
                done++;
                opts.onProgress?.(done, total);
                const i = workers.indexOf(w);
                if (i >= 0)
                    workers.splice(i, 1);
                if (queue.length > 0)
                    spawn();
                else
                    finish();
            });
            feed(w);
        };
        for (let i = 0; i < threads; i++)
            spawn();
    }).finally(async () => {
        await Promise.all(workers.map((w) => w.terminate()));
    });
    return results;
}
