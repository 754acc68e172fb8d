/**
 * `rmalloc-sim heapmap --device D --allocator A --trace F --at OP [--svg F]`: the heap layout
 * after op OP (0-based, as in OOM events; `end` for the last op) as SVG, to stdout or to a file.
 *
 * Animation export: `--frames DIR --every N` writes frame-000000.svg, frame-000001.svg, ... (a
 * heap map after every N-th op, the last op, and before and after each compaction, in replay
 * order) into DIR; `--animate F` also (or instead) writes them as one looping SMIL SVG. With
 * --frames or --animate, --at is optional and ends the sequence.
 *
 * Replay options (--heap, --oom, --locks, --param, --seed, --check) are those of `run`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandModule } from 'yargs';
import { loadDevice } from '../device';
import type { DeviceProfile } from '../device';
import { SimError } from '../errors';
import { runSettings } from '../study';
import { log } from '../log';
import { ensureDir } from '../util';
import { writeFileAtomic, writeFilesAtomic, renderHeapMap, snapshotHeap, type HeapSnapshot, type RegionLike, FrameSampler, frameCaption, frameFileName, renderAnimatedSvg, takeSnapshot, type SampledFrame } from '../report';
import { planRig, replay } from '../sim';
import type { RunConfig } from '../sim';
import { findTraceFiles, loadTrace, warnPointerSizes } from '../trace';
import { handler } from './common';
import {
  allocatorOption, deviceOption, heapOption, parseHeap, parseReplayFlags, replayOptions, traceOption,
} from './options';
import type { SimArgs } from './options';
import { reportSkipped } from './trace';

/** The device's regions with numeric base and size (the profile may hold strings). */
export function deviceRegions(dev: DeviceProfile): RegionLike[] {
  return dev.regions.map((r) => ({ name: r.name, base: Number(r.base), size: Number(r.size) }));
}

function parseAt(v: string | undefined, ops: number): number | undefined {
  if (v === undefined) return undefined;
  if (v === 'end') return Math.max(0, ops - 1);
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new SimError('USAGE', `--at: "${v}" is not an op index (0, 1, ... or end)`);
  if (n >= ops) throw new SimError('USAGE', `--at: op ${n} is past the end of the trace (${ops} ops: 0 to ${ops - 1})`);
  return n;
}

