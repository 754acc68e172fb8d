/**
 * `rmalloc-sim compare` and the default command `rmalloc-sim [--device nds]`: every allocator
 * (or the --allocator list) over every trace (default: the bundled firmware-traces/) on one
 * device. For each trace × allocator: one replay at the device heap (OOMs, fragmentation,
 * cycles) and one min-heap search, run as jobs on the worker pool. Prints one table per trace
 * and the ranked recommendation, or the compare JSON / CSV.
 *
 * Exit 0 on success; 1 when an allocator crashed or violated an invariant on some trace (the
 * other results are still reported); 2 for bad input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { allocatorNames, getFactory, resolveParams } from '../alloc';
import type { Params } from '../alloc';
import { heapSpans, loadDevice } from '../device';
import type { DeviceProfile } from '../device';
import { SimError } from '../errors';
import { log } from '../log';
import { ensureDir } from '../util/atomic';
import {
  buildCompareReport, chartFromRun, compareCell, compareCsv, compareTable, renderChart, stringify, writeFileAtomic,
  writeFilesAtomic,
} from '../report';
import type { CompareCell, CompareReport, CompareTrace, GoalName } from '../report';
import type { MinHeapResult, OomPolicy, RunConfig, RunResult } from '../sim';
import { runJobs } from '../sim/parallel';
import type { Job } from '../sim/parallel';
import { findTraceFiles, loadTrace, warnPointerSizes } from '../trace';
import type { PackedTrace } from '../trace/types';
import { handler } from './common';
import {
  FIRMWARE_TRACES_DIR, Progress, allocatorsOption, compareOutputOptions, deviceOption, heapOption, jobsOption,
  outputTarget, parseFormat, parseGoal, parseHeap, parseCompaction, parseJobs, parseLocks, parseOom, parseParamFlags, parseSample,
  parseSeed, replayOptions, tracesOption,
} from './options';

/** The compare's min-heap tolerance: each answer is a verified clean size at most 0.5 % above the boundary. */
export const MIN_HEAP_TOLERANCE = 0.005;

export interface CompareOptions {
  device: string;
  allocators?: string[];
  traces?: string[];
  heapSize?: number;
  oom: OomPolicy;
  locks: string;
  /** Relative min-heap tolerance (default MIN_HEAP_TOLERANCE; 0 = exact). */
  minHeapTolerance?: number;
  /** Scheduled compaction (--compact-every/-above/-budget), passed to every run and search. */
  compaction?: { compactEvery?: number; compactAboveExtFrag?: number; compactBudget?: number };
  params: Record<string, string>;
  seed: number;
  check: boolean;
  sample?: number;
  goal: GoalName;
  jobs: number;
  /** Keep each run's series (for charts). */
  series: boolean;
  /** Run the min-heap searches (the expensive part); default true. */
  minHeap?: boolean;
  progress?: Progress;
}

export interface CompareOutcome {
  report: CompareReport;
  /** Device-heap runs, [trace][allocator] (for charts). */
  runs: (RunResult | null)[][];
  /** Crashes or violations: the runs that make the exit status 1. */
  failures: string[];
}

/** Loads the traces named (files or folders; default the bundled ones), in order. */
export async function loadTraces(paths: string[] | undefined): Promise<PackedTrace[]> {
  const given = paths && paths.length > 0 ? paths : [FIRMWARE_TRACES_DIR];
  if (!paths?.length && !fs.existsSync(FIRMWARE_TRACES_DIR))
    throw new SimError('TRACE_NOT_FOUND', 'no bundled traces (firmware-traces/ is missing); name some with --trace', { file: FIRMWARE_TRACES_DIR });
  const files = findTraceFiles(given);
  const out: PackedTrace[] = [];
  for (const f of files) out.push(await loadTrace(f));
  return out;
}

/**
 * The allocator names to run, checked, with each one's flag parameters: a `--param` goes to the
 * allocators that have that parameter (it is an error when none has it).
 */
