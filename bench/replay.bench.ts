/**
 * Replay throughput: ops/s per registered allocator with full metrics (free, largest, metadata
 * every op; walk metrics on the default adaptive stride; series), on the largest trace in
 * firmware-traces/ or, when none is bundled yet, a generated 1M-op trace. One replay per
 * allocator after one warm-up replay; wall time from performance.now().
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/replay.bench.ts [--ops N] [--trace F] [--only a,b]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDevice } from '../src/device';
import { allocatorNames } from '../src/alloc';
import { replay } from '../src/sim';
import { randomTrace } from '../src/sim/gen';
import { loadTrace, findTraceFiles } from '../src/trace';
import type { PackedTrace } from '../src/trace';

function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

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
    const largest = files.map((f) => ({ f, size: fs.statSync(f).size })).sort((a, b) => b.size - a.size)[0]!.f;
    return loadTrace(largest);
  }
  const ops = Number(argOf('--ops') ?? 1_000_000);
  return randomTrace({ seed: 1, ops, minSize: 8, maxSize: 1024, liveTarget: 400, reallocRate: 0.05 });
}

async function main(): Promise<void> {
  const dev = loadDevice('nds');
  const trace = await pickTrace();
  const only = argOf('--only')?.split(',');
  const names = allocatorNames().filter((n) => !only || only.includes(n));
  const rows: string[] = [];
  rows.push(`trace: ${trace.info.name} (${trace.ops.n} ops), device nds, heap ${dev.heaps[0]!.size} bytes, oom fail, full metrics`);
  rows.push('');
  rows.push('| allocator | ops/s | wall ms | OOMs | walk evaluations | peakLive | maxUsed |');
  rows.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const name of names) {
    replay(trace, { device: dev, allocator: name, oom: 'fail', stopAfter: Math.min(trace.ops.n, 100_000) }); // warm-up
    const r = replay(trace, { device: dev, allocator: name, oom: 'fail' });
    const opsPerS = (r.summary.opsRun / r.wallMs) * 1000;
    rows.push(
      `| ${name} | ${(opsPerS / 1e6).toFixed(2)}M | ${r.wallMs.toFixed(0)} | ${r.summary.ooms} | ${r.summary.walkEvaluations} | ${r.summary.peakLive} | ${r.summary.maxUsed} |`,
    );
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
  process.stdout.write(rows.join('\n') + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
