/**
 * The ranking (src/report/advice.ts) on a small synthetic case, checked against the scoring
 * rule of the README computed independently here:
 *   errors last; before that, fewer traces with failed OOMs first;
 *   space = geomean(minHeap / peakLive), speed = geomean(mean cycles),
 *   realtime = worst single op (max cycles or compaction pause),
 *   balanced = sqrt(space × geomean(mean / fastest mean on that trace)).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rankAllocators, unfittableText, unfittableTraces, GOALS, RankCell, RankTrace } from '../src/report/advice';

const HEAP = 1 << 20;

interface Spec {
  name: string;
  /** per trace: [minHeap, meanCycles, p99, maxCycles, failedOoms, recoveredOoms, error?] */
  cells: [number, number, number, number, number, number, string?][];
  pause?: number;
}

const PEAK = [100_000, 400_000];
const SPECS: Spec[] = [
  { name: 'alpha', cells: [[120_000, 100, 300, 500, 0, 0], [600_000, 200, 400, 900, 0, 0]] },
  { name: 'bravo', cells: [[110_000, 300, 350, 400, 0, 0], [440_000, 250, 380, 450, 0, 0]] },
  { name: 'charlie', cells: [[101_000, 50, 60, 70, 0, 0], [1_500_000, 60, 70, 80, 3, 0]] },
  { name: 'foxtrot', cells: [[150_000, 40, 45, 50, 1, 0], [900_000, 45, 50, 55, 7, 0]] },
  { name: 'delta', cells: [[105_000, 90, 100, 110, 0, 0, 'bus fault (unmapped)'], [410_000, 95, 100, 120, 0, 0]] },
  { name: 'echo', cells: [[130_000, 150, 200, 250, 0, 2], [480_000, 160, 210, 260, 0, 0]], pause: 5000 },
];

function traces(): RankTrace[] {
  return PEAK.map((peakLive, ti) => ({
    trace: `t${ti}`,
    peakLive,
    results: SPECS.map((s) => {
      const [mh, mean, p99, max, failed, rec, error] = s.cells[ti]!;
      const c: RankCell = {
        allocator: s.name,
        heap: { size: HEAP },
        summary: { ooms: failed, recoveredOoms: rec }, // the engine's ooms exclude recovered ones
        cycles: { ops: { mean, p99, max } },
        compaction: { longestPause: s.pause ?? 0 },
        minHeap: { minHeap: mh, ratio: mh / peakLive, fitsDevice: mh <= HEAP },
      };
      if (error) c.error = error;
      return c;
    }),
  }));
}

/** The rule, written again from the README text. */
function expected(goal: string): { name: string; score: number }[] {
  const geo = (xs: number[]): number => xs.reduce((p, x) => p * x, 1) ** (1 / xs.length);
  const fastest = PEAK.map((_, ti) => Math.min(...SPECS.filter((s) => !s.cells[ti]![6]).map((s) => s.cells[ti]![1])));
  const rows = SPECS.map((s) => {
    const tier = s.cells.some((c) => c[6]) ? 2 : 0;
    const oomTraces = s.cells.filter((c) => c[4] > 0).length;
    const space = geo(s.cells.map((c, ti) => c[0] / PEAK[ti]!));
    const speed = geo(s.cells.map((c) => c[1]));
    const rel = geo(s.cells.map((c, ti) => c[1] / fastest[ti]!));
    const worst = Math.max(...s.cells.map((c) => c[3]), s.pause ?? 0);
    const score = goal === 'space' ? space : goal === 'speed' ? speed : goal === 'realtime' ? worst : Math.sqrt(space * rel);
    return { name: s.name, tier, oomTraces, score };
  });
  rows.sort((a, b) => a.tier - b.tier || a.oomTraces - b.oomTraces || a.score - b.score);
  return rows.filter((r) => r.tier < 2).concat(rows.filter((r) => r.tier === 2));
}

for (const goal of GOALS) {
  test(`goal ${goal}: order and scores follow the rule`, () => {
    const got = rankAllocators(traces(), goal);
    const want = expected(goal);
    assert.equal(got.map((e) => e.allocator), want.map((w) => w.name));
    got.forEach((e, i) => {
      assert.is(e.rank, i + 1);
      if (e.tier < 2) assert.ok(Math.abs(e.score - want[i]!.score) <= 1e-9 * want[i]!.score, `${e.allocator}: ${e.score} vs ${want[i]!.score}`);
    });
  });
}

