/**
 * Human-readable reports for stdout: the compare matrix (one table per trace), the ranking, the
 * summary of one run and of one min-heap search. Sizes in binary units, cycles with thousands
 * separators. No colour codes unless stdout is a terminal.
 */
import Table from 'cli-table3';
import type { MinHeapResult, RunResult } from '../sim';
import type { CacheCounters } from '../bus';
import type { TightSummary } from '../study/tight';
import { formatBytes } from '../util';
import type { RankEntry } from './advice';
import { failedOoms, lockAssumption, unfittableText, unfittableTraces } from './advice';
import type { CompareCell, CompareReport, CompareTrace } from './json';
import { runStatus } from './json';

export interface TableStyle {
  /** Colour the headers (only when writing to a terminal). */
  color: boolean;
}

/** Compact (no rule between rows); no colour codes unless writing to a terminal. */
const plain = (s: TableStyle) => (s.color ? { compact: true } : { head: [] as string[], border: [] as string[], compact: true });

export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '-');
/** A share in whole percent ("97 %"). */
export const pct0 = (x: number): string => (Number.isFinite(x) ? `${Math.round(100 * x)} %` : '-');
const fix = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
const us = (x: number): string => (!Number.isFinite(x) ? '-' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

export const COMPARE_HEAD = [
  'allocator', 'OOMs', 'min heap', 'min/peak', 'util', 'jw4', 'extFrag', 'cyc mean', 'cyc p99', 'cyc max', 'µs/op', 'device',
];

/** One row of the compare table (also the HTML report's table rows). */
export function cellRow(c: CompareCell, clockHz: number): string[] {
  if (c.error || !c.summary || !c.cycles) return [c.allocator, 'error', '-', '-', '-', '-', '-', '-', '-', '-', '-', shorten(c.error ?? 'failed', 40)];
  const s = c.summary;
  const failed = failedOoms(c);
  const recovered = s.recoveredOoms ?? 0;
  const ooms = recovered > 0 ? `${int(failed)} (+${int(recovered)} rec.)` : int(failed);
  const m = c.minHeap;
  const ops = c.cycles.ops;
  const meanUs = clockHz > 0 ? (ops.mean * 1e6) / clockHz : NaN;
  return [
    c.allocator,
    ooms,
    m ? formatBytes(m.minHeap) : c.minHeapError ? 'not found' : '-',
    m ? fix(m.ratio) : '-',
    pct(s.utilization),
    fix(s.jw4),
    pct(s.maxExtFrag),
    fix(ops.mean, 1),
    int(ops.p99),
    int(ops.max),
    us(meanUs),
    deviceVerdict(c),
  ];
}

/** The device column: fits or not, against the memory this allocator can use. */
function deviceVerdict(c: CompareCell): string {
  const fits = c.fits ?? (c.minHeap ? c.minHeap.fitsDevice : c.minHeapError ? false : undefined);
  if (fits === undefined) return '-';
  const v = fits ? 'fits' : 'does not fit';
  if (c.heaps === 'all heaps') return `${v} (all heaps)`;
  if (c.heaps === 'first heap only') return `${v} (1st heap)`;
  return v;
}

function shorten(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

/** One table per trace, then the ranking. */
export function compareTable(rep: CompareReport, style: TableStyle): string {
  const out: string[] = [];
  const unfit = new Set(unfittableTraces(rep.traces).map((u) => u.trace));
  for (const t of rep.traces) {
    out.push(
      `${t.trace}${mixNote(t.mix)}: ${int(t.ops)} ops, peak live ${formatBytes(t.peakLive)}; ${rep.device} heap ${formatBytes(rep.heap.size)}${
        unfit.has(t.trace) ? ' (fits no allocator: not ranked)' : ''}`,
    );
    const tol = rep.minHeapTolerance ?? 0;
    const head = tol > 0 ? COMPARE_HEAD.map((h) => (h === 'min heap' ? `min heap*` : h)) : COMPARE_HEAD;
    const tab = new Table({
      head,
      style: plain(style),
      colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    });
    for (const c of t.results) tab.push(cellRow(c, rep.clockHz));
    out.push(tab.toString());
    if (tol > 0) out.push(`* min heap (within ${+(tol * 100).toFixed(2)} %): a verified OOM-free heap at most ${+(tol * 100).toFixed(2)} % above the smallest one`);
    const est = t.results.filter((c) => c.bus?.aluEstimated).map((c) => c.allocator);
    if (est.length) out.push(`cycles of ${est.join(', ')} (C, wasm32): memory accesses charged by the bus; ALU work an ESTIMATE from executed wasm instructions`);
    out.push(...tableNotes(rep, t));
    out.push(...tightLines(t));
    out.push('');
  }
  for (const u of unfittableTraces(rep.traces)) out.push(unfittableText(u, rep.device));
  if (rep.advice) out.push(...rep.advice.lines);
  out.push(rankingText(rep.ranking, rep.device, rep.goal));
  return out.join('\n') + '\n';
}

/** The notes under a trace's table: how the allocators ran (OOM policy, lock assumption). */
export function tableNotes(rep: CompareReport, t: CompareTrace): string[] {
  const st = rep.settings;
  if (!st || st.length === 0) return [];
  const byPolicy = new Map<string, string[]>();
  for (const s of st) byPolicy.set(s.oom, [...(byPolicy.get(s.oom) ?? []), s.allocator]);
  const policy =
    byPolicy.size === 1
      ? `oom ${st[0]!.oom} for every allocator`
      : [...byPolicy].map(([p, names]) => `${p === 'compact' ? 'compact on OOM' : `oom ${p}`}: ${names.length > 3 ? `the other ${names.length}` : names.join(', ')}`).join('; ');
  const traceLocks = (t.lockOps ?? 0) > 0;
  return [`  ${policy}; ${lockAssumption(rep.locks, traceLocks)}`];
}

/**
 * The tight-memory line of one allocator on one trace (src/study/tight.ts): "starts failing
 * below 128.6 KiB; at 90 % of min heap: 29 failures, 97 % fragmentation, first at 27 % of the
 * trace". Null when the study ran no probe for it (no min-heap search).
 */
export function tightLine(x: { minHeap: number | null; summary?: TightSummary | null; minHeapError?: string }): string | null {
  if (x.minHeap === null) return x.minHeapError !== undefined ? `no clean heap found (${x.minHeapError})` : null;
  const s = x.summary;
  if (!s) return null;
  // Sizes a few bytes apart would read alike in KiB: then both in bytes.
  const near = formatBytes(s.startsFailingBelow) === formatBytes(s.minHeap);
  const size = (n: number): string => (near && s.startsFailingBelow > s.minHeap ? `${int(n)} B` : formatBytes(n));
  const again = s.startsFailingBelow > s.minHeap ? ` (clean again at ${size(s.minHeap)})` : '';
  const head = `starts failing below ${size(s.startsFailingBelow)}${again}; at 90 % of min heap:`;
  if (s.error !== undefined) return `${head} cannot run (${s.error})`;
  if (s.failures === 0) return `${head} no failures (not monotonic)`;
  const at = s.firstFailureAt > 0 && Math.round(100 * s.firstFailureAt) === 0 ? '<1 %' : pct0(s.firstFailureAt);
  return `${head} ${int(s.failures)} failure${s.failures === 1 ? '' : 's'}, ${pct0(s.fragmentationShare)} fragmentation, first at ${at} of the trace`;
}

/** The tight-memory line of each allocator on a trace (those with one: none without probes). */
export function tightRows(t: CompareTrace): { allocator: string; line: string }[] {
  return t.results
    .map((c) => ({ allocator: c.allocator, line: c.error ? null : tightLine({ minHeap: c.minHeap?.minHeap ?? null, summary: c.tight ?? null, ...(c.minHeapError !== undefined ? { minHeapError: c.minHeapError } : {}) }) }))
    .filter((r): r is { allocator: string; line: string } => r.line !== null);
}

export const TIGHT_HEADING = 'tight memory (a whole replay at 90 % of each min heap):';

/** The tight-memory block under a trace's table: one line per allocator. */
export function tightLines(t: CompareTrace): string[] {
  const rows = tightRows(t);
  if (rows.length === 0) return [];
  const w = Math.max(...rows.map((r) => r.allocator.length));
  return [`  ${TIGHT_HEADING}`, ...rows.map((r) => `    ${r.allocator.padEnd(w)}  ${r.line}`)];
}

/** " (a mix: busybox-sh + lua-game, seed 1)" for a mixed trace (--mix), else "". */
export function mixNote(mix: CompareTrace['mix']): string {
  return mix ? ` (a mix: ${mix.parts.map((p) => p.name).join(' + ')}, seed ${mix.seed})` : '';
}

export function rankingText(ranking: readonly RankEntry[], device: string, goal: string): string {
  if (ranking.length === 0) return `No allocator ran on ${device}.`;
  const best = ranking[0]!;
  const lines = [
    best.tier === 0
      ? `Recommendation for ${device} (goal: ${goal}): ${best.allocator}`
      : `Ranking for ${device} (goal: ${goal}): no allocator runs every ranked trace without a failed allocation, so none is recommended`,
  ];
  const w = Math.max(...ranking.map((r) => r.allocator.length));
  const sw = Math.max(...ranking.map((r) => scoreText(r.score).length));
  for (const r of ranking)
    lines.push(`  ${String(r.rank).padStart(2)}. ${r.allocator.padEnd(w)}  score ${scoreText(r.score).padStart(sw)}  ${r.reason}`);
  lines.push(`  (score: ${SCORE_NOTE[goal] ?? ''}; lower is better)`);
  return lines.join('\n');
}

const SCORE_NOTE: Record<string, string> = {
  balanced: 'sqrt(geomean min heap / peak live × geomean mean cycles / fastest mean), after OOM-free first',
  space: 'geomean of min heap / peak live over traces, after OOM-free first',
  speed: 'geomean of mean cycles per op over traces, after OOM-free first',
  realtime: 'worst cycles of any single op (or compaction pause), after OOM-free first',
};

function scoreText(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 100 ? int(x) : x.toFixed(3);
}

/** The human summary of one run (`rmalloc-sim run`). */
export function runText(r: RunResult): string {
  const s = r.summary;
  const l: string[] = [];
  const st = runStatus(r);
  const status =
    st === 'ok' ? 'ok' : st === 'oom' ? `oom (${int(r.summary.ooms)} allocation${r.summary.ooms === 1 ? '' : 's'} failed)` : st === 'aborted' ? 'aborted at the first OOM' : 'INTEGRITY VIOLATION';
  l.push(`${r.allocator} on ${r.device}, trace ${r.trace.name}: ${status}`);
  l.push(
    `  heap          ${formatBytes(r.heap.size)} at 0x${r.heap.base.toString(16)}${r.multiHeap ? ` (${r.heaps.length} heaps)` : ''}`,
    `  ops           ${int(r.trace.ops)} (${int(r.trace.allocs)} alloc, ${int(r.trace.frees)} free, ${int(r.trace.reallocs)} realloc, ${int(r.trace.locks)} lock); ran ${int(s.opsRun)}, skipped ${int(s.skippedOps)}`,
    `  peak live     ${formatBytes(s.peakLive)}; max used ${formatBytes(s.maxUsed)}; utilisation ${pct(s.utilization)}; jw3 ${fix(s.jw3)}; jw4 ${fix(s.jw4)}`,
    `  free          min ever ${formatBytes(s.minEverFree)}; worst extFrag ${pct(s.maxExtFrag)}; worst ummFrag ${fix(s.maxUmmFrag, 1)}`,
    `  at peak       internal ${formatBytes(s.internalAtPeak)}, metadata ${formatBytes(s.metadataAtPeak)}`,
    `  OOMs          ${int(s.ooms)} (${int(s.fragmentationOoms)} fragmentation, ${int(s.recoveredOoms)} recovered by compaction)`,
  );
  const k = r.cycles.byKind;
  const kindRows = (['alloc', 'free', 'realloc', 'lock', 'unlock', 'compact'] as const).filter((n) => k[n].count > 0);
  l.push(`  cycles        total ${int(r.cycles.total)} (${us((r.cycles.total * 1e6) / r.cycles.clockHz)} µs at ${(r.cycles.clockHz / 1e6).toFixed(2)} MHz); per op mean ${fix(r.cycles.ops.mean, 1)}, p99 ${int(r.cycles.ops.p99)}, max ${int(r.cycles.ops.max)} (${us(r.cycles.ops.meanUs)} µs mean)`);
  for (const n of kindRows) {
    const x = k[n];
    l.push(`    ${n.padEnd(8)}    ${int(x.count)} × mean ${fix(x.mean, 1)}, p50 ${int(x.p50)}, p99 ${int(x.p99)}, max ${int(x.max)} cycles`);
  }
  if (r.bus.aluEstimated) {
    const b = r.bus;
    l.push(`  bus           heap ${int(b.metadata.reads)} reads, ${int(b.metadata.writes)} writes; copies ${formatBytes(b.copy.bytes)}; statics/stack ${int(b.statics.reads)} reads, ${int(b.statics.writes)} writes (${int(b.statics.cycles)} cycles);${b.heapHighWater ? ` high water ${formatBytes(b.heapHighWater)};` : ''} ALU ${int(b.aluCycles)} cycles (ESTIMATE from executed wasm instructions)`);
  }
  if (r.bus.cache) l.push(`  data cache    ${cacheSummary(r.bus.cache)}`);
  if (r.compaction.runs > 0)
    l.push(`  compaction    ${int(r.compaction.runs)} runs, ${formatBytes(r.compaction.bytesMoved)} moved, ${int(r.compaction.cycles)} cycles, longest pause ${int(r.compaction.longestPause)}`);
  const first = r.oomEvents[0];
  if (first)
    l.push(`  first OOM     op ${int(first.op)} (line ${first.line}): ${first.kind} id ${first.id} of ${formatBytes(first.size)} with ${formatBytes(first.free)} free, largest ${formatBytes(first.largest)}, live ${formatBytes(first.live)} -> ${first.outcome}${first.fragmentation ? ' (fragmentation)' : ''}`);
  if (r.errors.length) l.push(`  usage errors  ${int(r.errors.length)}; first at op ${r.errors[0]!.op} (line ${r.errors[0]!.line}): ${r.errors[0]!.message}`);
  if (r.violation) {
    l.push(`  VIOLATION     op ${r.violation.op} (line ${r.violation.line}): ${r.violation.message}`);
    for (const b of r.violation.blocks) l.push(`      ${b}`);
  }
  return l.join('\n') + '\n';
}

/** The human summary of a min-heap search. */
export function minHeapText(m: MinHeapResult): string {
  const l = [
    `${m.allocator} on ${m.device}, trace ${m.trace} (oom ${m.policy}, locks ${m.locks})`,
    `  min heap      ${formatBytes(m.minHeap)} (${int(m.minHeap)} bytes)${m.fitsDevice ? '' : `: does not fit on this device (${formatBytes(m.deviceLimit)} available)`}`,
    `  peak live     ${formatBytes(m.peakLive)}; min heap / peak live ${fix(m.ratio, 3)}`,
    `  ideal         ${formatBytes(m.idealFootprint)} (a perfect compaction of this allocator)`,
    `  Robson bound  ${formatBytes(m.robsonBound)} (worst case for a non-moving allocator)`,
    `  search        ${int(m.runs)} replays; verified at ${int(m.verify.atMinHeap.heapSize)} bytes: ${int(m.verify.atMinHeap.ooms)} OOMs${
      m.verify.below ? `; one step below (${int(m.verify.below.heapSize)} bytes): ${m.verify.below.status === 'aborted' ? 'OOMs' : `${int(m.verify.below.ooms)} OOMs`}` : ''
    }${m.route === 'high-water' ? '; found from one replay\'s high-water mark' : ''}`,
    `  band above    ${int(m.checkedSizes ?? 0)} larger sizes checked up to the device heap; ${
      m.verify.monotonic ? 'all clean (monotonic on this evidence)' : `NOT monotonic: clean from ${int(m.safeFrom ?? m.minHeap)} bytes on every checked size`
    }${m.verify.note ? `; ${m.verify.note}` : ''}`,
  ];
  if ((m.safeFrom ?? m.minHeap) > m.minHeap) l.push(`  safe from     ${formatBytes(m.safeFrom!)} (${int(m.safeFrom!)} bytes): build on this, not on the min heap`);
  return l.join('\n') + '\n';
}

/** One line of a run's data cache counters: hit rate, misses, write-backs, cycles. */
export function cacheSummary(c: CacheCounters): string {
  const hits = c.readHits + c.writeHits;
  const all = hits + c.readMisses + c.writeMisses;
  const pct = all > 0 ? `${((100 * hits) / all).toFixed(1)} % hits` : 'no accesses';
  return `${pct} (${int(c.readHits)} read + ${int(c.writeHits)} write hits; ${int(c.readMisses)} read misses = line fills, ${int(c.writeMisses)} write misses; ${int(c.writeBacks)} dirty half lines written back; ${int(c.cycles)} cycles)`;
}
