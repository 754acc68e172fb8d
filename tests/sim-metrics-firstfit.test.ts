/**
 * Every summary metric of a tiny trace on the real first-fit allocator, worked out by hand from
 * its layout (src/alloc/freelist.ts, defaults: address order, front cut, split at MIN) on nds
 * with a 160-byte heap: pointer/header P = 4, granule G = 8, MIN = 16,
 * need(n) = max(16, roundUp(n + 4, 8)). The heap starts with the list head (4 bytes); the first
 * block starts at +4 (so payloads are 8-aligned) and spans 152 bytes up to the 4-byte epilogue.
 * fixedMetadata = 8. freeBytes = Σ (free block − 4); metadataBytes = heap − usable − free.
 *
 * Offsets below are from the first block (U used, F free):
 *  0 a1 20  U[0,24) F[24,152)                        live 20 int 0  free 124 lg 124
 *  1 a2 1   U[24,40) F[40,152)                       live 21 int 11 free 108 lg 108
 *  2 a3 40  U[40,88) F[88,152)                       live 61 int 15 free 60  lg 60
 *  3 f2     F[24,40) F[88,152)                       live 60 int 4  free 72  lg 60
 *  4 a4 10  U[24,40) (exact fit)                     live 70 int 6  free 60  lg 60
 *  5 f1     F[0,24) F[88,152)                        live 50 int 6  free 80  lg 60
 *  6 a5 70  need 80: OOM, free 80 >= 70: fragmentation
 *  7 f3     F[0,24) F[40,152) (coalesced)            live 10 int 2  free 128 lg 108
 *  8 a5 70  U[40,120) F[120,152)                     live 80 int 8  free 48  lg 28
 *  9 r4 30  need 40, successor used, no 40-byte block: OOM (fragmentation, 48 >= 30)
 * 10 f5     F[0,24) F[40,152)                        live 10 int 2  free 128 lg 108
 * 11 f4     F[0,152)                                 live 0  int 0  free 148 lg 148
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { registry } from '../src/alloc';
import { replay } from '../src/sim';
import { packOps } from './helpers/pack';

const dev = loadDevice('nds');
const trace = packOps('ff', [
  ['a', 1, 20], ['a', 2, 1], ['a', 3, 40], ['f', 2], ['a', 4, 10], ['f', 1], ['a', 5, 70], ['f', 3],
  ['a', 5, 70], ['r', 4, 30], ['f', 5], ['f', 4],
]);

test('first-fit: every summary metric by hand', () => {
  if (!registry.has('first-fit')) return;
  const r = replay(trace, { device: dev, allocator: 'first-fit', heapSize: 160, whatIf: true, oom: 'fail' });
  const s = r.summary;
  assert.is(r.status, 'ok');
  assert.ok(r.conservation.ok);
  assert.is(s.peakLive, 10 + 70); // op 8: ids 4 and 5
  assert.is(s.internalAtPeak, (16 - 4 - 10) + (80 - 4 - 70));
  assert.is(s.metadataAtPeak, 160 - (12 + 76) - 48); // heap − usable − free
  assert.is(s.maxUsed, 160 - 48); // op 8
  assert.is(s.jw3, (160 - 48) / 80 - 1);
  assert.is(s.jw4, (160 - 48) / 80 - 1);
  assert.is(s.utilization, 80 / 112);
  assert.is(s.minEverFree, (24 - 4) + (32 - 4));
  assert.is(s.minLargest, 32 - 4);
  assert.is(s.maxExtFrag, 1 - 28 / 48);
  assert.is(s.maxUmmFrag, 100 - (100 * Math.sqrt(24 * 24 + 32 * 32)) / (24 + 32)); // op 8
  assert.is(s.medianRequest, 30); // 1 10 20 30 40 70 70
  assert.is(s.maxTypFrag, 1); // op 8: both free blocks (24, 32) < need(30) = 40
  assert.is(s.ooms, 2);
  assert.is(s.fragmentationOoms, 2);
  assert.is(s.idealFootprint, 8 + 16 + 80); // op 8: fixed + need(10) + need(70)
  assert.equal(r.oomEvents.map((e) => [e.op, e.kind, e.id, e.size, e.free, e.largest, e.live, e.fragmentation]), [
    [6, 'alloc', 5, 70, 80, 60, 50, true],
    [9, 'realloc', 4, 30, 48, 28, 80, true],
  ]);
  const p = r.series!.points;
  const row = (i: number) => [p[i]!.live, p[i]!.internal, p[i]!.free, p[i]!.largest, p[i]!.metadata];
  assert.equal(row(0), [20, 0, 124, 124, 16]); // control 4 + header 4 + free header 4 + epilogue 4
  assert.equal(row(3), [60, 4, 72, 60, 24]);
  assert.equal(row(5), [50, 6, 80, 60, 24]);
  assert.equal(row(7), [10, 2, 128, 108, 20]);
  assert.equal(row(11), [0, 0, 148, 148, 12]);
  assert.is(p[3]!.typFrag, 16 / 80);
});

test.run();
