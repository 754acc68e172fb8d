"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.TIGHT_HEADING = exports.COMPARE_HEAD = exports.pct0 = exports.int = void 0;
exports.cellRow = cellRow;
exports.compareTable = compareTable;
exports.tableNotes = tableNotes;
exports.tightLine = tightLine;
exports.tightRows = tightRows;
exports.tightLines = tightLines;
exports.mixNote = mixNote;
exports.rankingText = rankingText;
exports.runText = runText;
exports.minHeapText = minHeapText;
exports.cacheSummary = cacheSummary;
/**
 * Human-readable reports for stdout: the compare matrix (one table per trace), the ranking, the
 * summary of one run and of one min-heap search. Sizes in binary units, cycles with thousands
 * separators. No colour codes unless stdout is a terminal.
 */
const cli_table3_1 = __importDefault(require("cli-table3"));
const units_1 = require("../util/units");
const advice_1 = require("./advice");
const json_1 = require("./json");
/** Compact (no rule between rows); no colour codes unless writing to a terminal. */
const plain = (s) => (s.color ? { compact: true } : { head: [], border: [], compact: true });
const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
exports.int = int;
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '-');
/** A share in whole percent ("97 %"). */
const pct0 = (x) => (Number.isFinite(x) ? `${Math.round(100 * x)} %` : '-');
exports.pct0 = pct0;
const fix = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const us = (x) => (!Number.isFinite(x) ? '-' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
exports.COMPARE_HEAD = [
    'allocator', 'OOMs', 'min heap', 'min/peak', 'util', 'jw4', 'extFrag', 'cyc mean', 'cyc p99', 'cyc max', 'µs/op', 'device',
];
/** One row of the compare table (also the HTML report's table rows). */
function cellRow(c, clockHz) {
    if (c.error || !c.summary || !c.cycles)
        return [c.allocator, 'error', '-', '-', '-', '-', '-', '-', '-', '-', '-', shorten(c.error ?? 'failed', 40)];
    const s = c.summary;
    const failed = (0, advice_1.failedOoms)(c);
    const recovered = s.recoveredOoms ?? 0;
    const ooms = recovered > 0 ? `${(0, exports.int)(failed)} (+${(0, exports.int)(recovered)} rec.)` : (0, exports.int)(failed);
    const m = c.minHeap;
    const ops = c.cycles.ops;
    const meanUs = clockHz > 0 ? (ops.mean * 1e6) / clockHz : NaN;
    return [
        c.allocator,
        ooms,
        m ? (0, units_1.formatBytes)(m.minHeap) : c.minHeapError ? 'not found' : '-',
        m ? fix(m.ratio) : '-',
        pct(s.utilization),
        fix(s.jw4),
        pct(s.maxExtFrag),
        fix(ops.mean, 1),
        (0, exports.int)(ops.p99),
        (0, exports.int)(ops.max),
        us(meanUs),
        deviceVerdict(c),
    ];
}
/** The device column: fits or not, against the memory this allocator can use. */
function deviceVerdict(c) {
    const fits = c.fits ?? (c.minHeap ? c.minHeap.fitsDevice : c.minHeapError ? false : undefined);
    if (fits === undefined)
        return '-';
    const v = fits ? 'fits' : 'does not fit';
    if (c.heaps === 'all heaps')
        return `${v} (all heaps)`;
    if (c.heaps === 'first heap only')
        return `${v} (1st heap)`;
    return v;
}
function shorten(s, n) {
    return s.length <= n ? s : s.slice(0, n - 1) + '…';
}
/** One table per trace, then the ranking. */
function compareTable(rep, style) {
    const out = [];
    const unfit = new Set((0, advice_1.unfittableTraces)(rep.traces).map((u) => u.trace));
    for (const t of rep.traces) {
        out.push(`${t.trace}${mixNote(t.mix)}: ${(0, exports.int)(t.ops)} ops, peak live ${(0, units_1.formatBytes)(t.peakLive)}; ${rep.device} heap ${(0, units_1.formatBytes)(rep.heap.size)}${unfit.has(t.trace) ? ' (fits no allocator: not ranked)' : ''}`);
        const tol = rep.minHeapTolerance ?? 0;
        const head = tol > 0 ? exports.COMPARE_HEAD.map((h) => (h === 'min heap' ? `min heap*` : h)) : exports.COMPARE_HEAD;
        const tab = new cli_table3_1.default({
            head,
            style: plain(style),
            colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
        });
        for (const c of t.results)
            tab.push(cellRow(c, rep.clockHz));
        out.push(tab.toString());
        if (tol > 0)
            out.push(`* min heap (within ${+(tol * 100).toFixed(2)} %): a verified OOM-free heap at most ${+(tol * 100).toFixed(2)} % above the smallest one`);
        const est = t.results.filter((c) => c.bus?.aluEstimated).map((c) => c.allocator);
        if (est.length)
            out.push(`cycles of ${est.join(', ')} (C, wasm32): memory accesses charged by the bus; ALU work an ESTIMATE from executed wasm instructions`);
        out.push(...tableNotes(rep, t));
        out.push(...tightLines(t));
        out.push('');
    }
    for (const u of (0, advice_1.unfittableTraces)(rep.traces))
        out.push((0, advice_1.unfittableText)(u, rep.device));
    if (rep.advice)
        out.push(...rep.advice.lines);
    out.push(rankingText(rep.ranking, rep.device, rep.goal));
    return out.join('\n') + '\n';
}
/** The notes under a trace's table: how the allocators ran (OOM policy, lock assumption). */
function tableNotes(rep, t) {
    const st = rep.settings;
    if (!st || st.length === 0)
        return [];
    const byPolicy = new Map();
    for (const s of st)
        byPolicy.set(s.oom, [...(byPolicy.get(s.oom) ?? []), s.allocator]);
    const policy = byPolicy.size === 1
        ? `oom ${st[0].oom} for every allocator`
        : [...byPolicy].map(([p, names]) => `${p === 'compact' ? 'compact on OOM' : `oom ${p}`}: ${names.length > 3 ? `the other ${names.length}` : names.join(', ')}`).join('; ');
    const traceLocks = (t.lockOps ?? 0) > 0;
    return [`  ${policy}; ${(0, advice_1.lockAssumption)(rep.locks, traceLocks)}`];
}
/**
 * The tight-memory line of one allocator on one trace (src/study/tight.ts): "starts failing
 * below 128.6 KiB; at 90 % of min heap: 29 failures, 97 % fragmentation, first at 27 % of the
 * trace". Null when the study ran no probe for it (no min-heap search).
 */
function tightLine(x) {
    if (x.minHeap === null)
        return x.minHeapError !== undefined ? `no clean heap found (${x.minHeapError})` : null;
    const s = x.summary;
    if (!s)
        return null;
    // Sizes a few bytes apart would read alike in KiB: then both in bytes.
    const near = (0, units_1.formatBytes)(s.startsFailingBelow) === (0, units_1.formatBytes)(s.minHeap);
    const size = (n) => (near && s.startsFailingBelow > s.minHeap ? `${(0, exports.int)(n)} B` : (0, units_1.formatBytes)(n));
    const again = s.startsFailingBelow > s.minHeap ? ` (clean again at ${size(s.minHeap)})` : '';
    const head = `starts failing below ${size(s.startsFailingBelow)}${again}; at 90 % of min heap:`;
    if (s.error !== undefined)
        return `${head} cannot run (${s.error})`;
    if (s.failures === 0)
        return `${head} no failures (not monotonic)`;
    const at = s.firstFailureAt > 0 && Math.round(100 * s.firstFailureAt) === 0 ? '<1 %' : (0, exports.pct0)(s.firstFailureAt);
    return `${head} ${(0, exports.int)(s.failures)} failure${s.failures === 1 ? '' : 's'}, ${(0, exports.pct0)(s.fragmentationShare)} fragmentation, first at ${at} of the trace`;
}
/** The tight-memory line of each allocator on a trace (those with one: none without probes). */
function tightRows(t) {
    return t.results
        .map((c) => ({ allocator: c.allocator, line: c.error ? null : tightLine({ minHeap: c.minHeap?.minHeap ?? null, summary: c.tight ?? null, ...(c.minHeapError !== undefined ? { minHeapError: c.minHeapError } : {}) }) }))
        .filter((r) => r.line !== null);
}
exports.TIGHT_HEADING = 'tight memory (a whole replay at 90 % of each min heap):';
/** The tight-memory block under a trace's table: one line per allocator. */
function tightLines(t) {
    const rows = tightRows(t);
    if (rows.length === 0)
        return [];
    const w = Math.max(...rows.map((r) => r.allocator.length));
    return [`  ${exports.TIGHT_HEADING}`, ...rows.map((r) => `    ${r.allocator.padEnd(w)}  ${r.line}`)];
}
/** " (a mix: busybox-sh + lua-game, seed 1)" for a mixed trace (--mix), else "". */
function mixNote(mix) {
    return mix ? ` (a mix: ${mix.parts.map((p) => p.name).join(' + ')}, seed ${mix.seed})` : '';
}
function rankingText(ranking, device, goal) {
    if (ranking.length === 0)
        return `No allocator ran on ${device}.`;
    const best = ranking[0];
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
const SCORE_NOTE = {
    balanced: 'sqrt(geomean min heap / peak live × geomean mean cycles / fastest mean), after OOM-free first',
    space: 'geomean of min heap / peak live over traces, after OOM-free first',
    speed: 'geomean of mean cycles per op over traces, after OOM-free first',
    realtime: 'worst cycles of any single op (or compaction pause), after OOM-free first',
};
function scoreText(x) {
    if (!Number.isFinite(x))
        return '-';
    return x >= 100 ? (0, exports.int)(x) : x.toFixed(3);
}
/** The human summary of one run (`rmalloc-sim run`). */
function runText(r) {
    const s = r.summary;
    const l = [];
    const st = (0, json_1.runStatus)(r);
    const status = st === 'ok' ? 'ok' : st === 'oom' ? `oom (${(0, exports.int)(r.summary.ooms)} allocation${r.summary.ooms === 1 ? '' : 's'} failed)` : st === 'aborted' ? 'aborted at the first OOM' : 'INTEGRITY VIOLATION';
    l.push(`${r.allocator} on ${r.device}, trace ${r.trace.name}: ${status}`);
    l.push(`  heap          ${(0, units_1.formatBytes)(r.heap.size)} at 0x${r.heap.base.toString(16)}${r.multiHeap ? ` (${r.heaps.length} heaps)` : ''}`, `  ops           ${(0, exports.int)(r.trace.ops)} (${(0, exports.int)(r.trace.allocs)} alloc, ${(0, exports.int)(r.trace.frees)} free, ${(0, exports.int)(r.trace.reallocs)} realloc, ${(0, exports.int)(r.trace.locks)} lock); ran ${(0, exports.int)(s.opsRun)}, skipped ${(0, exports.int)(s.skippedOps)}`, `  peak live     ${(0, units_1.formatBytes)(s.peakLive)}; max used ${(0, units_1.formatBytes)(s.maxUsed)}; utilisation ${pct(s.utilization)}; jw3 ${fix(s.jw3)}; jw4 ${fix(s.jw4)}`, `  free          min ever ${(0, units_1.formatBytes)(s.minEverFree)}; worst extFrag ${pct(s.maxExtFrag)}; worst ummFrag ${fix(s.maxUmmFrag, 1)}`, `  at peak       internal ${(0, units_1.formatBytes)(s.internalAtPeak)}, metadata ${(0, units_1.formatBytes)(s.metadataAtPeak)}`, `  OOMs          ${(0, exports.int)(s.ooms)} (${(0, exports.int)(s.fragmentationOoms)} fragmentation, ${(0, exports.int)(s.recoveredOoms)} recovered by compaction)`);
    const k = r.cycles.byKind;
    const kindRows = ['alloc', 'free', 'realloc', 'lock', 'unlock', 'compact'].filter((n) => k[n].count > 0);
    l.push(`  cycles        total ${(0, exports.int)(r.cycles.total)} (${us((r.cycles.total * 1e6) / r.cycles.clockHz)} µs at ${(r.cycles.clockHz / 1e6).toFixed(2)} MHz); per op mean ${fix(r.cycles.ops.mean, 1)}, p99 ${(0, exports.int)(r.cycles.ops.p99)}, max ${(0, exports.int)(r.cycles.ops.max)} (${us(r.cycles.ops.meanUs)} µs mean)`);
    for (const n of kindRows) {
        const x = k[n];
        l.push(`    ${n.padEnd(8)}    ${(0, exports.int)(x.count)} × mean ${fix(x.mean, 1)}, p50 ${(0, exports.int)(x.p50)}, p99 ${(0, exports.int)(x.p99)}, max ${(0, exports.int)(x.max)} cycles`);
    }
    if (r.bus.aluEstimated) {
        const b = r.bus;
        l.push(`  bus           heap ${(0, exports.int)(b.metadata.reads)} reads, ${(0, exports.int)(b.metadata.writes)} writes; copies ${(0, units_1.formatBytes)(b.copy.bytes)}; statics/stack ${(0, exports.int)(b.statics.reads)} reads, ${(0, exports.int)(b.statics.writes)} writes (${(0, exports.int)(b.statics.cycles)} cycles);${b.heapHighWater ? ` high water ${(0, units_1.formatBytes)(b.heapHighWater)};` : ''} ALU ${(0, exports.int)(b.aluCycles)} cycles (ESTIMATE from executed wasm instructions)`);
    }
    if (r.bus.cache)
        l.push(`  data cache    ${cacheSummary(r.bus.cache)}`);
    if (r.compaction.runs > 0)
        l.push(`  compaction    ${(0, exports.int)(r.compaction.runs)} runs, ${(0, units_1.formatBytes)(r.compaction.bytesMoved)} moved, ${(0, exports.int)(r.compaction.cycles)} cycles, longest pause ${(0, exports.int)(r.compaction.longestPause)}`);
    const first = r.oomEvents[0];
    if (first)
        l.push(`  first OOM     op ${(0, exports.int)(first.op)} (line ${first.line}): ${first.kind} id ${first.id} of ${(0, units_1.formatBytes)(first.size)} with ${(0, units_1.formatBytes)(first.free)} free, largest ${(0, units_1.formatBytes)(first.largest)}, live ${(0, units_1.formatBytes)(first.live)} -> ${first.outcome}${first.fragmentation ? ' (fragmentation)' : ''}`);
    if (r.errors.length)
        l.push(`  usage errors  ${(0, exports.int)(r.errors.length)}; first at op ${r.errors[0].op} (line ${r.errors[0].line}): ${r.errors[0].message}`);
    if (r.violation) {
        l.push(`  VIOLATION     op ${r.violation.op} (line ${r.violation.line}): ${r.violation.message}`);
        for (const b of r.violation.blocks)
            l.push(`      ${b}`);
    }
    return l.join('\n') + '\n';
}
/** The human summary of a min-heap search. */
function minHeapText(m) {
    const l = [
        `${m.allocator} on ${m.device}, trace ${m.trace} (oom ${m.policy}, locks ${m.locks})`,
        `  min heap      ${(0, units_1.formatBytes)(m.minHeap)} (${(0, exports.int)(m.minHeap)} bytes)${m.fitsDevice ? '' : `: does not fit on this device (${(0, units_1.formatBytes)(m.deviceLimit)} available)`}`,
        `  peak live     ${(0, units_1.formatBytes)(m.peakLive)}; min heap / peak live ${fix(m.ratio, 3)}`,
        `  ideal         ${(0, units_1.formatBytes)(m.idealFootprint)} (a perfect compaction of this allocator)`,
        `  Robson bound  ${(0, units_1.formatBytes)(m.robsonBound)} (worst case for a non-moving allocator)`,
        `  search        ${(0, exports.int)(m.runs)} replays; verified at ${(0, exports.int)(m.verify.atMinHeap.heapSize)} bytes: ${(0, exports.int)(m.verify.atMinHeap.ooms)} OOMs${m.verify.below ? `; one step below (${(0, exports.int)(m.verify.below.heapSize)} bytes): ${m.verify.below.status === 'aborted' ? 'OOMs' : `${(0, exports.int)(m.verify.below.ooms)} OOMs`}` : ''}${m.route === 'high-water' ? '; found from one replay\'s high-water mark' : ''}`,
        `  band above    ${(0, exports.int)(m.checkedSizes ?? 0)} larger sizes checked up to the device heap; ${m.verify.monotonic ? 'all clean (monotonic on this evidence)' : `NOT monotonic: clean from ${(0, exports.int)(m.safeFrom ?? m.minHeap)} bytes on every checked size`}${m.verify.note ? `; ${m.verify.note}` : ''}`,
    ];
    if ((m.safeFrom ?? m.minHeap) > m.minHeap)
        l.push(`  safe from     ${(0, units_1.formatBytes)(m.safeFrom)} (${(0, exports.int)(m.safeFrom)} bytes): build on this, not on the min heap`);
    return l.join('\n') + '\n';
}
/** One line of a run's data cache counters: hit rate, misses, write-backs, cycles. */
function cacheSummary(c) {
    const hits = c.readHits + c.writeHits;
    const all = hits + c.readMisses + c.writeMisses;
    const pct = all > 0 ? `${((100 * hits) / all).toFixed(1)} % hits` : 'no accesses';
    return `${pct} (${(0, exports.int)(c.readHits)} read + ${(0, exports.int)(c.writeHits)} write hits; ${(0, exports.int)(c.readMisses)} read misses = line fills, ${(0, exports.int)(c.writeMisses)} write misses; ${(0, exports.int)(c.writeBacks)} dirty half lines written back; ${(0, exports.int)(c.cycles)} cycles)`;
}
