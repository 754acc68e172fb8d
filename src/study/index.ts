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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allocatorNames, getFactory, resolveParams } from '../alloc';
import type { AllocatorFactory, Params } from '../alloc';
import { heapSpans, loadDevice } from '../device';
import type { DeviceProfile } from '../device';
import { SimError } from '../errors';
import { log } from '../log';
import { buildCompareReport, compareCell } from '../report';
import { errorPoint, probeSize, squeezePoint, tightSummary } from './tight';
import type { SqueezePoint } from './tight';
import type { CompareCell, CompareReport, CompareTrace, GoalName, StudySetting } from '../report';
import { placementOnly, traceFacts } from '../sim';
import type { BandOptions, MinHeapResult, OomPolicy, RunConfig, RunResult } from '../sim';
import { fromWire, runJobs } from '../sim';
import type { Job } from '../sim';
import { findTraceFiles, loadTrace } from '../trace';
import { OP_ALLOC, OP_FREE, OP_REALLOC } from '../trace';
import type { MixInfo } from '../trace';
import type { PackedTrace, SkipCount } from '../trace';

/** The bundled traces folder (works from src/ under ts-node and from dist/). */
export const FIRMWARE_TRACES_DIR = path.resolve(__dirname, '..', '..', 'firmware-traces');

/** The compare's min-heap tolerance: 0 (exact, at the device alignment). */
export const MIN_HEAP_TOLERANCE = 0;
/**
 * The band a study checks above each min heap (besides the search's own probes above the
 * answer, which count too): 4 alignment steps, then 2 sizes up to the device heap.
 */
export const STUDY_BAND: BandOptions = { stretch: 4, samples: 2 };

export interface StudySpec {
  /** A shipped device name, a profile path, or a loaded profile. */
  device: string | DeviceProfile;
  allocators?: string[];
  /** Trace files or folders (default: the bundled ones), or traces already loaded. */
  traces?: string[] | PackedTrace[];
  /** Mixed traces (--mix, src/trace/mix.ts), studied after `traces`; alone they replace the bundled default. */
  mixes?: PackedTrace[];
  /** Allocators outside the registry, found by name before it (tests; jobs 1 only: a factory cannot cross threads). */
  factories?: AllocatorFactory[];
  /** Reject skipped trace lines (--strict). */
  strict?: boolean;
  heapSize?: number;
  /** The user's --oom, for every allocator; absent: each allocator's natural policy (runSettings). */
  oom?: OomPolicy;
  locks: string;
  /** Scheduled compaction (--compact-every/-above/-budget), passed to every run and search. */
  compaction?: { compactEvery?: number; compactAboveExtFrag?: number; compactBudget?: number };
  /** --param flags. */
  params: Record<string, string>;
  seed: number;
  check: boolean;
  /** With check: the whole-heap check every N ops (RunConfig.checkEvery). */
  checkEvery?: number;
  /** false: no data cache (--no-cache); default: the device's cache where it has one. */
  cache?: boolean;
  sample?: number;
  goal: GoalName;
  jobs: number;
  /** Keep each run's series (for charts). */
  series: boolean;
  /** Run the min-heap searches (the expensive part); default true. */
  minHeap?: boolean;
  /** Replay each cell at 90 % of its min heap for the tight-memory line (default: with the searches). */
  tight?: boolean;
  /** The band checked above each min heap (default STUDY_BAND). */
  band?: BandOptions;
  /** Relative min-heap tolerance (default MIN_HEAP_TOLERANCE: exact). */
  minHeapTolerance?: number;
  /** Safety margin added to the verified min heap in the advice (fraction; default ADVICE_MARGIN). */
  margin?: number;
  progress?: { update(done: number, total: number): void; stop(): void };
}

export interface StudyAllocator {
  name: string;
  params: Params;
  factory: AllocatorFactory;
  oom: OomPolicy;
  /** Why this policy (its natural one, or the user's --oom). */
  oomWhy: string;
  scope: 'all heaps' | 'first heap only' | 'one heap';
  /** Bytes of heap the allocator can use on this device (its heap, or all heaps). */
  usable: number;
}

export interface Study {
  device: DeviceProfile;
  traces: PackedTrace[];
  allocators: StudyAllocator[];
  report: CompareReport;
  /** Device-heap runs, [trace][allocator] (for charts and frames). */
  runs: (RunResult | null)[][];
  /** The tight-memory probes' figures, [trace][allocator] (null: no min heap, or `tight: false`). */
  probes: (SqueezePoint | null)[][];
  /** Crashes or violations: the runs that make the exit status 1. */
  failures: string[];
}

