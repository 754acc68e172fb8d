/**
 * Tests that kill the single-line mutants issue 15 item 8 found surviving the suite. Each test
 * names the mutant and states the rule it checks, through public behaviour only (the engine's
 * results, the allocators' contract), so it survives refactors of the code it guards.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeHeap, walkList } from './helpers/heap';
import { tinyFactory } from './helpers/sim-tiny';
import { replay } from '../src/sim';
import type { RunConfig } from '../src/sim';
import { loadDevice } from '../src/device';
import { packOps, type OpTuple } from './helpers/pack';
import type { AllocatorFactory } from '../src/alloc';

const dev = loadDevice('nds');
const m = suite('mutants of issue 15');

function run(ops: OpTuple[], factory: AllocatorFactory, extra: Partial<RunConfig> = {}) {
  return replay(packOps('t', ops), { device: dev, allocator: factory.name, factory, heapSize: 4096, oom: 'fail', ...extra });
}

/** A tiny-allocator factory with some of its methods replaced (a deliberately lying allocator). */
function lying(name: string, patch: (a: ReturnType<AllocatorFactory['create']>) => void): AllocatorFactory {
  const base = tinyFactory(false);
  return {
    ...base,
    name,
    create(ctx) {
      const a = base.create(ctx);
      patch(a);
      return a;
    },
  };
}

// rmalloc.ts liftToTop without `locks(e) !== 0`.
m('rmalloc: a locked block never moves, even when a failed realloc asked compaction to lift it to the top', () => {
  for (const lock of [false, true]) {
    const h = makeHeap('rmalloc', 4096);
    const a = h.alloc;
    const x = a.alloc(400);
    a.alloc(1000);
    a.alloc(1500);
    const before = a.addressOf(x);
    h.bus.appBytes(before, 400).fill(0x5a);
    assert.is(a.realloc(x, 1100), 0); // no room: fails, remembers x for a lift
    if (lock) a.lock(x);
    a.compact!();
    const after = a.addressOf(x);
    // Unlocked, the lift happens (so this scenario reaches it); locked, x stays put.
    assert.is(after !== before, !lock, `lock=${lock}: ${before} -> ${after}`);
    assert.ok(h.bus.appBytes(after, 400).every((b) => b === 0x5a), 'payload kept');
    assert.equal(a.check(), []);
  }
});

// engine.ts `unusable = heapSize - live - internal - meta - free` without `- meta`.
m('conservation: live + internal + metadata + free + unusable = heap, every term >= 0; over-reported metadata is caught', () => {
  const ops: OpTuple[] = [['a', 0, 100], ['a', 1, 200], ['f', 0]];
  const honest = run(ops, tinyFactory(false));
  assert.ok(honest.conservation.ok);
  // Metadata over-reported by 3 KiB on a 4 KiB heap: the sum exceeds the heap.
  const liar = lying('meta-liar', (a) => {
    const meta = a.metadataBytes.bind(a);
    a.metadataBytes = () => meta() + 3072;
  });
  const r = run(ops, liar);
  assert.not.ok(r.conservation.ok);
  assert.match(r.conservation.firstViolation!.message, /a term is negative/);
  // With --check it is a violation that stops the run.
  assert.is(run(ops, liar, { check: true }).status, 'violation');
});

// engine.ts `fragmentation: free >= size` -> `free > size`.
m('an OOM is a fragmentation OOM exactly when free bytes >= the request (equal counts)', () => {
  // An allocator that always reports 1000 free bytes and refuses every request.
  const full = lying('refuses', (a) => {
    a.alloc = () => 0;
    a.freeBytes = () => 1000;
  });
  const r = run([['a', 1, 999], ['a', 2, 1000], ['a', 3, 1001]], full);
  assert.equal(r.oomEvents.map((e) => [e.size, e.free, e.fragmentation]), [[999, 1000, true], [1000, 1000, true], [1001, 1000, false]]);
  assert.is(r.summary.fragmentationOoms, 2);
  assert.is(r.summary.ooms, 3);
});

// engine.ts `live > peakLive` -> `>=`.
m('internalAtPeak and metadataAtPeak are taken at the FIRST op that reaches peakLive', () => {
  // tiny: usable = roundUp(n, 8) (min 8). First peak: 1 + 15 = 16 live, slack 7 + 1 = 8.
  // Second time at 16 live: 8 + 8, slack 0. The first one counts.
  const r = run([['a', 0, 1], ['a', 1, 15], ['f', 0], ['f', 1], ['a', 2, 8], ['a', 3, 8]], tinyFactory(false));
  assert.is(r.summary.peakLive, 16);
  assert.is(r.summary.internalAtPeak, 8);
  assert.is(r.summary.metadataAtPeak, 16);
  // Independent check: the second peak alone has no slack, so the two differ.
  assert.is(run([['a', 2, 8], ['a', 3, 8]], tinyFactory(false)).summary.internalAtPeak, 0);
});

// uclibc.ts heapFree: freeing between two free areas.
m('uclibc: freeing the block between two free areas leaves one free area spanning all three', () => {
  const h = makeHeap('uclibc', 4096);
  const a = h.alloc;
  const x = a.alloc(64);
  const y = a.alloc(64);
  const z = a.alloc(64);
  a.alloc(64); // keeps z's area off the top
  const freeBlocks = () => walkList(a).filter((b) => b.state === 'free');
  const n0 = freeBlocks().length;
  a.free(x);
  a.free(z);
  assert.is(freeBlocks().length, n0 + 2);
  const total = a.freeBytes();
  a.free(y);
  assert.is(freeBlocks().length, n0 + 1, JSON.stringify(walkList(a)));
  assert.ok(a.freeBytes() > total);
  assert.equal(a.check(), []);
  // And in the other order: free the middle first, then its neighbours.
  const x2 = a.alloc(64);
  const y2 = a.alloc(64);
  const z2 = a.alloc(64);
  a.free(y2);
  a.free(x2);
  a.free(z2);
  assert.is(freeBlocks().length, n0 + 1);
  assert.equal(a.check(), []);
});

m.run();
