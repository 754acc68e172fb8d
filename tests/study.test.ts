/**
 * The study (src/study): one answer from every command, true verdicts. Each case of issue 10 on
 * a small trace made here, with the expected figures worked out by hand:
 * - compare (JSON, spawned) and report (the compare data the HTML embeds) give the same tables,
 *   ranking and advice for the same inputs;
 * - moving allocators compact on OOM unless --oom says otherwise for all;
 * - fit verdicts against the heap, not the region (nds: the 2 MiB heap sits 1.5 MiB into a
 *   4 MiB region), and against every heap for heap5 on esp32 (136 + 112 KiB);
 * - no winner when nothing fits, and what it would take;
 * - --no-min-heap keeps the trace's peak live and the "does not fit" flag;
 * - the advice's first line "Use X with a heap of at least N bytes", N = safe min heap + 10 %;
 *   best per goal; the lock assumption under every table; rmalloc needs handles; rmalloc-gen.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import { fragTrace } from './helpers/frag';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { compareTable } from '../src/report';
import { replay } from '../src/sim';
import { runStudy, tracePeakLive } from '../src/study';
import type { StudySpec } from '../src/study';
import { traceFromText } from '../src/trace';
import { buildHtmlReport } from '../src/cli/report';
import { cli, tempDir } from './cli-spawn';

const BASE: Omit<StudySpec, 'device'> = { locks: 'none', params: {}, seed: 1, check: false, goal: 'balanced', jobs: 1, series: false };

/** n blocks of `size` bytes, all live at once, then freed. Peak live = n × size. */
function blocks(n: number, size: number, name = 'blocks'): string {
  const l = [`# ${name}`];
  for (let i = 0; i < n; i++) l.push(`a ${i} ${size}`);
  for (let i = 0; i < n; i++) l.push(`f ${i}`);
  return l.join('\n') + '\n';
}


const dir = tempDir('rms-study-');
const fragFile = path.join(dir, 'frag.trace');
fs.writeFileSync(fragFile, fragTrace());

test('compare (JSON) and report (its embedded data) give the same tables, ranking and advice', async () => {
  const args = ['--device', 'nds', '--trace', fragFile, '--allocator', 'first-fit', '--allocator', 'rmalloc', '--heap', '4608'];
  const r = cli(['compare', ...args, '--format', 'json', '--jobs', '1']);
  assert.is(r.code, 0, r.stderr);
  const fromCompare = JSON.parse(r.stdout);
  const html = await buildHtmlReport({
    device: 'nds', allocators: ['first-fit', 'rmalloc'], traces: [fragFile], heapSize: 4608, locks: 'none',
    params: {}, seed: 1, check: false, goal: 'balanced', jobs: 1, frameBudget: 1 << 18, maxFrames: 8,
  });
  const m = /<script type="application\/json" id="compare-data">(.*?)<\/script>/s.exec(html);
  assert.ok(m, 'the report embeds its compare data');
  const fromReport = JSON.parse(m![1]!);
  assert.equal(fromReport.traces, fromCompare.traces, 'same tables');
  assert.equal(fromReport.ranking, fromCompare.ranking, 'same ranking');
  assert.equal(fromReport.advice, fromCompare.advice, 'same advice');
  assert.equal(fromReport.settings, fromCompare.settings);
  // and the rmalloc cell did compact on OOM in both (its natural policy)
  const rm = fromCompare.traces[0].results.find((c: { allocator: string }) => c.allocator === 'rmalloc');
  assert.is(rm.minHeap.policy, 'compact');
  assert.match(html, new RegExp(fromCompare.advice.lines[0].replace(/[()]/g, '.')));
});

