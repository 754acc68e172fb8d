/**
 * The classic allocators (first-fit, next-fit, best-fit, buddy, slab):
 * - layout tables: after an op sequence walk() lists exactly these blocks, with the expected
 *   addresses worked out by hand from each allocator's layout rules (arithmetic in comments);
 * - exact cycle counts of a hand-worked first-fit and buddy sequence on nds, recomputed from
 *   the profile's access costs;
 * - check() catches corrupted headers, footers, tags and counts;
 * - parameter validation and HEAP_TOO_SMALL;
 * - seeded random runs of 100k ops per allocator (nds, 64 KiB heap) and on avr-uno (2 KiB heap,
 *   16-bit pointers), with the independent invariant checker after every op.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { costTable } from '../src/bus';
import { SimError } from '../src/errors';
import { listDeviceNames } from '../src/device';
import type { BlockState, Params } from '../src/alloc';
import { makeHeap, randomRun, walkList, TestHeap, footprintFillsHeap } from './helpers/heap';
import { Prng } from '../src/util/prng';

const CLASSIC = ['first-fit', 'next-fit', 'best-fit', 'buddy', 'slab'];

// ---- layout tables ---------------------------------------------------------------------------

type Op = ['a', string, number] | ['f', string] | ['r', string, number, 'same' | 'moved'];
/** [offset from the heap base, size, state, name of the handle for used blocks]. */
type Row = [number, number, BlockState, string?];

interface LayoutCase {
  title: string;
  allocator: string;
  params?: Record<string, string | number>;
  device?: string;
  heap: number;
  ops: Op[];
  blocks: Row[];
  /** Expected freeBytes() and largestAllocatable() after the ops. */
  free?: number;
  largest?: number;
}

function runOps(h: TestHeap, ops: Op[]): Map<string, number> {
  const names = new Map<string, number>();
  for (const op of ops) {
    if (op[0] === 'a') {
      const p = h.alloc.alloc(op[2]);
      assert.ok(p !== 0, `alloc(${op[2]}) for ${op[1]} failed`);
      names.set(op[1], p);
    } else if (op[0] === 'f') {
      h.alloc.free(names.get(op[1])!);
      names.delete(op[1]);
    } else {
      const old = names.get(op[1])!;
      const p = h.alloc.realloc(old, op[2]);
      assert.ok(p !== 0, `realloc(${op[1]}, ${op[2]}) failed`);
      assert.is(p === old ? 'same' : 'moved', op[3], `realloc(${op[1]}, ${op[2]})`);
      names.set(op[1], p);
    }
    assert.equal(h.alloc.check(), []);
  }
  return names;
}

