// Where one study cell's host time goes: the device-heap replay (cached, full metrics), a lean
// uncached replay at the same size, and the min-heap search; per allocator on one trace.
//   TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/cell-cost.ts TRACE [allocators...]
import { loadDevice } from '../src/device';
import { loadTrace } from '../src/trace';
import { replay, minHeap } from '../src/sim';
import { highWaterRun } from '../src/sim/minheap';
import { resolveAllocators, STUDY_BAND } from '../src/study';

async function main(): Promise<void> {
  const [tname, ...names] = process.argv.slice(2);
  const dev = loadDevice('nds');
  const t = await loadTrace(`firmware-traces/${tname}.trace.gz`);
  const allocs = resolveAllocators(dev, names.length ? names : undefined, {}, undefined, undefined, undefined);
  const ms = (f: () => void): number => { const t0 = performance.now(); f(); return performance.now() - t0; };
  for (const a of allocs) {
    const cfg = { device: dev, allocator: a.name, params: a.params, oom: a.oom, series: false } as const;
    let run: any, hw = 0;
    const full = ms(() => { const r = highWaterRun(t, cfg as any); run = r.run; hw = r.highWater; });
    const lean = ms(() => replay(t, { ...(cfg as any), lean: true, costs: false }));
    let mh: any;
    const search = ms(() => { mh = minHeap(t, cfg as any, { tolerance: 0, band: STUDY_BAND, probe: run, probeHighWater: hw }); });
    console.log(`${a.name.padEnd(12)} full ${full.toFixed(0).padStart(6)} ms  lean ${lean.toFixed(0).padStart(6)} ms  search ${search.toFixed(0).padStart(6)} ms  runs ${mh.runs}  ${(t.ops.n / lean * 1000 / 1e6).toFixed(2)}M ops/s lean`);
  }
}
void main();
