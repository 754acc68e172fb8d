/**
 * C allocators (src/wasm) against the built-in TypeScript models: replay ops/s with full metrics
 * on the same trace, in one process, and the ratio C / TS. Pairs: examples/first_fit.c against
 * first-fit (the same algorithm, access for access), examples/pow2_pool.c (O(1)) against the
 * O(1) built-ins slab and tlsf. Also the cold build time (clang + binaryen, empty cache) and the
 * cached start (the module read back from the cache).
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/wasm.bench.ts [--trace F] [--ops N] [--reps 3]
 *
 * Default trace: busybox-awk (the largest bundled one by op count).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDevice } from '../src/device';
import { replay } from '../src/sim';
import { randomTrace } from '../tests/helpers/gen';
import { loadTrace } from '../src/trace';
import type { PackedTrace } from '../src/trace';
import { prepareCAllocators } from '../src/wasm';
import { argOf } from './util';


async function pickTrace(): Promise<PackedTrace> {
  const given = argOf('--trace');
  if (given) return loadTrace(given);
  const ops = argOf('--ops');
  if (ops) return randomTrace({ seed: 1, ops: Number(ops), minSize: 8, maxSize: 1024, liveTarget: 400, reallocRate: 0.05 });
  return loadTrace(path.resolve(__dirname, '..', 'firmware-traces', 'busybox-awk.trace.gz'));
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-wasm-bench-'));
  process.env.RMALLOC_SIM_CACHE = cache;
  const files = [path.join(root, 'examples', 'first_fit.c'), path.join(root, 'examples', 'pow2_pool.c')];
  const t0 = performance.now();
  await prepareCAllocators(files);
  const cold = performance.now() - t0;
  const dev = loadDevice('nds');
  const trace = await pickTrace();
  const reps = Number(argOf('--reps') ?? 3);
  const names = ['pow2_pool.c', 'slab', 'tlsf', 'first_fit.c', 'first-fit'];
  const rate: Record<string, { full: number; cpu: number; r: ReturnType<typeof replay> }> = {};
  for (const name of names) {
    replay(trace, { device: dev, allocator: name, oom: 'fail', stopAfter: Math.min(trace.ops.n, 50_000) }); // warm-up
    let full = Infinity, cpu = Infinity;
    let r: ReturnType<typeof replay> | undefined;
    for (let k = 0; k < reps; k++) {
      const c0 = process.cpuUsage();
      r = replay(trace, { device: dev, allocator: name, oom: 'fail' });
      const c = process.cpuUsage(c0);
      cpu = Math.min(cpu, (c.user + c.system) / 1000);
      full = Math.min(full, r.wallMs);
    }
    const ops = r!.summary.opsRun;
    rate[name] = { full: (ops / full) * 1000, cpu: (ops / cpu) * 1000, r: r! };
    process.stderr.write(`${name}: ${(rate[name]!.full / 1e6).toFixed(2)}M ops/s\n`);
  }
  const m = (x: number) => `${(x / 1e6).toFixed(2)}M`;
  const rows: string[] = [];
  rows.push(`trace: ${trace.info.name} (${trace.ops.n} ops), device nds, heap ${dev.heaps[0]!.size} bytes, oom fail, full metrics; best of ${reps}`);
  rows.push(`cold build of both examples (clang -E, clang, binaryen load + instrumentation): ${(cold / 1000).toFixed(1)} s; load average ${os.loadavg()[0]!.toFixed(1)}`);
  rows.push('');
  rows.push('| allocator | full ops/s | full CPU ops/s | OOMs | maxUsed | heap reads/op | heap writes/op | statics acc/op | ALU cycles/op |');
  rows.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const name of names) {
    const x = rate[name]!;
    const b = x.r.bus;
    const n = Math.max(1, x.r.summary.opsRun);
    rows.push(
      `| ${name} | ${m(x.full)} | ${m(x.cpu)} | ${x.r.summary.ooms} | ${x.r.summary.maxUsed} | ${(b.metadata.reads / n).toFixed(2)} | ${(b.metadata.writes / n).toFixed(2)} | ${((b.statics.reads + b.statics.writes) / n).toFixed(2)} | ${(b.aluCycles / n).toFixed(1)}${b.aluEstimated ? ' (est.)' : ''} |`,
    );
  }
  rows.push('');
  const ratio = (a: string, b: string) => `${a} / ${b}: ${(rate[a]!.full / rate[b]!.full).toFixed(2)} (CPU ${(rate[a]!.cpu / rate[b]!.cpu).toFixed(2)})`;
  rows.push(`ratios (full ops/s, same process): ${ratio('first_fit.c', 'first-fit')}; ${ratio('pow2_pool.c', 'slab')}; ${ratio('pow2_pool.c', 'tlsf')}`);
  process.stdout.write(rows.join('\n') + '\n');
  fs.rmSync(cache, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
