/**
 * Replay engine behaviour: OOM policies, skipped ops, usage errors, --check catching a
 * corrupted payload and a bus fault, cycle statistics against a brute-force computation,
 * determinism, bad-input errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDevice } from '../src/device';
import { AllocatorUsageError, registry } from '../src/alloc';
import type { Allocator, AllocatorFactory } from '../src/alloc';
import { SimError } from '../src/errors';
import { replay, RunResult } from '../src/sim';
import { packOps } from './helpers/pack';
import { randomTrace } from './helpers/gen';
import { tinyFactory } from './helpers/sim-tiny';

const dev = loadDevice('nds');
// The hand-worked trace of sim-metrics-exact.test.ts: OOMs at ops 6, 10 (fragmentation), 13.
const tiny = packOps('tiny', [
  ['a', 1, 1], ['a', 2, 1], ['a', 3, 1], ['a', 4, 1], ['f', 2], ['a', 5, 50], ['a', 6, 9], ['a', 7, 8],
  ['f', 1], ['f', 3], ['a', 8, 12], ['f', 7], ['a', 8, 12], ['r', 8, 40], ['r', 8, 10], ['f', 6],
]);
const base = { device: dev, heapSize: 128, whatIf: true } as const;

test('abort policy stops at the first OOM', () => {
  const r = replay(tiny, { ...base, allocator: 'tiny', factory: tinyFactory(), oom: 'abort' });
  assert.is(r.status, 'aborted');
  assert.is(r.summary.opsRun, 7);
  assert.is(r.oomEvents.length, 1);
  assert.is(r.oomEvents[0]!.op, 6);
  assert.is(r.oomEvents[0]!.outcome, 'aborted');
  assert.is(r.summary.ooms, 1);
});

// Four 24-byte blocks fill a 128-byte heap; freeing the 1st and 3rd leaves two 32-byte holes
// (24 usable bytes each): a 40-byte request (need 48) fails although 48 bytes are free.
const frag = packOps('frag', [['a', 1, 24], ['a', 2, 24], ['a', 3, 24], ['a', 4, 24], ['f', 1], ['f', 3], ['a', 5, 40], ['f', 5]]);

test('fragmentation OOM is flagged; compact policy compacts, retries once and recovers', () => {
  const failed = replay(frag, { ...base, allocator: 'tiny', factory: tinyFactory(), oom: 'fail' });
  assert.equal(failed.oomEvents.map((e) => [e.op, e.size, e.free, e.largest, e.live, e.outcome, e.fragmentation]), [[6, 40, 48, 24, 48, 'failed', true]]);
  assert.is(failed.summary.fragmentationOoms, 1);
  assert.is(failed.summary.skippedOps, 1); // the free of id 5
  const r = replay(frag, { ...base, allocator: 'tiny-moving', factory: tinyFactory(true), oom: 'compact' });
  assert.is(r.status, 'ok');
  assert.equal(r.oomEvents.map((e) => [e.op, e.outcome, e.fragmentation]), [[6, 'recovered', true]]);
  assert.is(r.summary.ooms, 0);
  assert.is(r.summary.fragmentationOoms, 0);
  assert.is(r.summary.recoveredOoms, 1);
  assert.is(r.compaction.runs, 1);
  assert.is(r.compaction.bytesMoved, 2 * 32); // ids 2 and 4 slide down
  assert.is(r.cycles.byKind.compact.count, 1);
  assert.is(r.compaction.cycles, r.cycles.byKind.compact.total);
  assert.is(r.compaction.longestPause, r.cycles.byKind.compact.max);
  assert.ok(r.compaction.cycles > 0);
  assert.is(r.summary.peakLive, 4 * 24);
});

test('compact policy: a failed retry stays an OOM', () => {
  // The tiny trace, moving: the compaction at op 6 cannot help (free 8 < 9) and changes the
  // layout, so op 10 no longer fails; op 12 allocates id 8 again while it is live (an error);
  // the reallocs of ops 13 and 14 find no room for a new block (8 bytes free) even compacted.
  const r = replay(tiny, { ...base, allocator: 'tiny-moving', factory: tinyFactory(true), oom: 'compact' });
  assert.equal(r.oomEvents.map((e) => [e.op, e.outcome]), [[6, 'failed'], [13, 'failed'], [14, 'failed']]);
  assert.is(r.summary.ooms, 3);
  assert.is(r.compaction.runs, 3);
  assert.equal(r.errors.map((e) => e.op), [12]);
});

test('compact policy without compact() behaves like fail', () => {
  const a = replay(frag, { ...base, allocator: 'tiny', factory: tinyFactory(), oom: 'compact' });
  assert.is(a.summary.ooms, 1);
  assert.is(a.oomEvents[0]!.outcome, 'failed');
  assert.is(a.compaction.runs, 0);
});

test('compactEvery and compactAboveExtFrag trigger compactions', () => {
  const r = replay(tiny, { ...base, allocator: 'tiny-moving', factory: tinyFactory(true), oom: 'fail', compactEvery: 4 });
  assert.is(r.compaction.runs, 4); // after ops 3, 7, 11, 15
  const e = replay(frag, { ...base, allocator: 'tiny-moving', factory: tinyFactory(true), oom: 'fail', compactAboveExtFrag: 0.1 });
  assert.is(e.compaction.runs, 1); // after op 5 (extFrag 1 - 24/48)
  assert.is(e.summary.ooms, 0);
  assert.is(e.summary.maxExtFrag, 0.5); // measured before the compaction it triggered
});

test('idle ops: the allocator may compact; counted as compaction, checked with --check', () => {
  const t = packOps('idle', [['a', 1, 24], ['a', 2, 24], ['a', 3, 24], ['a', 4, 24], ['f', 1], ['f', 3], ['i', 50], ['i', 500], ['a', 5, 40], ['f', 5]]);
  const r = replay(t, { ...base, allocator: 'tiny-moving', factory: tinyFactory(true), oom: 'fail', check: true });
  assert.is(r.status, 'ok', r.violation?.message);
  assert.is(r.compaction.runs, 1); // the 50-cycle idle is too short
  assert.is(r.compaction.bytesMoved, 2 * 32);
  assert.is(r.summary.ooms, 0); // the idle compaction made room for id 5
  assert.is(r.cycles.byKind.compact.count, 1);
  assert.is(r.cycles.ops.count, 8); // idle ops are not trace-op cycles
  assert.is(r.series!.points[7]!.compactions, 1);
});

test('ops of an id whose alloc failed are skipped; trace misuse is an error event', () => {
  const t = packOps('skip', [['a', 1, 500], ['l', 1], ['u', 1], ['r', 1, 8], ['f', 1], ['f', 9], ['a', 2, 8], ['a', 2, 8]]);
  const r = replay(t, { ...base, allocator: 'tiny', factory: tinyFactory(), oom: 'fail' });
  assert.is(r.summary.ooms, 1);
  assert.is(r.summary.skippedOps, 4 + 1 + 1); // l u r f of id 1, free of unknown 9, alloc of live 2
  assert.is(r.summary.errors, 2);
  assert.equal(r.errors.map((e) => e.op), [5, 7]);
  assert.is(r.cycles.byKind.alloc.count, 2); // ops 0 and 6 ran; 7 was skipped
});

test('AllocatorUsageError becomes an error event and the run goes on', () => {
  const f = tinyFactory();
  const strict: AllocatorFactory = {
    ...f, name: 'strict',
    create(ctx) {
      const a = f.create(ctx);
      const held = new Set<number>();
      const orig = { lock: a.lock.bind(a), unlock: a.unlock.bind(a), free: a.free.bind(a) };
      a.lock = (h) => (held.add(h), orig.lock(h));
      a.unlock = (h) => {
        if (!held.delete(h)) throw new AllocatorUsageError(`unlock of unlocked handle ${h}`);
        orig.unlock(h);
      };
      a.free = (h) => {
        if (held.has(h)) throw new AllocatorUsageError(`free of locked handle ${h}`);
        orig.free(h);
      };
      return a;
    },
  };
  const t = packOps('use', [['a', 1, 8], ['u', 1], ['l', 1], ['f', 1], ['u', 1], ['f', 1], ['a', 2, 8]]);
  const r = replay(t, { ...base, allocator: 'strict', factory: strict, oom: 'fail' });
  assert.is(r.status, 'ok');
  assert.equal(r.errors.map((e) => [e.op, e.line]), [[1, 2], [3, 4]]);
  assert.match(r.errors[1]!.message, 'free of locked handle');
  assert.is(r.summary.peakLive, 8);
  assert.is(r.summary.opsRun, 7);
});

test('--check: a payload corrupted through the bus is caught at the next op next to it (here the free of its neighbour), with the op index', () => {
  const t = packOps('corrupt', [['a', 1, 24], ['a', 2, 24], ['a', 3, 8], ['f', 3], ['f', 2], ['f', 1]]);
  const r = replay(t, { ...base, allocator: 'tiny', factory: tinyFactory(), oom: 'fail', check: true }, {
    afterOp(i, v) {
      if (i !== 2) return;
      const h = v.allocator.walk;
      void h;
      // Corrupt byte 5 of id 2's payload (second block: payload at base + 32 + 8).
      const addr = v.heaps[0]!.base + 32 + 8 + 5;
      v.bus.poke8(addr, v.bus.peek8(addr) ^ 0xff);
    },
  });
  assert.is(r.status, 'violation');
  // Op 3 frees id 3, the block after id 2: the checker verifies the freed block's neighbours.
  assert.is(r.violation!.op, 3);
  assert.is(r.violation!.line, 4);
  assert.match(r.violation!.message, 'payload of id 2');
  assert.match(r.violation!.message, 'corrupted at byte 5 next to a block freed by this op');
  assert.ok(r.violation!.blocks.some((b) => b.startsWith('> ') && b.includes('id 2')));
  assert.is(r.summary.opsRun, 4);
  // Without --check the engine does not look at payloads.
  const quiet = replay(t, { ...base, allocator: 'tiny', factory: tinyFactory(), oom: 'fail' });
  assert.is(quiet.status, 'ok');
});

test('--check: a bus fault inside the allocator is a violation, not a crash', () => {
  const f = tinyFactory();
  let calls = 0;
  const faulty: AllocatorFactory = {
    ...f, name: 'faulty',
    create(ctx) {
      const a = f.create(ctx);
      const orig = a.alloc.bind(a);
      a.alloc = (n) => (++calls === 3 ? ctx.bus.read32(0x100) : orig(n));
      return a;
    },
  };
  const t = packOps('fault', [['a', 1, 8], ['a', 2, 8], ['a', 3, 8], ['a', 4, 8]]);
  const r = replay(t, { ...base, allocator: 'faulty', factory: faulty, oom: 'fail' });
  assert.is(r.status, 'violation');
  assert.is(r.violation!.op, 2);
  assert.match(r.violation!.message, 'bus fault');
});

test('--check: an allocator whose walk() loses a live block is caught', () => {
  const f = tinyFactory();
  const liar: AllocatorFactory = {
    ...f, name: 'liar',
    create(ctx) {
      const a = f.create(ctx);
      const orig = a.walk.bind(a);
      a.walk = (visit) => orig((b) => (b.state === 'used' && b.addr === ctx.heaps[0]!.base + 16 ? undefined : visit(b)));
      return a;
    },
  };
  const t = packOps('liar', [['a', 1, 8], ['a', 2, 8], ['f', 1]]);
  const r = replay(t, { ...base, allocator: 'liar', factory: liar, oom: 'fail', check: true });
  assert.is(r.status, 'violation');
  assert.is(r.violation!.op, 1);
  assert.match(r.violation!.message, 'live id 2');
});

/** Wraps a factory so every call's cycle cost is recorded by the test itself. */
function measured(f: AllocatorFactory, costs: Record<string, number[]>): AllocatorFactory {
  return {
    ...f,
    create(ctx) {
      const a = f.create(ctx);
      let depth = 0; // record outermost calls only (realloc may call alloc and free)
      for (const k of ['alloc', 'free', 'realloc', 'lock', 'unlock'] as const) {
        const orig = (a[k] as (...x: number[]) => number).bind(a);
        (a as unknown as Record<string, unknown>)[k] = (...x: number[]) => {
          const c0 = ctx.bus.cycles;
          depth++;
          const out = orig(...x);
          depth--;
          if (depth === 0) (costs[k] ??= []).push(ctx.bus.cycles - c0);
          return out;
        };
      }
      return a as Allocator;
    },
  };
}

