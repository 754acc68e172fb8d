/**
 * FreeRTOS heap_4 and heap_5: long seeded invariant runs (nds, avr-uno), heap_5 over two small
 * regions on stm32f4 (SRAM + CCM) and nds-slot2 (main RAM + 16-bit-write-only expansion RAM),
 * the 8-byte BlockLink_t and heapMINIMUM_BLOCK_SIZE, hand-worked walk() listings, the statics
 * counted in the heap, and the heap_5 end-marker quirk.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FreeRtosHeap } from '../src/alloc/heap4';
import { makeHeap, randomRun, TestHeap, walkList, footprintFillsHeap } from './helpers/heap';
import { multiHeapOf, randomMulti } from './helpers/multiheap';

const rel = (h: TestHeap, a: number) => a - h.heaps[0]!.base;
const rows = (h: TestHeap) => walkList(h.alloc).map((b) => [rel(h, b.addr), b.size, b.state, b.state === 'used' ? rel(h, b.payload) : 0, b.usable]);

test('heap4: 100k random ops on small nds heaps, invariants after every op, OOMs happen', () => {
  let ooms = 0;
  for (const [seed, heap] of [[1, 4096], [2, 8192], [3, 16384], [4, 65536]] as const) {
    const r = randomRun('heap4', { seed, ops: 25_000, heapSize: heap, checkEvery: 1, probeLargestEvery: 50 });
    assert.equal(r.violations, [], r.violations.join('\n'));
    ooms += r.ooms;
  }
  assert.ok(ooms > 20, `only ${ooms} OOMs`);
});

test('heap4 on avr-uno (16-bit size_t, 4-byte BlockLink_t, no alignment)', () => {
  const r = randomRun('heap4', { seed: 5, ops: 20_000, heapSize: 1280, device: 'avr-uno', checkEvery: 1, probeLargestEvery: 50 });
  assert.equal(r.violations, [], r.violations.join('\n'));
  assert.ok(r.ooms > 0);
  const a = makeHeap('heap4', 1280, {}, 'avr-uno').alloc as FreeRtosHeap;
  assert.is(a.headerBytes, 4);
  assert.is(a.minBlockBytes, 8);
});

test('BlockLink_t is 8 bytes on 32-bit, heapMINIMUM_BLOCK_SIZE twice that', () => {
  const a = makeHeap('heap4', 4096).alloc as FreeRtosHeap;
  assert.is(a.headerBytes, 8);
  assert.is(a.minBlockBytes, 16);
  for (const [req, usable] of [[1, 8], [8, 8], [9, 16], [100, 104]] as const) assert.is(a.blockFootprint(req), usable + 8);
});

test('heap4 walk() listing worked out by hand (nds, 4 KiB)', () => {
  const h = makeHeap('heap4', 4096);
  const a = h.alloc as FreeRtosHeap;
  // statics: xStart (8) + pxEnd, xFreeBytesRemaining, xMinimumEver..., 2 counters (4 each) = 28,
  // aligned to 32; the end marker takes the last 8 bytes.
  assert.is(a.staticsBytes, 28);
  assert.equal(rows(h), [
    [0, 32, 'meta', 0, 0],
    [32, 4056, 'free', 0, 0],
    [4088, 8, 'meta', 0, 0],
  ]);
  assert.is(a.freeBytes(), 4048);
  assert.is(a.largestAllocatable(), 4048);
  const x = a.alloc(1); // 1 + 8 → 16
  const y = a.alloc(8); // 16
  const z = a.alloc(9); // 17 → 24
  assert.equal(rows(h), [
    [0, 32, 'meta', 0, 0],
    [32, 16, 'used', 40, 8],
    [48, 16, 'used', 56, 8],
    [64, 24, 'used', 72, 16],
    [88, 4000, 'free', 0, 0],
    [4088, 8, 'meta', 0, 0],
  ]);
  // A leftover of exactly heapMINIMUM_BLOCK_SIZE (16) is not split off (the test is "> 16").
  const w = a.alloc(4000 - 16 - 8);
  assert.is(a.usableSize(w), 4000 - 8);
  assert.is(a.freeBytes(), 0);
  assert.is(a.largestAllocatable(), 0);
  assert.is(a.minimumEverFreeBytes(), 0);
  a.free(y);
  a.free(x); // coalesces with y's block after it
  assert.equal(rows(h).slice(1, 3), [
    [32, 32, 'free', 0, 0],
    [64, 24, 'used', 72, 16],
  ]);
  a.free(z); // coalesces with the block before it
  assert.equal(rows(h).slice(1, 3), [
    [32, 56, 'free', 0, 0],
    [88, 4000, 'used', 96, 3992],
  ]);
  assert.is(a.freeBytes(), 48);
  assert.equal(a.check(), []);
});

test('the statics are charged as statics: an alloc reads xFreeBytesRemaining before walking', () => {
  const h = makeHeap('heap4', 4096);
  const c0 = h.bus.counters();
  assert.is(h.alloc.alloc(5000), 0); // larger than xFreeBytesRemaining: no walk at all
  const c1 = h.bus.counters();
  assert.is(c1.statics.reads - c0.statics.reads, 1, 'one statics read (.bss, outside the heap)');
  assert.is(c1.reads - c0.reads, 0, 'no heap read');
});

/** heap5 on `device` with its heaps replaced by `spans`. */
const multiHeap = (device: string, spans: Array<[string, number, number]>): TestHeap => multiHeapOf('heap5', device, spans);