/** Loads the traces named (files or folders; default the bundled ones), in order. */
export async function loadStudyTraces(paths: readonly string[] | undefined, opts: { strict?: boolean } = {}): Promise<PackedTrace[]> {
  const given = paths && paths.length > 0 ? [...paths] : [FIRMWARE_TRACES_DIR];
  if (!paths?.length && !fs.existsSync(FIRMWARE_TRACES_DIR))
    throw new SimError('TRACE_NOT_FOUND', 'no bundled traces (firmware-traces/ is missing); name some with --trace', { file: FIRMWARE_TRACES_DIR });
  const out: PackedTrace[] = [];
  for (const f of findTraceFiles(given)) out.push(await loadTrace(f, { strict: opts.strict === true }));
  return out;
}

/** Every trace's skipped lines (file, counts), for the one stderr line per reason. */
export function skippedLines(traces: readonly PackedTrace[]): { file: string; skipped: SkipCount[] }[] {
  return traces.filter((t) => t.skipped.length > 0).map((t) => ({ file: t.info.path, skipped: t.skipped }));
}

/** The OOM policy an allocator runs with: the user's --oom for all, else its real counterpart's. */
export function runSettings(f: Pick<AllocatorFactory, 'moving'>, userOom?: OomPolicy): { oom: OomPolicy; why: string } {
  if (userOom !== undefined) return { oom: userOom, why: `--oom ${userOom} (for every allocator)` };
  if (f.moving) return { oom: 'compact', why: 'compacts when an allocation fails, then retries (its natural policy)' };
  return { oom: 'fail', why: 'an allocation that does not fit fails (NULL), as in C' };
}

/** The heap memory an allocator can use on the device. */
export function heapScope(f: Pick<AllocatorFactory, 'multiHeap'>, dev: DeviceProfile, heapSize?: number): { scope: StudyAllocator['scope']; usable: number } {
  const spans = heapSpans(dev, heapSize, false);
  if (spans.length <= 1) return { scope: 'one heap', usable: spans[0]!.size };
  if (f.multiHeap) return { scope: 'all heaps', usable: spans.reduce((s, h) => s + h.size, 0) };
  return { scope: 'first heap only', usable: spans[0]!.size };
}

/**
 * The allocators to run, checked, with each one's flag parameters (a `--param` goes to the
 * allocators that have that parameter; an error when none has it) and run settings.
 */