const LAYOUTS: LayoutCase[] = [
  // Free-list allocators on nds: 4-byte pointers and headers, alignment 8 → granule G = 8,
  // minimum block 16, need(n) = max(16, roundUp(n + 4, 8)). Heap of 256 bytes at base B.
  // first-fit/best-fit control area = head (4 B) at B; first payload = roundUp(B+4+4, 8) = B+8,
  // so the first block is at B+4; epilogue at B+4 + floor((256-4-4)/8)*8 = B+252. One free
  // block of 248.
  //
  // Default cut=front: a request takes the low end of the chosen block.
  // x1 = a(60): need 64 → x1 at B+4, free B+68 184.  x2 = a(20): need 24 → x2 B+68, free B+92 160.
  // x3 = a(60) → x3 B+92, free B+156 96.              x4 = a(20) → x4 B+156, free B+180 72.
  // free x3: neighbours used → list [B+92 64, B+180 72]; free x1 → [B+4 64, B+92 64, B+180 72].
  {
    title: 'first-fit: first block that fits, low end; low holes are reused first',
    allocator: 'first-fit',
    heap: 256,
    ops: [['a', 'x1', 60], ['a', 'x2', 20], ['a', 'x3', 60], ['a', 'x4', 20], ['f', 'x3'], ['f', 'x1'],
      // y = a(40): need 48; B+4 (64): 16 left → y at B+4, free B+52 16.
      ['a', 'y', 40],
      // z = a(40): B+52 (16) too small; B+92 (64) → z at B+92, free B+140 16.
      ['a', 'z', 40],
      // w = a(8): need 16; B+52 (16) is the first fit, exact.
      ['a', 'w', 8]],
    blocks: [[0, 4, 'meta'], [4, 48, 'used', 'y'], [52, 16, 'used', 'w'], [68, 24, 'used', 'x2'], [92, 48, 'used', 'z'],
      [140, 16, 'free'], [156, 24, 'used', 'x4'], [180, 72, 'free'], [252, 4, 'meta']],
    free: (16 - 4) + (72 - 4),
    largest: 72 - 4,
  },
  {
    // next-fit: control area = head + rover (8 B); first payload roundUp(B+8+4, 8) = B+16, first
    // block B+12, epilogue B+12 + floor((256-12-4)/8)*8 = B+252; one free block of 240.
    // x1 = a(60) → B+12, free B+76 176 (the rover follows the remainder).  x2 → B+76, free B+100.
    // x3 → B+100, free B+164.  x4 → B+164, free B+188 64; rover = B+188.
    // free x3, x1 → list [B+12 64, B+100 64, B+188 64].
    title: 'next-fit: the search resumes at the roving pointer and wraps around',
    allocator: 'next-fit',
    heap: 256,
    ops: [['a', 'x1', 60], ['a', 'x2', 20], ['a', 'x3', 60], ['a', 'x4', 20], ['f', 'x3'], ['f', 'x1'],
      // y = a(40): starts at the rover B+188 (64) → y at B+188, free B+236 16; rover = B+236.
      ['a', 'y', 40],
      // z = a(40): B+236 (16) no; wraps to the head B+12 (64) → z at B+12, free B+60 16; rover = B+60.
      ['a', 'z', 40],
      // w = a(8): B+60 (16) exact; the rover moves on to B+100.
      ['a', 'w', 8]],
    blocks: [[0, 12, 'meta'], [12, 48, 'used', 'z'], [60, 16, 'used', 'w'], [76, 24, 'used', 'x2'], [100, 64, 'free'],
      [164, 24, 'used', 'x4'], [188, 48, 'used', 'y'], [236, 16, 'free'], [252, 4, 'meta']],
  },
  {
    // best-fit, front cut. x1 = a(68): need 72 → B+4, free B+76 176; x2 = a(20) → B+76, free B+100;
    // x3 = a(60) → B+100, free B+164 88; x4 = a(20) → B+164, free B+188 64.
    // free x3, x1 → list [B+4 72, B+100 64, B+188 64].
    title: 'best-fit: the smallest block that fits, ties to the lowest address',
    allocator: 'best-fit',
    heap: 256,
    ops: [['a', 'x1', 68], ['a', 'x2', 20], ['a', 'x3', 60], ['a', 'x4', 20], ['f', 'x3'], ['f', 'x1'],
      // y = a(40), need 48: 72, 64, 64 → B+100 → y at B+100, free B+148 16.
      ['a', 'y', 40],
      // z = a(40): 72, 16 (too small), 64 → B+188 → z at B+188, free B+236 16.
      ['a', 'z', 40],
      // w = a(8), need 16: B+148 (16) is exact (first-fit would split B+4).
      ['a', 'w', 8]],
    blocks: [[0, 4, 'meta'], [4, 72, 'free'], [76, 24, 'used', 'x2'], [100, 48, 'used', 'y'], [148, 16, 'used', 'w'],
      [164, 24, 'used', 'x4'], [188, 48, 'used', 'z'], [236, 16, 'free'], [252, 4, 'meta']],
    free: (72 - 4) + (16 - 4),
    largest: 72 - 4,
  },
  //
  // cut=tail (K&R): a request takes the HIGH end of the chosen block.
  // x1 = a(60): need 64; free B+4 248 → 184, x1 at B+4+184 = B+188.
  // x2 = a(20): need 24; free → 160, x2 at B+164.   x3 = a(60): need 64; free → 96, x3 at B+100.
  // x4 = a(20): need 24; free → 72, x4 at B+76.     free x3, x1: list [B+4 72, B+100 64, B+188 64].
  {
    title: 'first-fit, cut=tail: first block that fits, cut from its tail',
    allocator: 'first-fit',
    params: { cut: 'tail' },
    heap: 256,
    ops: [['a', 'x1', 60], ['a', 'x2', 20], ['a', 'x3', 60], ['a', 'x4', 20], ['f', 'x3'], ['f', 'x1'],
      // y = a(40): need 48; B+4 (72) fits: 72-48 = 24 >= 16 → free B+4 24, y at B+28.
      ['a', 'y', 40],
      // z = a(40): B+4 (24) too small; B+100 (64): 16 left → free B+100 16, z at B+116.
      ['a', 'z', 40],
      // w = a(8): need 16; B+4 (24): 8 left < 16 → the whole block: w at B+4, 24 bytes.
      ['a', 'w', 8]],
    blocks: [[0, 4, 'meta'], [4, 24, 'used', 'w'], [28, 48, 'used', 'y'], [76, 24, 'used', 'x4'], [100, 16, 'free'],
      [116, 48, 'used', 'z'], [164, 24, 'used', 'x2'], [188, 64, 'free'], [252, 4, 'meta']],
    free: (16 - 4) + (64 - 4), // payload bytes of the two free blocks
    largest: 64 - 4,
  },
  {
    title: 'first-fit, LIFO order, cut=tail: freed blocks are searched first',
    allocator: 'first-fit',
    params: { order: 'lifo', cut: 'tail' },
    heap: 256,
    // Same start; after free x3, free x1 the list is [B+188 64, B+100 64, B+4 72].
    ops: [['a', 'x1', 60], ['a', 'x2', 20], ['a', 'x3', 60], ['a', 'x4', 20], ['f', 'x3'], ['f', 'x1'],
      // y = a(40): B+188 (64) → free B+188 16, y at B+204.   z = a(40): B+188 (16) no; B+100 → free 16, z at B+116.
      ['a', 'y', 40], ['a', 'z', 40],
      // w = a(8): B+188 (16) is an exact fit.
      ['a', 'w', 8]],
    blocks: [[0, 4, 'meta'], [4, 72, 'free'], [76, 24, 'used', 'x4'], [100, 16, 'free'], [116, 48, 'used', 'z'],
      [164, 24, 'used', 'x2'], [188, 16, 'used', 'w'], [204, 48, 'used', 'y'], [252, 4, 'meta']],
  },
  {
    // next-fit: control area = head + rover (8 B); first payload roundUp(B+8+4, 8) = B+16, first
    // block B+12, epilogue B+12 + floor((256-12-4)/8)*8 = B+252; one free block of 240.
    // x1..x4 as above: x1 B+188, x2 B+164, x3 B+100, x4 B+76, free B+12 64; free x3, x1.
    title: 'next-fit, cut=tail: the search resumes at the roving pointer',
    allocator: 'next-fit',
    params: { cut: 'tail' },
    heap: 256,
    ops: [['a', 'x1', 60], ['a', 'x2', 20], ['a', 'x3', 60], ['a', 'x4', 20], ['f', 'x3'], ['f', 'x1'],
      // y = a(40): rover B+12 (64) → free B+12 16, y at B+28; rover stays on B+12.
      ['a', 'y', 40],
      // z = a(40): B+12 (16) no; B+100 (64) → free B+100 16, z at B+116; rover = B+100.
      ['a', 'z', 40],
      // w = a(8): starts at the rover B+100 (16): exact fit (first-fit would take B+12).
      ['a', 'w', 8]],
    blocks: [[0, 12, 'meta'], [12, 16, 'free'], [28, 48, 'used', 'y'], [76, 24, 'used', 'x4'], [100, 16, 'used', 'w'],
      [116, 48, 'used', 'z'], [164, 24, 'used', 'x2'], [188, 64, 'free'], [252, 4, 'meta']],
  },
  {
    title: 'best-fit, cut=tail: the smallest block that fits',
    allocator: 'best-fit',
    params: { cut: 'tail' },
    heap: 256,
    ops: [['a', 'x1', 60], ['a', 'x2', 20], ['a', 'x3', 60], ['a', 'x4', 20], ['f', 'x3'], ['f', 'x1'],
      // y = a(40), need 48: candidates 72, 64, 64 → B+100 (first of the 64s) → free B+100 16, y at B+116.
      ['a', 'y', 40],
      // z = a(40): candidates B+4 72, B+188 64 → B+188 → free B+188 16, z at B+204.
      ['a', 'z', 40],
      // w = a(8), need 16: B+100 (16) is exact.
      ['a', 'w', 8]],
    blocks: [[0, 4, 'meta'], [4, 72, 'free'], [76, 24, 'used', 'x4'], [100, 16, 'used', 'w'], [116, 48, 'used', 'y'],
      [164, 24, 'used', 'x2'], [188, 16, 'free'], [204, 48, 'used', 'z'], [252, 4, 'meta']],
    free: (72 - 4) + (16 - 4),
    largest: 72 - 4,
  },
  {
    title: 'first-fit: free coalesces with the previous, the next, and both neighbours',
    allocator: 'first-fit',
    heap: 256,
    // a = a(60) at B+4, b = a(60) at B+68, c = a(60) at B+132; free B+196 56.
    // free a: no block before, b used after → list [B+4, B+196].
    // free c: the next block B+196 is free → c takes its list place, B+132 of 64 + 56 = 120.
    // free b: both neighbours free → B+4 grows to 64 + 64 + 120 = 248, the whole heap.
    ops: [['a', 'a', 60], ['a', 'b', 60], ['a', 'c', 60], ['f', 'a'], ['f', 'c'], ['f', 'b']],
    blocks: [[0, 4, 'meta'], [4, 248, 'free'], [252, 4, 'meta']],
    free: 244,
    largest: 244,
  },
  {
    title: 'first-fit: split threshold 32 keeps a 24-byte remainder with the block',
    allocator: 'first-fit',
    params: { split: 32 },
    heap: 256,
    // p = a(200): need 208; 248 - 208 = 40 >= 32 → p at B+4, free B+212 40.
    // q = a(10): need 16; 40 - 16 = 24 < 32 → q takes all 40 bytes (usable 36).
    ops: [['a', 'p', 200], ['a', 'q', 10]],
    blocks: [[0, 4, 'meta'], [4, 208, 'used', 'p'], [212, 40, 'used', 'q'], [252, 4, 'meta']],
    free: 0,
    largest: 0,
  },
  {
    title: 'first-fit: realloc grows into the next free block, shrinks in place, else moves',
    allocator: 'first-fit',
    heap: 256,
    ops: [
      // a = a(20): need 24 → a at B+4; b = a(20) → b at B+28; c = a(150): need 160 → c at B+52,
      // free B+212 40. free a → list [B+4 24, B+212 40].
      ['a', 'a', 20], ['a', 'b', 20], ['a', 'c', 150], ['f', 'a'],
      // r(c, 180): need 184 <= 160 + 40; 16 left → the remainder B+236 (16) replaces B+212.
      ['r', 'c', 180, 'same'],
      // r(c, 100): need 104; 80 left over → B+156 (80) is freed and merges with B+236 → B+156 96.
      ['r', 'c', 100, 'same'],
      // r(b, 60): need 64 > 24 and c follows → moves: a(60) takes the low end of B+156 (96),
      // free B+220 32; the old b (B+28, 24) merges with the free B+4 (24) → B+4 48.
      ['r', 'b', 60, 'moved'],
    ],
    blocks: [[0, 4, 'meta'], [4, 48, 'free'], [52, 104, 'used', 'c'], [156, 64, 'used', 'b'], [220, 32, 'free'], [252, 4, 'meta']],
  },
  {
    // avr-uno: 2-byte pointers and headers, alignment 1 → granule max(1, 2, 4) = 4, minimum block
    // roundUp(4 × 2, 4) = 8. Heap of 64 at 0x300: head at 0x300, first payload roundUp(0x304, 4)
    // = 0x304, first block 0x302, epilogue 0x302 + floor((64-2-2)/4)*4 = 0x33E.
    title: 'first-fit on avr-uno: 2-byte headers, 4-byte granule',
    allocator: 'first-fit',
    device: 'avr-uno',
    heap: 64,
    // a(5): need roundUp(5 + 2, 4) = 8; 60 - 8 = 52 → block at 0x302 (payload 0x304), free 0x30A 52.
    ops: [['a', 'p', 5]],
    blocks: [[0, 2, 'meta'], [2, 8, 'used', 'p'], [10, 52, 'free'], [62, 2, 'meta']],
    free: 50,
    largest: 50,
  },
  // buddy on nds: header slot roundUp(4, 8) = 8; min order 4 (a free block needs 3 × 4 bytes,
  // a payload > 8). Heap 256 at B: mask word at B, heads for orders 4..8 at B+4..B+24, origin
  // B+24 (8-aligned). 232 bytes are carved into 128 (B+24), 64 (B+152), 32 (B+216); 8 left over.
  {
    title: 'buddy: a non-power-of-two heap is carved into maximal power-of-two blocks',
    allocator: 'buddy',
    heap: 256,
    ops: [],
    blocks: [[0, 24, 'meta'], [24, 128, 'free'], [152, 64, 'free'], [216, 32, 'free'], [248, 8, 'meta']],
    free: 120 + 56 + 24,
    largest: 128 - 8,
  },
  {
    title: 'buddy: splitting, and merging only with the true buddy',
    allocator: 'buddy',
    heap: 256,
    ops: [
      // a = a(1): 1 + 8 → order 4. Smallest non-empty order >= 4 is 5 (B+216): split, upper
      // half B+232 (order 4) freed, a = B+216.
      ['a', 'a', 1],
      // b = a(20): 28 → order 5. Lists: 4, 6, 7 → split B+152 (64): upper half B+184 freed, b = B+152.
      ['a', 'b', 20],
      // c = a(100): 108 → order 7: B+24 whole.
      ['a', 'c', 100],
      // free a: buddy of B+216 (offset 192) at order 4 is offset 208 = B+232, free → merge to
      // B+216 order 5; its order-5 buddy would be offset 224..256, past the carved end: stop.
      ['f', 'a'],
    ],
    // B+184 and B+216 are adjacent free 32-byte blocks but not buddies (B+184's buddy is b).
    blocks: [[0, 24, 'meta'], [24, 128, 'used', 'c'], [152, 32, 'used', 'b'], [184, 32, 'free'], [216, 32, 'free'], [248, 8, 'meta']],
    free: 24 + 24,
    largest: 32 - 8,
  },
  {
    title: 'buddy: realloc shrinks by splitting and grows into a free upper buddy',
    allocator: 'buddy',
    heap: 256,
    ops: [
      // c = a(100): order 7 at B+24. r(c, 20): order 5 → halves B+88 (64, order 6) and
      // B+56 (32, order 5) freed; c stays at B+24.
      ['a', 'c', 100], ['r', 'c', 20, 'same'],
      // r(c, 50): order 6; c (offset 0) is the lower buddy and B+56 (order 5) is free → grows in place.
      ['r', 'c', 50, 'same'],
    ],
    blocks: [[0, 24, 'meta'], [24, 64, 'used', 'c'], [88, 64, 'free'], [152, 64, 'free'], [216, 32, 'free'], [248, 8, 'meta']],
  },
  // slab on nds with classes 16,32,64 and 256-byte pages, heap 2048 at B. Descriptor roundUp(6 × 4,
  // 8) = 24; capacities (256-24)/16 = 14, (256-24)/32 = 7. Control area: pool head B, 3 caches ×
  // 16 bytes at B+4, page map at B+52; pages: floor((2048-52)/(256+4)) = 7, map 28 bytes, origin
  // roundUp(B+80, 8) = B+80, pool end B+80+7×256 = B+1872, 176 bytes of slack.
  {
    title: 'slab: slabs from the tail of the page pool, objects carved in order, a large run',
    allocator: 'slab',
    params: { classes: '16,32,64', page: 256 },
    heap: 2048,
    ops: [
      // a = a(10): class 16, no slab yet: page = tail of the 7-page run = B+80+6×256 = B+1616;
      // objects from B+1616+24: a = B+1640.  b = a(16): B+1656.
      ['a', 'a', 10], ['a', 'b', 16],
      // c = a(17): class 32, new page B+80+5×256 = B+1360, c = B+1384.
      ['a', 'c', 17],
      // d = a(300): large, 2 pages from the tail of the 5-page run: B+80+3×256 = B+848.
      ['a', 'd', 300],
      // free a, then e = a(1): class 16 reuses a's slot through the slab's free list.
      ['f', 'a'], ['a', 'e', 1],
    ],
    blocks: [[0, 80, 'meta'], [80, 768, 'free'], [848, 512, 'used', 'd'],
      [1360, 24, 'meta'], [1384, 32, 'used', 'c'], [1416, 6 * 32, 'free'], [1608, 8, 'meta'],
      [1616, 24, 'meta'], [1640, 16, 'used', 'e'], [1656, 16, 'used', 'b'], [1672, 12 * 16, 'free'], [1864, 8, 'meta'],
      [1872, 176, 'meta']],
    free: 768 + 6 * 32 + 12 * 16,
    largest: 768,
  },
  {
    title: 'slab: an empty slab is kept, then reaped when a large request needs its page',
    allocator: 'slab',
    params: { classes: '16,32,64', page: 256 },
    heap: 2048,
    ops: [
      ['a', 'a', 10], ['a', 'b', 16], ['a', 'c', 17], ['a', 'd', 300], ['f', 'a'], ['a', 'e', 1],
      // free c: its slab (B+1360) is empty and kept (keep-empty 1). free d: pages B+848..B+1360
      // join the free run B+80 → one run of 5 pages. Largest: 5 pages + the empty slab = 1536.
      ['f', 'c'], ['f', 'd'],
      // g = a(1536): 6 pages; the pool has 5 contiguous → reap the empty slab, which merges into
      // a 6-page run at B+80, taken whole.
      ['a', 'g', 1536],
    ],
    blocks: [[0, 80, 'meta'], [80, 1536, 'used', 'g'],
      [1616, 24, 'meta'], [1640, 16, 'used', 'e'], [1656, 16, 'used', 'b'], [1672, 12 * 16, 'free'], [1864, 8, 'meta'],
      [1872, 176, 'meta']],
    free: 12 * 16,
    largest: 16,
  },
];