const nearestRank = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil((p / 100) * s.length)) - 1]!;
};

test('cycle stats (count, total, mean, p50, p99, max) match a brute-force computation', () => {
  const ff = registry.get('first-fit');
  const fac = ff ?? tinyFactory();
  const t = randomTrace({ seed: 7, ops: 3000, maxSize: 600, liveTarget: 40 });
  const costs: Record<string, number[]> = {};
  const r = replay(t, { device: dev, allocator: fac.name, factory: measured(fac, costs), heapSize: 64 * 1024, oom: 'fail' });
  assert.is(r.summary.ooms, 0);
  for (const k of ['alloc', 'free', 'realloc'] as const) {
    const xs = costs[k] ?? [];
    const s = r.cycles.byKind[k];
    assert.ok(xs.length > 0, k);
    assert.is(s.count, xs.length, `${k} count`);
    assert.is(s.total, xs.reduce((a, b) => a + b, 0), `${k} total`);
    assert.is(s.max, Math.max(...xs), `${k} max`);
    assert.is(s.p50, nearestRank(xs, 50), `${k} p50`);
    assert.is(s.p99, nearestRank(xs, 99), `${k} p99`);
    assert.ok(s.exact);
    assert.is(s.maxUs, (s.max * 1e6) / dev.cpu.clockHz);
  }
  const all = [...costs.alloc!, ...costs.free!, ...costs.realloc!];
  assert.is(r.cycles.ops.count, all.length);
  assert.is(r.cycles.ops.p99, nearestRank(all, 99));
  assert.is(r.cycles.total, all.reduce((a, b) => a + b, 0));
});