export function resolveAllocators(dev: DeviceProfile, names: string[] | undefined, flags: Record<string, string>): { name: string; params: Params }[] {
  const list = names && names.length > 0 ? [...new Set(names)] : allocatorNames();
  if (list.length === 0) throw new SimError('ALLOCATOR_UNKNOWN', 'no allocators are registered');
  const factories = list.map((n) => getFactory(n));
  for (const k of Object.keys(flags))
    if (!factories.some((f) => f.params.some((p) => p.name === k)))
      throw new SimError('ALLOCATOR_PARAM', `--param ${k}: none of ${list.join(', ')} has a parameter "${k}"`);
  return factories.map((f) => {
    const mine: Params = {};
    for (const [k, v] of Object.entries(flags)) if (f.params.some((p) => p.name === k)) mine[k] = v;
    resolveParams(f, dev.allocators?.[f.name], mine); // validates names and values now, before any work
    return { name: f.name, params: mine };
  });
}

export async function runCompare(o: CompareOptions): Promise<CompareOutcome> {
  const dev = loadDevice(o.device);
  const allocs = resolveAllocators(dev, o.allocators, o.params);
  const first = heapSpans(dev, o.heapSize, false)[0]!; // HEAP_TOO_LARGE before any work
  const traces = await loadTraces(o.traces);
  warnPointerSizes(traces, dev);

  const base = { device: dev, oom: o.oom, locks: o.locks, seed: o.seed, check: o.check, ...(o.compaction ?? {}) };
  const jobs: Job[] = [];
  traces.forEach((_, ti) => {
    for (const a of allocs) {
      const run: RunConfig = { ...base, allocator: a.name, params: a.params, series: o.series };
      if (o.heapSize !== undefined) run.heapSize = o.heapSize;
      if (o.sample !== undefined) run.sample = o.sample;
      jobs.push({ kind: 'replay', trace: ti, cfg: run });
      if (o.minHeap !== false)
        jobs.push({ kind: 'minHeap', trace: ti, cfg: { ...base, allocator: a.name, params: a.params, series: false }, tolerance: o.minHeapTolerance ?? MIN_HEAP_TOLERANCE });
    }
  });

  const outcomes = await runJobs(traces, jobs, { threads: o.jobs, onProgress: (d, t) => o.progress?.update(d, t) });
  o.progress?.stop();

  // A SimError is a limit of the configuration, not a crash: the allocator cannot run this
  // heap (too small for its metadata, too large for its block indexes) or no heap up to the
  // search limit is enough. When every device-heap run fails that way the input is bad (exit 2,
  // the first such error in job order); otherwise the cell says why and the others go on.
  const per = o.minHeap !== false ? 2 : 1; // jobs per cell
  const replays = outcomes.filter((_, k) => k % per === 0);
  const firstSim = replays.find((r) => !r.ok && r.error instanceof SimError);
  if (firstSim && !firstSim.ok && replays.every((r) => !r.ok && r.error instanceof SimError)) throw firstSim.error;

  const failures: string[] = [];
  const runs: (RunResult | null)[][] = [];
  const out: CompareTrace[] = traces.map((t, ti) => {
    const row: (RunResult | null)[] = [];
    const results: CompareCell[] = allocs.map((a, ai) => {
      const k = per * (ti * allocs.length + ai);
      const rr = outcomes[k]!;
      const mr = per === 2 ? outcomes[k + 1]! : undefined;
      const mh = mr?.ok && mr.kind === 'minHeap' ? (mr.value as MinHeapResult) : null;
      if (!rr.ok || rr.kind !== 'replay') {
        row.push(null);
        let msg = 'unexpected result';
        if (!rr.ok && rr.error instanceof SimError) msg = `cannot run: ${rr.error.message} (${rr.error.code})`;
        else if (!rr.ok) {
          msg = rr.error.message;
          log.error({ allocator: a.name, trace: t.info.name, stack: rr.error.stack }, 'replay crashed');
          failures.push(`${a.name} on ${t.info.name}: ${msg}`);
        }
        return { allocator: a.name, params: a.params, heap: { base: first.base, size: first.size }, status: 'error', minHeap: null, error: msg };
      }
      row.push(rr.value);
      const cell = compareCell(rr.value, mh);
      if (cell.error) failures.push(`${a.name} on ${t.info.name}: ${cell.error}`);
      if (mr && !mr.ok) {
        if (mr.error instanceof SimError) cell.minHeapError = mr.error.message;
        else {
          log.error({ allocator: a.name, trace: t.info.name, stack: mr.error.stack }, 'min-heap search crashed');
          cell.minHeapError = mr.error.message;
          failures.push(`${a.name} on ${t.info.name}: min-heap search: ${mr.error.message}`);
        }
      }
      return cell;
    });
    runs.push(row);
    const peak = results.find((c) => c.minHeap)?.minHeap?.peakLive ?? Math.max(0, ...results.map((c) => c.summary?.peakLive ?? 0));
    return { trace: t.info.name, ops: t.ops.n, peakLive: peak, results };
  });
  const report = buildCompareReport(dev.name, o.goal, { base: first.base, size: first.size }, dev.cpu.clockHz, out);
  const tol = o.minHeapTolerance ?? MIN_HEAP_TOLERANCE;
  if (o.minHeap !== false && tol > 0) report.minHeapTolerance = tol;
  return { report, runs, failures };
}

