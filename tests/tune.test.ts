/**
 * tune (src/study/tune.ts): the pieces computed by hand on small inputs, the search against an
 * independent exhaustive evaluation, the local search against the grid on a small space, and
 * sharding: 3 shards merged deep-equal one unsharded search.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { minHeap, replay } from '../src/sim';
import { runJobs } from '../src/sim/parallel';
import { traceFromText } from '../src/trace';
import type { PackedTrace } from '../src/trace/types';
import { getFactory } from '../src/alloc';
import {
  SEARCH_TOLERANCE, better, mergeSearches, paretoFront, peakLiveOf, tuneSearch, wasteOptimalClasses,
} from '../src/study/tune';
import type { TuneInput, TunePoint } from '../src/study/tune';
import { dimensionsOf, gridSettings, settingKey } from '../src/study/tune-space';
import { syntheticTrace } from './cli-spawn';

const dev = loadDevice('nds');
const traces: PackedTrace[] = [traceFromText(syntheticTrace(300, 3), 'a.trace'), traceFromText(syntheticTrace(250, 11), 'b.trace')];
const serial = (t: readonly PackedTrace[], jobs: Parameters<typeof runJobs>[1]) => runJobs(t, jobs, { threads: 1 });
const input = (allocator: string, budget: number, extra: Partial<TuneInput> = {}): TuneInput => ({
  device: dev, allocator, traces, goal: 'space', budget, seed: 7, run: { oom: 'fail', locks: 'none', seed: 1 }, fixed: {}, runner: serial, ...extra,
});

test('peakLiveOf: live bytes by hand (alloc, realloc up and down, free, realloc to 0)', () => {
  const t = traceFromText(['a 1 100', 'a 2 50', 'r 1 300', 'f 2', 'a 3 10', 'r 1 20', 'r 3 0', 'a 4 5'].join('\n') + '\n', 'p.trace');
  // 100, 150, 350 (peak), 300, 310, 30, 20, 25
  assert.is(peakLiveOf(t), 350);
});

test('wasteOptimalClasses: the DP equals a brute force over every choice of classes', () => {
  const counts = new Map<number, number>([[8, 5], [16, 1], [24, 7], [40, 2], [48, 9], [96, 3], [128, 1]]);
  const sizes = [...counts.keys()];
  const waste = (cls: number[]): number => {
    let w = 0;
    for (const [s, c] of counts) {
      const k = cls.find((x) => x >= s);
      if (k === undefined) return Infinity;
      w += c * (k - s);
    }
    return w;
  };
  for (let k = 1; k <= 4; k++) {
    let best = Infinity;
    const rec = (from: number, chosen: number[]): void => {
      if (chosen.length === k) {
        best = Math.min(best, waste(chosen));
        return;
      }
      for (let i = from; i < sizes.length; i++) rec(i + 1, [...chosen, sizes[i]!]);
    };
    rec(0, []);
    const got = wasteOptimalClasses(counts, k);
    assert.is(got.length, k);
    assert.is(got[got.length - 1], 128);
    assert.is(waste(got), best, `k=${k}`);
  }
});

/** The goal score of one setting, computed here from plain replays and min-heap searches. */
function independentSpace(allocator: string, params: Record<string, string>): number {
  let logSum = 0;
  for (const t of traces) {
    const cfg = { device: dev, allocator, params, oom: 'fail' as const, locks: 'none', seed: 1, series: false };
    const m = minHeap(t, cfg, { tolerance: SEARCH_TOLERANCE });
    const r = replay(t, cfg);
    assert.is(r.summary.ooms, 0);
    logSum += Math.log(m.minHeap / peakLiveOf(t));
  }
  return Math.exp(logSum / traces.length);
}

test('grid search on a small space (first-fit, 30 settings) finds the optimum of an independent exhaustive evaluation', async () => {
  const s = await tuneSearch(input('first-fit', 100));
  assert.is(s.method, 'grid');
  assert.is(s.evaluated, 30);
  const dims = dimensionsOf(getFactory('first-fit'));
  const scores = gridSettings(dims).map((g) => ({ key: settingKey(dims, g), v: independentSpace('first-fit', Object.fromEntries(Object.entries(g).map(([k, v]) => [k, String(v)]))) }));
  const min = Math.min(...scores.map((x) => x.v));
  const best = s.points.find((p) => p.key === s.bestKey)!;
  assert.ok(Math.abs(best.space - min) < 1e-12, `tune ${best.space} vs exhaustive ${min}`);
  for (const x of scores) assert.ok(Math.abs(s.points.find((p) => p.key === x.key)!.space - x.v) < 1e-12, x.key);
});

test('local search with a budget under the grid reaches the grid optimum on the same small space', async () => {
  const grid = await tuneSearch(input('first-fit', 100));
  const local = await tuneSearch(input('first-fit', 16));
  assert.is(local.method, 'local');
  assert.ok(local.evaluated <= 16, String(local.evaluated));
  const g = grid.points.find((p) => p.key === grid.bestKey)!;
  const l = local.points.find((p) => p.key === local.bestKey)!;
  assert.ok(Math.abs(g.space - l.space) < 1e-12, `${local.bestKey} ${l.space} vs ${grid.bestKey} ${g.space}`);
});

test('3 shards merged deep-equal one unsharded search (grid and local)', async () => {
  for (const [a, budget] of [['tlsf', 60], ['slab', 13]] as const) {
    const whole = await tuneSearch(input(a, budget));
    const parts = [];
    for (let k = 1; k <= 3; k++) parts.push(await tuneSearch(input(a, budget, { shard: { k, n: 3 } })));
    const merged = mergeSearches(parts);
    assert.equal(JSON.parse(JSON.stringify(merged)), JSON.parse(JSON.stringify(whole)), a);
    assert.ok(whole.evaluated <= budget);
  }
});

test('better orders refused settings last, then OOM traces, then score; paretoFront keeps the non-dominated', () => {
  const p = (key: string, space: number, speed: number, extra: Partial<TunePoint> = {}): TunePoint => ({
    key, setting: {}, perTrace: [], tier: 0, oomTraces: 0, space, speed, relSpeed: 1, worst: 0, score: space, ...extra,
  });
  const pts = [p('a', 1.2, 100), p('b', 1.1, 120), p('c', 1.3, 90), p('d', 1.25, 110), p('e', 1.0, 200, { oomTraces: 1 }), p('f', Infinity, Infinity, { tier: 2, score: Infinity })];
  assert.equal([...pts].sort(better).map((x) => x.key), ['b', 'a', 'd', 'c', 'e', 'f']);
  assert.equal(paretoFront(pts).map((x) => x.key), ['e', 'b', 'a', 'c']);
});

test.run();