test('heap5 on stm32f4: SRAM + CCM, regions in address order (CCM first), blocks in both', () => {
  const h = multiHeap('stm32f4', [['sram', 0x4000, 6000], ['ccm', 0, 3000]]);
  const r = randomMulti(h, 21, 25_000, 1500);
  assert.equal(r.violations, [], r.violations.join('\n'));
  assert.ok(r.ooms > 0 && r.crossed);
});

test('heap5 on nds-slot2: main RAM + expansion RAM that takes only 16-bit writes', () => {
  const h = multiHeap('nds-slot2', [['main', 0x180000, 5000], ['slot2', 0, 7000]]);
  const r = randomMulti(h, 22, 25_000, 2000);
  assert.equal(r.violations, [], r.violations.join('\n')); // an 8-bit store to slot2 would be a BusFault
  assert.ok(r.ooms > 0 && r.crossed);
  assert.ok(h.bus.counters().byRegion.slot2!.accesses > 0);
});

test('heap5 walk() by hand over two regions; a block ending at a region end absorbs its marker', () => {
  const h = multiHeap('stm32f4', [['sram', 0x4000, 2048], ['ccm', 0, 1024]]);
  const a = h.alloc as FreeRtosHeap;
  const ccm = 0x10000000, sram = 0x20004000;
  const list = () => walkList(a).map((b) => [b.addr, b.size, b.state]);
  assert.equal(list(), [
    [ccm, 32, 'meta'], // statics in the lowest region
    [ccm + 32, 984, 'free'],
    [ccm + 1016, 8, 'meta'], // CCM end marker: links to SRAM's first block
    [sram, 2040, 'free'],
    [sram + 2040, 8, 'meta'], // pxEnd
  ]);
  const big = a.alloc(1000); // 1008 > 984: first fit skips CCM
  assert.is(big, sram + 8);
  const whole = a.alloc(976); // exactly CCM's block: 984 − 984 = 0 left
  assert.is(whole, ccm + 40);
  assert.is(a.freeBytes(), 1032 - 8);
  a.free(whole); // ends at CCM's marker: heap_5 merges the (zero-size) marker away
  assert.equal(list().slice(1, 3), [
    [ccm + 32, 984, 'free'],
    [ccm + 1016, 8, 'meta'],
  ]);
  assert.equal(a.check(), []);
  // still fully usable afterwards
  assert.is(a.alloc(976), ccm + 40);
  a.free(big);
  assert.is(a.largestAllocatable(), 2032);
  assert.equal(a.check(), []);
});

test('fixedMetadataBytes + Σ blockFootprint is a heap the blocks fill exactly', () => {
  assert.equal(footprintFillsHeap('heap4').violations, []);
});

test.run();
