/**
 * Every summary metric of a tiny hand-worked trace, asserted exactly. The allocator is the
 * test-only first-fit of tests/helpers/sim-tiny.ts on a 128-byte heap (8-byte headers,
 * need(n) = max(16, roundUp(n, 8) + 8), first fit from the front, split when >= 16 remains).
 *
 * Layout after each op (offsets from the heap base; U = used, F = free):
 *  0 a1 1   U[0,16) F[16,128)                          live 1  int 7  meta 8  free 104 lg 104
 *  1 a2 1   U[0,16) U[16,32) F[32,128)                 live 2  int 14 meta 16 free 88  lg 88
 *  2 a3 1   ... U[32,48) F[48,128)                     live 3  int 21 meta 24 free 72  lg 72
 *  3 a4 1   ... U[48,64) F[64,128)                     live 4  int 28 meta 32 free 56  lg 56
 *  4 f2     F[16,32) between used blocks               live 3  int 21 meta 24 free 64  lg 56
 *  5 a5 50  need 64 -> exactly F[64,128)               live 53 int 27 meta 32 free 8   lg 8
 *  6 a6 9   need 24: OOM (free 8 < 9: not fragmentation)
 *  7 a7 8   need 16 -> exactly F[16,32)                live 61 int 27 meta 40 free 0   lg 0
 *  8 f1     F[0,16)                                    live 60 int 20 meta 32 free 8   lg 8
 *  9 f3     F[0,16) F[32,48)                           live 59 int 13 meta 24 free 16  lg 8
 * 10 a8 12  need 24: OOM (free 16 >= 12: fragmentation)
 * 11 f7     F[0,48) after coalescing                   live 51 int 13 meta 16 free 40  lg 40
 * 12 a8 12  U[0,24) F[24,48)                           live 63 int 17 meta 24 free 16  lg 16
 * 13 r8 40  need 48: OOM (free 16 < 40), old block kept
 * 14 r8 10  new U[24,48), old freed: F[0,24)           live 61 int 19 meta 24 free 16  lg 16
 * 15 f6     skipped (id 6's alloc failed)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { replay } from '../src/sim';
import { packOps } from './helpers/pack';
import { tinyFactory } from './helpers/sim-tiny';

const dev = loadDevice('nds');
const trace = packOps('tiny', [
  ['a', 1, 1], ['a', 2, 1], ['a', 3, 1], ['a', 4, 1], ['f', 2], ['a', 5, 50], ['a', 6, 9], ['a', 7, 8],
  ['f', 1], ['f', 3], ['a', 8, 12], ['f', 7], ['a', 8, 12], ['r', 8, 40], ['r', 8, 10], ['f', 6],
]);

const run = () => replay(trace, { device: dev, allocator: 'tiny', factory: tinyFactory(), heapSize: 128, whatIf: true, oom: 'fail' });

test('summary metrics match the hand-worked layout', () => {
  const r = run();
  const s = r.summary;
  assert.is(r.status, 'ok');
  assert.is(r.heap.size, 128);
  assert.is(s.opsRun, 16);
  assert.is(s.peakLive, 1 + 50 + 12); // ids 4, 5, 8 at op 12
  assert.is(s.internalAtPeak, 7 + 6 + (16 - 12)); // id4: 8-1, id5: 56-50, id8: 16-12
  assert.is(s.metadataAtPeak, 3 * 8);
  assert.is(s.maxUsed, 128); // op 7: no free block left
  assert.is(s.jw3, 128 / 61 - 1); // live at op 7 = 1 + 1 + 1 + 50 + 8 (ids 1,3,4,5,7)
  assert.is(s.jw4, 128 / 63 - 1);
  assert.is(s.utilization, 63 / 128);
  assert.is(s.minEverFree, 0);
  assert.is(s.minLargest, 0);
  assert.is(s.maxExtFrag, 1 - 8 / 16); // op 9: two 16-byte holes, 8 bytes each usable
  assert.is(s.maxUmmFrag, 100 - (100 * Math.sqrt(16 * 16 + 16 * 16)) / 32); // op 9
  assert.is(s.medianRequest, 9); // sorted 1 1 1 1 8 9 10 12 12 40 50: lower median
  assert.is(s.maxTypFrag, 1); // op 5: the only free block (16) is < need(9) = 24
  assert.is(s.ooms, 3);
  assert.is(s.fragmentationOoms, 1);
  assert.is(s.recoveredOoms, 0);
  assert.is(s.skippedOps, 1);
  assert.is(s.errors, 0);
  assert.is(s.idealFootprint, 3 * 16 + 64 + 16); // op 7: need(1) x3 (ids 1,3,4) + need(50) + need(8)
  assert.is(s.walkEvaluations, 16); // <= 16 blocks: walked after every op
  assert.ok(r.conservation.ok);
});

test('OOM events carry op, kind, id, size, free, largest, live and the fragmentation flag', () => {
  const r = run();
  assert.equal(
    r.oomEvents.map(({ op, kind, id, size, free, largest, live, outcome, fragmentation }) => ({ op, kind, id, size, free, largest, live, outcome, fragmentation })),
    [
      { op: 6, kind: 'alloc', id: 6, size: 9, free: 8, largest: 8, live: 53, outcome: 'failed', fragmentation: false },
      { op: 10, kind: 'alloc', id: 8, size: 12, free: 16, largest: 8, live: 59, outcome: 'failed', fragmentation: true },
      { op: 13, kind: 'realloc', id: 8, size: 40, free: 16, largest: 16, live: 63, outcome: 'failed', fragmentation: false },
    ],
  );
});

test('series with sample 1 has the per-op values of the table above', () => {
  const r = replay(trace, { device: dev, allocator: 'tiny', factory: tinyFactory(), heapSize: 128, whatIf: true, oom: 'fail', sample: 1 });
  const pts = r.series!.points;
  assert.is(pts.length, 16);
  const row = (i: number) => [pts[i]!.live, pts[i]!.internal, pts[i]!.metadata, pts[i]!.free, pts[i]!.largest, pts[i]!.used];
  assert.equal(row(0), [1, 7, 8, 104, 104, 24]);
  assert.equal(row(4), [3, 21, 24, 64, 56, 64]);
  assert.equal(row(5), [53, 27, 32, 8, 8, 120]);
  assert.equal(row(7), [61, 27, 40, 0, 0, 128]);
  assert.equal(row(9), [59, 13, 24, 16, 8, 112]);
  assert.equal(row(11), [51, 13, 16, 40, 40, 88]);
  assert.equal(row(14), [61, 19, 24, 16, 16, 112]);
  assert.is(pts[4]!.typFrag, 16 / 80); // free blocks 16 (too small) and 64
  assert.is(pts[4]!.ummFrag, 100 - (100 * Math.sqrt(16 * 16 + 64 * 64)) / 80);
  assert.equal(pts.map((p) => p.ooms), [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
});

test('series buckets keep extremes between points', () => {
  const r = replay(trace, { device: dev, allocator: 'tiny', factory: tinyFactory(), heapSize: 128, whatIf: true, oom: 'fail', sample: 8 });
  const pts = r.series!.points;
  assert.is(pts.length, 2);
  assert.is(pts[0]!.op, 7);
  assert.is(pts[0]!.maxUsed, 128);
  assert.is(pts[1]!.op, 15);
  assert.is(pts[1]!.maxLive, 63);
  assert.is(pts[1]!.minFree, 8);
  assert.is(pts[1]!.maxExtFrag, 0.5);
  assert.is(pts[1]!.ooms, 2);
});

test.run();
