/**
 * tlsf: long seeded invariant runs (nds, gba, avr-uno), the control-structure size computed
 * from the FL/SL counts, a walk() listing worked out by hand, exact largestAllocatable under
 * good-fit rounding, bit-scan costs per CPU, and the flat worst case (alloc/free cycles do not
 * grow with the number of free blocks, while heap4's first-fit walk does).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Tlsf } from '../src/alloc/tlsf';
import { cpuCosts, MemoryBus } from '../src/bus';
import { getFactory } from '../src/alloc';
import { loadDevice } from '../src/device';
import { makeHeap, randomRun, walkList, footprintFillsHeap } from './helpers/heap';
import { multiHeapOf, randomMulti } from './helpers/multiheap';

const rows = (h: ReturnType<typeof makeHeap>) =>
  walkList(h.alloc).map((b) => [b.addr - h.heaps[0]!.base, b.size, b.state, b.state === 'used' ? b.payload - h.heaps[0]!.base : 0, b.usable]);

test('100k random ops on small nds heaps: invariants after every op, exact largest, OOMs happen', () => {
  let ooms = 0;
  for (const [seed, heap] of [[1, 6000], [2, 8192], [3, 16384], [4, 65536]] as const) {
    const r = randomRun('tlsf', { seed, ops: 25_000, heapSize: heap, checkEvery: 1, probeLargestEvery: 50 });
    assert.equal(r.violations, [], r.violations.join('\n'));
    ooms += r.ooms;
  }
  assert.ok(ooms > 50, `only ${ooms} OOMs: the heaps are not small enough to test exhaustion`);
});

test('random runs on gba (ARMv4T, software bit scans) and avr-uno (16-bit size words)', () => {
  const g = randomRun('tlsf', { seed: 7, ops: 10_000, heapSize: 12_000, device: 'gba', checkEvery: 1, probeLargestEvery: 50 });
  assert.equal(g.violations, [], g.violations.join('\n'));
  const a = randomRun('tlsf', { seed: 8, ops: 10_000, heapSize: 1280, device: 'avr-uno', checkEvery: 1, probeLargestEvery: 50 });
  assert.equal(a.violations, [], a.violations.join('\n'));
  assert.ok(a.ooms > 0);
});

test('control structure size on a 32-bit device follows from FL/SL counts (Conte: 3188 bytes)', () => {
  const h = makeHeap('tlsf', 8192);
  const t = h.alloc as Tlsf;
  const P = 4;
  const slLog2 = 5, alignLog2 = 2, flIndexMax = 30;
  const flCount = flIndexMax - (slLog2 + alignLog2) + 1; // 24
  const slCount = 1 << slLog2; // 32
  const expected = 4 * P /* block_null */ + 4 /* fl_bitmap */ + flCount * 4 /* sl_bitmap */ + flCount * slCount * P; /* heads */
  assert.is(expected, 3188);
  assert.is(t.controlBytes, expected);
  assert.is(t.flCount, flCount);
  assert.is(t.smallBlockSize, 128);
  // The control structure is the first thing in the heap: walk shows it as metadata.
  const w = walkList(h.alloc);
  assert.is(w[0]!.state, 'meta');
  assert.is(w[0]!.size, 3188);
  // Pool overhead is 2 × 4 bytes: the first block's size word (inside the block) + the sentinel's.
  assert.is(h.alloc.fixedMetadataBytes(), 3188 + 4); // + the sentinel's size word
  // Smaller second level: slLog2 = 4 halves the heads.
  const h4 = makeHeap('tlsf', 8192, { slLog2: 4 });
  assert.is((h4.alloc as Tlsf).controlBytes, 16 + 4 + 25 * 4 + 25 * 16 * 4);
});

