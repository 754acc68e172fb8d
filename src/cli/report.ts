/**
 * `rmalloc-sim report --device D [--trace F|DIR ...] [--allocator A ...] -o report.html`: one
 * self-contained HTML file (src/report/html.ts) with, per trace, the comparison table, charts,
 * OOM events and a heap-map scrubber with before/after views of compactions.
 *
 * The comparison is `compare`'s (replays and min-heap searches on the worker pool); moving
 * allocators (rmalloc, rmalloc-gen) run with `--oom compact` so their compactions show, the
 * others with --oom (default fail). Frames come from one more replay per trace × allocator in
 * this thread, sampled every k ops where k is chosen so that all frames together stay within
 * --frame-budget (default 2 MiB of gzip-compressed frames in the whole file, split evenly; 2.7 MiB once base64-encoded).
 * The file is written whole or not at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { getFactory } from '../alloc';
import { heapSpans, loadDevice } from '../device';
import { SimError } from '../errors';
import { log } from '../log';
import { buildCompareReport, writeFileAtomic } from '../report';
import type { CompareTrace, GoalName } from '../report';
import { collectFrames } from '../report/frames';
import type { AllocFrames } from '../report/frames';
import { renderHtmlReport } from '../report/html';
import type { HtmlTrace } from '../report/html';
import { replay } from '../sim';
import type { OomPolicy, RunConfig, RunResult } from '../sim';
import { handler } from './common';
import { loadTraces, resolveAllocators, runCompare } from './compare';
import type { CompareOptions, CompareOutcome } from './compare';
import { deviceRegions } from './heapmap';
import {
  Progress, allocatorsOption, deviceOption, heapOption, jobsOption, parseGoal, parseHeap, parseJobs, parseLocks, parseOom,
  parseParamFlags, parseSeed, replayOptions, tracesOption,
} from './options';

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
  jobs?: number;
  goal?: string;
  output?: string;
  'frame-budget'?: string;
  'max-frames'?: number;
}

/** Default bytes of encoded heap-map frames in one report. */
export const DEFAULT_FRAME_BUDGET = 2 * 1024 * 1024;

export interface ReportOptions {
  device: string;
  allocators?: string[];
  traces?: string[];
  heapSize?: number;
  oom: OomPolicy;
  locks: string;
  params: Record<string, string>;
  seed: number;
  check: boolean;
  goal: GoalName;
  jobs: number;
  frameBudget: number;
  maxFrames: number;
  command?: string;
  progress?: Progress;
}

/** Builds the report page (no file written). */
export async function buildHtmlReport(o: ReportOptions): Promise<string> {
  const dev = loadDevice(o.device);
  const allocs = resolveAllocators(dev, o.allocators, o.params);
  const spans = heapSpans(dev, o.heapSize, false);
  const policies: Record<string, OomPolicy> = {};
  for (const a of allocs) policies[a.name] = getFactory(a.name).moving ? 'compact' : o.oom;

  // The comparison: one compare per OOM policy, merged back into the allocator order.
  const groups = new Map<OomPolicy, string[]>();
  for (const a of allocs) groups.set(policies[a.name]!, [...(groups.get(policies[a.name]!) ?? []), a.name]);
  const base: Omit<CompareOptions, 'oom' | 'allocators'> = {
    device: o.device, locks: o.locks, params: {}, seed: o.seed, check: o.check, goal: o.goal, jobs: o.jobs, series: true,
  };
  if (o.traces) base.traces = o.traces;
  if (o.heapSize !== undefined) base.heapSize = o.heapSize;
  if (o.progress) base.progress = o.progress;
  const outcomes: { names: string[]; out: CompareOutcome }[] = [];
  for (const [oom, names] of groups) {
    // --param goes only to the allocators that have the parameter (as in compare)
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.params)) if (names.some((n) => getFactory(n).params.some((p) => p.name === k))) params[k] = v;
    outcomes.push({ names, out: await runCompare({ ...base, oom, allocators: names, params }) });
  }
  const first = outcomes[0]!.out.report;
  const traces: CompareTrace[] = first.traces.map((t, ti) => ({
    trace: t.trace,
    ops: t.ops,
    peakLive: t.peakLive,
    results: allocs.map((a) => {
      const g = outcomes.find((x) => x.names.includes(a.name))!;
      return g.out.report.traces[ti]!.results.find((c) => c.allocator === a.name)!;
    }),
  }));
  const runsOf = (ti: number): (RunResult | null)[] =>
    allocs.map((a) => {
      const g = outcomes.find((x) => x.names.includes(a.name))!;
      return g.out.runs[ti]![g.names.indexOf(a.name)] ?? null;
    });
  const report = buildCompareReport(dev.name, o.goal, first.heap, dev.cpu.clockHz, traces);
  for (const g of outcomes) for (const f of g.out.failures) process.stderr.write(`rmalloc-sim: ${f} (ALLOCATOR_FAILED)\n`);

  // Heap-map frames: one more replay per trace × allocator, in this thread.
  const packed = await loadTraces(o.traces);
  const combos = Math.max(1, packed.length * allocs.length);
  const budget = { bytes: Math.floor(o.frameBudget / combos), maxFrames: o.maxFrames, maxCompactions: 40 };
  const htmlTraces: HtmlTrace[] = [];
  packed.forEach((tr, ti) => {
    const frames: AllocFrames[] = [];
    const runs = runsOf(ti);
    allocs.forEach((a, ai) => {
      if (!runs[ai] || tr.ops.n === 0) return;
      const cfg: RunConfig = {
        device: dev, allocator: a.name, params: a.params, oom: policies[a.name]!, locks: o.locks, seed: o.seed, series: false, lean: true,
      };
      if (o.heapSize !== undefined) cfg.heapSize = o.heapSize;
      frames.push(collectFrames(tr, budget, (obs) => void replay(tr, cfg, obs), a.name));
      log.debug({ trace: tr.info.name, allocator: a.name }, 'frames collected');
    });
    htmlTraces.push({ index: ti, runs, frames });
  });
  const heaps = [...spans].sort((a, b) => a.base - b.base).map((h) => ({ name: h.name, base: h.base, size: h.size }));
  return renderHtmlReport({ report, regions: deviceRegions(dev), heaps, policies, traces: htmlTraces, ...(o.command ? { command: o.command } : {}) });
}

