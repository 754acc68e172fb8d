/**
 * Memory bus: exact cycle counts for a hand-worked nds sequence (expected numbers recomputed
 * here from the profile's own numbers, following the cycle model in src/bus/memory.ts), the
 * split rule for accesses wider than the bus, every BusFault kind, memmove semantics, counters
 * that add up, and the uncounted observer/application ports.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BusFault, MemoryBus } from '../src/bus';
import { DeviceProfile, heapSpans, loadDevice, parseDevice, RegionSpec } from '../src/device';

function busFor(dev: DeviceProfile, heapSize?: number): MemoryBus {
  return new MemoryBus(dev, heapSpans(dev, heapSize, true));
}

function region(dev: DeviceProfile, name: string): RegionSpec {
  const r = dev.regions.find((x) => x.name === name);
  if (!r) throw new Error(`no region ${name}`);
  return r;
}

function faultOf(fn: () => unknown): BusFault {
  try {
    fn();
  } catch (e) {
    if (e instanceof BusFault) return e;
    throw e;
  }
  throw new Error('expected a BusFault, none was thrown');
}

/** A deep copy of a shipped profile with `edit` applied, validated again. */
function variant(name: string, edit: (raw: Record<string, any>) => void): DeviceProfile {
  const raw = JSON.parse(JSON.stringify(loadDevice(name))) as Record<string, any>;
  edit(raw);
  return parseDevice(raw, `${name}-variant`);
}

// ---- exact cycle counts on nds --------------------------------------------------------------

const Cycles = suite('bus cycles (nds)');
const nds = loadDevice('nds');
const main = region(nds, 'main');
const C = main.cycles;
// The profile's numbers, named as in GBATEK (CPU cycles = 2 x 33 MHz bus cycles).
const N16 = C.n16!, S16 = C.s16!, N32 = C.n32!, S32 = C.s32!;
// Narrower than the 16-bit bus: a byte access costs the bus-width access.
const N8 = C.n8 ?? N16;
const BURST = nds.cpu.copyBurstBytes ?? 16;
const LOOP = nds.cpu.copyLoopCycles ?? 2;

Cycles('the nds profile carries the GBATEK numbers, doubled for the ARM9 clock', () => {
  const ratio = nds.cpu.clockHz / nds.cpu.busClockHz!;
  assert.ok(Math.abs(ratio - 2) < 1e-6, `clock ratio ${ratio}`);
  // GBATEK uncached ARM9 data access on main RAM, in bus cycles.
  assert.equal([N16, S16, N32, S32].map((c) => c / ratio), [9, 1, 10, 2]);
  assert.is(main.busBits, 16);
  assert.is(main.base, 0x02000000);
  assert.is(main.size, 4 * 1024 * 1024);
  assert.is(region(nds, 'dtcm').cycles.n32, 1);
  assert.is(region(nds, 'dtcm').size, 16 * 1024);
});

Cycles('hand-worked sequence: read32, sequential read32, write16, work(3), read8', () => {
  const bus = busFor(nds);
  const h = bus.heaps[0]!.base;
  let expected = 0;
  bus.read32(h); // first access: non-sequential
  expected += N32;
  assert.is(bus.cycles, expected);
  bus.read32(h + 4); // continues the previous read at the next address: sequential
  expected += S32;
  assert.is(bus.cycles, expected);
  bus.write16(h + 8, 0); // direction changed: non-sequential
  expected += N16;
  assert.is(bus.cycles, expected);
  bus.work(3);
  expected += 3;
  assert.is(bus.cycles, expected);
  bus.write16(h + 10, 0); // would be sequential, but ALU work broke the burst
  expected += N16;
  bus.write16(h + 12, 0); // sequential write
  expected += S16;
  bus.read8(h + 100);
  expected += N8;
  assert.is(bus.cycles, expected);
  assert.is(bus.metaCycles, expected - 3);
  assert.is(bus.aluCycles, 3);
  assert.is(bus.reads, 3);
  assert.is(bus.writes, 3);
});

