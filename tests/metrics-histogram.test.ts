/**
 * CycleHistogram: exact count/total/max always; exact nearest-rank percentiles below
 * EXACT_LIMIT; above it, the reported percentile is within one log bucket (1/256) of the true
 * value and never above the max.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CycleHistogram, EXACT_LIMIT } from '../src/metrics';
import { Prng } from '../src/util/prng';

const nearestRank = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1]!;
};

test('empty histogram', () => {
  const h = new CycleHistogram();
  assert.equal(h.stats(), { count: 0, total: 0, mean: 0, p50: 0, p99: 0, max: 0, exact: true });
});

test('small values: every statistic exact (brute force)', () => {
  const rng = new Prng(42);
  const xs: number[] = [];
  const h = new CycleHistogram();
  for (let i = 0; i < 20000; i++) {
    const v = rng.next() < 0.01 ? rng.int(1000, 60000) : rng.int(0, 300);
    xs.push(v);
    h.add(v);
  }
  const s = h.stats();
  assert.is(s.count, xs.length);
  assert.is(s.total, xs.reduce((a, b) => a + b, 0));
  assert.is(s.max, Math.max(...xs));
  assert.is(s.p50, nearestRank(xs, 50));
  assert.is(s.p99, nearestRank(xs, 99));
  assert.is(h.percentile(100)[0], s.max);
  assert.is(h.percentile(0.001)[0], Math.min(...xs));
  assert.ok(s.exact);
});

test('nearest rank on a tiny set', () => {
  const h = new CycleHistogram();
  for (const v of [5, 1, 4, 2, 3]) h.add(v);
  assert.is(h.percentile(50)[0], 3);
  assert.is(h.percentile(99)[0], 5);
  assert.is(h.percentile(20)[0], 1);
  assert.is(h.percentile(21)[0], 2);
});

test('large values: max exact, percentiles within one log bucket', () => {
  const rng = new Prng(7);
  const xs: number[] = [];
  const h = new CycleHistogram();
  for (let i = 0; i < 5000; i++) {
    const v = rng.int(0, 100) + (rng.next() < 0.05 ? rng.int(EXACT_LIMIT, 50 * EXACT_LIMIT) : 0);
    xs.push(v);
    h.add(v);
  }
  const s = h.stats();
  assert.is(s.max, Math.max(...xs));
  const truth = nearestRank(xs, 99);
  assert.ok(truth >= EXACT_LIMIT);
  assert.not.ok(s.exact);
  assert.ok(s.p99 >= truth && s.p99 <= Math.min(s.max, truth * (1 + 1 / 256) + 1), `${s.p99} vs ${truth}`);
  assert.is(s.p50, nearestRank(xs, 50));
});

test.run();