function parseBudget(v: string | undefined): number {
  if (v === undefined) return DEFAULT_FRAME_BUDGET;
  const m = /^(\d+(?:\.\d+)?)\s*(MiB|M|KiB|K)?$/i.exec(v.trim());
  if (!m) throw new SimError('USAGE', `--frame-budget: "${v}" is not a size like 12MiB or 512KiB`);
  const unit = (m[2] ?? 'MiB').toLowerCase().startsWith('k') ? 1024 : 1024 * 1024;
  return Math.floor(Number(m[1]) * unit);
}

async function reportHandler(args: Args): Promise<number> {
  if (!args.output) throw new SimError('USAGE', 'report needs -o FILE.html');
  // fail before the (long) work when the file cannot be written
  const outDir = path.dirname(path.resolve(args.output));
  if (!fs.existsSync(outDir)) throw new SimError('IO', `cannot write ${args.output}: folder ${outDir} does not exist`);
  const maxFrames = args['max-frames'] ?? 120;
  if (!Number.isInteger(maxFrames) || maxFrames < 2) throw new SimError('USAGE', `--max-frames: "${String(maxFrames)}" is not an integer >= 2`);
  const o: ReportOptions = {
    device: args.device,
    oom: parseOom(args.oom),
    locks: parseLocks(args.locks),
    params: parseParamFlags(args.param),
    seed: parseSeed(args.seed),
    check: args.check === true,
    goal: parseGoal(args.goal),
    jobs: parseJobs(args.jobs),
    frameBudget: parseBudget(args['frame-budget']),
    maxFrames,
    progress: new Progress('report'),
    command: ['rmalloc-sim', 'report', ...process.argv.slice(3)].join(' '),
  };
  if (args.allocator) o.allocators = args.allocator;
  if (args.trace) o.traces = args.trace;
  const heap = parseHeap(args.heap);
  if (heap !== undefined) o.heapSize = heap;
  const html = await buildHtmlReport(o);
  writeFileAtomic(args.output, html);
  process.stdout.write(`${args.output}: ${(Buffer.byteLength(html) / 1048576).toFixed(2)} MiB\n`);
  return 0;
}

function builder<T>(y: Argv<T>) {
  return jobsOption(replayOptions(heapOption(tracesOption(allocatorsOption(deviceOption(y))))))
    .option('output', { alias: 'o', type: 'string', describe: 'the HTML file to write (required)' })
    .option('goal', { type: 'string', default: 'balanced', describe: 'what the ranking optimises: balanced | space | speed | realtime' })
    .option('frame-budget', { type: 'string', describe: 'compressed bytes of heap-map frames in the whole file (default 2MiB)' })
    .option('max-frames', { type: 'number', describe: 'at most this many scrubber frames per trace × allocator (default 120)' });
}

export const reportCommand: CommandModule<object, Args> = {
  command: 'report',
  describe: 'one self-contained HTML report: tables, charts, OOM events and a heap-map scrubber per trace',
  builder: builder as unknown as CommandModule<object, Args>['builder'],
  handler: handler(reportHandler),
};