test('moving allocators compact on OOM by default; --oom applies to every allocator alike', async () => {
  const traces = [traceFromText(fragTrace(), 'frag')];
  const nat = await runStudy({ ...BASE, device: 'nds', allocators: ['first-fit', 'rmalloc'], traces, heapSize: 4608, minHeap: false });
  assert.equal(nat.report.settings!.map((s) => [s.allocator, s.oom]), [['first-fit', 'fail'], ['rmalloc', 'compact']]);
  const rm = nat.report.traces[0]!.results[1]!;
  assert.ok(rm.summary!.recoveredOoms > 0, 'rmalloc recovered OOMs by compacting');
  assert.is(rm.summary!.ooms, 0);
  const all = await runStudy({ ...BASE, device: 'nds', allocators: ['first-fit', 'rmalloc'], traces, heapSize: 4608, minHeap: false, oom: 'fail' });
  assert.equal(all.report.settings!.map((s) => s.oom), ['fail', 'fail']);
  assert.is(all.report.traces[0]!.results[1]!.summary!.recoveredOoms, 0);
  assert.ok(all.report.traces[0]!.results[1]!.summary!.ooms > 0);
});

test('fit verdict against the heap, not the region; nothing fits: no winner, and what it would take', async () => {
  // 22 × 100 KiB = 2,252,800 bytes live: more than nds's 2 MiB heap, less than the 2.5 MiB
  // from the heap's start to the end of its region.
  const t = traceFromText(blocks(22, 102400), 'big');
  assert.is(tracePeakLive(t), 2_252_800);
  const st = await runStudy({ ...BASE, device: 'nds', allocators: ['first-fit'], traces: [t] });
  const c = st.report.traces[0]!.results[0]!;
  assert.ok(c.minHeap!.minHeap > 2_097_152 && c.minHeap!.minHeap < 2_621_440, `min heap ${c.minHeap!.minHeap}`);
  assert.is(c.fits, false);
  assert.is(c.minHeap!.fitsDevice, false);
  assert.is(c.minHeap!.deviceLimit, 2_097_152, 'the heap, not the region');
  const text = compareTable(st.report, { color: false });
  assert.match(text, /│ first-fit +│.*│ does not fit │/);
  const adv = st.report.advice!;
  assert.is(adv.allocator, null, 'no winner');
  const safe = c.minHeap!.safeFrom!;
  const n = Math.ceil(Math.ceil(safe * 1.1) / 8) * 8;
  assert.is(adv.lines[0], `No allocator runs every trace in nds's 2,097,152-byte heap: it would take a heap of at least ${n.toLocaleString('en-US')} bytes (first-fit: verified min heap ${safe.toLocaleString('en-US')} bytes on big + 10 % margin)`);
  assert.not.match(text, /^Use /m);
});

test('esp32: heap5 uses both heaps and fits; the others are judged on their first heap only', async () => {
  // 20 × 10,000 bytes: more than the 136 KiB first heap, less than 136 + 112 KiB.
  const t = traceFromText(blocks(20, 10_000), 'twenty');
  const st = await runStudy({ ...BASE, device: 'esp32', allocators: ['first-fit', 'heap5'], traces: [t] });
  const [ff, h5] = st.report.traces[0]!.results;
  assert.is(ff!.heaps, 'first heap only');
  assert.is(ff!.fits, false);
  assert.is(h5!.heaps, 'all heaps');
  assert.is(h5!.summary!.ooms, 0);
  assert.is(h5!.fits, true);
  assert.is(st.report.settings!.find((s) => s.allocator === 'heap5')!.usableHeap, (136 + 112) * 1024);
  const text = compareTable(st.report, { color: false });
  assert.match(text, /│ first-fit +│.*│ does not fit \(1st heap\) │/);
  assert.match(text, /│ heap5 +│.*│ fits \(all heaps\) +│/);
  assert.not.match(text, /no allocator fits it/, 'a trace fits no allocator only when none fits');
  assert.is(st.report.advice!.allocator, 'heap5');
  assert.match(st.report.advice!.lines[0]!, /^Use heap5 with a heap of at least [\d,]+ bytes \(over all heaps\)$/);
});