Cycles('a 32-bit access on the 16-bit bus costs N16 + S16 unless the profile gives n32', () => {
  const derived = variant('nds', (raw) => {
    const m = raw.regions.find((r: any) => r.name === 'main');
    m.cycles = { n16: 7, s16: 3 };
  });
  const bus = busFor(derived);
  const h = bus.heaps[0]!.base;
  bus.read32(h);
  assert.is(bus.cycles, 7 + 3, 'N32 = N16 + S16');
  bus.read32(h + 4);
  assert.is(bus.cycles, 7 + 3 + 2 * 3, 'S32 = 2 x S16');
  bus.read8(h + 64);
  assert.is(bus.cycles, 7 + 3 + 6 + 7, 'an 8-bit access costs the bus-width N16');

  const given = variant('nds', (raw) => {
    const m = raw.regions.find((r: any) => r.name === 'main');
    m.cycles = { n16: 7, s16: 3, n32: 99, s32: 50 };
  });
  const b2 = busFor(given);
  b2.read32(b2.heaps[0]!.base);
  b2.read32(b2.heaps[0]!.base + 4);
  assert.is(b2.cycles, 99 + 50);
});

Cycles('writeCycles, when given, replace the read costs for writes', () => {
  const dev = variant('nds', (raw) => {
    const m = raw.regions.find((r: any) => r.name === 'main');
    m.cycles = { n16: 4, s16: 2 };
    m.writeCycles = { n16: 10, s16: 5 };
  });
  const bus = busFor(dev);
  const h = bus.heaps[0]!.base;
  bus.write32(h, 0x12345678);
  assert.is(bus.cycles, 10 + 5);
  bus.read32(h);
  assert.is(bus.cycles, 10 + 5 + 4 + 2);
});

/** Expected cost of `words` word moves in bursts of BURST bytes (reads + writes + loop). */
function burstCost(words: number, nR: number, sR: number, nW: number, sW: number, perBurst: number, loop: number): number {
  let c = 0;
  for (let left = words; left > 0; left -= perBurst) {
    const k = Math.min(perBurst, left);
    c += nR + (k - 1) * sR + nW + (k - 1) * sW + loop;
  }
  return c;
}

Cycles('copy of 37 bytes, both buffers word-aligned: bursts of words, then one byte', () => {
  const bus = busFor(nds);
  const h = bus.heaps[0]!.base;
  const words = Math.floor(37 / 4); // 9 words = 36 bytes
  const tail = 37 - words * 4; // 1 byte
  const perBurst = BURST / 4; // 8 words per LDM/STM
  const expected = burstCost(words, N32, S32, N32, S32, perBurst, LOOP) + tail * (N8 + N8 + LOOP);
  // By hand for the shipped numbers: one burst of 8 words and one of 1 word, then a byte.
  assert.is(expected, (N32 + 7 * S32) * 2 + LOOP + N32 * 2 + LOOP + (2 * N8 + LOOP));
  bus.copy(h + 256, h, 37);
  assert.is(bus.cycles, expected);
  assert.is(bus.copyCycles, expected);
  assert.is(bus.copyBytes, 37);
});

Cycles('copy of 37 bytes with the buffers misaligned to each other: byte by byte', () => {
  const bus = busFor(nds);
  const h = bus.heaps[0]!.base;
  bus.copy(h + 256, h + 1, 37);
  assert.is(bus.cycles, 37 * (N8 + N8 + LOOP));
});

Cycles('copy of 37 bytes, both buffers off by one: 3-byte head, words, 2-byte tail', () => {
  const bus = busFor(nds);
  const h = bus.heaps[0]!.base;
  const head = 3;
  const words = Math.floor((37 - head) / 4);
  const tail = 37 - head - words * 4;
  bus.copy(h + 257, h + 1, 37);
  assert.is(bus.cycles, (head + tail) * (2 * N8 + LOOP) + burstCost(words, N32, S32, N32, S32, BURST / 4, LOOP));
});

