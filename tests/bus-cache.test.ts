/**
 * The data cache (src/bus/cache.ts) on hand-worked access sequences: exact hits, misses,
 * write-backs and cycles; a cache-sized working set hits every time once warm.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataCache } from '../src/bus/cache';
import type { DataCacheSpec } from '../src/bus/cache';

/** The nds main RAM's cost table (costTable order): 32-bit read N 20 / S 4, write the same. */
const NDS = new Float64Array([18, 2, 18, 2, 20, 4, 18, 2, 18, 2, 20, 4]);
const DS: DataCacheSpec = { sizeBytes: 4096, ways: 4, lineBytes: 32, replacement: 'round-robin', write: 'write-back', regions: ['main'] };

test('hand-worked sequence: fills, hits, a write miss, a dirty half line written back', () => {
  const c = new DataCache(DS);
  assert.is(c.sets, 32);
  // Lines 0x1000, 0x1400, 0x1800, 0x1c00, 0x2000 all map to set 0 (32 sets of 32 bytes).
  const fill = 20 + 7 * 4; // one N and seven S word reads
  const halfBack = 20 + 3 * 4; // one N and three S word writes
  const steps: [string, number, number][] = [
    ['r', 0x1000, fill], // miss: way 0
    ['r', 0x1004, 1], // hit
    ['w', 0x1008, 1], // hit: first half of the line dirty
    ['w', 0x2000, 20], // miss: no allocation, the uncached write
    ['r', 0x1400, fill], // way 1
    ['r', 0x1800, fill], // way 2
    ['r', 0x1c00, fill], // way 3
    ['r', 0x2000, halfBack + fill], // way 0 again: 0x1000's dirty half written back
    ['r', 0x1000, fill], // evicted above; way 1 (0x1400, clean) goes
  ];
  let total = 0;
  for (const [k, a, want] of steps) {
    const got = k === 'r' ? c.read(a, NDS) : c.write(a, 20);
    assert.is(got, want, `${k} ${a.toString(16)}`);
    total += got;
  }
  assert.equal(c.counters(), { readHits: 1, writeHits: 1, readMisses: 6, writeMisses: 1, writeBacks: 1, cycles: total });
  assert.is(total, 342);
  assert.ok(c.holds(0x2000) && c.holds(0x1000) && !c.holds(0x1400));
});

test('both dirty halves are written back; write-through writes always pay the memory write', () => {
  const c = new DataCache({ ...DS, ways: 1, sizeBytes: 1024 }); // direct-mapped: 32 sets
  c.read(0, NDS);
  c.write(0, 20);
  c.write(16, 20);
  c.write(20, 20); // same half again: still two dirty halves
  assert.is(c.read(1024, NDS), 2 * 32 + 48);
  assert.is(c.writeBacks, 2);
  const wt = new DataCache({ ...DS, write: 'write-through' });
  wt.read(0, NDS);
  assert.is(wt.write(4, 20), 1 + 20);
  assert.is(wt.read(8, NDS), 1);
  assert.is(wt.writeBacks, 0);
});

test('a cache-sized working set: 100 % hits once warm', () => {
  // Random victims: a working set of the whole cache settles (a set stops missing once it holds
  // its four lines). Round-robin with one counter for the whole cache settles only when each
  // set's fills do not land on the same way (see the next test).
  for (const [replacement, bytes] of [['random', 4096], ['random', 2048], ['round-robin', 1024]] as const) {
    const c = new DataCache({ ...DS, replacement });
    let sweeps = 0;
    for (; sweeps < 200; sweeps++) {
      const before = c.readMisses;
      for (let a = 0; a < bytes; a += 4) c.read(a, NDS);
      if (c.readMisses === before) break; // a whole sweep without a miss
    }
    assert.ok(sweeps < 200, replacement);
    const misses = c.readMisses;
    const hits = c.readHits;
    for (let a = 0; a < bytes; a += 4) c.read(a, NDS);
    assert.is(c.readMisses, misses, replacement);
    assert.is(c.readHits, hits + bytes / 4);
    // A line outside the working set misses.
    c.read(8192, NDS);
    assert.is(c.readMisses, misses + 1);
  }
});

test('round-robin with one counter: a sequential sweep of 2 lines per set keeps missing', () => {
  // Fills advance the counter by 64 per sweep, so set s always fills ways s mod 4 and (s + 32)
  // mod 4, the same way: each line evicts the other. Random victims break the pattern.
  const rr = new DataCache(DS);
  for (let k = 0; k < 20; k++) for (let a = 0; a < 2048; a += 4) rr.read(a, NDS);
  assert.is(rr.readMisses, 20 * 64);
});

test('a bad geometry is refused', () => {
  assert.throws(() => new DataCache({ ...DS, lineBytes: 24 }), /power of two/);
  assert.throws(() => new DataCache({ ...DS, ways: 3 }), /power of two/);
  assert.throws(() => new DataCache({ ...DS, sizeBytes: 64 }), /at least ways x line/);
});

test.run();
