/**
 * The data cache on the bus (src/bus/cached.ts): hand-worked cycles of counted accesses and a
 * copy on the nds; peeks and observers leave the cache alone; --no-cache is the plain bus; the
 * cache changes cycles only, never what an allocator does.
 */
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CachedBus, MemoryBus, makeBus } from '../src/bus';
import { heapSpans, loadDevice } from '../src/device';
import { loadTrace } from '../src/trace';
import { replay } from '../src/sim';
import { allocatorNames } from '../src/alloc';
import { cacheSummary } from '../src/report/table';

const nds = loadDevice('nds');
const heaps = heapSpans(nds);
const base = heaps[0]!.base;

test('nds: counted accesses through the cache, cycle for cycle', () => {
  const bus = makeBus(nds, heaps);
  assert.ok(bus instanceof CachedBus);
  const c = (bus as CachedBus).cache;
  const at = () => bus.metaCycles;
  bus.read32(base); // miss: line fill, N32 20 + 7 x S32 4
  assert.is(at(), 48);
  bus.read32(base + 4); // hit
  assert.is(at(), 49);
  bus.write32(base + 8, 7); // write hit (write-back: the half line is dirty)
  assert.is(at(), 50);
  bus.write32(base + 64, 1); // write miss: the uncached non-sequential write
  assert.is(at(), 70);
  bus.write32(base + 68, 2); // continues it: sequential
  assert.is(at(), 74);
  bus.read16(base + 2); // hit, 16-bit
  assert.is(at(), 75);
  assert.equal(c.counters(), { readHits: 2, writeHits: 1, readMisses: 1, writeMisses: 2, writeBacks: 0, cycles: 75 });
  assert.is(bus.reads, 3);
  assert.is(bus.writes, 3);
  assert.is(bus.peek32(base + 8), 7);
  assert.is(bus.peek32(base + 68), 2);
  // Peeks and the observer port do not touch the cache.
  bus.peek32(base + 4096);
  bus.observer.readPtr(base + 8192);
  bus.observer.writePtr(base + 8192, 5);
  assert.is(c.counters().cycles, 75);
  assert.ok(!c.holds(base + 4096) && !c.holds(base + 8192));
  assert.is(bus.counters().cache?.readMisses, 1);
});

test('nds: a copy through the cache (bursts of 8 words)', () => {
  const bus = makeBus(nds, heaps) as CachedBus;
  for (let i = 0; i < 16; i++) bus.poke32(base + 128 + 4 * i, i + 1);
  bus.copy(base + 256, base + 128, 64);
  // Per burst: read 8 words (a line fill 48, then 7 hits), write 8 words (all miss: N 20 + 7 x S 4), loop 4.
  assert.is(bus.copyCycles, 2 * (48 + 7 + 48 + 4));
  assert.is(bus.copyBytes, 64);
  for (let i = 0; i < 16; i++) assert.is(bus.peek32(base + 256 + 4 * i), i + 1);
  // The source lines are cached now: a second copy reads them at one cycle each.
  bus.copy(base + 512, base + 128, 32);
  assert.is(bus.copyCycles, 2 * (48 + 7 + 48 + 4) + (8 + 48 + 4));
});

test('--no-cache, and devices without a cache, get the plain bus', () => {
  const plain = makeBus(nds, heaps, { cache: false });
  assert.not.ok(plain instanceof CachedBus);
  plain.read32(base);
  assert.is(plain.metaCycles, 20);
  assert.is(plain.counters().cache, undefined);
  const gba = loadDevice('gba');
  assert.not.ok(makeBus(gba, heapSpans(gba)) instanceof CachedBus);
  assert.ok(makeBus(gba, heapSpans(gba)) instanceof MemoryBus);
});

test('the cache changes cycles only: same placements, OOMs and accesses for every allocator; observers never touch it', async () => {
  const t = await loadTrace(path.join(__dirname, '..', 'firmware-traces', 'busybox-sh.trace.gz'));
  for (const a of allocatorNames()) {
    const cfg = { device: nds, allocator: a, oom: 'fail' as const, series: false };
    const on = replay(t, cfg);
    const off = replay(t, { ...cfg, cache: false });
    assert.equal({ ...on.summary, usPerOp: 0 }, { ...off.summary, usPerOp: 0 }, a); // usPerOp is cycles / clock
    assert.is(on.bus.metadata.reads, off.bus.metadata.reads, a);
    assert.is(on.bus.metadata.writes, off.bus.metadata.writes, a);
    assert.is(on.bus.copy.bytes, off.bus.copy.bytes, a);
    assert.ok(on.bus.cache && !off.bus.cache, a);
    // Only memory cycles move (ALU work is the same); a cached run is not always cheaper: a walk
    // that touches one word per line pays a whole line fill for it (next-fit here).
    assert.is(on.bus.aluCycles, off.bus.aluCycles, a);
    assert.is(on.cycles.total, on.bus.metadata.cycles + on.bus.copy.cycles + on.bus.aluCycles + on.bus.statics.cycles, a);
    // Walk-based metrics at every op (observer peeks) leave the cache's counters unchanged.
    const walked = replay(t, { ...cfg, exactWalk: true });
    assert.equal(walked.bus.cache, on.bus.cache, a);
    assert.is(walked.cycles.total, on.cycles.total, a);
  }
});

test('the run summary\'s data cache line: hit rate = hits / all counted accesses', () => {
  // 2 + 1 hits of 2 + 1 + 1 + 2 = 6 accesses: 50.0 %.
  const line = cacheSummary({ readHits: 2, writeHits: 1, readMisses: 1, writeMisses: 2, writeBacks: 0, cycles: 75 });
  assert.is(line, '50.0 % hits (2 read + 1 write hits; 1 read misses = line fills, 2 write misses; 0 dirty half lines written back; 75 cycles)');
  assert.match(cacheSummary({ readHits: 0, writeHits: 0, readMisses: 0, writeMisses: 0, writeBacks: 0, cycles: 0 }), /^no accesses/);
});

test.run();
