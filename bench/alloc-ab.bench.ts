/**
 * Allocator-side speed, before and after, in one process: two source trees (an old checkout
 * given with --old, and this one) loaded side by side; for each allocator, alternating old and
 * new, best of --reps (3): the bare loop (alloc/free/realloc of the trace straight into the
 * allocator on the simulated bus, no engine: the allocator's own hot path), the lean replay (what
 * a min-heap search runs: freeBytes only, stops at the first OOM) and the full replay (every
 * metric), all in process CPU time. Same trace, same device for both trees. The old tree needs
 * its own node_modules (a symlink to this one's will do).
 *
 * `--min-heaps F` (the default job's JSON, `node dist/cli.js --device nds --format json > F`)
 * runs every allocator at its min heap for the trace instead of the device heap: where the
 * search spends its replays, and where the list walkers' lists are longest.
 *
 *   git archive <commit> | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/node_modules
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/alloc-ab.bench.ts --old /tmp/old [--only a,b] [--reps N] [--trace F] [--min-heaps F]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { argOf } from './util';


/* eslint-disable @typescript-eslint/no-explicit-any */
interface Tree {
  tag: string;
  device: any;
  bus: any;
  alloc: any;
  sim: any;
  trace: any;
}

function load(tag: string, dir: string): Tree {
  const r = (m: string) => require(path.join(dir, 'src', m));
  return { tag, device: r('device'), bus: r('bus'), alloc: r('alloc'), sim: r('sim'), trace: r('trace') };
}

const cpuMs = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

/** CPU ms of the bare loop, and the simulated cycles it charged. */
function bare(t: Tree, name: string, trace: any, heap?: number): { ms: number; cycles: number } {
  const dev = t.device.loadDevice('nds');
  const heaps = t.device.heapSpans(dev, heap, heap !== undefined);
  const bus = new t.bus.MemoryBus(dev, heaps);
  const f = t.alloc.getFactory(name);
  const a = t.alloc.createAllocator(name, bus, heaps, dev.alignment, t.alloc.resolveParams(f, dev.allocators?.[name], undefined));
  const { kind, id, arg, n } = trace.ops;
  let maxId = 0;
  for (let i = 0; i < n; i++) if (kind[i] <= 4 && id[i] > maxId) maxId = id[i];
  const h = new Float64Array(maxId + 1);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const k = kind[i];
    const s = id[i];
    if (k === 0) h[s] = a.alloc(arg[i]);
    else if (k === 1) {
      if (h[s] !== 0) a.free(h[s]);
      h[s] = 0;
    } else if (k === 2 && h[s] !== 0) {
      const nh = a.realloc(h[s], arg[i]);
      if (nh !== 0) h[s] = nh;
    }
  }
  return { ms: cpuMs(c0), cycles: bus.cycles };
}

function full(t: Tree, name: string, trace: any, heap?: number, lean = false): number {
  const dev = t.device.loadDevice('nds');
  const at = heap !== undefined ? { heapSize: heap, whatIf: true } : {};
  const c0 = process.cpuUsage();
  t.sim.replay(trace, { device: dev, allocator: name, oom: 'fail', ...at, ...(lean ? { lean: true, series: false, stopAtFirstOom: true } : {}) });
  return cpuMs(c0);
}

/** Each allocator's min heap for the trace, from a compare JSON (the default job's). */
function minHeaps(file: string | undefined, trace: string): Record<string, number> {
  if (!file) return {};
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { traces: { trace: string; results: { allocator: string; minHeap: { minHeap: number } | null }[] }[] };
  const out: Record<string, number> = {};
  for (const r of j.traces.find((x) => x.trace === trace)?.results ?? []) if (r.minHeap) out[r.allocator] = r.minHeap.minHeap;
  return out;
}

async function main(): Promise<void> {
  const oldDir = argOf('--old');
  if (!oldDir) throw new Error('--old DIR: a checkout of the tree to compare against');
  const trees = [load('old', path.resolve(oldDir)), load('new', path.resolve(__dirname, '..'))];
  const file = argOf('--trace') ?? path.resolve(__dirname, '..', 'firmware-traces', 'busybox-awk.trace.gz');
  const traces = await Promise.all(trees.map((t) => t.trace.loadTrace(file)));
  const only = argOf('--only')?.split(',');
  const names: string[] = trees[1]!.alloc.allocatorNames().filter((n: string) => !only || only.includes(n));
  const reps = Number(argOf('--reps') ?? 3);
  const mh = minHeaps(argOf('--min-heaps'), traces[1].info.name);
  const rows: string[] = [
    `trace: ${traces[1].info.name} (${traces[1].ops.n} ops), device nds${argOf('--min-heaps') ? ' at each allocator\'s min heap' : ''}; CPU ms, best of ${reps}, old and new alternated in one process`,
    '',
    '| allocator | heap | bare: old → new ms | bare speed-up | lean: old → new ms | lean speed-up | full: old → new ms | full speed-up | simulated cycles old → new |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const name of names) {
    const heap = mh[name];
    const best = trees.map(() => ({ bare: Infinity, lean: Infinity, full: Infinity, cycles: 0 }));
    trees.forEach((t, i) => bare(t, name, traces[i], heap)); // warm-up
    for (let k = 0; k < reps; k++) {
      trees.forEach((t, i) => {
        const b = bare(t, name, traces[i], heap);
        best[i]!.bare = Math.min(best[i]!.bare, b.ms);
        best[i]!.cycles = b.cycles;
        best[i]!.lean = Math.min(best[i]!.lean, full(t, name, traces[i], heap, true));
        best[i]!.full = Math.min(best[i]!.full, full(t, name, traces[i], heap));
      });
    }
    const [o, nw] = best as [typeof best[0], typeof best[0]];
    const col = (k: 'bare' | 'lean' | 'full') => `${o[k].toFixed(0)} → ${nw[k].toFixed(0)} | ×${(o[k] / nw[k]).toFixed(2)}`;
    const row = `| ${name} | ${heap ?? 'device'} | ${col('bare')} | ${col('lean')} | ${col('full')} | ${o.cycles === nw.cycles ? 'same' : `${o.cycles} → ${nw.cycles}`} |`;
    rows.push(row);
    process.stderr.write(row + '\n');
  }
  process.stdout.write(rows.join('\n') + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
