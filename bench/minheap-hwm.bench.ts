/**
 * The high-water route of the min-heap search (src/sim/minheap.ts highWaterExact) against the
 * bisection, on every bundled trace: for each allocator whose placement does not depend on the
 * heap size below its high-water mark (first-fit, heap4, heap5, uclibc, dlmalloc), the answer of the
 * high-water route and of the plain bisection (the same allocator under another name, so the
 * route is not taken) must be equal. Prints a markdown table with both answers, the replays each
 * needed and their CPU time (ratios in one run: the machine is shared), and exits 1 on any
 * difference.
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/minheap-hwm.bench.ts [trace-name ...]
 */
import * as path from 'node:path';
import { getFactory } from '../src/alloc';
import { loadDevice } from '../src/device';
import { minHeap } from '../src/sim';
import { findTraceFiles, loadTrace } from '../src/trace';

const ROOT = path.resolve(__dirname, '..');
const ALLOCS = (process.env.HWM_ALLOCS ?? 'first-fit,heap4,heap5,uclibc,dlmalloc').split(',');
const NO_BAND = { stretch: 0, samples: 0 };

async function main(): Promise<void> {
  const dev = loadDevice(process.env.BENCH_DEVICE ?? 'nds');
  const only = process.argv.slice(2);
  const files = findTraceFiles([path.join(ROOT, 'firmware-traces')]).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
  let bad = 0;
  let cpuHwm = 0;
  let cpuBis = 0;
  console.log('| trace | allocator | high-water | bisection | replays hw / bis | CPU s hw / bis |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const f of files) {
    const t = await loadTrace(f);
    for (const a of ALLOCS) {
      const cfg = { device: dev, allocator: a, oom: 'fail' as const };
      let c0 = process.cpuUsage();
      let hw;
      try {
        hw = minHeap(t, cfg, { band: NO_BAND });
      } catch (e) {
        console.log(`| ${t.info.name} | ${a} | ${(e as Error).message.slice(0, 60)} | | | |`);
        continue;
      }
      const s1 = cpuS(c0);
      c0 = process.cpuUsage();
      const plain = { ...getFactory(a), name: `${a}-bisect` };
      const bis = minHeap(t, { ...cfg, allocator: plain.name, factory: plain }, { band: NO_BAND });
      const s2 = cpuS(c0);
      cpuHwm += s1;
      cpuBis += s2;
      const same = hw.minHeap === bis.minHeap;
      if (!same) bad++;
      console.log(`| ${t.info.name} | ${a} | ${hw.minHeap}${hw.route === 'high-water' ? '' : ' (bisected)'} | ${bis.minHeap}${same ? '' : ' **DIFFERS**'} | ${hw.runs} / ${bis.runs} | ${s1.toFixed(2)} / ${s2.toFixed(2)} |`);
    }
  }
  console.log(`\nCPU: high-water ${cpuHwm.toFixed(1)} s, bisection ${cpuBis.toFixed(1)} s (${(cpuBis / Math.max(1e-9, cpuHwm)).toFixed(2)}×); ${bad} difference(s)`);
  process.exitCode = bad > 0 ? 1 : 0;
}

function cpuS(c0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1e6;
}

void main();