const layout = suite('layout tables');
for (const c of LAYOUTS) {
  layout(c.title, () => {
    const h = makeHeap(c.allocator, c.heap, c.params ?? {}, c.device ?? 'nds');
    const names = runOps(h, c.ops);
    const base = h.heaps[0]!.base;
    const byHandle = new Map([...names].map(([k, v]) => [v, k]));
    const got = walkList(h.alloc).map((b): Row => {
      const r: Row = [b.addr - base, b.size, b.state];
      if (b.state === 'used') {
        r.push(byHandle.get(b.handle) ?? `?${b.handle}`);
        assert.is(b.payload, b.handle, 'non-moving: handle is the payload address');
        assert.is(h.alloc.usableSize(b.handle), b.usable);
      }
      return r;
    });
    assert.equal(got, c.blocks);
    if (c.free !== undefined) assert.is(h.alloc.freeBytes(), c.free, 'freeBytes');
    if (c.largest !== undefined) assert.is(h.alloc.largestAllocatable(), c.largest, 'largestAllocatable');
    // Conservation: usable + metadata + free = heap for these allocators.
    const usable = walkList(h.alloc).reduce((s, b) => s + b.usable, 0);
    assert.is(usable + h.alloc.metadataBytes() + h.alloc.freeBytes(), c.heap, 'usable + metadata + free = heap');
  });
}
layout.run();

