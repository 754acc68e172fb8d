/**
 * min-heap: the answer runs with zero OOMs, one alignment step below OOMs (the verifying runs
 * are re-done here independently), and the search's facts are consistent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { allocatorNames, registry } from '../src/alloc';
import { SimError } from '../src/errors';
import { minHeap, replay, robsonBound } from '../src/sim';
import { randomTrace } from './helpers/gen';
import { packOps } from './helpers/pack';
import { tinyFactory } from './helpers/sim-tiny';

const dev = loadDevice('nds');
const align = dev.alignment;

test('tiny allocator: hand-checkable min-heap', () => {
  // need(24) = 32: four live blocks need exactly 128 bytes; 120 cannot hold them.
  const t = packOps('four', [['a', 1, 24], ['a', 2, 24], ['a', 3, 24], ['a', 4, 24], ['f', 1], ['f', 2], ['f', 3], ['f', 4]]);
  const r = minHeap(t, { device: dev, allocator: 'tiny', factory: tinyFactory(), oom: 'fail' });
  assert.is(r.minHeap, 128);
  assert.is(r.peakLive, 96);
  assert.is(r.ratio, 128 / 96);
  assert.is(r.idealFootprint, 4 * 32);
  assert.is(r.robsonBound, 96); // one request size: n = 1
  assert.ok(r.fitsDevice);
  // one step below: a search run that stops at its first OOM (so ooms is a lower bound)
  assert.equal(r.verify.below, { heapSize: 120, ooms: 1, status: 'aborted' });
  assert.ok(r.verify.monotonic);
  assert.is(r.schema, 1);
  assert.is(r.policy, 'fail');
  assert.is(r.locks, 'none');
});

test('robsonBound rounds the size ratio up to a power of two', () => {
  assert.is(robsonBound(1000, 16, 16), 1000);
  assert.is(robsonBound(1000, 16, 64), 1000 * (1 + 0.5 * 2));
  assert.is(robsonBound(1000, 16, 65), 1000 * (1 + 0.5 * 3));
  assert.is(robsonBound(0, 1, 100), 0);
});

const trace = randomTrace({ seed: 5, ops: 2500, maxSize: 1500, liveTarget: 40 });

for (const name of allocatorNames()) {
  test(`${name}: zero OOMs at minHeap, OOMs one alignment step below`, () => {
    const r = minHeap(trace, { device: dev, allocator: name, oom: 'fail' });
    assert.is(r.minHeap % align, 0);
    const at = replay(trace, { device: dev, allocator: name, heapSize: r.minHeap, whatIf: true, oom: 'fail' });
    assert.is(at.summary.ooms, 0);
    assert.is(at.status, 'ok');
    if (r.verify.monotonic) {
      let below: number;
      try {
        below = replay(trace, { device: dev, allocator: name, heapSize: r.minHeap - align, whatIf: true, oom: 'fail' }).summary.ooms;
      } catch {
        below = Infinity; // heap too small for the allocator's metadata
      }
      assert.ok(below > 0, `${name}: ${r.minHeap - align} bytes also runs clean`);
    } else assert.ok(r.verify.note);
    assert.is(r.peakLive, at.summary.peakLive);
    assert.ok(r.minHeap >= r.peakLive || r.otherHeapsBytes > 0);
    assert.ok(r.idealFootprint >= r.peakLive);
    assert.is(r.idealFootprint, at.summary.idealFootprint);
    assert.ok(r.runs >= 3);
  });
}

test('a min-heap past the device RAM is a what-if: fitsDevice false', () => {
  const big = packOps('big', [['a', 1, 3 * 1024 * 1024], ['f', 1]]);
  const r = minHeap(big, { device: dev, allocator: 'tiny', factory: tinyFactory(), oom: 'fail' });
  assert.is(r.minHeap, 3 * 1024 * 1024 + 8);
  assert.not.ok(r.fitsDevice);
  assert.ok(r.deviceLimit < r.minHeap);
});

test('multi-heap allocators are searched with the first heap alone', () => {
  const multi = allocatorNames().find((n) => registry.get(n)!.multiHeap);
  if (!multi) return;
  const stm = loadDevice('stm32f4');
  assert.ok(stm.heaps.length > 1);
  const t = randomTrace({ seed: 8, ops: 800, maxSize: 400, liveTarget: 20 });
  const r = minHeap(t, { device: stm, allocator: multi, oom: 'fail' });
  assert.match(r.verify.note ?? '', 'first heap');
  assert.ok(r.minHeap >= r.peakLive);
  assert.is(r.otherHeapsBytes, 0);
});

test('a trace that OOMs at the largest heap the device can address is an error (exit 1)', () => {
  const avr = loadDevice('avr-uno');
  const t = packOps('huge', [['a', 1, 70000], ['f', 1]]);
  try {
    minHeap(t, { device: avr, allocator: 'tiny', factory: tinyFactory(), oom: 'fail' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, SimError);
    assert.is((e as SimError).exitCode, 1);
    assert.match((e as SimError).message, 'first OOM at op 0 (line 1): alloc of 70000 bytes');
  }
});

for (const name of ['first-fit', 'rmalloc', 'buddy'].filter((n) => allocatorNames().includes(n))) {
  test(`${name}: a 0.5 % tolerance ends on a verified clean size within 0.5 % of the exact answer, in fewer runs`, () => {
    const exact = minHeap(trace, { device: dev, allocator: name, oom: 'fail' });
    const tol = minHeap(trace, { device: dev, allocator: name, oom: 'fail' }, { tolerance: 0.005 });
    assert.is(tol.minHeap % align, 0);
    const at = replay(trace, { device: dev, allocator: name, heapSize: tol.minHeap, whatIf: true, oom: 'fail' });
    assert.is(at.summary.ooms, 0, 'clean at the tolerant answer');
    assert.is(tol.verify.atMinHeap.ooms, 0);
    assert.ok(tol.minHeap >= exact.minHeap || !exact.verify.monotonic, `${tol.minHeap} below the exact ${exact.minHeap}`);
    assert.ok(tol.minHeap <= exact.minHeap * 1.005 + align, `${tol.minHeap} more than 0.5 % above ${exact.minHeap}`);
    assert.is((tol as unknown as { tolerance: number }).tolerance, 0.005);
    assert.ok(tol.runs <= exact.runs);
    if (tol.verify.below) assert.ok(tol.verify.below.heapSize < tol.minHeap && tol.verify.below.ooms !== 0);
  });
}

test.run();