export function resolveAllocators(
  dev: DeviceProfile, names: readonly string[] | undefined, flags: Record<string, string>, userOom?: OomPolicy, heapSize?: number,
  extra: readonly AllocatorFactory[] = [],
): StudyAllocator[] {
  const list = names && names.length > 0 ? [...new Set(names)] : allocatorNames();
  if (list.length === 0) throw new SimError('ALLOCATOR_UNKNOWN', 'no allocators are registered');
  const factories = list.map((n) => extra.find((f) => f.name === n) ?? getFactory(n));
  for (const k of Object.keys(flags))
    if (!factories.some((f) => f.params.some((p) => p.name === k)))
      throw new SimError('ALLOCATOR_PARAM', `--param ${k}: none of ${list.join(', ')} has a parameter "${k}"`);
  return factories.map((f) => {
    const mine: Params = {};
    for (const [k, v] of Object.entries(flags)) if (f.params.some((p) => p.name === k)) mine[k] = v;
    resolveParams(f, dev.allocators?.[f.name], mine); // validates names and values now, before any work
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
export function fitVerdict(run: RunResult, mh: MinHeapResult | null, a: Pick<StudyAllocator, 'scope' | 'usable'>): boolean {
  const runClean = run.status !== 'violation' && run.summary.ooms === 0;
  if (a.scope === 'all heaps') return runClean;
  if (!mh) return runClean;
  return (mh.safeFrom ?? mh.minHeap) <= a.usable && runClean;
}

/** Σ requested sizes of live ids at their maximum over the trace, as the trace asks (no allocator involved). */
export function tracePeakLive(trace: PackedTrace): number {
  const { n, kind, id, arg } = trace.ops;
  const size = new Map<number, number>();
  let live = 0;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const k = kind[i]!;
    if (k === OP_ALLOC) {
      const x = id[i]!;
      live += arg[i]! - (size.get(x) ?? 0);
      size.set(x, arg[i]!);
    } else if (k === OP_REALLOC) {
      const x = id[i]!;
      live += arg[i]! - (size.get(x) ?? 0);
      if (arg[i]! === 0) size.delete(x);
      else size.set(x, arg[i]!);
    } else if (k === OP_FREE) {
      const x = id[i]!;
      live -= size.get(x) ?? 0;
      size.delete(x);
    } else continue;
    if (live > peak) peak = live;
  }
  return peak;
}

/** The run settings every replay and search of a study shares (squeeze's ladder too). */
export function studyRunBase(spec: Pick<StudySpec, 'locks' | 'seed' | 'check' | 'checkEvery' | 'cache' | 'compaction'>, dev: DeviceProfile) {
  return {
    device: dev, locks: spec.locks, seed: spec.seed, check: spec.check,
    ...(spec.checkEvery !== undefined ? { checkEvery: spec.checkEvery } : {}),
    ...(spec.cache === false ? { cache: false } : {}), ...(spec.compaction ?? {}),
  };
}

/** Runs the whole study; see the file header. */
export async function runStudy(spec: StudySpec): Promise<Study> {
  const dev = typeof spec.device === 'string' ? loadDevice(spec.device) : spec.device;
  const allocs = resolveAllocators(dev, spec.allocators, spec.params, spec.oom, spec.heapSize, spec.factories);
  const first = heapSpans(dev, spec.heapSize, false)[0]!; // HEAP_TOO_LARGE before any work
  const mixes = spec.mixes ?? [];
  const traces: PackedTrace[] =
    spec.traces && spec.traces.length > 0 && typeof spec.traces[0] !== 'string'
      ? [...(spec.traces as PackedTrace[]), ...mixes]
      : [
          ...(spec.traces?.length || mixes.length === 0 ? await loadStudyTraces(spec.traces as string[] | undefined, { strict: spec.strict === true }) : []),
          ...mixes,
        ];
  const searching = spec.minHeap !== false;
  const probing = searching && spec.tight !== false;
  const tol = spec.minHeapTolerance ?? MIN_HEAP_TOLERANCE;

  const base = studyRunBase(spec, dev);
  const external = new Set(spec.factories ?? []);
  const own = (a: StudyAllocator) => ({ allocator: a.name, params: a.params, ...(external.has(a.factory) ? { factory: a.factory } : {}) });
  const jobs: Job[] = [];
  traces.forEach((_, ti) => {
    for (const a of allocs) {
      const run: RunConfig = { ...base, oom: a.oom, ...own(a), series: spec.series };
      if (spec.heapSize !== undefined) run.heapSize = spec.heapSize;
      if (spec.sample !== undefined) run.sample = spec.sample;
      // With the search, one job per cell: the device-heap replay is also the search's first probe.
      if (searching) jobs.push({ kind: 'cell', trace: ti, cfg: run, tolerance: tol, band: spec.band ?? STUDY_BAND });
      else jobs.push({ kind: 'replay', trace: ti, cfg: run });
    }
  });

  // Progress counts the probes too (one per cell, once the searches are done).
  const outcomes = await runJobs(traces, jobs, { threads: spec.jobs, onProgress: (d, t) => spec.progress?.update(d, probing ? 2 * t : t) });

  // A SimError is a limit of the configuration, not a crash: the allocator cannot run this
  // heap (too small for its metadata, too large for its block indexes) or no heap up to the
  // search limit is enough. When every device-heap run fails that way the input is bad (exit 2,
  // the first such error in job order); otherwise the cell says why and the others go on.
  const firstSim = outcomes.find((r) => !r.ok && r.error instanceof SimError);
  if (firstSim && !firstSim.ok && outcomes.every((r) => !r.ok && r.error instanceof SimError)) throw firstSim.error;

  const failures: string[] = [];
  const runs: (RunResult | null)[][] = [];
  const out: CompareTrace[] = traces.map((t, ti) => {
    const row: (RunResult | null)[] = [];
    const results: CompareCell[] = allocs.map((a, ai) => {
      const o = outcomes[ti * allocs.length + ai]!;
      if (!o.ok) {
        row.push(null);
        let msg: string;
        if (o.error instanceof SimError) msg = `cannot run: ${o.error.message} (${o.error.code})`;
        else {
          msg = o.error.message;
          log.error({ allocator: a.name, trace: t.info.name, stack: o.error.stack }, 'replay crashed');
          failures.push(`${a.name} on ${t.info.name}: ${msg}`);
        }
        return { allocator: a.name, params: a.params, heap: { base: first.base, size: a.usable }, status: 'error', minHeap: null, error: msg };
      }
      const run = o.kind === 'cell' ? o.value.run : (o.value as RunResult);
      const mh = o.kind === 'cell' ? o.value.minHeap : null;
      row.push(run);
      const cell = compareCell(run, mh);
      cell.heaps = a.scope;
      cell.fits = fitVerdict(run, mh, a);
      if (cell.minHeap) cell.minHeap.fitsDevice = cell.fits;
      if (cell.error) failures.push(`${a.name} on ${t.info.name}: ${cell.error}`);
      if (o.kind === 'cell' && o.value.minHeapError) {
        const e = fromWire(o.value.minHeapError);
        cell.minHeapError = e.message;
        if (!(e instanceof SimError)) {
          log.error({ allocator: a.name, trace: t.info.name, stack: o.value.minHeapError.stack }, 'min-heap search crashed');
          failures.push(`${a.name} on ${t.info.name}: min-heap search: ${e.message}`);
        }
      }
      return cell;
    });
    runs.push(row);
    // Peak live is a property of the trace (a run whose allocations failed saw less of it).
    const peak = tracePeakLive(t);
    const mix = (t as PackedTrace & { mix?: MixInfo }).mix;
    return { trace: t.info.name, ops: t.ops.n, peakLive: peak, lockOps: traceFacts(t).locks, ...(mix ? { mix } : {}), results };
  });

  // The tight-memory line: one lean replay per cell at 90 % of its min heap (./tight.ts).
  const probes: (SqueezePoint | null)[][] = out.map((t) => t.results.map(() => null));
  if (probing) {
    const probeJobs: Job[] = [];
    const where: [number, number][] = [];
    out.forEach((t, ti) =>
      t.results.forEach((c, ai) => {
        if (!c.minHeap) return;
        const a = allocs[ai]!;
        const heapSize = probeSize(c.minHeap.minHeap, dev.alignment);
        const cfg: RunConfig = { ...base, oom: a.oom, ...own(a), heapSize, whatIf: true, lean: true, series: false };
        probeJobs.push({ kind: 'replay', trace: ti, cfg: { ...cfg, ...placementOnly(traces[ti]!, cfg) } });
        where.push([ti, ai]);
      }),
    );
    const done = jobs.length;
    const ran = await runJobs(traces, probeJobs, { threads: spec.jobs, onProgress: (d) => spec.progress?.update(done + d, 2 * done) });
    ran.forEach((r, k) => {
      const [ti, ai] = where[k]!;
      const t = out[ti]!;
      const c = t.results[ai]!;
      const heap = probeSize(c.minHeap!.minHeap, dev.alignment);
      let p: SqueezePoint;
      if (r.ok && r.kind === 'replay') {
        p = squeezePoint(r.value, heap, c.minHeap!.minHeap, t.peakLive);
        if (r.value.status === 'violation') failures.push(`${c.allocator} on ${t.trace} at ${heap} bytes: ${r.value.violation?.message ?? 'violation'}`);
      } else {
        const e = r.ok ? new Error(`unexpected ${r.kind} outcome`) : r.error;
        if (!(e instanceof SimError)) failures.push(`${c.allocator} on ${t.trace} at ${heap} bytes: ${e.message}`);
        p = errorPoint(heap, c.minHeap!.minHeap, t.peakLive, e instanceof SimError ? `${e.message} (${e.code})` : e.message);
      }
      probes[ti]![ai] = p;
      c.tight = tightSummary(c.minHeap!, p);
    });
  }
  spec.progress?.stop();

  const settings: StudySetting[] = allocs.map((a) => ({ allocator: a.name, oom: a.oom, oomWhy: a.oomWhy, moving: a.factory.moving, heaps: a.scope, usableHeap: a.usable }));
  const report = buildCompareReport(dev.name, spec.goal, { base: first.base, size: first.size }, dev.cpu.clockHz, out, {
    settings,
    locks: spec.locks,
    ...(searching && tol > 0 ? { minHeapTolerance: tol } : {}),
    ...(spec.margin !== undefined ? { margin: spec.margin } : {}),
  });
  return { device: dev, traces, allocators: allocs, report, runs, probes, failures };
}

// The study's other workflows, for src/cli (squeeze imports this file, so it is reached apart).
export { fingerprint, parseShard, readPartials, recordSlice, serveRecorded, reviveInfinity, traceHash } from './shard';
export type { Partial, Shard, SliceRecord } from './shard';
export { DEFAULT_BUDGET, better, mergeSearches, traceFigures, tuneSearch, paramsOf, runOf } from './tune';
export type { BaseRun, TuneSearch } from './tune';
export { buildTuneReport, paretoSvg, tuneText } from './tune-report';
export type { TuneReport, Verified } from './tune-report';