// ---- exact cycles on nds ---------------------------------------------------------------------

const cycles = suite('exact cycle counts on nds');

/** Read/write N/S costs of a 32-bit access in the nds heap's region, from the profile. */
function nds32(h: TestHeap) {
  const reg = h.dev.regions.find((r) => r.name === h.heaps[0]!.region)!;
  const t = costTable(reg);
  return { RN: t[0 * 6 + 2 * 2]!, RS: t[0 * 6 + 2 * 2 + 1]!, WN: t[1 * 6 + 2 * 2]!, WS: t[1 * 6 + 2 * 2 + 1]! };
}

cycles('first-fit: alloc(10) and free on a fresh 256-byte heap (front cut)', () => {
  const h = makeHeap('first-fit', 256);
  const { RN, RS, WN, WS } = nds32(h);
  const c0 = h.bus.counters().cycles;
  const p = h.alloc.alloc(10);
  // work 4 (need) | read head @B: N | read header @B+4: S (continues B..B+4) | read next @B+8: S |
  // work 2 (compare) | work 2 (remainder) | relink the remainder B+20 in B+4's place: read next
  // @B+8: N, prev @B+12: S; write next @B+24: N, prev @B+28: S; write head @B: N |
  // write remainder header @B+20: N, footer @B+248: N | write used header @B+4: N.
  assert.is(h.bus.counters().cycles - c0, 8 + RN + 2 * RS + RN + RS + WN + WS + WN + WN + WN + WN);
  const c1 = h.bus.counters().cycles;
  h.alloc.free(p);
  // read header @B+4: N | read next block @B+20: N | work 4 | it is free: B+4 takes its list
  // place: read next @B+24: N, prev @B+28: S; write next @B+8: N, prev @B+12: S; head @B: N |
  // write merged header @B+4: S (continues the head store at B) | footer @B+248: N.
  assert.is(h.bus.counters().cycles - c1, 4 + 3 * RN + RS + 3 * WN + 2 * WS);
});

