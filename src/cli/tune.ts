/**
 * `rmalloc-sim tune -d D -a A [-t T ...] [--goal G] [--budget N]`: searches the allocator's
 * declared parameter space (src/study/tune.ts) and prints default versus tuned (verified by plain
 * runs), the gain, the flags and config entry that reproduce the tuned allocator; `--svg F`
 * draws the Pareto front, `--json F` writes the report. `--shard K/N --out P` runs one slice and
 * writes a partial for `rmalloc-sim merge`.
 */
import type { Argv, CommandModule } from 'yargs';
import { getFactory } from '../alloc';
import { loadDevice } from '../device';
import type { DeviceProfile } from '../device';
import { SimError } from '../errors';
import { stringify, writeFileAtomic } from '../report';
import type { GoalName } from '../report';
import { runJobs } from '../sim';
import type { PackedTrace } from '../trace';
import { fingerprint, parseShard, readPartials, reviveInfinity, traceHash } from '../study';
import type { Partial, Shard } from '../study';
import { DEFAULT_BUDGET, better, mergeSearches, traceFigures, tuneSearch } from '../study';
import type { BaseRun, TuneSearch } from '../study';
import { buildTuneReport, paretoSvg, tuneText } from '../study';
import type { TuneReport, Verified } from '../study';
import { paramsOf, runOf } from '../study';
import { handler } from './common';
import { MIN_HEAP_TOLERANCE, loadTraces, runCompare } from './compare';
import {
  Progress, deviceOption, jobsOption, outputTarget, parseCompaction, parseGoal, parseJobs, parseLocks, parseOom, parseParamFlags, parseSeed,
  replayOptions, tracesOption,
} from './options';

interface Args {
  device: string;
  allocator: string;
  trace?: string[];
  goal?: string;
  budget?: number;
  oom?: string;
  locks?: string;
  param?: string[];
  seed?: number;
  jobs?: number;
  format?: string;
  json?: string;
  svg?: string;
  shard?: string;
  out?: string;
}

export interface TuneRunOptions {
  device: string;
  allocator: string;
  traces?: string[];
  goal: GoalName;
  budget: number;
  seed: number;
  base: BaseRun;
  fixed: Record<string, string>;
  jobs: number;
  shard?: Shard;
  progress?: Progress;
}

/** The search's traces, verified by a plain compare of one setting (compare's own code path). */
async function verify(o: TuneRunOptions, dev: DeviceProfile, search: TuneSearch, key: string): Promise<Verified> {
  const p = search.points.find((x) => x.key === key)!;
  const params = paramsOf(search.dims, p.setting, o.fixed);
  const run = runOf(search.dims, p.setting, o.base);
  const compaction: { compactEvery?: number; compactAboveExtFrag?: number; compactBudget?: number } = {};
  if (run.compactEvery !== undefined) compaction.compactEvery = run.compactEvery;
  if (run.compactAboveExtFrag !== undefined) compaction.compactAboveExtFrag = run.compactAboveExtFrag;
  if (run.compactBudget !== undefined) compaction.compactBudget = run.compactBudget;
  const { report } = await runCompare({
    device: o.device, allocators: [o.allocator], traces: o.traces, oom: run.oom, locks: run.locks, seed: run.seed, check: false,
    params, compaction, goal: o.goal, jobs: o.jobs, series: false, minHeapTolerance: MIN_HEAP_TOLERANCE,
    tight: false, // tune reads the min heap and cycles, not the tight-memory line: no 90 % probe
  });
  void dev;
  const perTrace = search.traces.map((name) => {
    const t = report.traces.find((x) => x.trace === name)!;
    const c = t.results[0]!;
    if (!c.summary || !c.cycles || !c.compaction) throw new SimError('USAGE', `tune: the verification run of ${o.allocator} failed on ${name}: ${c.error ?? c.status}`);
    return traceFigures(name, t.peakLive, { summary: c.summary, cycles: c.cycles, compaction: c.compaction } as never, c.minHeap ? ({ minHeap: c.minHeap.minHeap, ratio: c.minHeap.ratio } as never) : null);
  });
  return { perTrace, tolerance: MIN_HEAP_TOLERANCE };
}

/** What a partial of a tune holds. */
interface TunePartialData {
  search: TuneSearch;
  verified: Record<string, Verified>;
  context: { device: string; allocator: string; goal: GoalName; fixed: Record<string, string>; base: BaseRun };
  /** The shard's output options, which merge uses unless it is given its own. */
  output?: { format?: string; json?: string; svg?: string };
}

function inputsOf(o: TuneRunOptions, dev: DeviceProfile, traces: readonly PackedTrace[]): unknown {
  return {
    device: dev, allocator: o.allocator, goal: o.goal, budget: o.budget, seed: o.seed, base: o.base, fixed: o.fixed,
    traces: traces.map((t) => ({ name: t.info.name, hash: traceHash(t) })),
  };
}

