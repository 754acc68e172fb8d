/**
 * dlmalloc: long seeded invariant runs (nds, esp8266, avr-uno), the 16-byte minimum chunk and
 * 4-byte overhead, a hand-worked walk() listing (top chunk, exact small bins without splitting,
 * coalescing through boundary tags), the designated victim, sorted large bins (best fit), and
 * realloc in place.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Dlmalloc } from '../src/alloc/dlmalloc';
import { makeHeap, randomRun, TestHeap, walkList, footprintFillsHeap } from './helpers/heap';

const rel = (h: TestHeap, a: number) => a - h.heaps[0]!.base;
const rows = (h: TestHeap) => walkList(h.alloc).map((b) => [rel(h, b.addr), b.size, b.state, b.state === 'used' ? rel(h, b.payload) : 0, b.usable]);

test('100k random ops on small nds heaps: invariants after every op, OOMs happen', () => {
  let ooms = 0;
  for (const [seed, heap] of [[1, 4096], [2, 8192], [3, 16384], [4, 65536]] as const) {
    const r = randomRun('dlmalloc', { seed, ops: 25_000, heapSize: heap, checkEvery: 1, probeLargestEvery: 50 });
    assert.equal(r.violations, [], r.violations.join('\n'));
    ooms += r.ooms;
  }
  assert.ok(ooms > 20, `only ${ooms} OOMs`);
});

test('esp8266 and avr-uno runs', () => {
  const e = randomRun('dlmalloc', { seed: 12, ops: 15_000, heapSize: 8192, device: 'esp8266', checkEvery: 1, probeLargestEvery: 50 });
  assert.equal(e.violations, [], e.violations.join('\n'));
  const a = randomRun('dlmalloc', { seed: 13, ops: 15_000, heapSize: 1280, device: 'avr-uno', checkEvery: 1, probeLargestEvery: 50 });
  assert.equal(a.violations, [], a.violations.join('\n'));
});

test('16-byte minimum chunk, 4-byte overhead, 8-byte granularity', () => {
  const a = makeHeap('dlmalloc', 4096).alloc as Dlmalloc;
  assert.is(a.minChunk, 16);
  for (const [req, chunk] of [[0, 16], [1, 16], [12, 16], [13, 24], [20, 24], [21, 32], [100, 104]] as const) {
    assert.is(a.padRequest(req), chunk, `request ${req}`);
    assert.is(a.blockFootprint(req), chunk);
  }
  const p = a.alloc(1);
  assert.is(a.usableSize(p), 12);
  assert.is(p % 8, 0);
});

test('walk() listing worked out by hand (nds, 4 KiB)', () => {
  const h = makeHeap('dlmalloc', 4096);
  const a = h.alloc as Dlmalloc;
  // malloc_state: 2 maps + dvsize, topsize, dv, top + 2×32×2 bin words = 536 bytes; the first
  // chunk's head follows (its prev_foot word is the state's padding), the top chunk spans the rest.
  assert.is(a.stateBytes, 536);
  assert.equal(rows(h), [
    [0, 540, 'meta', 0, 0],
    [540, 3552, 'free', 0, 0],
    [4092, 4, 'meta', 0, 0],
  ]);
  assert.is(a.largestAllocatable(), 3552 - 8 - 4); // from top: nb < topsize
  const x = a.alloc(1); // 16
  const y = a.alloc(12); // 16
  const z = a.alloc(13); // 24
  const w = a.alloc(100); // 104
  assert.equal(rows(h), [
    [0, 540, 'meta', 0, 0],
    [540, 16, 'used', 544, 12],
    [556, 16, 'used', 560, 12],
    [572, 24, 'used', 576, 20],
    [596, 104, 'used', 600, 100],
    [700, 3392, 'free', 0, 0],
    [4092, 4, 'meta', 0, 0],
  ]);
  a.free(y); // small bin 2
  a.free(z); // coalesces backwards with y through prev_foot: one 40-byte chunk, small bin 5
  assert.equal(rows(h).slice(2, 4), [
    [556, 40, 'free', 0, 0],
    [596, 104, 'used', 600, 100],
  ]);
  // A 32-byte request takes the 40-byte chunk from the next bin whole: 8 bytes cannot be a chunk.
  const v = a.alloc(24);
  assert.is(rel(h, v), 560);
  assert.is(a.usableSize(v), 36);
  a.free(w); // next to top: merges into top
  assert.equal(rows(h).slice(3), [
    [596, 3496, 'free', 0, 0],
    [4092, 4, 'meta', 0, 0],
  ]);
  a.free(v);
  a.free(x);
  assert.equal(rows(h).slice(1), [
    [540, 3552, 'free', 0, 0],
    [4092, 4, 'meta', 0, 0],
  ]);
  assert.equal(a.check(), []);
});

test('designated victim: the remainder of a split serves the next small requests in order', () => {
  const h = makeHeap('dlmalloc', 8192);
  const a = h.alloc;
  const big = a.alloc(300); // 304-byte chunk
  const guard = a.alloc(16);
  a.free(big); // large bin 0
  const p1 = a.alloc(20); // no small bin fits: smallest large chunk split, remainder → dv
  const p2 = a.alloc(20); // from dv, right after p1
  const p3 = a.alloc(50);
  assert.is(p1, big);
  assert.is(p2, p1 + 24);
  assert.is(p3, p2 + 24);
  assert.ok(guard > p3);
  assert.equal(a.check(), []);
});

test('large bins are sorted: a large request gets the best fit, not the first freed', () => {
  const h = makeHeap('dlmalloc', 16384);
  const a = h.alloc;
  const blocks: number[] = [];
  for (const s of [700, 600, 650]) {
    blocks.push(a.alloc(s));
    a.alloc(16); // guards keep them apart
  }
  // All three chunks (704, 608, 656 bytes) land in large bin 2, [512, 768). Freed in this order
  // a LIFO bin would hold 608, 704, 656 and a first fit for 616 would take the 704-byte chunk.
  for (const i of [2, 0, 1]) a.free(blocks[i]!);
  const p = a.alloc(610); // 616-byte chunk: best fit is the 656-byte chunk (650 request)
  assert.is(p, blocks[2]);
  const q = a.alloc(590); // 600 → 608 chunk: the 600-byte block's 608-byte chunk, exactly
  assert.is(q, blocks[1]);
  assert.equal(a.check(), []);
});

test('realloc: shrink in place, grow into top, into a free next chunk, else move', () => {
  const h = makeHeap('dlmalloc', 8192);
  const a = h.alloc;
  const x = a.alloc(200);
  assert.is(a.realloc(x, 1000), x); // next is top
  assert.is(a.usableSize(x), 1004);
  assert.is(a.realloc(x, 100), x);
  assert.is(a.usableSize(x), 100);
  const y = a.alloc(40);
  const y2 = a.realloc(y, 2000);
  assert.is(y2, y); // y's next is top again
  const z = a.alloc(8);
  const x2 = a.realloc(x, 3000); // x's next is y (used): move
  assert.ok(x2 !== x && x2 !== 0);
  assert.ok(z !== 0);
  assert.equal(a.check(), []);
});

test('fixedMetadataBytes + Σ blockFootprint is a heap the blocks fill exactly', () => {
  assert.equal(footprintFillsHeap('dlmalloc').violations, []);
});

test.run();