cycles('first-fit cut=tail: alloc(10) and free on a fresh 256-byte heap', () => {
  const h = makeHeap('first-fit', 256, { cut: 'tail' });
  const { RN, RS, WN, WS } = nds32(h);
  const c0 = h.bus.counters().cycles;
  const p = h.alloc.alloc(10);
  // work 4 (need) | read head @B: N | read header @B+4: S | read next @B+8: S | work 2 | work 2 |
  // write header @B+4: N | write footer @B+232: N | write used header @B+236: S (continues the
  // footer) | read epilogue @B+252: N | write epilogue (clear PFREE): N.
  assert.is(h.bus.counters().cycles - c0, 8 + RN + 2 * RS + WN + WN + WS + RN + WN);
  const c1 = h.bus.counters().cycles;
  h.alloc.free(p);
  // read header @B+236: N | read epilogue @B+252: N | work 4 | read footer of the previous free
  // block @B+232: N | write epilogue (set PFREE): N | write merged header @B+4: N | footer @B+248: N.
  assert.is(h.bus.counters().cycles - c1, 4 + 3 * RN + 3 * WN);
});

cycles('buddy: alloc(1) on a fresh 256-byte heap (one split)', () => {
  const h = makeHeap('buddy', 256);
  const { RN, WN, WS } = nds32(h);
  const c0 = h.bus.counters().cycles;
  h.alloc.alloc(1);
  // order: add, fls, clamp (2 + fls: CLZ + RSB = 2 on the ARM946E-S) | read mask @B: N | pick
  // list 5: mask, ffs (1 + ffs = 4) | read head[5] @B+8: N | read next of B+216 @B+220: N |
  // write head[5] = 0: N | work 2 (split) | write half B+232 header: N, next: S, prev: S |
  // write head[4] @B+4: N | write mask @B: N | write used header @B+216: N.
  const { fls, ffs } = h.bus.cpu;
  assert.equal([fls, ffs], [2, 4]);
  assert.is(h.bus.counters().cycles - c0, 2 + fls + 1 + ffs + 2 + 3 * RN + 5 * WN + 2 * WS);
});
cycles.run();

