/**
 * For every registered allocator, on seeded random traces: the conservation identity
 * (live + internal + metadata + free + unusable = heap size, every term >= 0) holds at every
 * op, and the full --check (allocator check(), independent walk() cross-check, payload
 * patterns through every free/realloc/lock/move) finds nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { allocatorNames } from '../src/alloc';
import { replay } from '../src/sim';
import { randomTrace } from './helpers/gen';

const dev = loadDevice('nds');
const traces = [
  randomTrace({ seed: 11, ops: 1500, maxSize: 700, liveTarget: 30 }),
  randomTrace({ seed: 12, ops: 1500, maxSize: 3000, minSize: 16, liveTarget: 20, reallocRate: 0.3 }),
];

for (const name of allocatorNames()) {
  test(`${name}: conservation and --check on seeded random traces`, () => {
    for (const t of traces) {
      for (const heapSize of [16 * 1024, 48 * 1024]) {
        const r = replay(t, { device: dev, allocator: name, heapSize, oom: 'fail', check: true, compactEvery: 200 });
        const where = `${name} ${t.info.name} heap ${heapSize}`;
        assert.is(r.status, 'ok', `${where}: ${r.violation?.message}\n${r.violation?.blocks.join('\n')}`);
        assert.ok(r.conservation.ok, `${where}: ${r.conservation.firstViolation?.message}`);
        assert.is(r.conservation.checkedOps, t.ops.n);
        assert.ok(r.summary.peakLive > 0);
        assert.ok(r.summary.maxUsed >= r.summary.peakLive, where);
        assert.ok(r.summary.utilization > 0 && r.summary.utilization <= 1, where);
        assert.ok(r.summary.maxExtFrag >= 0 && r.summary.maxExtFrag <= 1, where);
        // Without --check the engine skips observer calls it can bound; every exact metric
        // must come out the same as with --check, which asks every observer after every op.
        const q = replay(t, { device: dev, allocator: name, heapSize, oom: 'fail', compactEvery: 200 });
        const exact = (x: typeof r) => {
          const { peakLive, maxUsed, utilization, jw3, jw4, minEverFree, maxExtFrag, internalAtPeak, metadataAtPeak, ooms, fragmentationOoms, minLargest, idealFootprint } = x.summary;
          return { peakLive, maxUsed, utilization, jw3, jw4, minEverFree, maxExtFrag, internalAtPeak, metadataAtPeak, ooms, fragmentationOoms, minLargest, idealFootprint,
            series: x.series!.points.map((p) => [p.live, p.used, p.free, p.largest, p.maxUsed, p.minFree, p.minLargest, p.maxExtFrag]), cycles: x.cycles };
        };
        assert.equal(exact(q), exact(r), where);
        for (const p of r.series!.points) {
          const unusable = r.heap.size - p.live - p.internal - p.metadata - p.free;
          assert.ok(unusable >= 0 && p.internal >= 0 && p.metadata >= 0 && p.free >= 0, `${where} op ${p.op}`);
        }
      }
    }
  });
}

test.run();