test('replays are deterministic (everything but wall time)', () => {
  const t = randomTrace({ seed: 3, ops: 2000, maxSize: 900, liveTarget: 50 });
  const name = registry.has('first-fit') ? 'first-fit' : undefined;
  const cfg = name ? { device: dev, allocator: name, heapSize: 24 * 1024, oom: 'fail' as const }
    : { device: dev, allocator: 'tiny', factory: tinyFactory(), heapSize: 24 * 1024, oom: 'fail' as const };
  const strip = (r: RunResult) => ({ ...r, wallMs: 0 });
  assert.equal(strip(replay(t, cfg)), strip(replay(t, cfg)));
});

test('bad input: unknown allocator, heap larger than its region, heap too small', () => {
  const t = packOps('x', [['a', 1, 8]]);
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      assert.instance(e, SimError);
      return (e as SimError).code;
    }
    return 'none';
  };
  assert.is(code(() => replay(t, { device: dev, allocator: 'no-such', oom: 'fail' })), 'ALLOCATOR_UNKNOWN');
  assert.is(code(() => replay(t, { device: dev, allocator: 'tiny', factory: tinyFactory(), heapSize: 64 << 20, oom: 'fail' })), 'HEAP_TOO_LARGE');
  assert.is(code(() => replay(t, { device: dev, allocator: 'tiny', factory: tinyFactory(), heapSize: 8, oom: 'fail' })), 'HEAP_TOO_SMALL');
  assert.is(code(() => replay(t, { device: dev, allocator: 'tiny', factory: tinyFactory(), oom: 'fail', locks: 'bogus:1' })), 'USAGE');
});