// ---- check() catches corruption --------------------------------------------------------------

const corrupt = suite('check() catches corruption');

corrupt('first-fit: a free block footer that disagrees with its header', () => {
  const h = makeHeap('first-fit', 256);
  h.alloc.alloc(10); // used B+4 (16), free block B+20 of 232 bytes, footer at B+248
  assert.equal(h.alloc.check(), []);
  h.bus.poke32(h.heaps[0]!.base + 248, 224);
  assert.match(h.alloc.check().join('\n'), /footer 224 != header size 232/);
});

corrupt('first-fit: a used block whose PFREE bit is wrong', () => {
  const h = makeHeap('first-fit', 256);
  const a = h.alloc.alloc(10); // B+4
  const p = h.alloc.alloc(10); // B+20
  h.alloc.free(a); // B+4 free → the header of B+20 has PFREE set
  assert.equal(h.alloc.check(), []);
  h.bus.poke32(p - 4, 16 | 1);
  assert.match(h.alloc.check().join('\n'), /PFREE bit false but previous block free=true/);
});

corrupt('buddy: a free block tag overwritten', () => {
  const h = makeHeap('buddy', 256);
  h.bus.poke32(h.heaps[0]!.base + 152, 0x1234);
  assert.match(h.alloc.check().join('\n'), /bad header/);
});

corrupt('slab: an in-use count that disagrees with the lists', () => {
  const h = makeHeap('slab', 2048, { classes: '16,32,64', page: 256 });
  const p = h.alloc.alloc(10);
  h.alloc.alloc(10);
  const slab = p - 24;
  h.bus.poke32(slab + 12, 5); // in-use count field (offset 3 × 4)
  const v = h.alloc.check().join('\n');
  assert.match(v, /free slots but/);
  assert.match(v, /used counter/);
});
corrupt.run();

// ---- parameters and refusals -----------------------------------------------------------------

const params = suite('parameters and heap size');

function simErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimError) return e.code;
    throw e;
  }
  return 'no error';
}

params('bad parameters are ALLOCATOR_PARAM errors', () => {
  assert.is(simErrorCode(() => makeHeap('buddy', 4096, { 'min-order': 3 })), 'ALLOCATOR_PARAM');
  assert.is(simErrorCode(() => makeHeap('slab', 65536, { classes: '16,abc' })), 'ALLOCATOR_PARAM');
  assert.is(simErrorCode(() => makeHeap('slab', 65536, { page: 1000 })), 'ALLOCATOR_PARAM');
  assert.is(simErrorCode(() => makeHeap('slab', 65536, { page: 512 })), 'ALLOCATOR_PARAM'); // < 24 + 1024
  assert.is(simErrorCode(() => makeHeap('first-fit', 4096, { order: 'random' })), 'ALLOCATOR_PARAM');
  assert.is(simErrorCode(() => makeHeap('next-fit', 4096, { split: -8 })), 'ALLOCATOR_PARAM');
});

params('heaps too small for the metadata are HEAP_TOO_SMALL; 16-bit pointers cap the heap', () => {
  assert.is(simErrorCode(() => makeHeap('first-fit', 16)), 'HEAP_TOO_SMALL');
  assert.is(simErrorCode(() => makeHeap('first-fit', 32)), 'no error');
  // buddy, 24 bytes: mask 4 + one head (order 4) → origin B+8, one 16-byte block fits;
  // 16 bytes: same origin, 8 bytes left → too small.
  assert.is(simErrorCode(() => makeHeap('buddy', 24)), 'no error');
  assert.is(simErrorCode(() => makeHeap('buddy', 16)), 'HEAP_TOO_SMALL');
  // slab with a 1024-byte class needs a 2048-byte page (24 + 1024 rounded up) plus its control area.
  assert.is(simErrorCode(() => makeHeap('slab', 4096)), 'no error');
  assert.is(simErrorCode(() => makeHeap('slab', 2048, { classes: '16,1024' })), 'HEAP_TOO_SMALL');
  assert.is(simErrorCode(() => makeHeap('best-fit', 0x10000, {}, 'avr-uno')), 'HEAP_TOO_LARGE');
});