Cycles('copy breaks a burst: the next access is non-sequential', () => {
  const bus = busFor(nds);
  const h = bus.heaps[0]!.base;
  bus.read32(h);
  bus.copy(h + 64, h + 32, 8);
  const before = bus.cycles;
  bus.read32(h + 4);
  assert.is(bus.cycles - before, N32);
});

Cycles('DTCM costs one cycle per access', () => {
  const dev = variant('nds', (raw) => {
    raw.heaps = [{ name: 'fast', region: 'dtcm', offset: 0, size: '16KiB' }];
  });
  const bus = busFor(dev);
  const d = bus.heaps[0]!.base;
  bus.read32(d);
  bus.write8(d + 5, 1);
  bus.read16(d + 10);
  assert.is(bus.cycles, 3);
});

Cycles.run();

// ---- other devices --------------------------------------------------------------------------

const Devices = suite('bus on other devices');

Devices('AVR: 16-bit pointers are two byte accesses, at any address', () => {
  const avr = loadDevice('avr-uno');
  const sram = region(avr, 'sram');
  const bus = busFor(avr);
  const h = bus.heaps[0]!.base;
  bus.writePtr(h + 1, 0x1234); // odd address: fine on an 8-bit AVR
  assert.is(bus.peekPtr(h + 1), 0x1234);
  assert.is(bus.peek8(h + 1), 0x34, 'little-endian');
  assert.is(bus.cycles, sram.cycles.n8! + sram.cycles.s8!);
  bus.work(1);
  assert.is(bus.readPtr(h + 1), 0x1234);
  assert.is(bus.cycles, 2 * (sram.cycles.n8! + sram.cycles.s8!) + 1);
});

Devices('68000 (mac128k): big-endian, longs at even addresses are fine', () => {
  const mac = loadDevice('mac128k');
  const ram = region(mac, 'ram');
  const bus = busFor(mac);
  const h = bus.heaps[0]!.base;
  assert.is(h % 4, 0, 'test assumes a 4-aligned heap start');
  bus.write32(h + 2, 0x11223344); // 2 mod 4: legal on the 68000
  assert.equal([0, 1, 2, 3].map((i) => bus.peek8(h + 2 + i)), [0x11, 0x22, 0x33, 0x44]);
  assert.is(bus.read32(h + 2), 0x11223344);
  // A long is two 16-bit bus cycles: N16 + S16 each time (no burst between write and read).
  assert.is(bus.cycles, 2 * (ram.cycles.n16! + ram.cycles.s16!));
});

Devices('split device (stm32f4): a misaligned word read is four byte reads', () => {
  const stm = loadDevice('stm32f4');
  assert.is(stm.cpu.unaligned, 'split');
  const sram = region(stm, 'sram');
  const bus = busFor(stm);
  const h = bus.heaps[0]!.base;
  bus.poke32(h, 0x44332211);
  bus.poke32(h + 4, 0x88776655);
  assert.is(bus.read32(h + 1), 0x55443322);
  // 8-bit accesses on the 32-bit bus cost the bus-width access: N then three S.
  const n8 = sram.cycles.n8 ?? sram.cycles.n32!;
  const s8 = sram.cycles.s8 ?? sram.cycles.s32!;
  assert.is(bus.cycles, n8 + 3 * s8);
  assert.is(bus.reads, 4);
  bus.write16(h + 9, 0xbeef);
  assert.is(bus.peek8(h + 9), 0xef);
  assert.is(bus.peek8(h + 10), 0xbe);
});