test('walk() listing worked out by hand (nds, 8 KiB heap, 8-byte alignment, 4-byte header)', () => {
  const h = makeHeap('tlsf', 8192);
  const a = h.alloc;
  // pool: size word at +3188, payloads ≡ 4 (mod 8) so that header + payload is a multiple of 8
  assert.equal(rows(h), [
    [0, 3188, 'meta', 0, 0],
    [3188, 5000, 'free', 0, 0],
    [8188, 4, 'meta', 0, 0],
  ]);
  assert.is(a.freeBytes(), 4996);
  const x = a.alloc(1); // minimum block: 12 bytes of payload
  const y = a.alloc(13); // 13 → 20
  const z = a.alloc(100); // 100 ≡ 4 (mod 8): exact
  assert.equal(rows(h), [
    [0, 3188, 'meta', 0, 0],
    [3188, 16, 'used', 3192, 12],
    [3204, 24, 'used', 3208, 20],
    [3228, 104, 'used', 3232, 100],
    [3332, 4856, 'free', 0, 0],
    [8188, 4, 'meta', 0, 0],
  ]);
  a.free(y); // between two used blocks: no merge
  a.free(x); // merges with the free block after it
  assert.equal(rows(h), [
    [0, 3188, 'meta', 0, 0],
    [3188, 40, 'free', 0, 0],
    [3228, 104, 'used', 3232, 100],
    [3332, 4856, 'free', 0, 0],
    [8188, 4, 'meta', 0, 0],
  ]);
  assert.is(a.freeBytes(), 36 + 4852);
  // Good fit: the 4852-byte block sits in list (fl 12, sl 5) = [4736, 4864); a request is rounded
  // up by 127 before the search, so the largest request that finds it is 4736 − 4 = 4732.
  assert.is(a.largestAllocatable(), 4732);
  const big = a.alloc(4732);
  assert.ok(big !== 0);
  a.free(big);
  assert.is(a.alloc(4733), 0);
  a.free(z);
  assert.equal(rows(h), [
    [0, 3188, 'meta', 0, 0],
    [3188, 5000, 'free', 0, 0],
    [8188, 4, 'meta', 0, 0],
  ]);
  assert.equal(a.check(), []);
});

test('realloc: shrink and grow in place, move when the next block is used', () => {
  const h = makeHeap('tlsf', 8192);
  const a = h.alloc;
  const x = a.alloc(100);
  assert.is(a.realloc(x, 20), x);
  assert.is(a.usableSize(x), 20);
  assert.is(a.realloc(x, 300), x); // grows into the free block after it
  assert.is(a.usableSize(x), 300);
  const y = a.alloc(16);
  const x2 = a.realloc(x, 600);
  assert.ok(x2 !== x && x2 !== 0);
  assert.equal(a.check(), []);
  a.free(x2);
  a.free(y);
  assert.is(walkList(a).filter((b) => b.state === 'free').length, 1);
});

test('bit scans are charged per CPU: CLZ on ARMv5TE and Cortex-M4, NSAU on the ESP8266, software elsewhere', () => {
  assert.is(cpuCosts(loadDevice('nds')).bitScan, 'clz');
  assert.is(cpuCosts(loadDevice('stm32f4')).bitScan, 'clz');
  assert.is(cpuCosts(loadDevice('esp8266')).bitScan, 'nsau');
  assert.is(cpuCosts(loadDevice('gba')).bitScan, 'software');
  assert.is(cpuCosts(loadDevice('avr-uno')).bitScan, 'software (8-bit)');
  // The same operation costs more ALU cycles where fls is a software loop.
  const alu = (dev: string) => {
    const h = makeHeap('tlsf', 16384, {}, dev);
    const before = h.bus.counters().aluCycles;
    h.alloc.alloc(1000);
    return h.bus.counters().aluCycles - before;
  };
  assert.ok(alu('gba') > alu('nds') + 30, `gba ${alu('gba')} vs nds ${alu('nds')}`);
});

/** Max cycles of alloc and free while the heap holds `n` free blocks (a comb of holes). */
function worstCycles(name: string, n: number): number {
  const h = makeHeap(name, 1 << 20);
  const a = h.alloc;
  const bus = h.bus;
  const hs: number[] = [];
  // Comb: n small holes of assorted sizes separated by used blocks, big free tail at the end.
  for (let i = 0; i < n; i++) {
    hs.push(a.alloc(16 + ((i * 37) % 200)));
    hs.push(a.alloc(8));
  }
  for (let i = 0; i < hs.length; i += 2) a.free(hs[i]!);
  let max = 0;
  for (let k = 0; k < 50; k++) {
    const c0 = bus.cycles;
    const p = a.alloc(400 + k * 8); // fits no hole: first fit walks them all
    const c1 = bus.cycles;
    a.free(p);
    max = Math.max(max, c1 - c0, bus.cycles - c1);
  }
  return max;
}

test('worst-case cycles are flat: the same bound with 10 or 1000 free blocks (heap4 grows)', () => {
  const t10 = worstCycles('tlsf', 10);
  const t1000 = worstCycles('tlsf', 1000);
  assert.ok(t1000 <= t10 * 1.1, `tlsf: ${t10} cycles with 10 holes, ${t1000} with 1000`);
  const f10 = worstCycles('heap4', 10);
  const f1000 = worstCycles('heap4', 1000);
  assert.ok(f1000 > f10 * 20, `heap4: ${f10} cycles with 10 holes, ${f1000} with 1000`);
});