params('buddy min-order sets the smallest block; slab classes are rounded to the alignment', () => {
  const b = makeHeap('buddy', 4096, { 'min-order': 6 }).alloc;
  assert.is(b.blockFootprint(1), 64);
  assert.is(b.usableSize(b.alloc(1)), 64 - 8);
  // The default classes drop those above heap/16 on small heaps: 2048/16 = 128 is the largest left.
  const small = makeHeap('slab', 2048).alloc;
  assert.is(small.usableSize(small.alloc(100)), 128);
  assert.ok(small.usableSize(small.alloc(129)) > 128); // the large-object path: a page run
  const s = makeHeap('slab', 65536, { classes: '12,20' }).alloc;
  assert.is(s.usableSize(s.alloc(1)), 16);
  assert.is(s.usableSize(s.alloc(13)), 16);
  assert.is(s.usableSize(s.alloc(17)), 24);
  assert.is(s.usableSize(s.alloc(25)), 4096); // above the largest class: one page
});
params('fixedMetadataBytes + Σ blockFootprint is a heap that fits the blocks exactly', () => {
  // The control area may depend on the heap size (buddy's list heads): the helper iterates.
  for (const name of ['first-fit', 'next-fit', 'best-fit', 'buddy']) assert.equal(footprintFillsHeap(name, undefined, { noFreeBytesLeft: true }).violations, []);
});
params('huge requests fail cleanly (no 32-bit wrap-around); alloc(0) returns a block', () => {
  for (const name of CLASSIC) {
    const a = makeHeap(name, 65536).alloc;
    const p = a.alloc(100);
    for (const n of [2 ** 32 + 5, 2 ** 31, 65536]) {
      assert.is(a.alloc(n), 0, `${name}: alloc(${n})`);
      assert.is(a.realloc(p, n), 0, `${name}: realloc(p, ${n})`);
    }
    assert.ok(a.alloc(0) !== 0, `${name}: alloc(0)`);
    assert.equal(a.check(), []);
  }
});
params.run();

// ---- differential tests against naive reference models ---------------------------------------

const diff = suite('differential: same layout as a naive reference model');

interface RefBlock {
  addr: number;
  size: number;
  free: boolean;
}

/**
 * Address-ordered first-fit or best-fit with front cut, split threshold and immediate
 * coalescing, on a plain sorted array of blocks (no headers, no lists).
 */
class RefList {
  blocks: RefBlock[];
  constructor(first: number, size: number, private readonly best: boolean, private readonly P: number, private readonly G: number, private readonly MIN: number, private readonly thr: number) {
    this.blocks = [{ addr: first, size, free: true }];
  }
  alloc(n: number): number {
    const need = Math.max(this.MIN, Math.ceil((Math.max(n, 1) + this.P) / this.G) * this.G);
    let k = -1;
    this.blocks.forEach((b, i) => {
      if (!b.free || b.size < need) return;
      if (k < 0 || (this.best && b.size < this.blocks[k]!.size)) k = i;
    });
    if (k < 0) return 0;
    const b = this.blocks[k]!;
    if (b.size - need >= this.thr) {
      this.blocks.splice(k + 1, 0, { addr: b.addr + need, size: b.size - need, free: true });
      b.size = need;
    }
    b.free = false;
    return b.addr + this.P;
  }
  free(h: number): void {
    const k = this.blocks.findIndex((b) => b.addr + this.P === h);
    const b = this.blocks[k]!;
    b.free = true;
    const next = this.blocks[k + 1];
    if (next?.free) {
      b.size += next.size;
      this.blocks.splice(k + 1, 1);
    }
    const prev = this.blocks[k - 1];
    if (prev?.free) {
      prev.size += b.size;
      this.blocks.splice(k, 1);
    }
  }
}

/** Binary buddy with LIFO free lists per order (arrays, head = index 0). */
class RefBuddy {
  lists = new Map<number, number[]>();
  used = new Map<number, number>();
  constructor(private readonly origin: number, private readonly carvedEnd: number, private readonly minOrder: number, private readonly maxOrder: number, private readonly Hb: number, initial: [number, number][]) {
    for (let k = minOrder; k <= maxOrder; k++) this.lists.set(k, []);
    for (const [a, k] of initial) this.lists.get(k)!.unshift(a);
  }
  alloc(n: number): number {
    const k = Math.max(this.minOrder, Math.ceil(Math.log2(Math.max(n, 1) + this.Hb)));
    let j = k;
    while (j <= this.maxOrder && this.lists.get(j)!.length === 0) j++;
    if (j > this.maxOrder) return 0;
    const b = this.lists.get(j)!.shift()!;
    while (j > k) {
      j--;
      this.lists.get(j)!.unshift(b + 2 ** j);
    }
    this.used.set(b, k);
    return b + this.Hb;
  }
  free(h: number): void {
    let b = h - this.Hb;
    let k = this.used.get(b)!;
    this.used.delete(b);
    while (k < this.maxOrder) {
      const y = this.origin + ((b - this.origin) ^ 2 ** k);
      const l = this.lists.get(k)!;
      const i = l.indexOf(y);
      if (y + 2 ** k > this.carvedEnd || i < 0) break;
      l.splice(i, 1);
      b = Math.min(b, y);
      k++;
    }
    this.lists.get(k)!.unshift(b);
  }
  /** [addr, size, state] in address order. */
  layout(): [number, number, string][] {
    const out: [number, number, string][] = [];
    for (const [k, l] of this.lists) for (const a of l) out.push([a, 2 ** k, 'free']);
    for (const [a, k] of this.used) out.push([a, 2 ** k, 'used']);
    return out.sort((x, y) => x[0] - y[0]);
  }
}

function realLayout(h: TestHeap): [number, number, string][] {
  return walkList(h.alloc).filter((b) => b.state !== 'meta').map((b) => [b.addr, b.size, b.state]);
}