Devices('nds-slot2: a 32-bit write goes out as two halfwords; byte writes fault', () => {
  const dev = loadDevice('nds-slot2');
  const slot = region(dev, 'slot2');
  assert.equal(slot.writeWidths, [16]);
  const bus = busFor(dev, 64 * 1024);
  const s = bus.heaps[1]!.base;
  assert.is(bus.heaps[1]!.region, 'slot2');
  bus.write32(s, 0xcafef00d);
  assert.is(bus.peek32(s), 0xcafef00d);
  assert.is(bus.cycles, slot.cycles.n16! + slot.cycles.s16!);
  assert.is(bus.writes, 2);
  const f = faultOf(() => bus.write8(s + 4, 1));
  assert.is(f.kind, 'write-width');
  assert.is(f.addr, s + 4);
  assert.is(f.region, 'slot2');
  // Reads of any width are fine.
  assert.is(bus.read8(s), 0x0d);
});

Devices('nds-slot2: copies into the slot must be halfword-aligned and even-sized', () => {
  const dev = loadDevice('nds-slot2');
  const bus = busFor(dev, 64 * 1024);
  const m = bus.heaps[0]!.base;
  const s = bus.heaps[1]!.base;
  for (let i = 0; i < 64; i++) bus.poke8(m + i, i + 1);
  bus.copy(s + 2, m + 2, 34);
  for (let i = 0; i < 34; i++) assert.is(bus.peek8(s + 2 + i), i + 3);
  assert.is(faultOf(() => bus.copy(s, m, 33)).kind, 'write-width');
  assert.is(faultOf(() => bus.copy(s + 1, m + 1, 32)).kind, 'write-width');
  // Copying out of the slot into main RAM has no such rule.
  bus.copy(m + 101, s + 3, 7);
  // Reads are charged to the source region, writes and loop overhead to the destination.
  const c = bus.counters();
  const total = Object.values(c.byRegion).reduce((a, r) => a + r.cycles, 0);
  assert.is(total + c.aluCycles, c.cycles);
  assert.ok(c.byRegion.slot2!.cycles > 0 && c.byRegion.main!.cycles > 0);
});

Devices('cross-region copy cost: reads from the source table, writes from the destination', () => {
  const dev = loadDevice('nds-slot2');
  const main2 = region(dev, 'main');
  const slot = region(dev, 'slot2');
  const bus = busFor(dev, 64 * 1024);
  const m = bus.heaps[0]!.base;
  const s = bus.heaps[1]!.base;
  bus.copy(s, m, 8); // two words, one burst
  // slot2 gives only n16/s16: 32-bit writes are N16 + S16, sequential ones 2 x S16.
  const nW = slot.cycles.n16! + slot.cycles.s16!;
  const sW = 2 * slot.cycles.s16!;
  const expectRead = main2.cycles.n32! + main2.cycles.s32!;
  const expectWrite = nW + sW + (dev.cpu.copyLoopCycles ?? 2);
  assert.is(bus.cycles, expectRead + expectWrite);
  const c = bus.counters();
  assert.is(c.byRegion.main!.cycles, expectRead);
  assert.is(c.byRegion.slot2!.cycles, expectWrite);
});

Devices.run();

// ---- faults ---------------------------------------------------------------------------------

const Faults = suite('bus faults');

Faults('unmapped: no region covers the address', () => {
  const bus = busFor(nds);
  const f = faultOf(() => bus.read32(0x01000000));
  assert.is(f.kind, 'unmapped');
  assert.is(f.addr, 0x01000000);
  assert.is(f.region, undefined);
  assert.match(f.message, '0x01000000');
});

Faults('outside-heap: inside a region but not in a heap', () => {
  const bus = busFor(nds);
  const f = faultOf(() => bus.write32(0x02000000, 1));
  assert.is(f.kind, 'outside-heap');
  assert.is(f.region, 'main');
  assert.match(f.message, '0x02000000');
  // DTCM is a region without a heap on nds.
  assert.is(faultOf(() => bus.read8(0x0b000000)).kind, 'outside-heap');
});

Faults('out-of-region: an access that crosses the end of the heap', () => {
  const bus = busFor(nds, 4096);
  const end = bus.heaps[0]!.base + 4096;
  bus.read16(end - 2); // the last halfword is fine
  const f = faultOf(() => bus.read32(end - 2));
  assert.is(f.kind, 'out-of-region');
  assert.is(f.addr, end - 2);
  assert.is(faultOf(() => bus.copy(end - 8, end - 16, 16)).kind, 'out-of-region');
  assert.is(faultOf(() => bus.appBytes(end - 4, 8)).kind, 'out-of-region');
});