test('lock models are applied (src/sim/locks.ts) and their l/u ops run through the allocator', () => {
  const t = randomTrace({ seed: 9, ops: 1500, maxSize: 500, liveTarget: 30, drain: true });
  const name = registry.has('rmalloc') ? 'rmalloc' : 'tiny-moving';
  const fac = registry.has('rmalloc') ? {} : { factory: tinyFactory(true) };
  const r = replay(t, { device: dev, allocator: name, ...fac, heapSize: 32 * 1024, oom: 'fail', locks: 'pinned:1', check: true });
  assert.is(r.status, 'ok', r.violation?.message);
  assert.is(r.trace.lockModel, 'pinned:1');
  assert.ok(r.trace.locks > 0);
  assert.is(r.cycles.byKind.lock.count, r.trace.locks);
  assert.is(r.summary.errors, 0);
  const none = replay(t, { device: dev, allocator: name, ...fac, heapSize: 32 * 1024, oom: 'fail' });
  assert.is(none.trace.locks, 0);
  assert.is(none.summary.peakLive, r.summary.peakLive);
});

test('sparse huge ids are remapped and behave like compact ones', () => {
  const dense = packOps('d', [['a', 0, 8], ['a', 1, 16], ['f', 0], ['r', 1, 40], ['f', 1]]);
  const sparse = packOps('d', [['a', 7e12, 8], ['a', 3e15, 16], ['f', 7e12], ['r', 3e15, 40], ['f', 3e15]]);
  const run = (t: typeof dense) => replay(t, { ...base, allocator: 'tiny', factory: tinyFactory(), oom: 'fail' });
  const a = run(dense), b = run(sparse);
  assert.equal(b.summary, a.summary);
  assert.equal(b.cycles, a.cycles);
});

test.run();
