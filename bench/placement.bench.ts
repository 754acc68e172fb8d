/**
 * Placement-only replays (src/bus/placement.ts) against the replays the min-heap search ran
 * before: lean, at the device heap, on the device's own bus (nds: with its data cache) and on the
 * placement bus; per allocator, best of --reps (3) each, alternated in one process so the load
 * hits both alike. Prints a markdown table of ms and the ratio.
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/placement.bench.ts [--trace NAME] [--reps N]
 */
import * as path from 'node:path';
import { loadDevice } from '../src/device';
import { replay } from '../src/sim';
import { resolveAllocators } from '../src/study';
import { loadTrace } from '../src/trace';
import { argOf } from './util';

async function main(): Promise<void> {
  const dev = loadDevice(process.env.BENCH_DEVICE ?? 'nds');
  const name = argOf('--trace') ?? 'busybox-awk';
  const reps = Number(argOf('--reps') ?? 3);
  const t = await loadTrace(path.resolve(__dirname, '..', 'firmware-traces', `${name}.trace.gz`));
  console.log(`trace ${name} (${t.ops.n} ops), device ${dev.name}, lean replays at the device heap, best of ${reps}\n`);
  console.log('| allocator | counted bus ms | placement bus ms | ratio |');
  console.log('|---|---:|---:|---:|');
  let sumC = 0, sumP = 0;
  for (const a of resolveAllocators(dev, undefined, {})) {
    const cfg = { device: dev, allocator: a.name, params: a.params, oom: a.oom, series: false, lean: true } as const;
    let bc = Infinity, bp = Infinity;
    for (let r = 0; r < reps; r++) {
      let t0 = performance.now();
      replay(t, cfg);
      bc = Math.min(bc, performance.now() - t0);
      t0 = performance.now();
      replay(t, { ...cfg, costs: false });
      bp = Math.min(bp, performance.now() - t0);
    }
    sumC += bc;
    sumP += bp;
    console.log(`| ${a.name} | ${bc.toFixed(0)} | ${bp.toFixed(0)} | ${(bc / bp).toFixed(2)}× |`);
  }
  console.log(`| all | ${sumC.toFixed(0)} | ${sumP.toFixed(0)} | ${(sumC / sumP).toFixed(2)}× |`);
}
void main();
