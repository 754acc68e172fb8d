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
import * as path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { chartFromRun, compareCsv, compareTable, renderChart, stringify, writeFileAtomic, writeFilesAtomic } from '../report';
import type { RunResult } from '../sim';
import { runStudy, skippedLines } from '../study';
import { warnPointerSizes } from '../trace';
import { ensureDir } from '../util';
import type { Study, StudySpec } from '../study';
import { handler } from './common';
import {
  Progress, allocatorsOption, compareOutputOptions, deviceOption, heapOption, jobsOption, outputTarget, parseFormat, parseGoal,
  list, loadMixes, mixOption, parseHeap, parseJobs, parseReplayFlags, parseSample, replayOptions, tracesOption,
} from './options';
import type { SimArgs } from './options';
import { reportSkipped } from './trace';

export { loadStudyTraces as loadTraces, resolveAllocators, MIN_HEAP_TOLERANCE } from '../study';

/** The study spec of a simulation command's flags (compare, the default command, report). */
export function studySpec(args: SimArgs, extra: { series: boolean; minHeap?: boolean }): StudySpec {
  const flags = parseReplayFlags(args);
  const spec: StudySpec = {
    device: args.device,
    locks: flags.locks,
    params: flags.params,
    seed: flags.seed,
    check: flags.check,
    ...(flags.checkEvery !== undefined ? { checkEvery: flags.checkEvery } : {}),
    cache: flags.cache,
    strict: args.strict === true,
    goal: parseGoal(args.goal),
    jobs: parseJobs(args.jobs),
    series: extra.series,
    minHeap: extra.minHeap !== false,
  };
  if (flags.oom !== undefined) spec.oom = flags.oom;
  const compaction = { ...flags };
  const c: StudySpec['compaction'] = {};
  if (compaction.compactEvery !== undefined) c.compactEvery = compaction.compactEvery;
  if (compaction.compactAboveExtFrag !== undefined) c.compactAboveExtFrag = compaction.compactAboveExtFrag;
  if (compaction.compactBudget !== undefined) c.compactBudget = compaction.compactBudget;
  if (Object.keys(c).length > 0) spec.compaction = c;
  if (list(args.allocator).length) spec.allocators = list(args.allocator);
  if (list(args.trace).length) spec.traces = list(args.trace);
  const heap = parseHeap(args.heap);
  if (heap !== undefined) spec.heapSize = heap;
  const sample = parseSample(args.sample);
  if (sample !== undefined) spec.sample = sample;
  return spec;
}

/** The study of a compare spec (tune's verification calls it by this name). */
export const runCompare = (spec: StudySpec): Promise<Study> => runStudy(spec);

/** Runs the study of a command and prints the skipped-line counts of its traces on stderr. */
export async function studyFor(spec: StudySpec): Promise<Study> {
  const st = await runStudy(spec);
  warnStudy(st);
  return st;
}

/** A study's stderr lines: pointer-size warnings and skipped-line counts of its traces. */
export function warnStudy(st: Study): void {
  warnPointerSizes(st.traces, st.device);
  for (const s of skippedLines(st.traces)) reportSkipped(s.file, s.skipped);
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
  return compareOutputOptions(jobsOption(replayOptions(heapOption(mixOption(tracesOption(allocatorsOption(deviceOption(y)))))))).option('min-heap', {
    type: 'boolean',
    default: true,
    describe: 'search each allocator\'s minimum heap per trace (--no-min-heap: device-heap runs only, much faster)',
  });
}

async function compareHandler(args: SimArgs): Promise<number> {
  const format = parseFormat(args.format);
  const jsonTarget = outputTarget(args.json);
  const csvTarget = outputTarget(args.csv);
  const svgDir = args['svg-dir'];
  const spec = studySpec(args, { series: svgDir !== undefined, minHeap: args['min-heap'] !== false });
  spec.mixes = await loadMixes(args.mix, spec.seed);
  spec.progress = new Progress('compare');
  const { report, runs, failures } = await studyFor(spec);

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

export const compareCommand: CommandModule<object, SimArgs> = {
  command: 'compare',
  describe: 'compare allocators over traces on a device: one table per trace and a ranked recommendation',
  builder: builder as unknown as CommandModule<object, SimArgs>['builder'],
  handler: handler(compareHandler),
};

export const defaultCommand: CommandModule<object, SimArgs> = {
  command: '$0',
  describe: 'compare every allocator over the bundled traces on --device (default nds), with ranked advice',
  builder: builder as unknown as CommandModule<object, SimArgs>['builder'],
  handler: handler(compareHandler),
};
