/**
 * rmalloc benchmark: space (min heap) and compaction cost on the bundled traces and on
 * Robson-style adversarial traces, device nds. Prints markdown tables (bench/rmalloc.md holds a
 * recorded run with commentary). All figures are simulated (bytes, device cycles): they are
 * deterministic, only the wall time printed to stderr is not.
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node bench/rmalloc.bench.ts [--only space,gen,robson] [--trace F ...] [--minheaps OUT.md]
 *
 * 1. space: per trace, min heap / ideal footprint for rmalloc (locks none; target <= 1.02), and
 *    min heap / peak live for rmalloc with locks none and pinned:0.1 (OOM policy compact) beside
 *    best-fit, tlsf and buddy (OOM policy fail: they cannot compact).
 * 2. gen: rmalloc vs rmalloc-gen at a fixed heap (1.25 x rmalloc's min heap), OOM policy
 *    compact, with (a) a full compaction every 500 ops and (b) an incremental compaction every
 *    50 ops with a budget of 20,000 cycles: compaction runs, bytes moved, compaction cycles,
 *    longest pause, OOMs, peak used.
 * 3. robson: min heap / peak live for first-fit, best-fit, tlsf, buddy and rmalloc on traces
 *    from scripts/gen-robson.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDevice } from '../src/device';
import { replay, minHeap } from '../src/sim';
import { loadTrace, findTraceFiles, traceFromText } from '../src/trace';
import type { PackedTrace } from '../src/trace';
import type { MinHeapResult } from '../src/sim';
import { robsonLines } from '../scripts/gen-robson';

const device = loadDevice('nds');
const argv = process.argv.slice(2);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]!.split(',') : ['space', 'gen', 'robson'];
const given: string[] = [];
argv.forEach((a, i) => { if (a === '--trace') given.push(argv[i + 1]!); });
/** `--minheaps F`: reuse rmalloc's min heaps from the space table of an earlier run's output. */
const minheapsFile = argv.includes('--minheaps') ? argv[argv.indexOf('--minheaps') + 1] : undefined;

const out: string[] = [];
const emit = (s = '') => { out.push(s); process.stderr.write(s + '\n'); };
const f3 = (x: number) => x.toFixed(3);
const kb = (x: number) => (x / 1024).toFixed(1);

function mh(trace: PackedTrace, allocator: string, locks = 'none'): MinHeapResult {
  const oom = allocator.startsWith('rmalloc') ? 'compact' : 'fail';
  return minHeap(trace, { device, allocator, oom, locks, seed: 1 });
}

