/**
 * `traceStats` against a small trace whose every number was computed by hand, and the
 * same numbers through a streaming source and a packed trace.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { traceFromText, openTrace, traceStats, log2Bucket } from '../src/trace';

// op index: comment
const TEXT = `# hand-computed
a 0 10
a 1 20
r 0 50
l 1
u 1
f 1
i 7
a 2 0
x 0 M
f 0
a 3 100
r 3 0
a 0 3
f 9
`;
// 0: a0 10 live 10 | 1: a1 20 live 30 | 2: r0 50 live 70 | 3: l1 | 4: u1
// 5: f1 live 50, lifetime 5-1 = 4 | 6: i 7 | 7: a2 0 | 8: x0 | 9: f0 live 0, lifetime 9
// 10: a3 100 live 100 (peak) | 11: r3 0 = free, live 0, lifetime 1 | 12: a0 3 live 3
// f 9: skipped (unknown id)

const s = suite('trace stats');

s('log2 buckets', () => {
  assert.equal([0, 1, 2, 3, 4, 7, 8, 4095, 4096, 2 ** 32 - 1, 2 ** 32, 2 ** 53].map(log2Bucket), [0, 1, 2, 2, 3, 3, 4, 12, 13, 32, 33, 54]);
});

s('every number of a hand-computed trace', async () => {
  const st = await traceStats(traceFromText(TEXT, 'hand.trace'));
  assert.equal(
    {
      trace: st.trace,
      ops: st.ops,
      allocs: st.allocs,
      frees: st.frees,
      reallocs: st.reallocs,
      locks: st.locks,
      unlocks: st.unlocks,
      idles: st.idles,
      idleCycles: st.idleCycles,
      accesses: st.accesses,
      ids: st.ids,
      peakLive: st.peakLive,
      peakLiveOp: st.peakLiveOp,
      peakLiveIds: st.peakLiveIds,
      maxSize: st.maxSize,
      liveAtEnd: st.liveAtEnd,
      liveIdsAtEnd: st.liveIdsAtEnd,
    },
    {
      trace: 'hand',
      ops: 13,
      allocs: 5,
      frees: 3,
      reallocs: 1,
      locks: 1,
      unlocks: 1,
      idles: 1,
      idleCycles: 7,
      accesses: 1,
      ids: 4,
      peakLive: 100,
      peakLiveOp: 10,
      peakLiveIds: 2,
      maxSize: 100,
      liveAtEnd: 3,
      liveIdsAtEnd: 2,
    },
  );
  // Requests 10, 20, 50, 0, 100, 3 (r 3 0 is a free, not a request).
  assert.equal(st.sizeHistogram, [
    { min: 0, max: 0, count: 1 },
    { min: 1, max: 1, count: 0 },
    { min: 2, max: 3, count: 1 },
    { min: 4, max: 7, count: 0 },
    { min: 8, max: 15, count: 1 },
    { min: 16, max: 31, count: 1 },
    { min: 32, max: 63, count: 1 },
    { min: 64, max: 127, count: 1 },
  ]);
  // Lifetimes 4, 9, 1.
  assert.equal(st.lifetimeHistogram, [
    { min: 1, max: 1, count: 1 },
    { min: 2, max: 3, count: 0 },
    { min: 4, max: 7, count: 1 },
    { min: 8, max: 15, count: 1 },
  ]);
  assert.equal(st.skipped, [{ reason: 'free of an unknown id', count: 1, firstLine: 15 }]);
  assert.equal(st.header, ['hand-computed']);
  assert.is(st.schema, 1);
});

s('a streaming source gives the same numbers as a packed trace', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trace-stats-'));
  const f = path.join(dir, 'hand.trace');
  fs.writeFileSync(f, TEXT);
  const a = await traceStats(openTrace(f));
  const b = await traceStats(traceFromText(TEXT, f));
  assert.equal(a, b);
  fs.rmSync(dir, { recursive: true });
});

s('an empty trace', async () => {
  const st = await traceStats(traceFromText('# nothing\n'));
  assert.is(st.ops, 0);
  assert.is(st.peakLive, 0);
  assert.equal(st.sizeHistogram, []);
  assert.equal(st.lifetimeHistogram, []);
});

s.run();