test('--no-min-heap: the trace\'s own peak live and the does-not-fit flag', async () => {
  // avr-uno's heap is 1280 bytes; 3 × 1000 bytes cannot all be live there (the first-fit run
  // fails two of them, so its own peak live would read 1000).
  const t = traceFromText(blocks(3, 1000), 'three');
  const st = await runStudy({ ...BASE, device: 'avr-uno', allocators: ['first-fit'], traces: [t], minHeap: false });
  const tr = st.report.traces[0]!;
  assert.is(tr.peakLive, 3000);
  assert.is(tr.results[0]!.summary!.peakLive, 1000, 'the run saw less');
  assert.is(tr.results[0]!.fits, false);
  const text = compareTable(st.report, { color: false });
  assert.match(text, /│ first-fit +│ +2 │ +- │.*│ does not fit │/);
  // the only trace fits no allocator: nothing is recommended (no "Infinity× the fastest")
  assert.not.match(text, /Recommendation|Infinity|^Use /m);
  assert.match(text, /no allocator runs every ranked trace without a failed allocation, so none is recommended/);
  assert.match(text, /1\. first-fit +score - +no trace fits any allocator: nothing to rank on/);
});

test('the advice: Use X with a heap of at least N bytes (safe min heap + 10 %), the deciding trace, best per goal, locks and handles', async () => {
  const traces = [traceFromText(fragTrace(1), 'one'), traceFromText(fragTrace(2), 'two')];
  const st = await runStudy({ ...BASE, device: 'nds', allocators: ['first-fit', 'rmalloc', 'rmalloc-gen', 'slab'], traces });
  const rep = st.report;
  const adv = rep.advice!;
  const x = rep.ranking[0]!.allocator;
  assert.is(adv.allocator, x);
  const cells = rep.traces.map((t) => t.results.find((c) => c.allocator === x)!);
  const safe = Math.max(...cells.map((c) => c.minHeap!.safeFrom!));
  const n = Math.ceil(Math.ceil(safe * 1.1) / 8) * 8;
  assert.is(adv.heapBytes, n);
  assert.is(adv.lines[0], `Use ${x} with a heap of at least ${n.toLocaleString('en-US')} bytes`);
  assert.match(adv.lines[1]!, /^ {2}decided by (one|two): verified min heap [\d,]+ bytes \+ 10 % margin; goal balanced: /);
  assert.match(adv.lines[3]!, /^ {2}best per goal: balanced \S+, space \S+, speed \S+, realtime \S+$/);
  for (const g of ['balanced', 'space', 'speed', 'realtime'] as const) assert.ok(adv.bestPerGoal[g]);
  const text = compareTable(rep, { color: false });
  // under every table: the policies and the lock assumption
  assert.is((text.match(/locks: none: handles assumed unlocked between uses: a best case/g) ?? []).length, 2 + 1);
  assert.match(text, /compact on OOM: rmalloc, rmalloc-gen/);
  assert.match(text, /rmalloc, rmalloc-gen hand out handles, not pointers: .*not a drop-in malloc/);
  assert.match(text, /rmalloc-gen (=|differs from) rmalloc/);
});

test('lock models charge the lock/unlock calls they imply', () => {
  const t = traceFromText(fragTrace(1), 'one');
  const dev = loadDevice('nds');
  const none = replay(t, { device: dev, allocator: 'rmalloc', oom: 'compact', locks: 'none' });
  const pinned = replay(t, { device: dev, allocator: 'rmalloc', oom: 'compact', locks: 'pinned:0.5' });
  assert.is(none.cycles.byKind.lock.count, 0);
  assert.ok(pinned.cycles.byKind.lock.count > 0);
  assert.ok(pinned.cycles.byKind.lock.total > 0, 'rmalloc\'s lock costs cycles');
  assert.ok(pinned.cycles.byKind.unlock.count > 0);
});

test.run();
