/**
 * The tight-memory line of the study (src/study/tight.ts): "starts failing below N; at 90 % of
 * min heap: K failures, F % fragmentation, first at X % of the trace", as the default command,
 * compare (table, JSON, CSV) and report show it. Every figure worked out by hand on a small trace
 * with the test allocator `tiny` (tests/helpers/sim-tiny.ts: first fit from the heap's start,
 * 8-byte headers, need(n) = max(16, roundUp(n, 8) + 8), a free block is split when 16 bytes or
 * more remain, free coalesces; freeBytes = Σ (free block − 8), largest = max (free block − 8)).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { compareCsv, compareTable, COMPARE_CSV_HEADER, tightLine } from '../src/report';
import { runStudy } from '../src/study';
import type { StudySpec } from '../src/study';
import { packOps } from './helpers/pack';
import { tinyFactory } from './helpers/sim-tiny';

const dev = loadDevice('nds'); // alignment 8

// Layout at a heap of H bytes (addresses from the heap's start):
const T = packOps('tight', [
  ['a', 1, 24], // 0  need 32: [0,32)
  ['a', 2, 8], //  1  need 16: [32,48)
  ['a', 3, 24], // 2  need 32: [48,80)
  ['f', 2], //     3  hole [32,48)
  ['a', 4, 40], // 4  need 48: the hole is 16, so the tail: [80,128) (H >= 128)
  ['a', 8, 48], // 5  need 56: the tail from 128 (H >= 184)
  ['f', 8], //     6
  ['a', 5, 8], //  7  need 16: the hole [32,48)
  ['f', 1], //     8  hole [0,32)
  ['f', 3], //     9  hole [48,80) (between a5 and a4: no merge)
  ['a', 6, 56], // 10 need 64: holes of 32, 32, so the tail from 128 (H >= 192)
  ['f', 4], //     11
  ['f', 5], //     12
  ['f', 6], //     13
]);
// Min heap: below 128 a4 fails, below 184 a8, at 184 a6 (tail 56 < 64); 192 and up run clean
// (the tail is taken whole or split, then freed): 192. Peak live after op 5: 24+24+40+48 = 136.
//
// The probe: 90 % of 192 = 172.8, aligned down to 168. At 168, after op 4 the tail is [128,168)
// = 40 bytes: a8 (48) fails with free (16−8) + (40−8) = 40 < 48: exhaustion (first failure, op
// 5 of 14: 36 %), largest 32, live 24+24+40 = 88. f8 is skipped. a5 takes [32,48); f1 and f3
// leave holes [0,32) and [48,80); a6 (56) fails with free 24 + 24 + 32 = 80 >= 56:
// fragmentation. 2 failures, 48 + 56 = 104 bytes, 1 of 2 fragmentation (50 %).

const SPEC: StudySpec = {
  device: dev, allocators: ['tiny'], factories: [tinyFactory()], traces: [T], locks: 'none', params: {}, seed: 1, check: false,
  goal: 'balanced', jobs: 1, series: false,
};

test('every figure of the line, by hand', async () => {
  const st = await runStudy(SPEC);
  assert.equal(st.failures, []);
  const t = st.report.traces[0]!;
  assert.is(t.peakLive, 136);
  const c = t.results[0]!;
  assert.is(c.minHeap?.minHeap, 192);
  assert.equal(c.tight, {
    startsFailingBelow: 192, minHeap: 192, probe: 168, failures: 2, failedBytes: 104, fragmentation: 1, fragmentationShare: 0.5, firstFailureAt: 5 / 14,
  });
  const p = st.probes[0]![0]!;
  assert.is(p.heap, 168);
  assert.is(p.exhaustion, 1);
  assert.is(p.skippedOps, 2); // f8 and f6
  assert.equal(p.firstFailure, { op: 5, line: 6, kind: 'alloc', size: 48, at: 5 / 14, free: 40, largest: 32, live: 88, fragmentation: false });
  const line = 'starts failing below 192 B; at 90 % of min heap: 2 failures, 50 % fragmentation, first at 36 % of the trace';
  assert.is(tightLine({ minHeap: 192, summary: c.tight! }), line);

  // The table prints it under the trace's table; the CSV carries the raw figures.
  const table = compareTable(st.report, { color: false });
  assert.match(table, `  tight memory (a whole replay at 90 % of each min heap):\n    tiny  ${line}\n`);
  const [head, row] = compareCsv(st.report).trim().split('\n');
  assert.is(head, COMPARE_CSV_HEADER.join(','));
  assert.ok(row!.endsWith(`,192,168,2,104,1,${+(5 / 14).toPrecision(10)}`), row);
});

test('no probe without the min-heap search, nor with tight: false', async () => {
  for (const extra of [{ minHeap: false }, { tight: false }]) {
    const st = await runStudy({ ...SPEC, ...extra });
    const c = st.report.traces[0]!.results[0]!;
    assert.is(c.tight, undefined);
    assert.is(st.probes[0]![0], null);
    assert.not.match(compareTable(st.report, { color: false }), 'tight memory');
  }
});

test('the line: not monotonic, no failures at the probe, no min heap, a probe that cannot run', () => {
  const s = { startsFailingBelow: 200, minHeap: 192, probe: 168, failures: 3, failedBytes: 90, fragmentation: 3, fragmentationShare: 1, firstFailureAt: 0.5 };
  assert.is(tightLine({ minHeap: 192, summary: s }), 'starts failing below 200 B (clean again at 192 B); at 90 % of min heap: 3 failures, 100 % fragmentation, first at 50 % of the trace');
  assert.is(tightLine({ minHeap: 192, summary: { ...s, startsFailingBelow: 192, failures: 0, fragmentation: 0, fragmentationShare: 0, firstFailureAt: 1 } }),
    'starts failing below 192 B; at 90 % of min heap: no failures (not monotonic)');
  assert.is(tightLine({ minHeap: 192, summary: { ...s, startsFailingBelow: 192, failures: 1, fragmentation: 0, fragmentationShare: 0 } }),
    'starts failing below 192 B; at 90 % of min heap: 1 failure, 0 % fragmentation, first at 50 % of the trace');
  // a few bytes apart: both exact; a first failure in the first 0.5 % of the trace
  assert.is(tightLine({ minHeap: 312536, summary: { ...s, startsFailingBelow: 312568, minHeap: 312536, firstFailureAt: 0.004 } }),
    'starts failing below 312,568 B (clean again at 312,536 B); at 90 % of min heap: 3 failures, 100 % fragmentation, first at <1 % of the trace');
  assert.is(tightLine({ minHeap: null, minHeapError: 'no heap up to 256 MiB' }), 'no clean heap found (no heap up to 256 MiB)');
  assert.is(tightLine({ minHeap: null }), null);
  assert.is(tightLine({ minHeap: 192, summary: { ...s, startsFailingBelow: 192, error: 'heap too small (HEAP_TOO_SMALL)' } }),
    'starts failing below 192 B; at 90 % of min heap: cannot run (heap too small (HEAP_TOO_SMALL))');
});

test.run();