test('tiers and reasons: recovered OOMs count as fitting; failed OOMs and errors rank last with why', () => {
  const got = rankAllocators(traces(), 'balanced');
  const by = new Map(got.map((e) => [e.allocator, e]));
  assert.is(by.get('echo')!.tier, 0);
  assert.is(by.get('charlie')!.tier, 1);
  assert.is(by.get('charlie')!.oomTraces, 1);
  assert.is(by.get('foxtrot')!.oomTraces, 2);
  // foxtrot is the fastest and fails on both traces: after charlie, which fails on one only
  assert.ok(got.indexOf(by.get('foxtrot')!) > got.indexOf(by.get('charlie')!));
  assert.is(by.get('delta')!.tier, 2);
  assert.is(got[got.length - 1]!.allocator, 'delta');
  assert.match(by.get('delta')!.reason, /^failed on t0: bus fault \(unmapped\)/);
  assert.match(by.get('charlie')!.reason, /^OOMs at the 1\.00 MiB heap on 1 of 2 traces; needs 1\.43 MiB for t1/);
  // alpha needs at most 600 000 bytes of the 1 MiB heap: 43 % headroom
  assert.match(by.get('alpha')!.reason, /^fits every trace with 43 % headroom; min heap 1\.34× peak live/);
});

test('the speed goal ranks the fastest fitting allocator first even if it needs more memory', () => {
  const got = rankAllocators(traces(), 'speed');
  assert.is(got[0]!.allocator, 'alpha'); // 141 cycles geomean; charlie is faster but OOMs
  assert.match(got[0]!.reason, /mean 141 cycles\/op/);
});

test('deterministic ties: equal scores fall back to the name', () => {
  // aardvark is a copy of alpha under another name, listed last
  const t2: RankTrace[] = traces().map((tr) => ({ ...tr, results: [...tr.results, { ...tr.results[0]!, allocator: 'aardvark' }] }));
  const got = rankAllocators(t2, 'balanced').map((e) => e.allocator);
  assert.ok(got.indexOf('aardvark') === got.indexOf('alpha') - 1);
});

test('a trace whose peak live exceeds the device heap is named and left out of the ranking', () => {
  const base = traces();
  const big: RankTrace = {
    trace: 'huge',
    peakLive: Math.round(7.2 * 1024 * 1024),
    results: SPECS.map((sp, i) => ({
      allocator: sp.name, heap: { size: HEAP }, summary: { ooms: 5 + i, recoveredOoms: 0 },
      cycles: { ops: { mean: 1, p99: 1, max: 1 } }, compaction: { longestPause: 0 },
      minHeap: { minHeap: 8 << 20, ratio: 1.1, fitsDevice: false },
    })),
  };
  const withBig = rankAllocators([...base, big], 'balanced');
  const without = rankAllocators(base, 'balanced');
  assert.equal(withBig.map((e) => [e.allocator, e.tier, e.oomTraces, e.score]), without.map((e) => [e.allocator, e.tier, e.oomTraces, e.score]));
  const u = unfittableTraces([...base, big]);
  assert.equal(u.map((x) => x.trace), ['huge']);
  assert.is(unfittableText(u[0]!, 'nds'), "huge needs 7.2 MiB live at peak: no allocator fits it in nds's 1 MiB heap (not ranked); it would take a heap of 8,388,608 bytes (alpha)");
});

test('realtime ranks by the worst malloc/free; a slow realloc (a copy) is reported apart, not scored', () => {
  const cell = (allocator: string, mallocMax: number, reallocMax: number): RankCell => ({
    allocator, heap: { size: HEAP }, summary: { ooms: 0, recoveredOoms: 0 },
    cycles: {
      ops: { mean: 10, p99: Math.max(mallocMax, reallocMax), max: Math.max(mallocMax, reallocMax) },
      byKind: { alloc: { count: 5, p99: mallocMax, max: mallocMax }, free: { count: 5, p99: 20, max: 20 }, realloc: { count: 1, p99: reallocMax, max: reallocMax } },
    },
    compaction: { longestPause: 0 },
    minHeap: { minHeap: 1000, ratio: 1, fitsDevice: true },
  });
  // copier: fast malloc/free (100), one 50,000-cycle realloc; steady: every malloc 900 cycles
  const t: RankTrace[] = [{ trace: 't', peakLive: 1000, results: [cell('copier', 100, 50_000), cell('steady', 900, 950)] }];
  const got = rankAllocators(t, 'realtime');
  assert.equal(got.map((e) => e.allocator), ['copier', 'steady']);
  assert.is(got[0]!.score, 100);
  assert.is(got[0]!.worstRealloc, 50_000);
  assert.match(got[0]!.reason, /^fits every trace with \d+ % headroom; worst malloc\/free 100 cycles, p99 100; realloc apart: worst 50,000 \(copies\)/);
});

test.run();
