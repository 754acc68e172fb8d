/**
 * Allocator-side speed, before and after, in one process: two source trees (an old checkout
 * given with --old, and this one) loaded side by side; for each allocator, alternating old and
 * new, best of --reps (3): the bare loop (alloc/free/realloc of the trace straight into the
 * allocator on the simulated bus, no engine: the allocator's own hot path) and the full replay
 * (every metric), both in process CPU time. Same trace, same device for both trees. The old tree
 * needs its own node_modules (a symlink to this one's will do).
 *
 *   git archive <commit> | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/node_modules
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/alloc-ab.bench.ts --old /tmp/old [--only a,b] [--reps N]
 */
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
function bare(t: Tree, name: string, trace: any): { ms: number; cycles: number } {
  const dev = t.device.loadDevice('nds');
  const heaps = t.device.heapSpans(dev);
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

function full(t: Tree, name: string, trace: any): number {
  const dev = t.device.loadDevice('nds');
  const c0 = process.cpuUsage();
  t.sim.replay(trace, { device: dev, allocator: name, oom: 'fail' });
  return cpuMs(c0);
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
  const rows: string[] = [
    `trace: ${traces[1].info.name} (${traces[1].ops.n} ops), device nds; CPU ms, best of ${reps}, old and new alternated in one process`,
    '',
    '| allocator | bare: old → new ms | bare speed-up | full: old → new ms | full speed-up | simulated cycles old → new |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const name of names) {
    const best = trees.map(() => ({ bare: Infinity, full: Infinity, cycles: 0 }));
    trees.forEach((t, i) => bare(t, name, traces[i])); // warm-up
    for (let k = 0; k < reps; k++) {
      trees.forEach((t, i) => {
        const b = bare(t, name, traces[i]);
        best[i]!.bare = Math.min(best[i]!.bare, b.ms);
        best[i]!.cycles = b.cycles;
        best[i]!.full = Math.min(best[i]!.full, full(t, name, traces[i]));
      });
    }
    const [o, nw] = best as [typeof best[0], typeof best[0]];
    const row = `| ${name} | ${o.bare.toFixed(0)} → ${nw.bare.toFixed(0)} | ×${(o.bare / nw.bare).toFixed(2)} | ${o.full.toFixed(0)} → ${nw.full.toFixed(0)} | ×${(o.full / nw.full).toFixed(2)} | ${o.cycles === nw.cycles ? 'same' : `${o.cycles} → ${nw.cycles}`} |`;
    rows.push(row);
    process.stderr.write(row + '\n');
  }
  process.stdout.write(rows.join('\n') + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