Faults('misaligned on a fault device (nds): halfword at odd, word at 2 mod 4', () => {
  const bus = busFor(nds);
  const h = bus.heaps[0]!.base;
  for (const fn of [() => bus.read16(h + 1), () => bus.write16(h + 3, 0), () => bus.read32(h + 2), () => bus.write32(h + 1, 0), () => bus.readPtr(h + 2)]) {
    const f = faultOf(fn);
    assert.is(f.kind, 'misaligned');
    assert.is(f.region, 'main');
  }
  assert.is(bus.cycles, 0, 'a faulting access charges nothing');
});

Faults('misaligned on the 68000: only odd addresses fault', () => {
  const bus = busFor(loadDevice('mac128k'));
  const h = bus.heaps[0]!.base;
  bus.read32(h + 2);
  const f = faultOf(() => bus.read32(h + 3));
  assert.is(f.kind, 'misaligned');
  assert.is(f.addr, h + 3);
  assert.is(faultOf(() => bus.write16(h + 1, 0)).kind, 'misaligned');
});

Faults('split device: misaligned accesses do not fault', () => {
  const bus = busFor(loadDevice('stm32f4'));
  const h = bus.heaps[0]!.base;
  bus.write32(h + 3, 0xa1b2c3d4);
  assert.is(bus.read32(h + 3), 0xa1b2c3d4);
  assert.is(bus.read16(h + 5), 0xa1b2);
});

Faults('write-width on nds-slot2 names the address and region', () => {
  const bus = busFor(loadDevice('nds-slot2'), 4096);
  const s = bus.heaps[1]!.base;
  const f = faultOf(() => bus.write8(s + 7, 0));
  assert.is(f.kind, 'write-width');
  assert.match(f.message, `0x${(s + 7).toString(16).padStart(8, '0')}`);
  assert.match(f.message, 'slot2');
});

Faults.run();

// ---- memmove semantics, counters, uncounted ports -------------------------------------------

const Copy = suite('copy semantics and counters');

function checkMemmove(dstOff: number, srcOff: number, n: number): void {
  const bus = busFor(nds, 4096);
  const h = bus.heaps[0]!.base;
  const ref: number[] = [];
  for (let i = 0; i < 256; i++) {
    const v = (i * 37 + 11) & 0xff;
    bus.poke8(h + i, v);
    ref.push(v);
  }
  const moved = ref.slice(srcOff, srcOff + n);
  for (let i = 0; i < n; i++) ref[dstOff + i] = moved[i]!;
  bus.copy(h + dstOff, h + srcOff, n);
  const got = Array.from(bus.appBytes(h, 256));
  assert.equal(got, ref, `memmove(${dstOff}, ${srcOff}, ${n})`);
}

Copy('overlapping copies behave like memmove in both directions', () => {
  checkMemmove(10, 0, 100); // forward overlap: dst above src
  checkMemmove(0, 10, 100); // backward overlap: dst below src
  checkMemmove(3, 1, 97);
  checkMemmove(1, 3, 97);
  checkMemmove(64, 64, 32); // same range
  checkMemmove(200, 0, 50); // disjoint
});

Copy('a zero-length copy does nothing and costs nothing', () => {
  const bus = busFor(nds);
  bus.copy(bus.heaps[0]!.base, bus.heaps[0]!.base + 8, 0);
  assert.is(bus.cycles, 0);
});

