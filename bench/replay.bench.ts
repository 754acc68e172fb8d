/**
 * Replay throughput: ops/s per registered allocator with full metrics (free, largest, metadata
 * every op; walk metrics on the default adaptive stride; series), on the largest trace in
 * firmware-traces/ (by op count) or a generated trace (`--ops N`). After a warm-up replay of
 * the first 100k ops, best of --reps (3) runs of: the full replay, a lean replay (what the
 * min-heap search runs), and a bare loop calling only alloc/free/realloc on the same allocator
 * (the allocator's own speed), so the engine's and the metrics' overhead can be told apart.
 * Wall time from performance.now().
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/replay.bench.ts [--ops N] [--trace F] [--only a,b]
 */
import * as path from 'node:path';
import { loadDevice } from '../src/device';
import { allocatorNames } from '../src/alloc';
import type { DeviceProfile } from '../src/device';
import { buildRig, replay } from '../src/sim';
import { randomTrace } from '../tests/helpers/gen';
import { loadTrace, findTraceFiles } from '../src/trace';
import type { PackedTrace } from '../src/trace';
import { argOf } from './util';


async function pickTrace(): Promise<PackedTrace> {
  const given = argOf('--trace');
  if (given) return loadTrace(given);
  const dir = path.resolve(__dirname, '..', 'firmware-traces');
  let files: string[] = [];
  try {
    files = findTraceFiles([dir]);
  } catch {
    files = [];
  }
  if (files.length && !argOf('--ops')) {
    // The largest trace by op count.
    let best: PackedTrace | undefined;
    for (const f of files) {
      const t = await loadTrace(f);
      if (!best || t.ops.n > best.ops.n) best = t;
    }
    return best!;
  }
  const ops = Number(argOf('--ops') ?? 1_000_000);
  return randomTrace({ seed: 1, ops, minSize: 8, maxSize: 1024, liveTarget: 400, reallocRate: 0.05 });
}

/** ops/s of the allocator alone: alloc/free/realloc in a bare loop, no engine, no metrics. */
function bare(dev: DeviceProfile, name: string, trace: PackedTrace): number {
  const a = buildRig(dev, name).allocator;
  const { kind, id, arg, n } = trace.ops;
  let maxId = 0;
  for (let i = 0; i < n; i++) if (kind[i]! <= 4 && id[i]! > maxId) maxId = id[i]!;
  const h = new Float64Array(maxId + 1);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const k = kind[i]!;
    const s = id[i]!;
    if (k === 0) h[s] = a.alloc(arg[i]!);
    else if (k === 1) {
      if (h[s] !== 0) a.free(h[s]!);
      h[s] = 0;
    } else if (k === 2 && h[s] !== 0) {
      const nh = a.realloc(h[s]!, arg[i]!);
      if (nh !== 0) h[s] = nh;
    }
  }
  return (n / (performance.now() - t0)) * 1000;
}

async function main(): Promise<void> {
  const dev = loadDevice('nds');
  const trace = await pickTrace();
  const only = argOf('--only')?.split(',');
  const names = allocatorNames().filter((n) => !only || only.includes(n));
  const rows: string[] = [];
  rows.push(`trace: ${trace.info.name} (${trace.ops.n} ops), device nds, heap ${dev.heaps[0]!.size} bytes, oom fail, full metrics`);
  rows.push('');
  rows.push(`Best of ${argOf('--reps') ?? 3} runs each. full = replay with every metric (the default run); lean = replay as the min-heap search`);
  rows.push('runs it (freeBytes only, no walks); bare = the allocator alone in a loop (no engine). full CPU = ops per second of');
  rows.push("the process's CPU time (process.cpuUsage) during the best full run: less sensitive to other load than wall time.");
  rows.push('');
  rows.push('| allocator | full ops/s | full CPU ops/s | lean ops/s | bare ops/s | full wall ms | engine+metrics share | walks | OOMs | peakLive | maxUsed |');
  rows.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const reps = Number(argOf('--reps') ?? 3);
  for (const name of names) {
    replay(trace, { device: dev, allocator: name, oom: 'fail', stopAfter: Math.min(trace.ops.n, 100_000) }); // warm-up
    let full = Infinity, fullCpu = Infinity, lean = Infinity, bareBest = 0;
    let r: ReturnType<typeof replay> | undefined;
    for (let k = 0; k < reps; k++) {
      const c0 = process.cpuUsage();
      r = replay(trace, { device: dev, allocator: name, oom: 'fail' });
      const c = process.cpuUsage(c0);
      fullCpu = Math.min(fullCpu, (c.user + c.system) / 1000);
      full = Math.min(full, r.wallMs);
      lean = Math.min(lean, replay(trace, { device: dev, allocator: name, oom: 'fail', lean: true }).wallMs);
      bareBest = Math.max(bareBest, bare(dev, name, trace));
    }
    if (!r) continue;
    const ops = r.summary.opsRun;
    const m = (x: number) => `${(x / 1e6).toFixed(2)}M`;
    const fullRate = (ops / full) * 1000;
    rows.push(
      `| ${name} | ${m(fullRate)} | ${m((ops / fullCpu) * 1000)} | ${m((ops / lean) * 1000)} | ${m(bareBest)} | ${full.toFixed(0)} | ${((1 - fullRate / bareBest) * 100).toFixed(0)} % | ${r.summary.walkEvaluations} | ${r.summary.ooms} | ${r.summary.peakLive} | ${r.summary.maxUsed} |`,
    );
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
  process.stdout.write(rows.join('\n') + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
