/**
 * uclibc: long seeded invariant runs (nds, avr-uno), the header of max(alignment, size_t), the
 * free-area descriptor at the END of each area (allocation from the front changes no link), a
 * hand-worked walk() listing with the whole-area rule and both merges, and realloc's in-place
 * growth and shrink threshold.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UclibcMalloc } from '../src/alloc/uclibc';
import { makeHeap, randomRun, TestHeap, walkList, footprintFillsHeap } from './helpers/heap';

const rel = (h: TestHeap, a: number) => a - h.heaps[0]!.base;
const rows = (h: TestHeap) => walkList(h.alloc).map((b) => [rel(h, b.addr), b.size, b.state, b.state === 'used' ? rel(h, b.payload) : 0, b.usable]);

test('100k random ops on small nds heaps: invariants after every op, OOMs happen', () => {
  let ooms = 0;
  for (const [seed, heap] of [[1, 4096], [2, 8192], [3, 16384], [4, 65536]] as const) {
    const r = randomRun('uclibc', { seed, ops: 25_000, heapSize: heap, checkEvery: 1, probeLargestEvery: 50 });
    assert.equal(r.violations, [], r.violations.join('\n'));
    ooms += r.ooms;
  }
  assert.ok(ooms > 20, `only ${ooms} OOMs`);
});

test('avr-uno run (2-byte size_t header)', () => {
  const r = randomRun('uclibc', { seed: 6, ops: 20_000, heapSize: 1280, device: 'avr-uno', checkEvery: 1, probeLargestEvery: 50 });
  assert.equal(r.violations, [], r.violations.join('\n'));
  assert.ok(r.ooms > 0);
});

test('header = max(alignment, sizeof(size_t)); minimum block holds a free-area descriptor', () => {
  const a = makeHeap('uclibc', 4096).alloc as UclibcMalloc;
  assert.is(a.headerBytes, 8); // nds: 8-byte alignment > 4-byte size_t
  assert.is(a.faBytes, 12); // size, next, prev
  assert.is(a.minFreeArea, 20); // descriptor + one granule
  assert.is(a.minBlock, 16);
  for (const [req, usable] of [[1, 8], [8, 8], [9, 16], [100, 104]] as const) assert.is(a.blockFootprint(req), usable + 8);
  const e = makeHeap('uclibc', 4096, {}, 'esp8266').alloc as UclibcMalloc;
  assert.is(e.headerBytes, 4); // 4-byte alignment = sizeof(size_t)
});

test('walk() listing worked out by hand (nds, 4 KiB)', () => {
  const h = makeHeap('uclibc', 4096);
  const a = h.alloc;
  // __malloc_heap (the list head) in the first word, padded to 8; one area over the rest.
  assert.equal(rows(h), [
    [0, 8, 'meta', 0, 0],
    [8, 4088, 'free', 0, 0],
  ]);
  const faWord = h.heaps[0]!.base + 4096 - 12; // the descriptor at the end of the area
  assert.is(h.bus.peek32(faWord), 4088);
  const x = a.alloc(1); // 16
  const y = a.alloc(8); // 16
  const z = a.alloc(9); // 24
  assert.equal(rows(h), [
    [0, 8, 'meta', 0, 0],
    [8, 16, 'used', 16, 8],
    [24, 16, 'used', 32, 8],
    [40, 24, 'used', 48, 16],
    [64, 4032, 'free', 0, 0],
  ]);
  assert.is(h.bus.peek32(faWord), 4032, 'allocating from the front only shrinks the size at the end');
  // A remainder below HEAP_MIN_FREE_AREA_SIZE (20) is not left behind: the whole area goes.
  const w = a.alloc(4032 - 16 - 8);
  assert.is(a.usableSize(w), 4032 - 8);
  assert.is(a.freeBytes(), 0);
  a.free(y); // no free neighbour: a new area
  a.free(x); // the area after it absorbs x
  assert.equal(rows(h).slice(1, 3), [
    [8, 32, 'free', 0, 0],
    [40, 24, 'used', 48, 16],
  ]);
  a.free(z); // the area before it grows up: its descriptor moves to z's end
  assert.equal(rows(h).slice(1, 3), [
    [8, 56, 'free', 0, 0],
    [64, 4032, 'used', 72, 4024],
  ]);
  assert.is(h.bus.peek32(h.heaps[0]!.base + 64 - 12), 56);
  assert.equal(a.check(), []);
});

test('realloc grows into the area right after it; shrinks only when ≥ 36 bytes come free', () => {
  const h = makeHeap('uclibc', 4096);
  const a = h.alloc;
  const x = a.alloc(100); // 112-byte block
  assert.is(a.realloc(x, 300), x); // the free area starts right at x's end
  assert.is(a.usableSize(x), 304);
  assert.is(a.realloc(x, 280), x);
  assert.is(a.usableSize(x), 304, '24 bytes would come free: below MALLOC_REALLOC_MIN_FREE_SIZE, kept');
  assert.is(a.realloc(x, 200), x);
  assert.is(a.usableSize(x), 200, '104 bytes come free: shrunk');
  const y = a.alloc(10);
  assert.ok(y > x);
  const x2 = a.realloc(x, 1000); // y blocks growth in place: malloc + copy + free
  assert.ok(x2 !== x && x2 !== 0);
  assert.equal(a.check(), []);
});

test('fixedMetadataBytes + Σ blockFootprint is a heap the blocks fill exactly', () => {
  assert.equal(footprintFillsHeap('uclibc').violations, []);
});

test.run();
