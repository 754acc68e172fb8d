/**
 * A worker-thread pool for replay and min-heap jobs (compare, min-heap, the default command).
 *
 * - Traces live in SharedArrayBuffer-backed typed arrays (loaded traces are packed there,
 *   others are copied once) and are handed to every worker at start-up: the workers read the
 *   same memory, so a trace of millions of ops costs one copy however many jobs and workers use it.
 * - Jobs are dispatched longest-first (estimated cost: trace ops, ×20 for a min-heap search) to
 *   whichever worker is idle; each result lands in the slot of its job, so the output order and
 *   content do not depend on the number of workers or on timing. With one job slot the jobs run
 *   in this thread (no workers at all): that is the serial reference the tests compare against.
 * - Workers start from the compiled dist/sim/worker.js, or under ts-node (tests, `npm start`)
 *   from src/sim/worker.ts through a small eval shim that registers ts-node first.
 * - A job's exception comes back as an outcome with the error rebuilt (SimError keeps its code,
 *   file and line, so the CLI prints the same one line it would print for a serial run).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SimError, SimErrorCode } from '../errors';
import { log } from '../log';
import { copyOps, isShared, newOps } from '../trace';
import type { PackedTrace } from '../trace';
import { highWaterRun, minHeap } from './minheap';
import type { BandOptions } from './minheap';
import { replay } from './engine';
import type { MinHeapResult, RunConfig, RunResult } from './types';

export type MinHeapConfig = Omit<RunConfig, 'heapSize' | 'whatIf'>;

export type Job =
  | { kind: 'replay'; trace: number; cfg: RunConfig }
  | { kind: 'minHeap'; trace: number; cfg: MinHeapConfig; tolerance?: number; band?: BandOptions }
  /** A study cell: the device-heap replay, then the min-heap search starting from it (one fewer replay). */
  | { kind: 'cell'; trace: number; cfg: RunConfig; tolerance?: number; band?: BandOptions };

/** What a cell job returns: the run, and the search's answer or why it has none. */
export interface CellValue {
  run: RunResult;
  minHeap: MinHeapResult | null;
  minHeapError?: WireError;
}

export type JobOutcome =
  | { ok: true; kind: 'replay'; value: RunResult }
  | { ok: true; kind: 'minHeap'; value: MinHeapResult }
  | { ok: true; kind: 'cell'; value: CellValue }
  | { ok: false; error: Error };

/** An error as it crosses a thread boundary. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: SimErrorCode;
  file?: string;
  line?: number;
  exitCode?: number;
}

/** Messages main → worker. */
export type ToWorker = { type: 'job'; index: number; job: Job } | { type: 'stop' };
/** Messages worker → main. */
export type FromWorker =
  | { type: 'done'; index: number; kind: 'replay'; value: RunResult }
  | { type: 'done'; index: number; kind: 'minHeap'; value: MinHeapResult }
  | { type: 'done'; index: number; kind: 'cell'; value: CellValue }
  | { type: 'failed'; index: number; error: WireError };