/** Runs a tune (or one shard of it): the report, or the partial for merge. */
export async function runTune(o: TuneRunOptions): Promise<{ report?: TuneReport; partial?: Partial<TunePartialData> }> {
  const dev = loadDevice(o.device);
  getFactory(o.allocator);
  const traces = await loadTraces(o.traces);
  const search = await tuneSearch({
    device: dev, allocator: o.allocator, traces, goal: o.goal, budget: o.budget, seed: o.seed, run: o.base, fixed: o.fixed,
    runner: (t, jobs) => runJobs(t, jobs, { threads: o.jobs }),
    ...(o.shard ? { shard: o.shard } : {}),
    onBatch: (d, b) => o.progress?.update(d, b),
  });
  o.progress?.stop();
  const verified: Record<string, Verified> = {};
  verified[search.defaultKey] = await verify(o, dev, search, search.defaultKey);
  if (search.bestKey !== search.defaultKey) verified[search.bestKey] = await verify(o, dev, search, search.bestKey);
  const context = { device: dev.name, allocator: o.allocator, goal: o.goal, fixed: o.fixed, base: o.base };
  if (o.shard) {
    const inputs = inputsOf(o, dev, traces);
    return { partial: { schema: 1, partial: true, command: 'tune', shard: o.shard, fingerprint: fingerprint(inputs), inputs, data: { search, verified, context } } };
  }
  return { report: reportOf({ search, verified, context }) };
}

function reportOf(d: TunePartialData): TuneReport {
  const c = d.context;
  return buildTuneReport(c.device, c.allocator, c.goal, d.search, c.fixed, c.base, d.verified[d.search.defaultKey]!, d.verified[d.search.bestKey]!);
}

/** The output options a tune partial recorded (merge's own take precedence). */
export function tuneOutput(p: Partial): { format?: string; json?: string; svg?: string } {
  return (p.data as TunePartialData).output ?? {};
}

/** Merges tune partials into the report of the unsharded run. */
export function mergeTune(parts: readonly Partial[]): TuneReport {
  const data = parts.map((p) => reviveInfinity(p.data as TunePartialData, ['space', 'speed', 'relSpeed', 'worst', 'score', 'gridSize']));
  const search = mergeSearches(data.map((d) => d.search));
  const verified: Record<string, Verified> = {};
  for (const d of data) for (const [k, v] of Object.entries(d.verified)) verified[k] ??= v;
  const best = search.points.find((p) => p.key === search.bestKey)!;
  if (!verified[search.bestKey]) throw new Error(`merge: no shard verified the best setting ${best.key}`);
  void better;
  return reportOf({ search, verified, context: data[0]!.context });
}

/** Prints a tune report as asked (stdout text or JSON, files whole or not at all). */
export function printTune(r: TuneReport, args: { format?: string; json?: string; svg?: string }): void {
  if (args.svg !== undefined) writeFileAtomic(args.svg, paretoSvg(r));
  const jt = outputTarget(args.json);
  if (jt && jt !== 'stdout') writeFileAtomic(jt.file, stringify(r));
  if (args.format === 'json' || jt === 'stdout') process.stdout.write(stringify(r));
  else process.stdout.write(tuneText(r));
}

function parseBudget(v: unknown): number {
  if (v === undefined) return DEFAULT_BUDGET;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new SimError('USAGE', `--budget: "${String(v)}" is not a positive integer`);
  return n;
}

async function tuneHandler(args: Args): Promise<number> {
  const format = String(args.format ?? 'table');
  if (format !== 'table' && format !== 'json') throw new SimError('USAGE', `--format: "${format}" is not one of table, json`);
  const shard = parseShard(args.shard);
  if (shard && args.out === undefined) throw new SimError('USAGE', '--shard K/N needs --out FILE for the partial JSON');
  const o: TuneRunOptions = {
    device: args.device,
    allocator: args.allocator,
    traces: args.trace,
    goal: parseGoal(args.goal),
    budget: parseBudget(args.budget),
    seed: parseSeed(args.seed),
    base: { oom: parseOom(args.oom) ?? 'fail', locks: parseLocks(args.locks), seed: parseSeed(args.seed), ...parseCompaction(args as unknown as Record<string, unknown>) },
    fixed: parseParamFlags(args.param),
    jobs: parseJobs(args.jobs),
    progress: new Progress('tune'),
    ...(shard ? { shard } : {}),
  };
  const r = await runTune(o);
  if (r.partial) {
    const output: Record<string, string> = {};
    for (const k of ['format', 'json', 'svg'] as const) if (args[k] !== undefined) output[k] = String(args[k]);
    (r.partial.data as TunePartialData).output = output;
    writeFileAtomic(args.out!, stringify(r.partial));
    return 0;
  }
  printTune(r.report!, args);
  return 0;
}

export { readPartials };

function builder<T>(y: Argv<T>) {
  return jobsOption(replayOptions(tracesOption(deviceOption(y))))
    .option('allocator', { alias: 'a', type: 'string', demandOption: true, describe: 'the allocator to tune (see `rmalloc-sim allocators NAME` for its tune space)' })
    .option('goal', { type: 'string', default: 'balanced', describe: 'what to optimise: balanced | space | speed | realtime' })
    .option('budget', { type: 'number', describe: `most settings to evaluate (default ${DEFAULT_BUDGET}); a space that fits is searched exhaustively` })
    .option('format', { alias: 'f', type: 'string', default: 'table', describe: 'stdout format: table | json' })
    .option('json', { type: 'string', describe: 'also write the tune JSON to this file ("-": stdout)' })
    .option('svg', { type: 'string', describe: 'write the Pareto front (min heap against mean cycles) as SVG to this file' });
}

export const tuneCommand: CommandModule<object, Args> = {
  command: 'tune',
  describe: 'search an allocator\'s parameters for a goal on a device and traces; prints default vs tuned and the flags that reproduce it',
  builder: builder as unknown as CommandModule<object, Args>['builder'],
  handler: handler(tuneHandler),
};