Copy('counters by kind and by region add up to the total', () => {
  const bus = busFor(loadDevice('stm32f4'));
  const [sram, ccm] = bus.heaps;
  bus.write32(sram!.base, 1);
  bus.read32(sram!.base);
  bus.read32(sram!.base + 4);
  bus.work(7);
  bus.write16(ccm!.base + 2, 5);
  bus.copy(ccm!.base + 64, sram!.base + 8, 40);
  bus.copy(sram!.base + 100, sram!.base + 1, 9);
  bus.read8(ccm!.base + 3);
  const c = bus.counters();
  assert.is(c.metaCycles + c.copyCycles + c.aluCycles, c.cycles);
  const byRegion = Object.values(c.byRegion).reduce((a, r) => a + r.cycles, 0);
  assert.is(byRegion + c.aluCycles, c.cycles);
  assert.is(c.aluCycles, 7);
  assert.is(c.reads, 3);
  assert.is(c.writes, 2);
  assert.is(c.copyBytes, 49);
  assert.equal(Object.keys(c.byRegion).sort(), ['ccm', 'sram']);
  assert.ok(c.byRegion.ccm!.accesses > 0 && c.byRegion.sram!.accesses > 0);
});

Copy('peek, poke and appBytes are uncounted; appBytes is a live view', () => {
  const bus = busFor(nds);
  const h = bus.heaps[0]!.base;
  bus.read32(h); // leave some state behind
  const before = bus.counters();
  bus.poke32(h + 8, 0xdeadbeef);
  bus.poke16(h + 12, 0x1234);
  bus.poke8(h + 14, 0x56);
  bus.pokePtr(h + 16, 0x02001234);
  assert.is(bus.peek32(h + 8), 0xdeadbeef);
  assert.is(bus.peek16(h + 12), 0x1234);
  assert.is(bus.peek8(h + 14), 0x56);
  assert.is(bus.peekPtr(h + 16), 0x02001234);
  const view = bus.appBytes(h + 32, 16);
  view.fill(0xab);
  assert.is(bus.peek32(h + 32), 0xabababab);
  bus.poke8(h + 33, 1);
  assert.is(view[1], 1);
  // Uncounted even when misaligned: observers may read anywhere in the heap.
  bus.peek32(h + 1);
  assert.equal(bus.counters(), before);
  // ...and they do not disturb burst tracking: the next read at h+4 is still sequential.
  bus.read32(h + 4);
  assert.is(bus.cycles - before.cycles, S32);
});

Copy('inHeap tells heap membership without faulting', () => {
  const bus = busFor(nds, 1024);
  const h = bus.heaps[0]!.base;
  assert.ok(bus.inHeap(h, 1024));
  assert.not.ok(bus.inHeap(h, 1025));
  assert.not.ok(bus.inHeap(0x02000000, 4));
  assert.is(bus.cycles, 0);
});

Copy.run();

const Release = suite('release: a finished bus hands its heap buffers to the next bus of that size');

Release('the next bus of the same size starts zeroed, and the released one holds no bytes', () => {
  const dev = loadDevice('nds');
  const a = busFor(dev, 4096);
  const base = a.heaps[0]!.base;
  for (let o = 0; o < 4096; o += 4) a.poke32(base + o, 0xdeadbeef);
  a.release();
  assert.throws(() => a.peek32(base), (e: unknown) => e instanceof BusFault, 'the released bus covers no address');
  assert.throws(() => a.write32(base, 1), (e: unknown) => e instanceof BusFault);
  const b = busFor(dev, 4096);
  for (let o = 0; o < 4096; o += 4) assert.is(b.peek32(base + o), 0, `offset ${o}`);
  b.write32(base + 8, 7);
  assert.is(b.peek32(base + 8), 7);
  // a bus of another size is not handed this buffer: it is zeroed too
  const c = busFor(dev, 8192);
  assert.is(c.peek32(base + 8), 0);
});

Release('scratch buffers (an allocator index) go back with the heap and come back zeroed', () => {
  const dev = loadDevice('nds');
  const a = busFor(dev, 4096);
  new Int32Array(a.scratchBuffer(1 << 20)).fill(-1);
  a.release();
  const b = busFor(dev, 4096);
  const again = new Int32Array(b.scratchBuffer(1 << 20));
  assert.ok(again.every((x) => x === 0));
});

Release.run();
