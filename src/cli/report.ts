/**
 * `rmalloc-sim report --device D [--trace F|DIR ...] [--allocator A ...] -o report.html`: one
 * self-contained HTML file (src/report/html.ts) with, per trace, the comparison table, charts,
 * OOM events and a heap-map scrubber with before/after views of compactions.
 *
 * The comparison is the study's (src/study), exactly what `compare` and the default command
 * compute for the same flags: every allocator runs its natural OOM policy (moving ones compact)
 * unless --oom says otherwise for all. Frames come from one more replay per trace × allocator in
 * this thread, sampled every k ops where k is chosen so that all frames together stay within
 * --frame-budget (default 2 MiB of gzip-compressed frames in the whole file, split evenly; 2.7 MiB once base64-encoded).
 * The file is written whole or not at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { heapSpans } from '../device';
import { SimError } from '../errors';
import { log } from '../log';
import { writeFileAtomic, collectFrames, type AllocFrames, renderHtmlReport, type HtmlTrace } from '../report';
import { replay } from '../sim';
import type { OomPolicy, RunConfig } from '../sim';
import { handler } from './common';
import { studyFor, studySpec } from './compare';
import type { StudySpec } from '../study';
import { deviceRegions } from './heapmap';
import {
  Progress, allocatorsOption, deviceOption, heapOption, jobsOption, list, loadMixes, mixOption, replayOptions, tracesOption,
} from './options';
import type { SimArgs } from './options';

/** Default bytes of encoded heap-map frames in one report. */
export const DEFAULT_FRAME_BUDGET = 2 * 1024 * 1024;

/** A study spec (without series: the report always keeps them) plus the page's own options. */
export type ReportOptions = Omit<StudySpec, 'series' | 'device' | 'traces'> & {
  device: string;
  traces?: string[];
  frameBudget: number;
  maxFrames: number;
  command?: string;
};

/** Builds the report page (no file written). */
export async function buildHtmlReport(o: ReportOptions): Promise<string> {
  // The comparison is the study's, exactly as compare and the default command run it.
  const { frameBudget, maxFrames, command, ...rest } = o;
  void frameBudget; void maxFrames; void command;
  const st = await studyFor({ ...rest, series: true });
  const { report, device: dev, allocators: allocs } = st;
  for (const f of st.failures) process.stderr.write(`rmalloc-sim: ${f} (ALLOCATOR_FAILED)\n`);
  const policies: Record<string, OomPolicy> = {};
  for (const a of allocs) policies[a.name] = a.oom;

  // Heap-map frames: one more replay per trace × allocator, in this thread.
  const combos = Math.max(1, st.traces.length * allocs.length);
  const budget = { bytes: Math.floor(o.frameBudget / combos), maxFrames: o.maxFrames, maxCompactions: 40 };
  const htmlTraces: HtmlTrace[] = [];
  st.traces.forEach((tr, ti) => {
    const frames: AllocFrames[] = [];
    const runs = st.runs[ti]!;
    allocs.forEach((a, ai) => {
      if (!runs[ai] || tr.ops.n === 0) return;
      const cfg: RunConfig = {
        device: dev, allocator: a.name, params: a.params, oom: a.oom, locks: o.locks, seed: o.seed, series: false, lean: true,
      };
      if (o.heapSize !== undefined) cfg.heapSize = o.heapSize;
      frames.push(collectFrames(tr, budget, (obs) => void replay(tr, cfg, obs), a.name));
      log.debug({ trace: tr.info.name, allocator: a.name }, 'frames collected');
    });
    htmlTraces.push({ index: ti, runs, frames });
  });
  const spans = heapSpans(dev, o.heapSize, false);
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

async function reportHandler(args: SimArgs): Promise<number> {
  if (!args.output) throw new SimError('USAGE', 'report needs -o FILE.html');
  // fail before the (long) work when the file cannot be written
  const outDir = path.dirname(path.resolve(args.output));
  if (!fs.existsSync(outDir)) throw new SimError('IO', `cannot write ${args.output}: folder ${outDir} does not exist`);
  const maxFrames = args['max-frames'] ?? 120;
  if (!Number.isInteger(maxFrames) || maxFrames < 2) throw new SimError('USAGE', `--max-frames: "${String(maxFrames)}" is not an integer >= 2`);
  const { series, device, traces, ...spec } = studySpec(args, { series: true });
  void series; void device; void traces;
  const o: ReportOptions = {
    ...spec,
    device: args.device,
    frameBudget: parseBudget(args['frame-budget']),
    maxFrames,
    progress: new Progress('report'),
    command: ['rmalloc-sim', 'report', ...process.argv.slice(3)].join(' '),
  };
  if (list(args.trace).length) o.traces = list(args.trace);
  o.mixes = await loadMixes(args.mix, spec.seed);
  const html = await buildHtmlReport(o);
  writeFileAtomic(args.output, html);
  process.stdout.write(`${args.output}: ${(Buffer.byteLength(html) / 1048576).toFixed(2)} MiB\n`);
  return 0;
}

function builder<T>(y: Argv<T>) {
  return jobsOption(replayOptions(heapOption(mixOption(tracesOption(allocatorsOption(deviceOption(y)))))))
    .option('output', { alias: 'o', type: 'string', describe: 'the HTML file to write (required)' })
    .option('goal', { type: 'string', default: 'balanced', describe: 'what the ranking optimises: balanced | space | speed | realtime' })
    .option('frame-budget', { type: 'string', describe: 'compressed bytes of heap-map frames in the whole file (default 2MiB)' })
    .option('max-frames', { type: 'number', describe: 'at most this many scrubber frames per trace × allocator (default 120)' });
}

export const reportCommand: CommandModule<object, SimArgs> = {
  command: 'report',
  describe: 'one self-contained HTML report: tables, charts, OOM events and a heap-map scrubber per trace',
  builder: builder as unknown as CommandModule<object, SimArgs>['builder'],
  handler: handler(reportHandler),
};
