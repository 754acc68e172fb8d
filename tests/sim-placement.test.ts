/**
 * Placement-only replays (src/sim/minheap.ts placementOnly, src/bus/placement.ts): the min-heap
 * search, the tight-memory line and squeeze replay on a bus that charges nothing. That is only
 * sound if no allocator's decisions depend on what its accesses cost. Here every allocator of
 * the registry, with the OOM policy the study gives it, replays bundled traces on the device's
 * own bus (nds: with its data cache) and on the placement bus, at the device heap and in a heap
 * too small for the trace (so OOMs and compaction on OOM run too), and must return the same
 * address for every allocation, fail the same requests, and charge nothing on the placement bus.
 */
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AllocatorFactory } from '../src/alloc';
import { PlacementBus } from '../src/bus';
import { loadDevice } from '../src/device';
import { placementOnly, replay } from '../src/sim';
import type { RunConfig } from '../src/sim';
import { resolveAllocators } from '../src/study';
import { loadTrace, traceFromText } from '../src/trace';
import type { PackedTrace } from '../src/trace';

const dev = loadDevice('nds');
const TRACES = path.resolve(__dirname, '..', 'firmware-traces');
const load = (name: string): Promise<PackedTrace> => loadTrace(path.join(TRACES, `${name}.trace.gz`));

/** The factory, recording every address alloc/realloc returned (0 for a failure) and the bus it ran on. */
function recording(f: AllocatorFactory, out: { addrs: number[]; bus: unknown }): AllocatorFactory {
  return {
    ...f,
    create(ctx) {
      out.bus = ctx.bus;
      const a = f.create(ctx);
      const alloc = a.alloc.bind(a);
      const realloc = a.realloc.bind(a);
      const note = (h: number): number => {
        out.addrs.push(h === 0 ? 0 : a.addressOf(h));
        return h;
      };
      a.alloc = (size: number) => note(alloc(size));
      a.realloc = (h: number, size: number) => note(realloc(h, size));
      return a;
    },
  };
}

function both(t: PackedTrace, heapSize: number | undefined): void {
  for (const a of resolveAllocators(dev, undefined, {})) {
    const base: RunConfig = { device: dev, allocator: a.name, params: a.params, oom: a.oom, series: false, lean: true, whatIf: true };
    if (heapSize !== undefined) base.heapSize = heapSize;
    const counted = { addrs: [] as number[], bus: undefined as unknown };
    const placed = { addrs: [] as number[], bus: undefined as unknown };
    const rc = replay(t, { ...base, factory: recording(a.factory, counted) });
    const rp = replay(t, { ...base, ...placementOnly(t, base), factory: recording(a.factory, placed) });
    const what = `${a.name} on ${t.info.name} (heap ${heapSize ?? 'device'})`;
    assert.ok(placed.bus instanceof PlacementBus, `${what}: placement run on the placement bus`);
    assert.not.ok(counted.bus instanceof PlacementBus);
    assert.ok(counted.addrs.length > 0, what);
    assert.equal(placed.addrs, counted.addrs, `${what}: same addresses`);
    assert.is(rp.summary.ooms, rc.summary.ooms, what);
    assert.equal(rp.oomEvents.map((e) => [e.op, e.outcome]), rc.oomEvents.map((e) => [e.op, e.outcome]), what);
    assert.is(rp.summary.maxUsed, rc.summary.maxUsed, what);
    assert.is(rp.summary.idealFootprint, rc.summary.idealFootprint, what);
    assert.ok(rc.bus.cycles > 0, `${what}: the counted run charged cycles`);
    assert.is(rp.bus.cycles, 0, `${what}: the placement run charged nothing`);
    assert.is(rp.bus.metadata.reads + rp.bus.metadata.writes + rp.bus.copy.bytes, 0, what);
  }
}

test('placementOnly: no placement bus where the allocator reads the cycle counter', () => {
  const t = traceFromText('a 1 16\ni 500\nf 1\n', 'idle');
  const plain = traceFromText('a 1 16\nf 1\n', 'plain');
  assert.equal(placementOnly(plain, {}), { costs: false });
  assert.equal(placementOnly(plain, { compactBudget: 2000 }), {}, 'a compaction budget is counted in cycles');
  assert.equal(placementOnly(t, {}), {}, 'idle ops give idle compaction a cycle budget');
});

for (const name of ['busybox-sh', 'lighttpd-burst', 'djpeg-small']) {
  test(`every allocator places ${name} alike on the counted and the placement bus, at the device heap`, async () => {
    both(await load(name), undefined);
  });
}

test('every allocator places busybox-sh alike on both buses in a heap too small for it (OOMs, compaction on OOM)', async () => {
  both(await load('busybox-sh'), 24 * 1024);
});

test.run();