async function traces(): Promise<PackedTrace[]> {
  const files = given.length ? given : findTraceFiles([path.resolve(__dirname, '..', 'firmware-traces')]);
  const list: PackedTrace[] = [];
  for (const f of files) list.push(await loadTrace(f));
  return list;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const all = only.includes('space') || only.includes('gen') ? await traces() : [];
  const rmMin = new Map<string, number>();
  if (minheapsFile)
    for (const line of fs.readFileSync(minheapsFile, 'utf8').split('\n')) {
      const c = line.split('|').map((x) => x.trim());
      if (c.length > 4 && /^\d+$/.test(c[3]!)) rmMin.set(c[1]!, Number(c[3]));
    }

  if (only.includes('space')) {
    emit('### Min heap on the bundled traces (nds)');
    emit();
    emit('min heap / ideal footprint for rmalloc (locks none), and min heap / peak live for each column.');
    emit('rmalloc columns use OOM policy `compact`; best-fit, tlsf and buddy `fail`.');
    emit();
    emit('| trace | peak live | rmalloc min heap | ideal | min/ideal | rmalloc none | rmalloc pinned:0.1 | best-fit | tlsf | buddy |');
    emit('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const t of all) {
      const r = mh(t, 'rmalloc');
      rmMin.set(t.info.name, r.minHeap);
      const p = mh(t, 'rmalloc', 'pinned:0.1');
      const others = ['best-fit', 'tlsf', 'buddy'].map((a) => mh(t, a));
      emit(
        `| ${t.info.name} | ${r.peakLive} | ${r.minHeap} | ${r.idealFootprint} | ${(r.minHeap / r.idealFootprint).toFixed(4)} | ` +
          `${f3(r.ratio)} | ${f3(p.ratio)} | ${others.map((o) => f3(o.ratio)).join(' | ')} |`,
      );
    }
    emit();
  }

  if (only.includes('gen')) {
    emit('### rmalloc vs rmalloc-gen (nds, heap = 1.25 x rmalloc min heap, OOM policy compact)');
    emit();
    emit('(a) full compaction every 500 ops; (b) incremental, every 50 ops, budget 20,000 cycles.');
    emit('Pauses in cycles at 67 MHz (divide by 67 for microseconds).');
    emit();
    emit('| trace | mode | allocator | runs | bytes moved | compaction cycles | longest pause | OOMs | max used |');
    emit('|---|---|---|---:|---:|---:|---:|---:|---:|');
    for (const t of all) {
      const base = rmMin.get(t.info.name) ?? mh(t, 'rmalloc').minHeap;
      const heapSize = Math.ceil((base * 1.25) / 8) * 8;
      for (const [mode, every, budget] of [['a: full/500', 500, undefined], ['b: inc/50 B=20k', 50, 20000]] as const) {
        for (const allocator of ['rmalloc', 'rmalloc-gen']) {
          const r = replay(t, { device, allocator, heapSize, whatIf: true, oom: 'compact', series: false, compactEvery: every, compactBudget: budget });
          const c = r.compaction;
          emit(`| ${t.info.name} | ${mode} | ${allocator} | ${c.runs} | ${c.bytesMoved} | ${c.cycles} | ${c.longestPause} | ${r.summary.ooms} | ${r.summary.maxUsed} |`);
        }
      }
    }
    emit();
    emit('Min heap of rmalloc-gen (OOM policy compact: a minor pass, then a major one if the failed request still does not fit):');
    emit();
    emit('| trace | rmalloc min heap | rmalloc-gen min heap |');
    emit('|---|---:|---:|');
    for (const t of all) {
      const g = mh(t, 'rmalloc-gen');
      emit(`| ${t.info.name} | ${rmMin.get(t.info.name) ?? '?'} | ${g.minHeap} |`);
    }
    emit();
  }

  if (only.includes('robson')) {
    emit('### Robson-style adversarial traces (scripts/gen-robson.ts), nds');
    emit();
    emit('min heap / peak live (min heap in KiB in brackets); rmalloc with OOM policy compact, the others fail.');
    emit();
    const allocs = ['first-fit', 'best-fit', 'tlsf', 'buddy', 'rmalloc'];
    emit(`| trace | peak live | ${allocs.join(' | ')} | rmalloc ideal/peak |`);
    emit(`|---|---:|${allocs.map(() => '---:').join('|')}|---:|`);
    for (const [peak, ratio, unit] of [[256 * 1024, 64, 16], [256 * 1024, 64, 64], [256 * 1024, 256, 64]] as const) {
      const name = `robson-${peak / 1024}k-r${ratio}-u${unit}`;
      const text = robsonLines(peak, ratio, unit).join('\n') + '\n';
      const t = traceFromText(text, name);
      const rs = allocs.map((a) => mh(t, a));
      const rm = rs[rs.length - 1]!;
      emit(`| ${name} | ${rm.peakLive} | ${rs.map((r) => `${f3(r.ratio)} (${kb(r.minHeap)})`).join(' | ')} | ${f3(rm.idealFootprint / rm.peakLive)} |`);
    }
    emit();
  }
  process.stderr.write(`wall ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(String((e as Error).stack ?? e) + '\n');
  process.exit(1);
});