export interface PoolOptions {
  /** Job slots: 1 runs everything in this thread; n > 1 starts up to n workers. */
  threads: number;
  /** Called after each finished job (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

/** Runs one job in the current thread. */
export function runJob(traces: readonly PackedTrace[], job: Job): JobOutcome {
  const t = traces[job.trace];
  if (!t) throw new Error(`job names trace ${job.trace}, only ${traces.length} given`);
  if (job.kind === 'replay') return { ok: true, kind: 'replay', value: replay(t, job.cfg) };
  if (job.kind === 'cell') {
    const { run, highWater } = highWaterRun(t, job.cfg);
    const { heapSize, whatIf, series, sample, ...search } = job.cfg;
    void heapSize; void whatIf; void series; void sample;
    const opts = { tolerance: job.tolerance ?? 0, ...(job.band ? { band: job.band } : {}), ...(job.cfg.heapSize === undefined ? { probe: run, probeHighWater: highWater } : {}) };
    try {
      return { ok: true, kind: 'cell', value: { run, minHeap: minHeap(t, { ...search, series: false }, opts) } };
    } catch (e) {
      return { ok: true, kind: 'cell', value: { run, minHeap: null, minHeapError: toWire(e) } };
    }
  }
  return { ok: true, kind: 'minHeap', value: minHeap(t, job.cfg, { tolerance: job.tolerance ?? 0, ...(job.band ? { band: job.band } : {}) }) };
}

export function toWire(e: unknown): WireError {
  if (e instanceof SimError)
    return { name: e.name, message: e.message, stack: e.stack, code: e.code, file: e.file, line: e.line, exitCode: e.exitCode };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

export function fromWire(w: WireError): Error {
  if (w.code !== undefined) {
    const where: { file?: string; line?: number; exitCode?: number } = {};
    if (w.file !== undefined) where.file = w.file;
    if (w.line !== undefined) where.line = w.line;
    if (w.exitCode !== undefined) where.exitCode = w.exitCode;
    return new SimError(w.code, w.message, where);
  }
  const e = new Error(w.message);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

/** Debug log line per finished job (LOG_LEVEL=debug shows where the time goes). */
function logJob(traces: readonly PackedTrace[], job: Job, index: number, ms: number, ok: boolean): void {
  if (!log.isLevelEnabled('debug')) return;
  log.debug({ job: index, kind: job.kind, trace: traces[job.trace]?.info.name, allocator: job.cfg.allocator, ms: Math.round(ms), ok }, 'job done');
}

/** Rough relative cost of a job, for longest-first dispatch. */
function cost(traces: readonly PackedTrace[], j: Job): number {
  return (traces[j.trace]?.ops.n ?? 0) * (j.kind === 'replay' ? 1 : 20) + 1;
}

/**
 * The trace with its op arrays in shared memory: itself when they are there already (every
 * loaded, mixed or lock-applied trace: src/trace/pack.ts), else a copy of [0, n) in the same
 * element types. Either way the workers read one copy.
 */
export function shareTrace(t: PackedTrace): PackedTrace {
  if (isShared(t.ops)) return t;
  const n = t.ops.n;
  const ops = newOps(n, { id: t.ops.id instanceof Uint32Array, arg: t.ops.arg instanceof Uint32Array, line: t.ops.line instanceof Uint32Array });
  copyOps(t.ops, 0, n, ops, 0);
  return { info: t.info, skipped: t.skipped, ops };
}

function startWorker(shared: readonly PackedTrace[]): Worker {
  const js = path.join(__dirname, 'worker.js');
  const ts = path.join(__dirname, 'worker.ts');
  const workerData = { traces: shared };
  if (__filename.endsWith('.ts') || !fs.existsSync(js)) {
    // Under ts-node: the worker is a fresh isolate without the require hook; register it first.
    const code =
      `process.env.TS_NODE_TRANSPILE_ONLY = process.env.TS_NODE_TRANSPILE_ONLY || 'true';\n` +
      `require('ts-node/register');\nrequire(${JSON.stringify(ts)});\n`;
    return new Worker(code, { eval: true, workerData });
  }
  return new Worker(js, { workerData });
}

/**
 * Runs `jobs` over `traces` and returns one outcome per job, in job order. Never rejects for a
 * job's own failure (that is its outcome); rejects only when the pool itself breaks.
 */
export async function runJobs(traces: readonly PackedTrace[], jobs: readonly Job[], opts: PoolOptions): Promise<JobOutcome[]> {
  return jobsHook ? jobsHook(traces, jobs, opts) : runJobsHere(traces, jobs, opts);
}

export type JobsHook = (traces: readonly PackedTrace[], jobs: readonly Job[], opts: PoolOptions) => Promise<JobOutcome[]>;
let jobsHook: JobsHook | undefined;

/**
 * Routes every runJobs call through `h` (--shard K/N and merge, src/study/shard.ts: run a slice
 * and record it, or serve recorded outcomes); undefined restores the pool. `runJobsHere` is the
 * pool itself.
 */
export function setJobsHook(h: JobsHook | undefined): void {
  jobsHook = h;
}

export async function runJobsHere(traces: readonly PackedTrace[], jobs: readonly Job[], opts: PoolOptions): Promise<JobOutcome[]> {
  const total = jobs.length;
  const results: (JobOutcome | undefined)[] = new Array(total);
  let done = 0;
  const threads = Math.max(1, Math.min(opts.threads, total));
  opts.onProgress?.(0, total);

  if (threads <= 1) {
    for (let i = 0; i < total; i++) {
      const t0 = performance.now();
      try {
        results[i] = runJob(traces, jobs[i]!);
      } catch (e) {
        results[i] = { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
      }
      logJob(traces, jobs[i]!, i, performance.now() - t0, results[i]!.ok);
      done++;
      opts.onProgress?.(done, total);
      // Let a progress timer or signal handler run between jobs.
      await new Promise<void>((r) => setImmediate(r));
    }
    return results as JobOutcome[];
  }

  const shared = traces.map(shareTrace);
  const queue = jobs.map((_, i) => i).sort((a, b) => cost(traces, jobs[b]!) - cost(traces, jobs[a]!) || a - b);
  const workers: Worker[] = [];

  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const feed = (w: Worker): boolean => {
      const index = queue.shift();
      if (index === undefined) return false;
      const msg: ToWorker = { type: 'job', index, job: jobs[index]! };
      (w as Worker & { current?: number; since?: number }).current = index;
      (w as Worker & { current?: number; since?: number }).since = performance.now();
      w.postMessage(msg);
      return true;
    };
    const finish = (): void => {
      if (done === total) resolve();
    };
    const spawn = (): void => {
      const w = startWorker(shared) as Worker & { current?: number; since?: number };
      workers.push(w);
      w.on('message', (m: FromWorker) => {
        if (failed) return;
        results[m.index] = m.type === 'failed' ? { ok: false, error: fromWire(m.error) } : ({ ok: true, kind: m.kind, value: m.value } as JobOutcome);
        logJob(traces, jobs[m.index]!, m.index, performance.now() - (w.since ?? 0), m.type === 'done');
        w.current = undefined;
        done++;
        opts.onProgress?.(done, total);
        if (!feed(w)) finish();
      });
      w.on('error', (e) => {
        // An uncaught exception or resource limit inside the worker: its job failed; replace it.
        if (failed) return;
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
        if (i >= 0) workers.splice(i, 1);
        if (queue.length > 0) spawn();
        else finish();
      });
      feed(w);
    };
    for (let i = 0; i < threads; i++) spawn();
  }).finally(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  });
  return results as JobOutcome[];
}