async function heapmapHandler(args: SimArgs): Promise<number> {
  const flags = parseReplayFlags(args);
  const params = flags.params;
  const heapSize = parseHeap(args.heap);
  const animate = args.animate;
  const framesDir = args.frames;
  const sequence = framesDir !== undefined || animate !== undefined;
  if (!sequence && args.at === undefined) throw new SimError('USAGE', 'heapmap needs --at OP (or --frames DIR / --animate F for a sequence)');
  if (args.every !== undefined && (!Number.isInteger(args.every) || args.every < 1))
    throw new SimError('USAGE', `--every: "${String(args.every)}" is not a positive integer`);
  if (args.every !== undefined && !sequence) throw new SimError('USAGE', '--every needs --frames DIR or --animate F');

  const dev = loadDevice(args.device);
  const f = planRig(dev, String(args.allocator), { params, heapSize }).factory; // validates before any work
  const tracePath = String(args.trace);
  const files = findTraceFiles([tracePath]);
  if (files.length !== 1)
    throw new SimError('USAGE', `heapmap takes one trace; ${tracePath} holds ${files.length}`, { file: tracePath });
  const trace = await loadTrace(files[0]!, { strict: args.strict === true });
  reportSkipped(trace.info.path, trace.skipped);
  warnPointerSizes([trace], dev);
  const ops = trace.ops.n;
  if (ops === 0) throw new SimError('USAGE', `${tracePath} has no ops to show`, { file: tracePath });
  const at = parseAt(args.at, ops);
  const cfg: RunConfig = {
    device: dev, allocator: f.name, ...flags, oom: runSettings(f, flags.oom).oom, series: false,
  };
  if (heapSize !== undefined) cfg.heapSize = heapSize;
  const info = { device: dev.name, allocator: f.name, trace: trace.info.name, regions: deviceRegions(dev) };

  if (!sequence) {
    let snap: HeapSnapshot | null = null;
    cfg.stopAfter = at! + 1;
    const r = replay(trace, cfg, {
      afterOp(i, view) {
        if (i === at) snap = snapshotHeap(view, i);
      },
    });
    if (!snap) {
      const why = r.status === 'aborted' ? 'the run aborted at an OOM' : r.status === 'violation' ? `an integrity violation: ${r.violation?.message ?? ''}` : 'the run stopped';
      throw new SimError('USAGE', `op ${at} was never reached: ${why} (before op ${r.summary.opsRun})`);
    }
    const svg = renderHeapMap(snap, { ...info, caption: frameCaption(at!, 'op', ops) });
    if (args.svg !== undefined && args.svg !== '-' && args.svg !== '') writeFileAtomic(args.svg, svg);
    else process.stdout.write(svg);
    return r.status === 'violation' ? 1 : 0;
  }

  const every = args.every ?? Math.max(1, Math.ceil(ops / 100));
  const lastOp = at ?? ops - 1;
  cfg.stopAfter = lastOp + 1;
  // Frames in replay order: op samples and compaction pairs interleaved by op index.
  const sampler = new FrameSampler<HeapSnapshot>({ every, lastOp }, takeSnapshot);
  const seq: SampledFrame<HeapSnapshot>[] = [];
  const r = replay(trace, cfg, {
    afterOp(i, view) {
      const n = sampler.frames.length;
      sampler.afterOp(i, view);
      if (sampler.frames.length > n) seq.push(sampler.frames.pop()!);
    },
    beforeCompact: (i, view) => sampler.beforeCompact(i, view),
    afterCompact(i, view, res) {
      const n = sampler.compactions.length;
      sampler.afterCompact(i, view, res);
      if (sampler.compactions.length > n) {
        const c = sampler.compactions.pop()!;
        seq.push({ op: c.op, tag: 'before', data: c.before }, { op: c.op, tag: 'after', data: c.after });
      }
    },
  });
  if (framesDir !== undefined) {
    ensureDir(framesDir, '--frames');
    writeFilesAtomic(
      seq.map((fr, k) => ({
        file: path.join(framesDir, frameFileName(k, seq.length)),
        data: renderHeapMap(fr.data, { ...info, caption: frameCaption(fr.op, fr.tag, ops) }),
      })),
    );
    log.info({ frames: seq.length, dir: framesDir }, 'heap-map frames written');
  }
  if (animate !== undefined) writeFileAtomic(animate, renderAnimatedSvg(seq, info, ops));
  process.stdout.write(
    `${seq.length} frames (every ${every} ops up to op ${lastOp}, ${seq.filter((s) => s.tag === 'before').length} compactions)` +
      `${framesDir !== undefined ? ` in ${framesDir}` : ''}${animate !== undefined ? `; animation ${animate}` : ''}\n`,
  );
  return r.status === 'violation' ? 1 : 0;
}

export const heapmapCommand: CommandModule<object, SimArgs> = {
  command: 'heapmap',
  describe: 'the heap layout after an op as SVG (--at OP), or a frame sequence / animated SVG (--frames DIR --every N, --animate F)',
  builder: (y) =>
    replayOptions(heapOption(traceOption(allocatorOption(deviceOption(y)))))
      .option('at', { type: 'string', describe: 'op index (0-based) after which to draw the heap, or "end"' })
      .option('svg', { type: 'string', describe: 'write the SVG to this file (default: stdout)' })
      .option('frames', { type: 'string', describe: 'write a numbered sequence of heap-map SVGs into this folder' })
      .option('every', { type: 'number', describe: 'with --frames/--animate: one frame every N ops (default: about 100 frames)' })
      .option('animate', { type: 'string', describe: 'write the frame sequence as one animated (SMIL) SVG to this file' }) as never,
  handler: handler(heapmapHandler),
};