/** A file-name-safe version of a trace or allocator name. */
export function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Renders every chart into `dir` (created if missing); all files written, or none. */
export function writeCharts(dir: string, runs: (RunResult | null)[][]): string[] {
  ensureDir(dir, '--svg-dir');
  const files: { file: string; data: string }[] = [];
  for (const row of runs)
    for (const r of row) {
      if (!r) continue;
      files.push({ file: path.join(dir, `${fileSafe(r.trace.name)}--${fileSafe(r.allocator)}.svg`), data: renderChart(chartFromRun(r)) });
    }
  writeFilesAtomic(files);
  return files.map((f) => f.file);
}

function builder<T>(y: Argv<T>) {
  return compareOutputOptions(jobsOption(replayOptions(heapOption(tracesOption(allocatorsOption(deviceOption(y))))))).option('min-heap', {
    type: 'boolean',
    default: true,
    describe: 'search each allocator\'s minimum heap per trace (--no-min-heap: device-heap runs only, much faster)',
  });
}

/** The parsed arguments (yargs' inferred type, spelled out). */
interface Args {
  device: string;
  allocator?: string[];
  trace?: string[];
  heap?: string;
  oom?: string;
  locks?: string;
  param?: string[];
  seed?: number;
  check?: boolean;
  sample?: number;
  jobs?: number;
  goal?: string;
  format?: string;
  json?: string;
  csv?: string;
  'svg-dir'?: string;
  'min-heap'?: boolean;
}

async function compareHandler(args: Args): Promise<number> {
  const goal = parseGoal(args.goal);
  const format = parseFormat(args.format);
  const jsonTarget = outputTarget(args.json);
  const csvTarget = outputTarget(args.csv);
  const svgDir = args['svg-dir'];
  const o: CompareOptions = {
    device: args.device,
    allocators: args.allocator,
    traces: args.trace,
    oom: parseOom(args.oom),
    locks: parseLocks(args.locks),
    compaction: parseCompaction(args as unknown as Record<string, unknown>),
    params: parseParamFlags(args.param),
    seed: parseSeed(args.seed),
    check: args.check === true,
    goal,
    jobs: parseJobs(args.jobs),
    series: svgDir !== undefined,
    minHeap: args['min-heap'] !== false,
    progress: new Progress('compare'),
  };
  const heap = parseHeap(args.heap);
  if (heap !== undefined) o.heapSize = heap;
  const sample = parseSample(args.sample);
  if (sample !== undefined) o.sample = sample;

  const { report, runs, failures } = await runCompare(o);

  // Files first (all or nothing each), then stdout.
  if (svgDir !== undefined) writeCharts(svgDir, runs);
  if (jsonTarget && jsonTarget !== 'stdout') writeFileAtomic(jsonTarget.file, stringify(report));
  if (csvTarget && csvTarget !== 'stdout') writeFileAtomic(csvTarget.file, compareCsv(report));
  if (format === 'json' || jsonTarget === 'stdout') process.stdout.write(stringify(report));
  else if (format === 'csv' || csvTarget === 'stdout') process.stdout.write(compareCsv(report));
  else process.stdout.write(compareTable(report, { color: process.stdout.isTTY === true }));

  for (const f of failures) process.stderr.write(`rmalloc-sim: ${f} (ALLOCATOR_FAILED)\n`);
  return failures.length > 0 ? 1 : 0;
}

export const compareCommand: CommandModule<object, Args> = {
  command: 'compare',
  describe: 'compare allocators over traces on a device: one table per trace and a ranked recommendation',
  builder: builder as unknown as CommandModule<object, Args>['builder'],
  handler: handler(compareHandler),
};

export const defaultCommand: CommandModule<object, Args> = {
  command: '$0',
  describe: 'compare every allocator over the bundled traces on --device (default nds), with ranked advice',
  builder: builder as unknown as CommandModule<object, Args>['builder'],
  handler: handler(compareHandler),
};