test('fixedMetadataBytes + Σ blockFootprint is a heap the blocks fill exactly', () => {
  // Largest first: good-fit rounding makes a request fail when the only block left is its exact
  // size but sits in the request's own list (a large last request would fail here).
  const sizes = [4000, 1000, 333, 100, 24, 13, 7, 1];
  const { heap, violations } = footprintFillsHeap('tlsf', sizes);
  assert.equal(violations, []);
  // ...and in the other order the last request (4000 → 4004, rounded up by 63 before the search)
  // misses the 4004-byte block that is left: TLSF's price for O(1).
  const b = makeHeap('tlsf', heap).alloc;
  for (const n of [1, 7, 24, 100, 333, 1000, 13]) assert.ok(b.alloc(n) !== 0);
  assert.is(b.alloc(4000), 0);
  assert.is(b.freeBytes(), 4004);
});

test('several pools (tlsf_add_pool per heap): declared multiHeap; stm32f4 SRAM + CCM and nds-slot2 main + 16-bit-only slot-2 RAM run clean with blocks in both', () => {
  assert.is(getFactory('tlsf').multiHeap, true);
  const st = multiHeapOf('tlsf', 'stm32f4', [['sram', 0x4000, 9000], ['ccm', 0, 3000]]);
  const r1 = randomMulti(st, 31, 20_000, 1500);
  assert.equal(r1.violations, [], r1.violations.join('\n'));
  assert.ok(r1.ooms > 0 && r1.crossed);
  const ds = multiHeapOf('tlsf', 'nds-slot2', [['main', 0x180000, 8000], ['slot2', 0, 7000]]);
  const r2 = randomMulti(ds, 32, 20_000, 2000);
  assert.equal(r2.violations, [], r2.violations.join('\n'));
  assert.ok(r2.ooms > 0 && r2.crossed);
  assert.ok(ds.bus.counters().byRegion.slot2!.accesses > 0);
});

test('several pools: each heap is one pool (its own sentinel), a block never spans two, the second pool is used once the first is full', () => {
  const h = multiHeapOf('tlsf', 'stm32f4', [['sram', 0x4000, 4096], ['ccm', 0, 2048]]);
  const t = h.alloc as Tlsf;
  assert.is(t.pools.length, 2);
  // Address order: CCM (0x10000000) before SRAM (0x20000000); the control structure sits in SRAM, the first heap given.
  assert.ok(t.pools[0]!.heap.region === 'ccm' && t.control === h.heaps[0]!.base);
  const ccm = h.heaps[1]!;
  // The CCM pool has no control structure: its one free block takes the whole heap but 2 size words and alignment.
  assert.ok(t.pools[0]!.bytes >= ccm.size - 16, `ccm pool ${t.pools[0]!.bytes}`);
  const inCcm = (p: number) => p >= ccm.base && p < ccm.base + ccm.size;
  const got: number[] = [];
  for (let p = t.alloc(500); p !== 0; p = t.alloc(500)) got.push(p);
  assert.ok(got.some(inCcm) && got.some((p) => !inCcm(p)));
  for (const p of got) t.free(p);
  // Everything free again: one free block per pool (coalescing stops at each sentinel).
  assert.is(walkList(t).filter((b) => b.state === 'free').length, 2);
  assert.equal(t.check(), []);
});

test('step assertions: with check on, a corrupted free block is reported by the step that meets it; off, they cost nothing', () => {
  const dev = loadDevice('nds');
  const heaps = [{ name: 'h', region: 'main', base: 0x02180000, size: 16384 }];
  const make = (check: boolean) => {
    const bus = new MemoryBus(dev, heaps);
    return { bus, t: new Tlsf({ bus, heaps, alignment: dev.alignment, params: { slLog2: 5, flIndexMax: 0 }, check }) };
  };
  const run = (check: boolean) => {
    const { bus, t } = make(check);
    const a = t.alloc(100);
    t.alloc(100); // keeps a's block from merging with the pool's rest
    t.free(a);
    // Clear the free bit of a's block behind the allocator's back, then take it from its list.
    const b = a - 8;
    bus.poke32(b + 4, bus.peek32(b + 4) & ~1);
    const c0 = bus.cycles;
    t.alloc(100);
    return { v: t.check(), cycles: bus.cycles - c0 };
  };
  const on = run(true);
  const off = run(false);
  assert.ok(on.v.some((m) => m.startsWith('tlsf assertion: remove_free_block') && m.includes('is not free')), on.v.join('\n'));
  assert.not.ok(off.v.some((m) => m.includes('assertion')));
  assert.is(on.cycles, off.cycles);
});

test.run();
