/**
 * umm: long seeded invariant runs (best fit and first fit, nds, esp8266, avr-uno), the 4-byte
 * used-block overhead and 8-byte block rounding, a walk() listing worked out by hand
 * (allocation from the FRONT of a free block, as umm_malloc since 2017; merge up and down on
 * free), umm_realloc's cases by hand, the 32767-block clamp,
 * and umm_info's fragmentation metric.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Umm, autoBody } from '../src/alloc/umm';
import { loadDevice } from '../src/device';
import { makeHeap, randomRun, walkList, footprintFillsHeap } from './helpers/heap';

const rows = (h: ReturnType<typeof makeHeap>) =>
  walkList(h.alloc).map((b) => [b.addr - h.heaps[0]!.base, b.size, b.state, b.state === 'used' ? b.payload - h.heaps[0]!.base : 0, b.usable]);

test('100k random ops (best fit) on small nds heaps: invariants after every op, OOMs happen', () => {
  let ooms = 0;
  for (const [seed, heap] of [[1, 4096], [2, 8192], [3, 16384], [4, 65536]] as const) {
    const r = randomRun('umm', { seed, ops: 25_000, heapSize: heap, checkEvery: 1, probeLargestEvery: 50 });
    assert.equal(r.violations, [], r.violations.join('\n'));
    ooms += r.ooms;
  }
  assert.ok(ooms > 20, `only ${ooms} OOMs`);
});

test('first fit (UMM_FIRST_FIT), esp8266 and avr-uno runs', () => {
  const f = randomRun('umm', { seed: 9, ops: 20_000, heapSize: 6000, params: { fit: 'first' }, checkEvery: 1, probeLargestEvery: 50 });
  assert.equal(f.violations, [], f.violations.join('\n'));
  const e = randomRun('umm', { seed: 10, ops: 20_000, heapSize: 8192, device: 'esp8266', checkEvery: 1, probeLargestEvery: 50 });
  assert.equal(e.violations, [], e.violations.join('\n'));
  const a = randomRun('umm', { seed: 11, ops: 20_000, heapSize: 1280, device: 'avr-uno', checkEvery: 1, probeLargestEvery: 50 });
  assert.equal(a.violations, [], a.violations.join('\n'));
  assert.ok(a.ooms > 0);
});

test('used blocks cost 4 bytes and round to 8-byte blocks (umm_blocks)', () => {
  const a = makeHeap('umm', 16384, { blockBody: 4 }).alloc as Umm; // an nds port built with 8-byte blocks
  for (const [req, usable] of [[1, 4], [4, 4], [5, 12], [12, 12], [13, 20], [100, 100], [101, 108]] as const) {
    const p = a.alloc(req);
    assert.is(a.usableSize(p), usable, `request ${req}`);
    assert.is(a.blockFootprint(req), usable + 4);
    assert.is((usable + 4) % 8, 0);
    assert.is(p % 8, 0, 'payload 8-aligned on nds');
  }
});

test('walk() listing worked out by hand: split from the front, merge up then down', () => {
  const h = makeHeap('umm', 4096, { blockBody: 4 }); // 8-byte blocks (UMM_BLOCK_BODY_SIZE 8)
  const a = h.alloc as Umm;
  // block array starts 4 bytes in (payload = block + 4 must be 8-aligned); 511 blocks; block 0
  // and block 510 are the sentinels.
  assert.is(a.numBlocks, 511);
  assert.equal(rows(h), [
    [0, 12, 'meta', 0, 0],
    [12, 509 * 8, 'free', 0, 0],
    [4084, 12, 'meta', 0, 0],
  ]);
  assert.is(a.freeBytes(), 509 * 8 - 4);
  const x = a.alloc(1); // 1 block from the FRONT of free block 1: block 1; the rest (2..509) stays free
  const y = a.alloc(5); // 2 blocks: blocks 2-3; free 4..509 = 506 blocks
  assert.equal(rows(h), [
    [0, 12, 'meta', 0, 0],
    [12, 8, 'used', 16, 4],
    [20, 16, 'used', 24, 12],
    [36, 506 * 8, 'free', 0, 0],
    [4084, 12, 'meta', 0, 0],
  ]);
  a.free(x); // previous block (0) is used: x goes to the head of the free list
  assert.equal(rows(h)[1], [12, 8, 'free', 0, 0]);
  assert.is(a.freeBytes(), (506 + 1) * 8 - 2 * 4);
  assert.is(a.largestAllocatable(), 506 * 8 - 4);
  // umm_info's metric over free blocks of 506 and 1 blocks
  assert.ok(Math.abs(a.fragmentationMetric() - (100 - (100 * Math.sqrt(506 * 506 + 1)) / 507)) < 1e-9);
  a.free(y); // merges up with blocks 4..509, then down into x's block 1: one free block again
  assert.equal(rows(h), [
    [0, 12, 'meta', 0, 0],
    [12, 509 * 8, 'free', 0, 0],
    [4084, 12, 'meta', 0, 0],
  ]);
  assert.is(a.fragmentationMetric(), 0);
  assert.equal(a.check(), []);
});

test('best fit picks the smallest hole, first fit the first one in free-list order', () => {
  for (const fit of ['best', 'first']) {
    const h = makeHeap('umm', 4096, { fit, blockBody: 4 });
    const a = h.alloc;
    const hs = [a.alloc(60), a.alloc(4), a.alloc(20), a.alloc(4)];
    a.free(hs[2]!); // 3-block hole (pushed first)
    a.free(hs[0]!); // 8-block hole (now at the free-list head), big tail further down the list
    const p = a.alloc(12); // 2 blocks
    const hole3 = hs[2]! - 4; // block start of the 3-block hole
    const inSmall = p - 4 >= hole3 && p - 4 < hole3 + 24;
    if (fit === 'best') assert.ok(inSmall, 'best fit should use the 3-block hole');
    else assert.ok(!inSmall, 'first fit should take the 8-block hole at the list head');
    assert.equal(a.check(), []);
  }
});

test('15-bit block numbers: with blockBody=4 a larger heap is clamped to 32767 blocks, the rest is unusable', () => {
  const h = makeHeap('umm', 1 << 20, { blockBody: 4 });
  const a = h.alloc as Umm;
  assert.is(a.numBlocks, 32767);
  assert.is(a.freeBytes(), 32765 * 8 - 4);
  const w = walkList(a);
  const last = w[w.length - 1]!;
  assert.is(last.state, 'meta');
  assert.is(last.addr + last.size, h.heaps[0]!.base + (1 << 20));
  assert.ok(last.size > (1 << 20) - 32768 * 8);
});

test('blockBody auto: 8-byte blocks while 32767 of them cover the heap, else the smallest power of two that does', () => {
  // The rule: the smallest power of two bs >= 8 with 32767·bs >= 99 % of the heap.
  // 64 KiB: 32767·8 = 262136 >= 64880 → 8. 300 KiB: 262136 < 304128, 524272 >= → 16.
  // 1 MiB: 32767·32 = 1048544 >= 1038090 → 32. 2 MiB (nds): 32767·64 = 2097088 >= 2076180 → 64.
  for (const [heap, block] of [[65536, 8], [300 * 1024, 16], [1 << 20, 32], [2 << 20, 64]] as const) {
    assert.is(autoBody(heap) + 4, block, `heap ${heap}`);
    // a device whose heap is this size: auto picks that block for it
    const dev = { ...loadDevice('nds'), heaps: [{ ...loadDevice('nds').heaps[0]!, size: heap }] };
    const a = makeHeap('umm', undefined, {}, dev).alloc as Umm;
    assert.is(a.blockSize, block, `heap ${heap}`);
    assert.ok(a.numBlocks <= 32767);
    // At most 1 % is clamped; the rest is managed and free but for the sentinels and the pad.
    assert.ok(a.freeBytes() >= 0.99 * heap - 4 * block, `heap ${heap}: free ${a.freeBytes()}`);
  }
});

test('realloc by hand (umm_realloc cases 1, 3, 4): shrink in place, grow into next, then prefer moving down', () => {
  const h = makeHeap('umm', 4096, { blockBody: 4 });
  const a = h.alloc;
  const B = (p: number) => (p - 4 - (h.heaps[0]!.base + 4)) / 8; // block number of a payload
  const x = a.alloc(100); // 2 + (100-5)/8 = 13 blocks: 1..13
  const y = a.alloc(40); // 2 + 35/8 = 6 blocks: 14..19; free 20..509
  assert.equal([B(x), B(y)], [1, 14]);
  assert.is(a.realloc(y, 12), y); // case 1: 2 blocks kept, 16..19 freed (merged up into 20..509)
  assert.is(a.usableSize(y), 12);
  assert.is(a.realloc(y, 36), y); // case 3 (previous block used): 5 blocks, grown into the next
  assert.is(a.usableSize(y), 36);
  a.free(x); // blocks 1..13 free, at the head of the free list
  const bytes = h.bus.appBytes(y, 36);
  for (let i = 0; i < 36; i++) bytes[i] = i * 3 + 1;
  const c0 = h.bus.counters().copyBytes;
  // 120 bytes = 16 blocks: y (5) + the free next block would do, but the free previous block
  // (13) + y (5) = 18 ≥ 16 is case 4: umm moves the payload DOWN into x's block (memmove) and
  // frees the 2-block tail, which merges with the free run after it.
  const y2 = a.realloc(y, 120);
  assert.is(y2, x);
  assert.is(a.usableSize(y2), 16 * 8 - 4);
  assert.ok(h.bus.counters().copyBytes > c0, 'the move was charged as a copy');
  const moved = h.bus.appBytes(y2, 36);
  for (let i = 0; i < 36; i++) assert.is(moved[i], i * 3 + 1);
  assert.equal(rows(h).map((r) => [r[0], r[2]]), [[0, 'meta'], [12, 'used'], [12 + 16 * 8, 'free'], [4084, 'meta']]);
  assert.equal(a.check(), []);
});

test('realloc with a used next block and a free previous one moves down (case 4, payload kept)', () => {
  const h = makeHeap('umm', 4096, { blockBody: 4 });
  const a = h.alloc;
  const p1 = a.alloc(40); // 6 blocks each, upward from block 1
  const p2 = a.alloc(40);
  const p3 = a.alloc(40);
  assert.ok(p1 < p2 && p2 < p3);
  const bytes = h.bus.appBytes(p2, 40);
  for (let i = 0; i < 40; i++) bytes[i] = i * 3 + 1;
  a.free(p1);
  const q = a.realloc(p2, 80); // 11 blocks ≤ 6 + 6
  assert.is(q, p1, 'the block moved down into the free block before it');
  const moved = h.bus.appBytes(q, 40);
  for (let i = 0; i < 40; i++) assert.is(moved[i], i * 3 + 1);
  assert.equal(a.check(), []);
});

test('fixedMetadataBytes + Σ blockFootprint is a heap the blocks fill exactly', () => {
  assert.equal(footprintFillsHeap('umm').violations, []);
});


test('block size is fixed per device: a run at another heap size (min-heap search) keeps the device heap\'s blocks', () => {
  const { buildRig } = require('../src/sim') as typeof import('../src/sim');
  const nds = loadDevice('nds'); // 2 MiB heap: auto gives 64-byte blocks (body 60)
  for (const heapSize of [2 << 20, 65536, 8192]) {
    const r = buildRig(nds, 'umm', { heapSize, whatIf: true });
    assert.is(r.params.blockBody, 60, `heap ${heapSize}`);
    assert.is((r.allocator as Umm).blockSize, 64, `heap ${heapSize}`);
  }
  // an explicit blockBody is kept as given
  assert.is((buildRig(nds, 'umm', { heapSize: 65536, whatIf: true, params: { blockBody: 4 } }).allocator as Umm).blockSize, 8);
  // esp8266's heap fits 8-byte blocks: auto stays 8 there
  assert.is((buildRig(loadDevice('esp8266'), 'umm', {}).allocator as Umm).blockSize, 8);
});

test.run();
