/**
 * The allocator contract (src/alloc/types.ts), checked on EVERY allocator in the registry,
 * including ones added later: seeded random runs with the independent invariant checker after
 * every op and exact largestAllocatable probes, observers free of cycles, lock/unlock of
 * non-moving allocators free of cycles, recovery after freeing everything, determinism,
 * HEAP_TOO_SMALL on a tiny heap, parameter choices. Each allocator's own test file carries the
 * long (100k-op) runs; this file keeps the per-allocator cost small.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocatorNames, getFactory, resolveParams, Allocator } from '../src/alloc';
import { SimError } from '../src/errors';
import { makeHeap, randomRun, walkList, TestHeap } from './helpers/heap';

const HEAP = 64 * 1024;
const names = allocatorNames();

test('the registry is not empty and names are unique and match their factories', () => {
  assert.ok(names.length >= 5, `only ${names.length} allocators registered`);
  assert.is(new Set(names).size, names.length);
  for (const n of names) {
    const f = getFactory(n);
    assert.is(f.name, n);
    assert.ok(f.summary.length > 0, `${n}: empty summary`);
    // Defaults resolve, and every string param's default is one of its choices.
    const p = resolveParams(f, undefined, undefined);
    for (const spec of f.params) {
      assert.ok(spec.name in p, `${n}: param ${spec.name} missing after resolve`);
      if (spec.choices) assert.ok(spec.choices.includes(String(spec.default)), `${n}: default ${String(spec.default)} not among choices`);
    }
  }
});

/** Observer snapshot of the bus counters. */
function busState(h: TestHeap): string {
  const c = h.bus.counters();
  return `${c.cycles}/${c.reads}/${c.writes}/${c.copyBytes}`;
}

function observeAll(a: Allocator, handles: number[]): void {
  for (const x of handles) {
    a.usableSize(x);
    a.addressOf(x);
  }
  a.freeBytes();
  a.largestAllocatable();
  a.metadataBytes();
  a.fixedMetadataBytes();
  for (const s of [1, 7, 64, 1000]) a.blockFootprint(s);
  a.walk(() => undefined);
  a.check();
}

for (const name of names) {
  test(`${name}: seeded random run on nds (20k ops, invariants after every op)`, () => {
    const r = randomRun(name, { seed: 0xc0ffee, ops: 20_000, heapSize: HEAP, checkEvery: 1, probeLargestEvery: 50 });
    assert.equal(r.violations, [], r.violations.join('\n'));
    assert.ok(r.allocs > 1000, `${name}: only ${r.allocs} successful allocations`);
  });

  test(`${name}: random run on avr-uno (2 KiB heap, 16-bit pointers), or a heap-size refusal`, () => {
    let r;
    try {
      r = randomRun(name, { seed: 5, ops: 5_000, heapSize: 2048, device: 'avr-uno', checkEvery: 1, probeLargestEvery: 25 });
    } catch (e) {
      assert.instance(e, SimError);
      assert.ok(['HEAP_TOO_SMALL', 'HEAP_TOO_LARGE'].includes((e as SimError).code), String(e));
      return;
    }
    assert.equal(r.violations, [], r.violations.join('\n'));
  });

  test(`${name}: every choice of every parameter runs clean`, () => {
    for (const spec of getFactory(name).params) {
      for (const choice of spec.choices ?? []) {
        if (choice === String(spec.default)) continue;
        const r = randomRun(name, { seed: 11, ops: 4_000, heapSize: HEAP, params: { [spec.name]: choice }, checkEvery: 1, probeLargestEvery: 40 });
        assert.equal(r.violations, [], `${spec.name}=${choice}: ${r.violations.join('\n')}`);
      }
    }
  });

  test(`${name}: observers cost no cycles; lock/unlock of a non-moving allocator cost nothing`, () => {
    const h = makeHeap(name, HEAP);
    const a = h.alloc;
    const hs = [a.alloc(24), a.alloc(300), a.alloc(5)].filter((x) => x !== 0);
    assert.is(hs.length, 3);
    a.free(hs[1]!);
    const before = busState(h);
    observeAll(a, [hs[0]!, hs[2]!]);
    assert.is(busState(h), before, 'an observer touched the counted bus');
    if (!a.moving) {
      for (const x of [hs[0]!, hs[2]!]) {
        assert.is(a.lock(x), a.addressOf(x));
        a.unlock(x);
      }
      assert.is(busState(h), before, 'lock/unlock charged cycles');
    } else {
      assert.is(a.lock(hs[0]!), a.addressOf(hs[0]!));
      a.unlock(hs[0]!);
    }
  });

  test(`${name}: blockFootprint covers the request; fixed metadata is non-negative`, () => {
    const a = makeHeap(name, HEAP).alloc;
    assert.ok(a.fixedMetadataBytes() >= 0);
    for (const s of [1, 2, 3, 8, 13, 64, 100, 1000, 5000]) assert.ok(a.blockFootprint(s) >= s, `blockFootprint(${s}) = ${a.blockFootprint(s)}`);
  });

  test(`${name}: fill until OOM, free everything: no byte is lost`, () => {
    const h = makeHeap(name, HEAP);
    const a = h.alloc;
    const free0 = a.freeBytes();
    const meta0 = a.metadataBytes();
    const largest0 = a.largestAllocatable();
    assert.ok(largest0 > 0 && largest0 <= free0);
    const hs: number[] = [];
    for (const size of [200, 40, 8]) {
      for (;;) {
        const x = a.alloc(size);
        if (x === 0) break;
        hs.push(x);
        if (hs.length > HEAP) throw new Error('alloc never fails');
      }
    }
    assert.ok(hs.length > 100);
    assert.equal(a.check(), []);
    // Free in an interleaved order so coalescing has to handle both neighbours.
    for (let i = 0; i < hs.length; i += 2) a.free(hs[i]!);
    for (let i = 1; i < hs.length; i += 2) a.free(hs[i]!);
    assert.equal(a.check(), []);
    assert.ok(walkList(a).every((b) => b.state !== 'used'));
    // What was free is free again, or became metadata (a handle table may keep its size).
    assert.is(a.freeBytes() + a.metadataBytes(), free0 + meta0);
    if (a.metadataBytes() === meta0) {
      assert.is(a.freeBytes(), free0);
      assert.is(a.largestAllocatable(), largest0);
    }
  });

  test(`${name}: the same ops give the same heap and the same cycles`, () => {
    const run = () => {
      const h = makeHeap(name, HEAP);
      const a = h.alloc;
      const hs: number[] = [];
      let x = 12345;
      for (let i = 0; i < 2000; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        if (hs.length && x % 3 === 0) a.free(hs.splice(x % hs.length, 1)[0]!);
        else {
          const p = a.alloc(1 + (x % 700));
          if (p) hs.push(p);
        }
      }
      return { cycles: h.bus.counters().cycles, blocks: walkList(a) };
    };
    assert.equal(run(), run());
  });

  test(`${name}: a heap too small for its own metadata is HEAP_TOO_SMALL`, () => {
    try {
      makeHeap(name, 8);
    } catch (e) {
      assert.instance(e, SimError);
      assert.is((e as SimError).code, 'HEAP_TOO_SMALL');
      return;
    }
    assert.unreachable('an 8-byte heap was accepted');
  });
}

test.run();
