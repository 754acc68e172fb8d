/**
 * A triggered compaction (--compact-every, --compact-above) is part of the op that triggered it:
 * the metrics see the heap after it (issue 15 item 2). The repro of the issue: busybox-sh on
 * rmalloc in a 46376-byte heap with 30 % of blocks pinned and a compaction every 50 ops, where
 * the next free compared largestAllocatable with the value from before the compaction.
 */
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { extFrag } from '../src/metrics';
import { replay } from '../src/sim';
import type { RunConfig } from '../src/sim';
import { loadTrace } from '../src/trace';

const TRACE = path.join(__dirname, '..', 'firmware-traces', 'busybox-sh.trace.gz');

function cfg(extra: Partial<RunConfig> = {}): RunConfig {
  return { device: loadDevice('nds'), allocator: 'rmalloc', heapSize: 46376, oom: 'fail', locks: 'pinned:0.3', compactEvery: 50, ...extra };
}

test('the issue 15 repro runs clean under --check', async () => {
  const r = replay(await loadTrace(TRACE), cfg({ check: true }));
  assert.is(r.status, 'ok', r.violation?.message);
  assert.ok(r.compaction.runs > 0);
});

test('after a triggered compaction the extremes cover the heap the next op sees', async () => {
  const t = await loadTrace(TRACE);
  // An observer reads the allocator itself after every op (after any compaction the op
  // triggered): the run's minima can only be at or below what it saw, its maxima at or above.
  let minLargest = Infinity, minFree = Infinity, maxEF = 0;
  const r = replay(t, cfg(), {
    afterOp: (_i, v) => {
      const free = v.allocator.freeBytes();
      const largest = v.allocator.largestAllocatable();
      minLargest = Math.min(minLargest, largest);
      minFree = Math.min(minFree, free);
      maxEF = Math.max(maxEF, extFrag(free, largest));
    },
  });
  assert.ok(r.compaction.runs > 0);
  assert.ok(r.summary.minLargest <= minLargest, `minLargest ${r.summary.minLargest} > ${minLargest} seen after an op`);
  assert.ok(r.summary.minEverFree <= minFree);
  assert.ok(r.summary.maxExtFrag >= maxEF - 1e-12, `maxExtFrag ${r.summary.maxExtFrag} < ${maxEF} seen after an op`);
  // Every trigger is followed by an exact read: with --check the run gives the same figures.
  const c = replay(t, cfg({ check: true }));
  assert.equal(c.summary, { ...r.summary, walkEvaluations: c.summary.walkEvaluations });
});

test.run();
