/**
 * The three NULL-handling modes (what the program does after a failed allocation), as
 * documented in src/sim/types.ts (OomPolicy) and src/sim/release.ts, on a hand-worked trace
 * with the test allocator `tiny` (first fit, 8-byte headers, need(n) = max(16, roundUp(n, 8) +
 * 8)) in a 128-byte heap:
 *
 *   0 a1 24 -> [0,32)   1 a2 24 -> [32,64)   2 a3 24 -> [64,96)   tail [96,128) = 32
 *   3 a4 40 needs 48: no block -> NULL (free 24 < 40: exhaustion)
 *   4 f1   5 f2   6 f3   7 f4
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { replay } from '../src/sim';
import { packOps } from './helpers/pack';
import { OldestFirst, RELEASE_MAX } from '../src/sim/release';
import { tinyFactory } from './helpers/sim-tiny';

const dev = loadDevice('nds');
const T = packOps('null', [['a', 1, 24], ['a', 2, 24], ['a', 3, 24], ['a', 4, 40], ['f', 1], ['f', 2], ['f', 3], ['f', 4]]);
const run = (oom: 'fail' | 'release' | 'abort' | 'compact', trace = T, moving = false) =>
  replay(trace, { device: dev, heapSize: 128, whatIf: true, allocator: 'tiny', factory: tinyFactory(moving), oom });

test('fail (the default): the object is dropped, its later ops skipped and counted', () => {
  const r = run('fail');
  assert.is(r.status, 'ok');
  assert.is(r.summary.opsRun, 8);
  assert.is(r.summary.ooms, 1);
  assert.is(r.summary.failedBytes, 40);
  assert.is(r.summary.skippedOps, 1); // f4
  assert.is(r.summary.releasedObjects, 0);
  assert.is(r.oomEvents[0]!.outcome, 'failed');
  assert.is(r.oomEvents[0]!.fragmentation, false);
});

test('abort: the run stops at the first failure (time to first failure)', () => {
  const r = run('abort');
  assert.is(r.status, 'aborted');
  assert.is(r.summary.opsRun, 4);
  assert.is(r.oomEvents[0]!.op, 3);
  assert.is(r.oomEvents[0]!.outcome, 'aborted');
});

test('release: the oldest live objects are freed one at a time until the retry fits', () => {
  // Release a1: holes [0,32) and [96,128): 48 still does not fit. Release a2: [0,64) = 64 fits.
  const r = run('release');
  assert.is(r.status, 'ok');
  assert.is(r.summary.ooms, 0);
  assert.is(r.summary.recoveredOoms, 1);
  assert.is(r.summary.releasedObjects, 2);
  assert.is(r.summary.releasedBytes, 48);
  assert.is(r.summary.failedBytes, 0);
  assert.is(r.oomEvents[0]!.outcome, 'recovered');
  assert.is(r.oomEvents[0]!.released, 2);
  // f1 and f2 name released objects: skipped; f3 and f4 run.
  assert.is(r.summary.skippedOps, 2);
  assert.is(r.summary.errors, 0);
});

test('release never frees the object being reallocated, nor a locked one; gives up when nothing is left', () => {
  // One live object growing past the heap: nothing else to release -> the realloc fails.
  const solo = packOps('solo', [['a', 1, 24], ['r', 1, 200], ['f', 1]]);
  const r = run('release', solo);
  assert.is(r.summary.ooms, 1);
  assert.is(r.summary.releasedObjects, 0);
  assert.is(r.summary.skippedOps, 0); // the failed realloc left id 1 live; f1 runs
  // A locked oldest object is passed over: a2 goes instead (then a3: [32,96) + tail fits 48).
  const locked = packOps('locked', [['a', 1, 24], ['l', 1], ['a', 2, 24], ['a', 3, 24], ['a', 4, 40], ['u', 1], ['f', 1], ['f', 4]]);
  const q = run('release', locked);
  assert.is(q.summary.ooms, 0);
  assert.is(q.summary.releasedObjects, 2);
  assert.is(q.summary.skippedOps, 0);
});

test('OldestFirst: allocation order, stale entries dropped, rebirth is young again', () => {
  const o = new OldestFirst(8);
  const live = new Set<number>();
  const alloc = (s: number): void => {
    live.add(s);
    o.allocated(s);
  };
  for (const s of [3, 1, 4]) alloc(s);
  const isLive = (s: number): boolean => live.has(s);
  assert.is(o.oldest(isLive, () => true, -1), 3);
  assert.is(o.oldest(isLive, () => true, 3), 1);
  live.delete(3);
  alloc(3); // reborn: now the youngest
  assert.is(o.oldest(isLive, () => true, -1), 1);
  assert.is(o.oldest(isLive, (s) => s !== 1, -1), 4);
  for (let k = 0; k < 5000; k++) {
    live.delete(5);
    alloc(5);
  }
  assert.is(o.oldest(isLive, () => true, -1), 1);
  assert.ok(RELEASE_MAX >= 1);
});

test.run();
