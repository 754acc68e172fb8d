/**
 * Squeeze figures on a hand-made trace, every one worked out by hand with the test allocator
 * `tiny` (tests/helpers/sim-tiny.ts: first fit, 8-byte headers, need(n) = max(16, roundUp(n, 8)
 * + 8), free = Σ (free block − 8), largest = max (free block − 8), realloc = alloc, copy, free).
 * Also the ladder arithmetic, --heaps parsing, the summary line, the table, CSV and chart.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { packOps } from './helpers/pack';
import { defaultLadder, parseHeaps, runSqueeze } from '../src/study/squeeze';
import type { SqueezeAllocator, SqueezeOptions, SqueezePoint } from '../src/study/squeeze';
import { squeezeCsv, squeezeLine, squeezeTable, sparkline } from '../src/report/squeeze';
import { renderSqueezeChart } from '../src/report/squeeze-svg';
import { SimError } from '../src/errors';
import { tinyFactory } from './helpers/sim-tiny';

const dev = loadDevice('nds'); // alignment 8

// op: what happens (worked out in the comments of each test)
const T = packOps('hand', [
  ['a', 1, 24], // 0  need 32
  ['a', 2, 24], // 1  need 32
  ['a', 3, 24], // 2  need 32
  ['f', 1], //     3
  ['a', 4, 40], // 4  need 48
  ['a', 5, 8], //  5  need 16
  ['r', 2, 40], // 6  need 48
  ['f', 3], //     7
  ['a', 6, 30], // 8  need 40
  ['f', 2], //     9
  ['f', 4], //     10
  ['f', 5], //     11
  ['f', 6], //     12
]);
// Peak live (at 192, where everything succeeds): after op 8, ids 2 (40), 4 (40), 5 (8), 6 (30) = 118.

function opts(moving: boolean, oom: 'fail' | 'compact' | 'release', sizes?: number[]): SqueezeOptions {
  const f = tinyFactory(moving);
  const o: SqueezeOptions = {
    device: dev, allocators: [f.name], factories: [f], traces: [T], oom, locks: 'none', seed: 1, params: {}, check: false, jobs: 1,
  };
  if (sizes) o.ladder = { sizes };
  return o;
}

const at = (a: SqueezeAllocator, heap: number): SqueezePoint => {
  const p = a.points.find((x) => x.heap === heap);
  if (!p) throw new Error(`no point at ${heap}`);
  return p;
};

test('every figure at every size, worked out by hand (drop the object)', async () => {
  const { report, failures } = await runSqueeze(opts(false, 'fail', [192, 160, 128]));
  assert.equal(failures, []);
  const t = report.traces[0]!;
  assert.is(t.peakLive, 118);
  const a = t.allocators[0]!;
  // 192: 176 and 184 fail at op 6 (the realloc's 48-byte block does not fit the 32/40-byte
  // tail), 192 has an exact 48-byte tail: min heap 192.
  assert.is(a.minHeap, 192);
  // The summary's probe, 90 % of 192 = 172.8, aligned down to 168, joins the ladder.
  assert.equal(a.points.map((p) => p.heap), [192, 168, 160, 128]);

  const p192 = at(a, 192);
  assert.is(p192.failures, 0);
  assert.is(p192.firstFailure, null);
  assert.is(p192.ofMinHeap, 1);

  // 168: ops 0-2 fill [0,96), tail [96,168) = 72. f1 frees [0,32). a4 takes [96,144), tail
  // [144,168) = 24. a5 takes [0,16), hole [16,32) = 16. r2 needs 48: holes 16 and 24 -> fails;
  // free = 8 + 16 = 24 < 40: exhaustion; largest 16; live 24+24+40+8 = 96. f3 frees [64,96)
  // (neighbours used). a6 needs 40: holes 16, 32, 24 -> fails; free 8 + 24 + 16 = 48 >= 30:
  // fragmentation; largest 24.
  const p168 = at(a, 168);
  assert.is(p168.failures, 2);
  assert.is(p168.failedBytes, 70);
  assert.is(p168.fragmentation, 1);
  assert.is(p168.exhaustion, 1);
  assert.is(p168.skippedOps, 1); // f6 of the failed a6
  assert.is(p168.opsRun, 13);
  assert.equal(p168.firstFailure, { op: 6, line: 7, kind: 'realloc', size: 40, at: 6 / 13, free: 24, largest: 16, live: 96, fragmentation: false });
  assert.is(p168.ofMinHeap, 168 / 192);
  assert.is(p168.ofPeakLive, 168 / 118);
  assert.is(p168.managed, 168);

  // 160: as at 168 but the tail after a4 is [144,160) = 16: r2 fails with free 8 + 8 = 16,
  // largest 8, live 96; a6 fails with free 8 + 24 + 8 = 40 >= 30 (fragmentation), largest 24.
  const p160 = at(a, 160);
  assert.is(p160.failures, 2);
  assert.is(p160.failedBytes, 70);
  assert.is(p160.fragmentation, 1);
  assert.is(p160.exhaustion, 1);
  assert.equal(p160.firstFailure, { op: 6, line: 7, kind: 'realloc', size: 40, at: 6 / 13, free: 16, largest: 8, live: 96, fragmentation: false });

  // 128: tail after op 2 is [96,128) = 32; f1 leaves holes 32 and 32: a4 (48) fails with free
  // 24 + 24 = 48 >= 40 (fragmentation), largest 24, live 48. a5 takes [0,16). r2 fails: holes 16
  // and 32, free 8 + 24 = 32 < 40 (exhaustion). f3 merges [64,128) = 64; a6 fits there. f4 is
  // skipped (a4 failed).
  const p128 = at(a, 128);
  assert.is(p128.failures, 2);
  assert.is(p128.failedBytes, 80);
  assert.is(p128.fragmentation, 1);
  assert.is(p128.exhaustion, 1);
  assert.is(p128.skippedOps, 1);
  assert.equal(p128.firstFailure, { op: 4, line: 5, kind: 'alloc', size: 40, at: 4 / 13, free: 48, largest: 24, live: 48, fragmentation: true });
  assert.is(p128.recovered, 0);

  // The one-line summary comes from the 168 probe.
  assert.equal(a.summary, { startsFailingBelow: 192, minHeap: 192, probe: 168, failures: 2, failedBytes: 70, fragmentation: 1, fragmentationShare: 0.5, firstFailureAt: 6 / 13 });
  assert.is(squeezeLine(a), 'starts failing below 192 B; at 90 % of min heap: 2 failures, 50 % fragmentation, first at 46 % of the trace');
});

test('a moving allocator under compact: compaction recovers the fragmentation failure', async () => {
  const { report } = await runSqueeze(opts(true, 'compact', [160]));
  const a = report.traces[0]!.allocators[0]!;
  // 160: r2 fails as before (free 16: compaction makes one 32-byte block, 24 usable < 40);
  // a6 (free 40 in holes of 16, 32, 16) is recovered: the compacted 64-byte block fits 40.
  // a4 succeeded at 160 and the failed realloc leaves id 2 live, so no op is skipped.
  const p = at(a, 160);
  assert.is(p.failures, 1);
  assert.is(p.failedBytes, 40);
  assert.is(p.exhaustion, 1);
  assert.is(p.fragmentation, 0);
  assert.is(p.recovered, 1);
  assert.is(p.skippedOps, 0);
  assert.is(p.firstFailure?.op, 6);
});

test('release: the program frees its oldest object and the request succeeds', async () => {
  const { report } = await runSqueeze(opts(false, 'release', [128]));
  const p = at(report.traces[0]!.allocators[0]!, 128);
  // 128: a4 (48) fails with holes [0,32) and [96,128); the oldest live object is id 2 at
  // [32,64): released, [0,64) fits 48. Later r2 and f2 name the released object: skipped. a5
  // takes [48,64); f3 leaves [64,128) for a6. No request fails.
  assert.is(p.failures, 0);
  assert.is(p.failedBytes, 0);
  assert.is(p.recovered, 1);
  assert.is(p.released, 1);
  assert.is(p.skippedOps, 2);
});

test('default ladder: min heap, 90 % of it, evenly down to 90 % of peak live, aligned', () => {
  // min 1000, peak 800: 1000, 900, then 7 more evenly to 720 (step 22.5), aligned down to 8.
  const l = defaultLadder(1000, 800, 8, 10);
  assert.is(l.length, 10);
  assert.is(l[0], 1000);
  assert.is(l[1], 896); // 900 aligned down
  assert.is(l[9], 720);
  assert.ok(l.every((x, i) => x % 8 === 0 && (i === 0 || x < l[i - 1]!)));
  assert.equal(defaultLadder(200, 180, 8, 2), [200, 176]);
});

test('--heaps: list and FROM:TO:STEP, both directions; bad values are usage errors', () => {
  assert.equal(parseHeaps('64KiB,96KiB').sizes, [65536, 98304]);
  assert.equal(parseHeaps('100:130:10').sizes, [100, 110, 120, 130]);
  assert.equal(parseHeaps('1KiB:512:256').sizes, [1024, 768, 512]);
  for (const bad of ['', 'x', '1:2', '1:2:0', '0', '1:2:3:4'])
    assert.throws(() => parseHeaps(bad), (e: unknown) => e instanceof SimError && e.code === 'USAGE', bad);
});

test('table, CSV and chart render the report', async () => {
  const { report } = await runSqueeze(opts(false, 'fail', [192, 160, 128]));
  const table = squeezeTable(report, { color: false });
  assert.match(table, 'hand: 13 ops, peak live 118 B');
  assert.match(table, /tiny[\s│]+192 B[\s│]+2[\s│]+50 %[\s│]+op 6 \(46\.2 %\)[\s│]+24 B \/ 16 B[\s│]+2 at 128 B[\s│]+80 B[\s│]+-[\s│]+·███/);
  const csv = squeezeCsv(report).trim().split('\n');
  assert.is(csv.length, 1 + 4);
  assert.match(csv[4]!, /^hand,tiny,192,118,128,128,/);
  const svg = renderSqueezeChart(report);
  assert.ok(svg.startsWith('<svg') && svg.includes('peak live 118 B') && svg.includes('tiny  ≥ 192 B'));
  assert.is(renderSqueezeChart(report), svg); // deterministic
  assert.is(sparkline(at0(report.traces[0]!.allocators[0]!), 2), '·███');
});

const at0 = (a: SqueezeAllocator): SqueezePoint[] => a.points;

test.run();