/** Random alloc/free sequence driven on both; compares layouts after every op. */
function differential(h: TestHeap, ref: { alloc(n: number): number; free(h: number): void }, layout: () => [number, number, string][], seed: number, ops: number, maxSize: number): void {
  const rng = new Prng(seed);
  const live: number[] = [];
  for (let i = 0; i < ops; i++) {
    if (live.length === 0 || rng.next() < 0.55) {
      const n = 1 + Math.floor(Math.exp(rng.next() * Math.log(maxSize)));
      const got = h.alloc.alloc(n);
      const want = ref.alloc(n);
      assert.is(got, want, `op ${i}: alloc(${n})`);
      if (got) live.push(got);
    } else {
      const k = rng.int(0, live.length - 1);
      const x = live[k]!;
      live[k] = live[live.length - 1]!;
      live.pop();
      h.alloc.free(x);
      ref.free(x);
    }
    assert.equal(realLayout(h), layout(), `op ${i}`);
  }
}

for (const [name, best] of [['first-fit', false], ['best-fit', true]] as const) {
  for (const split of [0, 48]) {
    diff(`${name} (split ${split}) matches the reference on nds and avr-uno, 4k ops`, () => {
      for (const device of ['nds', 'avr-uno']) {
        const h = makeHeap(name, 8192, { split }, device);
        const blocks = walkList(h.alloc).filter((b) => b.state !== 'meta');
        assert.is(blocks.length, 1);
        const P = h.bus.pointerBytes;
        const G = Math.max(h.dev.alignment, P, 4);
        const MIN = Math.ceil((4 * P) / G) * G;
        const ref = new RefList(blocks[0]!.addr, blocks[0]!.size, best, P, G, MIN, Math.max(MIN, split));
        differential(h, ref, () => ref.blocks.map((b) => [b.addr, b.size, b.free ? 'free' : 'used']), 17, 4_000, 1500);
      }
    });
  }
}

diff('buddy matches the reference (LIFO lists, carved heap), 4k ops', () => {
  for (const [device, heap] of [['nds', 12000], ['avr-uno', 2000]] as const) {
    const h = makeHeap('buddy', heap, {}, device);
    const blocks = walkList(h.alloc).filter((b) => b.state !== 'meta');
    const origin = blocks[0]!.addr;
    const carvedEnd = blocks[blocks.length - 1]!.addr + blocks[blocks.length - 1]!.size;
    const orders = blocks.map((b) => Math.log2(b.size));
    const Hb = Math.ceil(h.bus.pointerBytes / h.dev.alignment) * h.dev.alignment;
    const minOrder = Math.log2(h.alloc.blockFootprint(1));
    const ref = new RefBuddy(origin, carvedEnd, minOrder, Math.max(...orders), Hb, blocks.map((b, i) => [b.addr, orders[i]!]));
    differential(h, ref, () => ref.layout(), 23, 4_000, heap / 8);
  }
});
diff.run();

// ---- seeded random runs ----------------------------------------------------------------------

const random = suite('seeded random runs');

for (const name of CLASSIC) {
  random(`${name}: 100k ops on nds, 64 KiB heap, sizes 1..16 KiB, invariants after every op`, () => {
    const r = randomRun(name, { seed: 2026, ops: 100_000, heapSize: 65536, checkEvery: 1, probeLargestEvery: 50 });
    assert.equal(r.violations, [], r.violations.join('\n'));
    assert.ok(r.ooms > 0, 'the run never ran out of memory');
  });
  random(`${name}: 100k ops on avr-uno, 2 KiB heap, 16-bit pointers`, () => {
    const params: Params = name === 'slab' ? { classes: '8,16,32,64,128' } : {};
    const r = randomRun(name, { seed: 328, ops: 100_000, heapSize: 2048, device: 'avr-uno', params, checkEvery: 1, probeLargestEvery: 50 });
    assert.equal(r.violations, [], r.violations.join('\n'));
    assert.ok(r.ooms > 0);
  });
}
for (const name of ['first-fit', 'next-fit', 'best-fit']) {
  for (const params of [{ order: 'lifo' }, { order: 'fifo' }, { split: 64 }] as Params[]) {
    random(`${name} ${JSON.stringify(params)}: 20k ops on nds`, () => {
      const r = randomRun(name, { seed: 99, ops: 20_000, heapSize: 65536, params, checkEvery: 1, probeLargestEvery: 50 });
      assert.equal(r.violations, [], r.violations.join('\n'));
    });
  }
}
random('buddy min-order 7 and slab keep-empty 0 / page 2048: 20k ops each on nds', () => {
  for (const [name, params] of [['buddy', { 'min-order': 7 }], ['slab', { 'keep-empty': 0 }], ['slab', { page: 2048, classes: '8,24,40,200,1000', 'keep-empty': 3 }]] as const) {
    const r = randomRun(name, { seed: 4, ops: 20_000, heapSize: 65536, params, checkEvery: 1, probeLargestEvery: 50 });
    assert.equal(r.violations, [], `${name} ${JSON.stringify(params)}: ${r.violations.join('\n')}`);
  }
});
random('every shipped device (endianness, pointer size, access alignment): 3k ops each, 16 KiB heap', () => {
  for (const device of listDeviceNames()) {
    for (const name of CLASSIC) {
      const params: Params = name === 'slab' ? { classes: '8,16,32,64,128,256' } : {};
      const r = randomRun(name, { seed: 1, ops: 3_000, heapSize: 16384, device, params, checkEvery: 1, probeLargestEvery: 20 });
      assert.equal(r.violations, [], `${name} on ${device}: ${r.violations.join('\n')}`);
    }
  }
});
random.run();
